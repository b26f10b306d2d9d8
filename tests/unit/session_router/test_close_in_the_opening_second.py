"""A session closed in the second it opened (two transactions in one block time, common on
Arbitrum): no second was provided, so nothing is paid or credited, nothing is held, and the whole
stake goes back at once."""

from __future__ import annotations

from ape import chain

from tests.unit.session_router.conftest import DIRECT, STIPEND
from tests.utils.checks import check_conservation


def _close_in_the_same_second(router, session: int, sender, at: int):
    chain.pending_timestamp = at
    tx = router.closeSession(session, sender=sender)
    assert tx.timestamp == at
    return tx


def test_close__stipend_in_the_opening_second__pays_nothing_and_returns_the_whole_stake(
    protocol, router, pool, mor, consumer, provider, bid, stake, day_start, open_at
):
    opened = open_at(consumer, bid, stake, day_start + 1_000, STIPEND)
    consumer_before, owed_before = mor.balanceOf(consumer), pool.owed(provider)

    tx = _close_in_the_same_second(router, opened.session_id, consumer, opened.opened_at)

    closed = tx.decode_logs(router.SessionClosed)[0]
    assert (closed.secondsProvided, closed.paid, closed.returned, closed.held) == (0, 0, stake, 0)
    assert tx.decode_logs(pool.Credited) == []
    assert pool.owed(provider) == owed_before
    assert mor.balanceOf(consumer) == consumer_before + stake
    assert router.totalLocked() == 0
    check_conservation(protocol)


def test_close__direct_in_the_opening_second__pays_the_provider_nothing(
    protocol, router, mor, consumer, provider, bid, stake, day_start, open_at
):
    opened = open_at(consumer, bid, stake, day_start + 1_000, DIRECT)
    consumer_before, provider_before = mor.balanceOf(consumer), mor.balanceOf(provider)

    tx = _close_in_the_same_second(router, opened.session_id, consumer, opened.opened_at)

    transfers = tx.decode_logs(mor.Transfer)
    assert [(t["from"], t.to, t.value) for t in transfers] == [(router.address, consumer.address, stake)]
    assert mor.balanceOf(provider) == provider_before
    assert mor.balanceOf(consumer) == consumer_before + stake
    check_conservation(protocol)
