"""A whole session, stipend mode: register, bid, fund, open with an approval, close with a
receipt, claim; every amount exact and conservation after each step."""

from __future__ import annotations

from ape import chain

from mor_market.constants import DAY, MOR
from tests.conftest import PRICE
from tests.utils.checks import check_conservation


def test_stipend_session__open_close_with_receipt_claim__pays_exactly_price_times_seconds(
    protocol, router, pool, mor, consumer, bid, funded_pool, open_session, sign_receipt, registered_provider
):
    # Start of a day, so the hour of compute falls within it.
    chain.mine(timestamp=(chain.pending_timestamp // DAY + 1) * DAY + 60)
    stake = 10_000 * MOR
    session = open_session(consumer, bid, stake)
    check_conservation(protocol)
    opened = router.session(session)
    chain.mine(timestamp=opened.openedAt + 3_600)
    chain.pending_timestamp = opened.openedAt + 3_600
    deadline = chain.pending_timestamp + 600
    receipt = sign_receipt(registered_provider, session, 250, 40, deadline)
    balance_before = mor.balanceOf(consumer)
    tx = router.closeSessionWithReceipt(session, 250, 40, deadline, receipt, sender=consumer)
    closed = tx.decode_logs(router.SessionClosed)[0]
    assert closed.secondsProvided == 3_600
    assert closed.paid == PRICE * 3_600
    assert not closed.disputed
    assert closed.returned + closed.held == stake
    assert mor.balanceOf(consumer) == balance_before + closed.returned
    assert pool.owed(registered_provider) == PRICE * 3_600
    check_conservation(protocol)
    pool.claim(registered_provider, sender=registered_provider)
    assert pool.owed(registered_provider) == 0
    check_conservation(protocol)
