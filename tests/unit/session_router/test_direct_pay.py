"""Closing a direct-mode session (PROTOCOL.md §5 "Direct mode", promise 4): the provider is
paid price * seconds provided out of the stake, the consumer gets the rest at once, nothing is
held and the pool is not touched."""

from __future__ import annotations

from tests.conftest import PRICE
from tests.unit.session_router.conftest import DIRECT, start_of_next_day
from tests.utils.checks import check_conservation


def test_close__direct_with_receipt_before_end__pays_provider_from_stake_and_returns_rest(
    protocol, router, pool, mor, consumer, provider, bid, open_at, close_with_receipt_at
):
    at = start_of_next_day() + 1_000
    stake = 1_000 * PRICE + 12_345
    opened = open_at(consumer, bid, stake, at, mode=DIRECT)
    consumer_before, provider_before = mor.balanceOf(consumer), mor.balanceOf(provider)

    tx = close_with_receipt_at(opened.session_id, consumer, at + 400)

    pay = PRICE * 400
    closed = tx.decode_logs(router.SessionClosed)
    assert len(closed) == 1
    assert closed[0].secondsProvided == 400
    assert closed[0].paid == pay
    assert closed[0].returned == stake - pay
    assert closed[0].held == 0
    assert mor.balanceOf(provider) == provider_before + pay
    assert mor.balanceOf(consumer) == consumer_before + stake - pay
    assert tuple(router.holdOf(consumer)) == (0, 0)
    assert router.totalLocked() == 0
    assert pool.owed(provider) == 0
    assert tx.decode_logs(pool.Credited) == []
    check_conservation(protocol)


def test_close__direct_after_end_by_keeper__pays_whole_duration_and_returns_the_remainder(
    protocol, router, mor, consumer, provider, keeper, bid, open_at, close_at
):
    at = start_of_next_day() + 1_000
    stake = 1_000 * PRICE + 12_345
    opened = open_at(consumer, bid, stake, at, mode=DIRECT)
    consumer_before, provider_before = mor.balanceOf(consumer), mor.balanceOf(provider)

    tx = close_at(opened.session_id, keeper, opened.ends_at + 50)

    closed = tx.decode_logs(router.SessionClosed)[0]
    assert closed.secondsProvided == 1_000
    assert closed.paid == 1_000 * PRICE
    assert closed.returned == 12_345
    assert closed.held == 0
    assert mor.balanceOf(provider) == provider_before + 1_000 * PRICE
    assert mor.balanceOf(consumer) == consumer_before + 12_345
    assert router.totalLocked() == 0
    check_conservation(protocol)


def test_close__direct_whose_remainder_is_one_wei__returns_that_wei_to_the_consumer(
    protocol, router, mor, consumer, bid, open_at, close_at
):
    at = start_of_next_day() + 1_000
    stake = 1_000 * PRICE + 1  # lasts 1,000 s; one wei is left over once they are paid
    opened = open_at(consumer, bid, stake, at, mode=DIRECT)
    consumer_before = mor.balanceOf(consumer)

    tx = close_at(opened.session_id, consumer, opened.ends_at)

    assert tx.decode_logs(router.SessionClosed)[0].returned == 1
    transfers = [(t["from"], t.to, t.value) for t in tx.decode_logs(mor.Transfer)]
    assert (router.address, consumer.address, 1) in transfers
    assert mor.balanceOf(consumer) == consumer_before + 1
    check_conservation(protocol)
