"""Fixtures of the reputation tests: a model with competing bids, a way to give a bid a history
of closed sessions, and the statistics that history must produce, modelled in plain Python from
each session's stake and seconds (PROTOCOL.md §6: a session weighs its MOR-seconds at stake)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

import pytest
from ape import chain

from mor_market.constants import MOR
from mor_market.ranking import Inputs, Weights, counted_earnings, session_weight
from tests.conftest import STIPEND

SESSION_STAKE = 1_000 * MOR  # the history's default stake: 10^6 milli-MOR, so 1 s weighs 10^6
# (its weight reaches MAX_SESSION_WEIGHT, the prior's 864,000,000, at 864 s)


@dataclass(frozen=True)
class Closed:
    """One session of a history, as the consumer closed it."""

    stake: int
    seconds: int  # seconds provided: min(closedAt, endsAt) - openedAt
    price: int  # the bid's price per second at opening
    completed: bool  # closed with a receipt (else disputed)
    closed_early: bool  # closed before its end
    ttft_ms: int
    tps: int


def expected_inputs(sessions: Iterable[Closed], price: int, min_price: int, provider_stake: int) -> Inputs:
    """The inputs a bid must show after `sessions`, every one closed by its consumer: each adds
    its weight `min(stake // 1e15 * seconds, MAX_SESSION_WEIGHT)` (0 below MIN_RATED_SECONDS: then
    nothing at all) to the weight, to the completed or the disputed weight, to the closed-early
    weight if it was closed early, and its weighted measurements when completed; its pay counts
    towards earnings at most `weight * 1e15 // 1 day`."""
    weight = completed = disputed = early = ttft = tps = earnings = 0
    for s in sessions:
        w = session_weight(s.stake, s.seconds)
        if w == 0:
            continue
        weight += w
        earnings += counted_earnings(s.price * s.seconds, w)
        if s.completed:
            completed += w
            ttft += w * s.ttft_ms
            tps += w * s.tps
        else:
            disputed += w
        if s.closed_early:
            early += w
    return Inputs(weight, completed, disputed, early, ttft, tps, earnings, price, min_price, provider_stake)


@pytest.fixture(scope="session")
def reputation(protocol):
    return protocol.reputation


@pytest.fixture
def history(router, open_session, sign_receipt, consumer) -> Callable[..., list[Closed]]:
    """Closes `sessions` sessions of `seconds` each on `bid`, staking `stake` each, `disputed` of
    them (the first ones) by the consumer without a receipt, the others with a receipt of
    (ttft_ms, tps) signed by `provider`. Returns what each session was, for `expected_inputs`."""

    def _history(
        provider: Any,
        bid: int,
        sessions: int,
        disputed: int = 0,
        ttft_ms: int = 500,
        tps: int = 40,
        seconds: int = 600,
        stake: int = SESSION_STAKE,
    ) -> list[Closed]:
        closed = []
        for i in range(sessions):
            session = open_session(consumer, bid, stake, STIPEND)
            opened = router.session(session)
            at = opened.openedAt + seconds
            chain.pending_timestamp = at
            if i < disputed:
                tx = router.closeSession(session, sender=consumer)
            else:
                deadline = at + 600
                signature = sign_receipt(provider, session, ttft_ms, tps, deadline)
                tx = router.closeSessionWithReceipt(session, ttft_ms, tps, deadline, signature, sender=consumer)
            assert tx.timestamp == at
            provided = min(at, opened.endsAt) - opened.openedAt
            closed.append(
                Closed(stake, provided, opened.pricePerSecond, i >= disputed, at < opened.endsAt, ttft_ms, tps)
            )
        return closed

    return _history


def inputs_of(reputation: Any, bid: int) -> Inputs:
    return Inputs.from_chain(reputation.inputsOf(bid))


def component_on_chain(reputation: Any, x: Inputs, name: str) -> int:
    """One component as the contract computes it: the score with that component's weight alone
    (`w * c // w == c`)."""
    return reputation.score(x.as_tuple(), Weights(**{name: 1}).as_tuple())


def window(
    reputation: Any, model_id: int, weights: Weights, offset: int = 0, limit: int = 200
) -> list[tuple[int, int]]:
    """One rankWindow as (bid id, score) pairs (Ape returns the structs of a multi-value return
    as tuples: bid id first, score third)."""
    ranked, _total = reputation.rankWindow(model_id, weights.as_tuple(), offset, limit)
    return [(int(r[0]), int(r[2])) for r in ranked]
