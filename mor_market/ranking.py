"""The reputation score and ranking, the same integer arithmetic as contracts/libraries/
ReputationMath.sol and Reputation.rankedBids, so that scores computed off-chain from the
contracts' views equal the on-chain ones exactly, ties included."""

from __future__ import annotations

from dataclasses import astuple, dataclass, fields

WAD = 10**18
NEUTRAL = WAD // 2
EXPERIENCE_HALF = 86_400
EARNINGS_HALF = 100 * 10**18
LAG_HALF_MS = 1_000
SPEED_HALF_TPS = 50
STAKE_HALF = 1_000 * 10**18


@dataclass(frozen=True)
class Inputs:
    """What a score is computed from (ReputationMath.Inputs, field for field)."""

    completed: int = 0
    disputed: int = 0
    closed_early: int = 0
    receipts: int = 0
    seconds_provided: int = 0
    earnings: int = 0
    ttft_ms_sum: int = 0
    tps_sum: int = 0
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
    "completed",
    "disputed",
    "closedEarly",
    "receipts",
    "secondsProvided",
    "earnings",
    "ttftMsSum",
    "tpsSum",
    "pricePerSecond",
    "minPricePerSecond",
    "stake",
]


@dataclass(frozen=True)
class Weights:
    """A consumer's needs: one weight (0..65535) per component (ReputationMath.Weights)."""

    reliability: int = 0
    disputes: int = 0
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


BALANCED = Weights(1, 1, 1, 1, 1, 1, 1, 1, 1)


def _share(a: int, b: int) -> int:
    return NEUTRAL if b == 0 else a * WAD // b


def _ratio(a: int, b: int) -> int:
    return 0 if b == 0 else min(WAD, a * WAD // b)


def components(x: Inputs) -> dict[str, int]:
    """Each component's goodness in [0, WAD], as named in Weights."""
    sessions = x.completed + x.disputed
    return {
        "reliability": _share(x.completed, sessions),
        "disputes": _ratio(1, 1 + x.disputed),
        "early_closes": _share(sessions - x.closed_early, sessions),
        "experience": _ratio(x.seconds_provided, x.seconds_provided + EXPERIENCE_HALF),
        "earnings": _ratio(x.earnings, x.earnings + EARNINGS_HALF),
        "lag": _share(LAG_HALF_MS * x.receipts, LAG_HALF_MS * x.receipts + x.ttft_ms_sum),
        "speed": _share(x.tps_sum, x.tps_sum + SPEED_HALF_TPS * x.receipts),
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
