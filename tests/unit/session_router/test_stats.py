"""Statistics per (provider, model) recorded at every close (PROTOCOL.md §6), weighted by the
MOR-seconds at stake: weight, completed/disputed/closed-early weights, counts of completed and
disputed sessions, seconds provided, counted earnings, and the weighted sums behind the means of
time to first token and tokens per second. A session rates only from 600 s provided, weighs at
most MAX_SESSION_WEIGHT, and only its consumer's verdict rates it (here: its own close; a late
verdict after another's close is in test_late_verdict.py)."""

from __future__ import annotations

from typing import Any

from mor_market.constants import MOR
from tests.conftest import PRICE
from tests.unit.session_router.conftest import (
    COMPLETED,
    DIRECT,
    DISPUTED,
    HOUR,
    MAX_SESSION_WEIGHT,
    NONE,
    counted_earnings,
    no_stats,
    stats_of,
    weight_of,
)


def _rating(router: Any, tx: Any) -> tuple[int, bool, bool, int]:
    """(weight, disputed, closedEarly) of the close's SessionClosed event, and how many
    ReceiptRecorded events it emitted."""
    closed = tx.decode_logs(router.SessionClosed)
    assert len(closed) == 1
    return closed[0].weight, closed[0].disputed, closed[0].closedEarly, len(tx.decode_logs(router.ReceiptRecorded))


def test_close__each_kind_of_close__updates_every_field_exactly(
    router,
    consumer,
    consumer2,
    provider,
    keeper,
    bid,
    model_id,
    stake,
    day_start,
    open_at,
    close_at,
    close_with_receipt_at,
):
    t = day_start + 1_000
    odd_stake = 500 * MOR + 123  # not a multiple of 1e15: its weight unit is floored
    direct_stake = 100 * MOR + 777  # lasts a whole day at PRICE, so its pay is never capped
    provider_stake = 1_200 * MOR + 5
    early_receipt = open_at(consumer, bid, stake, t)
    disputed = open_at(consumer, bid, odd_stake, t + 1)
    expired = open_at(consumer2, bid, stake, t + 2)
    by_provider = open_at(consumer2, bid, provider_stake, t + 3)
    direct = open_at(consumer, bid, direct_stake, t + 4, mode=DIRECT)
    expected = no_stats()
    assert stats_of(router, provider, model_id) == expected

    # The provider closes with its own receipt: weight, seconds and earnings, no rating.
    tx = close_with_receipt_at(by_provider.session_id, provider, t + 3 + 700, ttft_ms=100, tps=70)
    w = weight_of(provider_stake, 700)
    assert w == 1_200_000 * 700 < MAX_SESSION_WEIGHT
    expected["weight"] += w
    expected["secondsProvided"] += 700
    expected["earnings"] += PRICE * 700
    assert stats_of(router, provider, model_id) == expected
    assert _rating(router, tx) == (w, False, False, 0)

    # The consumer closes without a receipt before the end: disputed and closed early.
    tx = close_at(disputed.session_id, consumer, t + 1 + 1_200)
    w = weight_of(odd_stake, 1_200)
    assert w == 500_000 * 1_200 < MAX_SESSION_WEIGHT
    expected["weight"] += w
    expected["disputedWeight"] += w
    expected["disputed"] += 1
    expected["closedEarlyWeight"] += w
    expected["secondsProvided"] += 1_200
    expected["earnings"] += PRICE * 1_200
    assert counted_earnings(PRICE * 1_200, w) == PRICE * 1_200  # a long way below the weight's cap
    assert stats_of(router, provider, model_id) == expected
    assert _rating(router, tx) == (w, True, True, 0)

    # The consumer closes a direct session with a receipt before the end: completed, closed early.
    tx = close_with_receipt_at(direct.session_id, consumer, t + 1_900, ttft_ms=120, tps=90)
    w = weight_of(direct_stake, 1_896)
    assert w == 100_000 * 1_896
    expected["weight"] += w
    expected["completedWeight"] += w
    expected["completed"] += 1
    expected["closedEarlyWeight"] += w
    expected["secondsProvided"] += 1_896
    expected["earnings"] += PRICE * 1_896
    expected["ttftWeighted"] += w * 120
    expected["tpsWeighted"] += w * 90
    assert stats_of(router, provider, model_id) == expected
    assert _rating(router, tx) == (w, False, True, 1)

    # The consumer closes a stipend session with a receipt before the end, after an hour: its
    # 1,000 MOR x 3,600 s are above the cap, so it weighs the cap.
    tx = close_with_receipt_at(early_receipt.session_id, consumer, t + HOUR, ttft_ms=300, tps=50)
    w = weight_of(stake, HOUR)
    assert w == MAX_SESSION_WEIGHT < 1_000_000 * HOUR
    expected["weight"] += w
    expected["completedWeight"] += w
    expected["completed"] += 1
    expected["closedEarlyWeight"] += w
    expected["secondsProvided"] += HOUR
    expected["earnings"] += PRICE * HOUR
    expected["ttftWeighted"] += w * 300
    expected["tpsWeighted"] += w * 50
    assert stats_of(router, provider, model_id) == expected
    assert _rating(router, tx) == (w, False, True, 1)

    # A keeper closes after the end: the whole duration (capped weight), no rating.
    duration = expired.ends_at - expired.opened_at
    tx = close_at(expired.session_id, keeper, expired.ends_at + 10)
    w = weight_of(stake, duration)
    assert w == MAX_SESSION_WEIGHT
    expected["weight"] += w
    expected["secondsProvided"] += duration
    expected["earnings"] += PRICE * duration
    assert stats_of(router, provider, model_id) == expected
    assert _rating(router, tx) == (w, False, False, 0)

    verdicts = [router.session(o.session_id).verdict for o in (disputed, direct, early_receipt, by_provider, expired)]
    assert verdicts == [DISPUTED, COMPLETED, COMPLETED, NONE, NONE]


def test_close__by_consumer_with_receipt_after_end__is_completed_but_not_closed_early(
    router, consumer, provider, model_id, stake, running, close_with_receipt_at
):
    duration = running.ends_at - running.opened_at

    tx = close_with_receipt_at(running.session_id, consumer, running.ends_at + 5, ttft_ms=200, tps=30)

    w = weight_of(stake, duration)
    assert stats_of(router, provider, model_id) == {
        **no_stats(),
        "weight": w,
        "completedWeight": w,
        "completed": 1,
        "secondsProvided": duration,
        "earnings": PRICE * duration,
        "ttftWeighted": w * 200,
        "tpsWeighted": w * 30,
    }
    assert _rating(router, tx) == (w, False, False, 1)


def test_close__of_one_pair__leaves_other_pairs_stats_untouched(
    router, consumer, provider, provider2, bid, model_id, stake, register_model, running, close_with_receipt_at
):
    other_model = register_model("mistral-7b")

    close_with_receipt_at(running.session_id, consumer, running.opened_at + HOUR)

    w = weight_of(stake, HOUR)
    assert stats_of(router, provider, model_id) == {
        **no_stats(),
        "weight": w,
        "completedWeight": w,
        "completed": 1,
        "closedEarlyWeight": w,
        "secondsProvided": HOUR,
        "earnings": PRICE * HOUR,
        "ttftWeighted": w * 250,
        "tpsWeighted": w * 40,
    }
    assert stats_of(router, provider, other_model) == no_stats()
    assert stats_of(router, provider2, model_id) == no_stats()
    assert [tuple(s) for s in router.statsOf([provider2, provider], model_id)] == [
        tuple(no_stats().values()),
        tuple(router.stats(provider, model_id)),
    ]
