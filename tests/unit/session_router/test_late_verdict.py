"""The consumer's late verdict (PROTOCOL.md §5 v3, "the consumer's verdict cannot be pre-empted"):
after a close by anyone else (the provider, its signer, a keeper after the end) the consumer may
rate the session once within VERDICT_WINDOW: with the provider's receipt it is completed (its
measurements count), without one disputed, and closed early if it was closed before its end. The
close and the late verdict together record exactly what the consumer's own close at the same
second would have; the verdict moves no MOR and works while paused."""

from __future__ import annotations

from typing import Any

import pytest

from mor_market.constants import MOR
from tests.conftest import PRICE
from tests.unit.session_router.conftest import (
    COMPLETED,
    DISPUTED,
    HOUR,
    MAX_SESSION_WEIGHT,
    NONE,
    STATS_FIELDS,
    counted_earnings,
    no_stats,
    stats_of,
    weight_of,
)
from tests.utils.checks import check_conservation

TWIN_STAKE = 200 * MOR  # lasts about 2,020 s: its weight stays below the cap even at its end
TTFT_MS, TPS = 320, 45
GAS_TARGET = 60_000  # a late verdict on a pair with history (issue 26): 59,827 completed, 39,392 disputed
# A pair's first completed verdict writes its packed completed word from zero (about 20,000 more).
FIRST_COMPLETED_CEILING = 95_000

CLOSERS = ["provider", "provider_with_its_own_receipt", "signer", "provider_after_end", "keeper_after_end"]
VERDICTS = [COMPLETED, DISPUTED]
VERDICT_IDS = ["completed_with_receipt", "disputed_without_receipt"]


def _delta(after: dict[str, int], before: dict[str, int]) -> dict[str, int]:
    return {field: after[field] - before[field] for field in STATS_FIELDS}


def _plus(a: dict[str, int], b: dict[str, int]) -> dict[str, int]:
    return {field: a[field] + b[field] for field in STATS_FIELDS}


def _money(observed: dict[str, Any]) -> dict[str, Any]:
    """What `observe` saw, but the statistics and the session records: everything MOR."""
    return {k: v for k, v in observed.items() if k not in ("stats", "sessions")}


def _verdict_stats(verdict: int, weight: int, closed_early: bool, ttft_ms: int, tps: int) -> dict[str, int]:
    """What a verdict on a session of `weight` adds to its pair's statistics."""
    if verdict == COMPLETED:
        added = {
            "completedWeight": weight,
            "completed": 1,
            "ttftWeighted": weight * ttft_ms,
            "tpsWeighted": weight * tps,
        }
    else:
        added = {"disputedWeight": weight, "disputed": 1}
    return {**no_stats(), **added, "closedEarlyWeight": weight if closed_early else 0}


@pytest.fixture
def give_verdict(rate_at, rate_with_receipt_at) -> Any:
    """The consumer's late verdict `verdict` on `session` at `at`, with a receipt of (TTFT_MS,
    TPS) signed by `key` when completed."""

    def _give(verdict: int, session: int, consumer: Any, at: int, key: Any) -> Any:
        if verdict == COMPLETED:
            return rate_with_receipt_at(session, consumer, at, ttft_ms=TTFT_MS, tps=TPS, signed_by=key)
        return rate_at(session, consumer, at)

    return _give


@pytest.mark.parametrize("verdict", VERDICTS, ids=VERDICT_IDS)
@pytest.mark.parametrize("closer_name", CLOSERS)
def test_rate__after_a_close_by_someone_else__records_what_the_consumers_own_close_would_have(
    closer_name: str,
    verdict: int,
    protocol,
    router,
    mor,
    marketplace,
    provider,
    signer,
    keeper,
    consumer,
    consumer2,
    bid,
    model_id,
    day_start,
    open_at,
    close_at,
    close_with_receipt_at,
    give_verdict,
    observe,
):
    key = provider
    if closer_name == "signer":
        marketplace.setSigner(signer, sender=provider)
        key = signer
    closer = {"signer": signer, "keeper_after_end": keeper}.get(closer_name, provider)
    after_end = closer_name.endswith("after_end")
    t = day_start + 1_000
    # Twin sessions, opened in the same second: the subject closed by `closer` and rated late by
    # its consumer, the twin closed by its own consumer with the same verdict at the same second.
    mor.approve(router, TWIN_STAKE, sender=consumer)
    mor.approve(router, TWIN_STAKE, sender=consumer2)
    subject = open_at(consumer, bid, TWIN_STAKE, t, signed_by=key, approve=False)
    twin = open_at(consumer2, bid, TWIN_STAKE, t, signed_by=key, approve=False)
    assert (subject.opened_at, subject.ends_at) == (twin.opened_at, twin.ends_at)
    at = subject.ends_at + 10 if after_end else t + 1_500
    seconds = min(at, subject.ends_at) - t
    w = weight_of(TWIN_STAKE, seconds)
    assert 0 < w == TWIN_STAKE // 10**15 * seconds < MAX_SESSION_WEIGHT  # uncapped: the seconds count
    closed_early = not after_end

    s0 = stats_of(router, provider, model_id)
    if closer_name == "provider_with_its_own_receipt":
        # The provider's flattering receipt on its own close counts for nothing.
        close_with_receipt_at(subject.session_id, provider, at, ttft_ms=1, tps=100_000)
    else:
        close_at(subject.session_id, closer, at)
    s1 = stats_of(router, provider, model_id)
    served = {
        **no_stats(),
        "weight": w,
        "secondsProvided": seconds,
        "earnings": counted_earnings(PRICE * seconds, w),
    }
    assert _delta(s1, s0) == served
    assert router.session(subject.session_id).verdict == NONE

    if verdict == COMPLETED:
        close_with_receipt_at(twin.session_id, consumer2, at, ttft_ms=TTFT_MS, tps=TPS, signed_by=key)
    else:
        close_at(twin.session_id, consumer2, at)
    s2 = stats_of(router, provider, model_id)
    before = observe(subject.session_id)

    tx = give_verdict(verdict, subject.session_id, consumer, at + HOUR, key)

    s3 = stats_of(router, provider, model_id)
    assert _delta(s3, s2) == _verdict_stats(verdict, w, closed_early, TTFT_MS, TPS)
    # The close and the late verdict together: exactly the twin's close by its consumer.
    assert _plus(_delta(s1, s0), _delta(s3, s2)) == _delta(s2, s1)
    rated = tx.decode_logs(router.SessionRated)
    measured = (TTFT_MS, TPS) if verdict == COMPLETED else (0, 0)
    assert [(r.sessionId, r.verdict, r.weight, r.closedEarly, r.ttftMs, r.tokensPerSecond) for r in rated] == [
        (subject.session_id, verdict, w, closed_early, *measured)
    ]
    assert tx.decode_logs(router.ReceiptRecorded) == []  # the measurements travel in SessionRated
    assert tx.decode_logs(router.SessionClosed) == []
    assert tx.decode_logs(mor.Transfer) == []
    after = observe(subject.session_id)
    assert _money(after) == _money(before)  # it moves no MOR: balances, locked, holds, owed
    record = tuple(router.session(subject.session_id))
    assert record[:-1] == tuple(before["sessions"][0])[:-1]  # only the verdict changed
    assert record[-1] == verdict == router.session(twin.session_id).verdict
    check_conservation(protocol)


@pytest.mark.parametrize("verdict", VERDICTS, ids=VERDICT_IDS)
@pytest.mark.parametrize(
    ("closed_before_end", "closed_early"), [(1, True), (0, False)], ids=["one_second_before_end", "at_end"]
)
def test_rate__of_a_session_the_provider_closed__is_closed_early_only_if_closed_before_its_end(
    closed_before_end: int,
    closed_early: bool,
    verdict: int,
    router,
    provider,
    consumer,
    bid,
    model_id,
    day_start,
    open_at,
    close_at,
    give_verdict,
):
    opened = open_at(consumer, bid, TWIN_STAKE, day_start + 1_000)
    closed_at = opened.ends_at - closed_before_end
    close_at(opened.session_id, provider, closed_at)
    w = weight_of(TWIN_STAKE, closed_at - opened.opened_at)
    before = stats_of(router, provider, model_id)

    tx = give_verdict(verdict, opened.session_id, consumer, closed_at + 1, provider)

    assert tx.decode_logs(router.SessionRated)[0].closedEarly == closed_early
    added = _delta(stats_of(router, provider, model_id), before)
    assert added == _verdict_stats(verdict, w, closed_early, TTFT_MS, TPS)


@pytest.mark.parametrize("verdict", VERDICTS, ids=VERDICT_IDS)
def test_rate__while_paused__records_the_verdict(
    verdict: int, router, owner, provider, consumer, bid, model_id, day_start, open_at, close_at, give_verdict
):
    opened = open_at(consumer, bid, TWIN_STAKE, day_start + 1_000)
    close_at(opened.session_id, provider, opened.opened_at + 900)
    router.pause(sender=owner)
    before = stats_of(router, provider, model_id)

    give_verdict(verdict, opened.session_id, consumer, opened.opened_at + 1_000, provider)

    assert router.paused()
    assert router.session(opened.session_id).verdict == verdict
    w = weight_of(TWIN_STAKE, 900)
    added = _delta(stats_of(router, provider, model_id), before)
    assert added == _verdict_stats(verdict, w, True, TTFT_MS, TPS)


def test_rate__gas_of_a_late_verdict__is_at_most_the_target(
    router, provider, consumer, bid, day_start, open_at, close_at, give_verdict
):
    """Measured on a pair whose statistics already hold a completed and a disputed verdict (the
    usual case) and on the pair's first verdict of each kind (zero slots written: dearer)."""
    t = day_start + 1_000
    sessions = [open_at(consumer, bid, TWIN_STAKE, t + i) for i in range(4)]
    for i, opened in enumerate(sessions):
        close_at(opened.session_id, provider, t + 1_000 + i)
    at = t + 2_000
    gas = {
        "first completed": give_verdict(COMPLETED, sessions[0].session_id, consumer, at, provider).gas_used,
        "first disputed": give_verdict(DISPUTED, sessions[1].session_id, consumer, at + 1, provider).gas_used,
        "completed": give_verdict(COMPLETED, sessions[2].session_id, consumer, at + 2, provider).gas_used,
        "disputed": give_verdict(DISPUTED, sessions[3].session_id, consumer, at + 3, provider).gas_used,
    }
    print(f"\nlate verdict gas: {gas}")
    assert gas["disputed"] <= gas["first disputed"] <= GAS_TARGET
    assert gas["completed"] <= GAS_TARGET
    assert gas["first completed"] <= FIRST_COMPLETED_CEILING
