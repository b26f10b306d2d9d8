"""The reputation score and ranking, the same integer arithmetic as contracts/libraries/
ReputationMath.sol and Reputation.rankWindow, so that scores computed off-chain from the
contracts' views equal the on-chain ones exactly, ties included; and the merge of the
contract's bounded ranking windows into the global order."""

from __future__ import annotations

import heapq
from collections.abc import Callable, Iterable, Sequence
from dataclasses import astuple, dataclass, fields
from typing import Any, TypeVar

T = TypeVar("T")

WAD = 10**18
MILLI_MOR = 10**15  # SessionRouter.WEIGHT_UNIT: weights are milli-MOR-seconds
DAY = 86_400
PRIOR_WEIGHT = 10 * 1000 * DAY  # 10 MOR-days
EXPERIENCE_HALF = 100 * 1000 * DAY  # 100 MOR-days
EARNINGS_HALF = 100 * 10**18
LAG_HALF_MS = 1_000
SPEED_HALF_TPS = 50
STAKE_HALF = 1_000 * 10**18


MIN_RATED_SECONDS = 600  # SessionRouter.MIN_RATED_SECONDS: a shorter session rates nothing
MAX_SESSION_WEIGHT = 10 * 1000 * DAY  # SessionRouter.MAX_SESSION_WEIGHT: 10 MOR-days
VERDICT_WINDOW = DAY  # SessionRouter.VERDICT_WINDOW: the consumer's late verdict


def session_weight(stake: int, seconds: int, self_dealt: bool = False) -> int:
    """A session's weight in the statistics (SessionRouter._weightOf): floor(stake / 1e15) x
    seconds (milli-MOR-seconds), capped at MAX_SESSION_WEIGHT; 0 (it rates nothing) when
    self-dealt or shorter than MIN_RATED_SECONDS."""
    if self_dealt or seconds < MIN_RATED_SECONDS:
        return 0
    return min(stake // MILLI_MOR * seconds, MAX_SESSION_WEIGHT)


def counted_earnings(pay: int, weight: int) -> int:
    """What a session's pay adds to `earnings`: at most its (capped) MOR-seconds per day."""
    return min(pay, weight * MILLI_MOR // DAY)


@dataclass(frozen=True)
class Inputs:
    """What a score is computed from (ReputationMath.Inputs, field for field)."""

    weight: int = 0
    completed_weight: int = 0
    disputed_weight: int = 0
    closed_early_weight: int = 0
    ttft_weighted: int = 0
    tps_weighted: int = 0
    earnings: int = 0
    price_per_second: int = 1
    min_price_per_second: int = 1
    stake: int = 0

    def as_tuple(self) -> tuple[int, ...]:
        return astuple(self)

    @classmethod
    def from_chain(cls, struct: object) -> Inputs:
        """From the struct the contract's views return (ape gives attributes in camelCase)."""
        values = list(struct) if isinstance(struct, (tuple, list)) else [getattr(struct, n) for n in _CAMEL]
        return cls(*[int(v) for v in values])


_CAMEL = [
    "weight",
    "completedWeight",
    "disputedWeight",
    "closedEarlyWeight",
    "ttftWeighted",
    "tpsWeighted",
    "earnings",
    "pricePerSecond",
    "minPricePerSecond",
    "stake",
]


@dataclass(frozen=True)
class Weights:
    """A consumer's needs: one weight (0..65535) per component (ReputationMath.Weights)."""

    reliability: int = 0
    early_closes: int = 0
    experience: int = 0
    earnings: int = 0
    lag: int = 0
    speed: int = 0
    price: int = 0
    stake: int = 0

    def as_tuple(self) -> tuple[int, ...]:
        return astuple(self)

    @property
    def total(self) -> int:
        return sum(getattr(self, f.name) for f in fields(self))


BALANCED = Weights(1, 1, 1, 1, 1, 1, 1, 1)


def _ratio(a: int, b: int) -> int:
    return 0 if b == 0 else min(WAD, a * WAD // b)


def components(x: Inputs) -> dict[str, int]:
    """Each component's goodness in [0, WAD], as named in Weights (ReputationMath.components).
    Raises on weights no history can produce (a part larger than the whole), where the contract
    reverts on underflow."""
    rated = x.completed_weight + x.disputed_weight
    if x.closed_early_weight > rated:
        raise ValueError("the early-closed weight is a part of the rated weight")
    half = PRIOR_WEIGHT // 2
    measured = x.completed_weight + PRIOR_WEIGHT
    return {
        "reliability": _ratio(x.completed_weight + half, rated + PRIOR_WEIGHT),
        "early_closes": _ratio(rated - x.closed_early_weight + half, rated + PRIOR_WEIGHT),
        "experience": _ratio(x.weight, x.weight + EXPERIENCE_HALF),
        "earnings": _ratio(x.earnings, x.earnings + EARNINGS_HALF),
        "lag": _ratio(LAG_HALF_MS * measured, LAG_HALF_MS * (measured + PRIOR_WEIGHT) + x.ttft_weighted),
        "speed": _ratio(
            x.tps_weighted + SPEED_HALF_TPS * PRIOR_WEIGHT, x.tps_weighted + SPEED_HALF_TPS * (measured + PRIOR_WEIGHT)
        ),
        "price": _ratio(x.min_price_per_second, x.price_per_second),
        "stake": _ratio(x.stake, x.stake + STAKE_HALF),
    }


def score(x: Inputs, w: Weights) -> int:
    """The weighted mean of the components, rounded down; raises on all-zero weights."""
    if w.total == 0:
        raise ValueError("ZeroWeights: at least one weight must be positive")
    parts = components(x)
    return sum(getattr(w, name) * value for name, value in parts.items()) // w.total


def rank(bids: dict[int, Inputs], w: Weights) -> list[tuple[int, int]]:
    """(bid id, score) sorted best first, ties by bid id ascending."""
    scored = [(bid, score(x, w)) for bid, x in bids.items()]
    return sorted(scored, key=lambda item: (-item[1], item[0]))


def rank_order(item: tuple[int, int]) -> tuple[int, int]:
    """The ranking's sort key of a (bid id, score) pair: score descending, then bid id ascending."""
    bid, bid_score = item
    return (-bid_score, bid)


def merge_windows(windows: Iterable[Sequence[T]], key: Callable[[T], Any] | None = None) -> list[T]:
    """The global ranking from windows that are each sorted (Reputation.rankWindow's output):
    a k-way merge, O(n log k). `key` gives an item's (bid id, score); (bid, score) tuples by
    default. Equal to `rank` over the union of the windows when they partition the bids."""
    to_pair = key or (lambda item: item)
    return list(heapq.merge(*windows, key=lambda item: rank_order(to_pair(item))))
