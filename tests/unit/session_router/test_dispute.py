"""Disputes (PROTOCOL.md §5 "Close", §6): a close by the consumer without a valid receipt is a
dispute; the provider is still paid for the seconds provided (no slashing), and only the
statistics record it, weighted by the session's MOR-seconds. Only the consumer can dispute: a
close by anyone else is no dispute (the consumer may still dispute it late, test_late_verdict.py)."""

from __future__ import annotations

import pytest

from tests.conftest import PRICE
from tests.unit.session_router.conftest import HOUR, NONE, no_stats, stats_of, weight_of


def test_close__by_consumer_without_receipt_before_end__is_a_dispute_that_still_pays_the_provider(
    router, pool, marketplace, consumer, provider, model_id, provider_stake, stake, running, close_at
):
    tx = close_at(running.session_id, consumer, running.opened_at + HOUR)

    w = weight_of(stake, HOUR)
    closed = tx.decode_logs(router.SessionClosed)
    assert len(closed) == 1
    assert (closed[0].weight, closed[0].disputed, closed[0].closedEarly) == (w, True, True)
    assert closed[0].paid == PRICE * HOUR
    assert tx.decode_logs(router.ReceiptRecorded) == []
    assert pool.owed(provider) == PRICE * HOUR
    assert marketplace.providerRecord(provider).stake == provider_stake  # no slashing
    assert stats_of(router, provider, model_id) == {
        **no_stats(),
        "weight": w,
        "disputedWeight": w,
        "disputed": 1,
        "closedEarlyWeight": w,
        "secondsProvided": HOUR,
        "earnings": PRICE * HOUR,
    }


def test_close__by_consumer_without_receipt_after_end__is_a_dispute_not_closed_early(
    router, pool, consumer, provider, model_id, stake, running, close_at
):
    duration = running.ends_at - running.opened_at

    tx = close_at(running.session_id, consumer, running.ends_at + 10)

    w = weight_of(stake, duration)
    closed = tx.decode_logs(router.SessionClosed)[0]
    assert (closed.weight, closed.disputed, closed.closedEarly) == (w, True, False)
    assert closed.paid == PRICE * duration
    assert pool.owed(provider) == PRICE * duration
    stats = stats_of(router, provider, model_id)
    assert (stats["disputedWeight"], stats["disputed"], stats["closedEarlyWeight"]) == (w, 1, 0)


def test_close__by_consumer_with_receipt_before_end__is_closed_early_without_dispute(
    router, consumer, running, close_with_receipt_at
):
    tx = close_with_receipt_at(running.session_id, consumer, running.opened_at + HOUR)

    closed = tx.decode_logs(router.SessionClosed)[0]
    assert (closed.disputed, closed.closedEarly) == (False, True)


@pytest.mark.parametrize("closer", ["provider", "keeper_after_end"])
def test_close__without_receipt_by_provider_or_keeper__is_no_dispute_and_no_rating(
    closer, router, provider, keeper, model_id, stake, running, close_at
):
    account, at = provider, running.opened_at + HOUR
    if closer == "keeper_after_end":
        account, at = keeper, running.ends_at
    seconds = at - running.opened_at

    tx = close_at(running.session_id, account, at)

    w = weight_of(stake, seconds)
    closed = tx.decode_logs(router.SessionClosed)[0]
    assert (closed.weight, closed.disputed, closed.closedEarly) == (w, False, False)
    assert stats_of(router, provider, model_id) == {
        **no_stats(),
        "weight": w,
        "secondsProvided": seconds,
        "earnings": PRICE * seconds,
    }
    assert router.session(running.session_id).verdict == NONE


def test_close__by_consumer_without_receipt_in_the_end_second__is_a_dispute_not_closed_early(
    router, consumer, provider, model_id, stake, running, close_at
):
    tx = close_at(running.session_id, consumer, running.ends_at)

    closed = tx.decode_logs(router.SessionClosed)[0]
    assert (closed.disputed, closed.closedEarly) == (True, False)
    assert stats_of(router, provider, model_id)["closedEarlyWeight"] == 0
