"""Statistics per (provider, model) recorded at every close (PROTOCOL.md §6): sessions completed,
disputed and closed early by the consumer, receipts, seconds provided, earnings, and the sums
behind the running means of time to first token and tokens per second."""

from __future__ import annotations

from typing import Any

from tests.conftest import PRICE
from tests.unit.session_router.conftest import DIRECT, HOUR

FIELDS = ("completed", "disputed", "closedEarly", "receipts", "secondsProvided", "earnings", "ttftMsSum", "tpsSum")


def _stats(router: Any, provider: Any, model_id: int) -> dict[str, int]:
    record = router.stats(provider, model_id)
    return {field: getattr(record, field) for field in FIELDS}


def test_close__each_kind_of_close__updates_every_counter_and_sum_exactly(
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
    early_receipt = open_at(consumer, bid, stake, t)
    disputed = open_at(consumer, bid, stake, t + 1)
    expired = open_at(consumer2, bid, stake, t + 2)
    by_provider = open_at(consumer2, bid, stake, t + 3)
    direct = open_at(consumer, bid, 5_000 * PRICE, t + 4, mode=DIRECT)
    expected = dict.fromkeys(FIELDS, 0)
    assert _stats(router, provider, model_id) == expected

    close_at(disputed.session_id, consumer, t + 1_800)
    expected.update(disputed=1, closedEarly=1, secondsProvided=1_799, earnings=PRICE * 1_799)
    assert _stats(router, provider, model_id) == expected

    close_with_receipt_at(direct.session_id, consumer, t + 1_900, ttft_ms=120, tps=90)
    expected["completed"] += 1
    expected["closedEarly"] += 1
    expected["receipts"] += 1
    expected["secondsProvided"] += 1_896
    expected["earnings"] += PRICE * 1_896
    expected["ttftMsSum"] += 120
    expected["tpsSum"] += 90
    assert _stats(router, provider, model_id) == expected

    close_with_receipt_at(early_receipt.session_id, consumer, t + HOUR, ttft_ms=300, tps=50)
    expected["completed"] += 1
    expected["closedEarly"] += 1
    expected["receipts"] += 1
    expected["secondsProvided"] += HOUR
    expected["earnings"] += PRICE * HOUR
    expected["ttftMsSum"] += 300
    expected["tpsSum"] += 50
    assert _stats(router, provider, model_id) == expected

    close_with_receipt_at(by_provider.session_id, provider, t + 4_000, ttft_ms=100, tps=70)
    expected["completed"] += 1
    expected["receipts"] += 1
    expected["secondsProvided"] += 3_997
    expected["earnings"] += PRICE * 3_997
    expected["ttftMsSum"] += 100
    expected["tpsSum"] += 70
    assert _stats(router, provider, model_id) == expected

    duration = expired.ends_at - expired.opened_at
    close_at(expired.session_id, keeper, expired.ends_at + 10)
    expected["completed"] += 1
    expected["secondsProvided"] += duration
    expected["earnings"] += PRICE * duration
    assert _stats(router, provider, model_id) == expected


def test_close__of_one_pair__leaves_other_pairs_stats_untouched(
    router, consumer, provider, provider2, bid, model_id, register_model, running, close_with_receipt_at
):
    other_model = register_model("mistral-7b")

    close_with_receipt_at(running.session_id, consumer, running.opened_at + HOUR)

    assert _stats(router, provider, model_id)["completed"] == 1
    assert _stats(router, provider, other_model) == dict.fromkeys(FIELDS, 0)
    assert _stats(router, provider2, model_id) == dict.fromkeys(FIELDS, 0)
