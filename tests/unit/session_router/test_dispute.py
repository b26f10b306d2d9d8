"""Disputes (PROTOCOL.md §5 "Close", §6): a close by the consumer without a valid receipt is a
dispute; the provider is still paid for the seconds provided (no slashing), and only the
statistics record it."""

from __future__ import annotations

import pytest

from tests.conftest import PRICE
from tests.unit.session_router.conftest import HOUR


def test_close__by_consumer_without_receipt_before_end__is_a_dispute_that_still_pays_the_provider(
    router, pool, marketplace, consumer, provider, model_id, provider_stake, running, close_at
):
    tx = close_at(running.session_id, consumer, running.opened_at + HOUR)

    closed = tx.decode_logs(router.SessionClosed)
    assert len(closed) == 1
    assert closed[0].disputed == 1
    assert closed[0].closedEarly == 1
    assert closed[0].paid == PRICE * HOUR
    assert tx.decode_logs(router.ReceiptRecorded) == []
    assert pool.owed(provider) == PRICE * HOUR
    assert marketplace.providerRecord(provider).stake == provider_stake  # no slashing
    stats = router.stats(provider, model_id)
    assert (stats.completed, stats.disputed, stats.closedEarly, stats.receipts) == (0, 1, 1, 0)


def test_close__by_consumer_without_receipt_after_end__is_a_dispute_not_closed_early(
    router, pool, consumer, provider, running, close_at
):
    tx = close_at(running.session_id, consumer, running.ends_at + 10)

    closed = tx.decode_logs(router.SessionClosed)[0]
    assert (closed.disputed, closed.closedEarly) == (1, 0)
    assert closed.paid == PRICE * (running.ends_at - running.opened_at)
    assert pool.owed(provider) == PRICE * (running.ends_at - running.opened_at)


def test_close__by_consumer_with_receipt_before_end__is_closed_early_without_dispute(
    router, consumer, running, close_with_receipt_at
):
    tx = close_with_receipt_at(running.session_id, consumer, running.opened_at + HOUR)

    closed = tx.decode_logs(router.SessionClosed)[0]
    assert (closed.disputed, closed.closedEarly) == (0, 1)


@pytest.mark.parametrize("closer", ["provider", "keeper_after_end"])
def test_close__without_receipt_by_provider_or_keeper__is_no_dispute(
    closer, router, provider, keeper, model_id, running, close_at
):
    account, at = provider, running.opened_at + HOUR
    if closer == "keeper_after_end":
        account, at = keeper, running.ends_at
    tx = close_at(running.session_id, account, at)

    closed = tx.decode_logs(router.SessionClosed)[0]
    assert (closed.disputed, closed.closedEarly) == (0, 0)
    stats = router.stats(provider, model_id)
    assert (stats.completed, stats.disputed, stats.closedEarly) == (1, 0, 0)
