"""The emergency pause (PROTOCOL.md §7): it stops new sessions only; closing a session,
withdrawing held stake and claiming what is owed always work."""

from __future__ import annotations

import ape
from ape import chain

from mor_market.constants import DAY
from mor_market.ids import session_id
from tests.conftest import PRICE
from tests.unit.session_router.conftest import HOUR, STIPEND, held_part
from tests.utils.checks import check_conservation


def test_open__while_paused__reverts_enforced_pause(
    router, owner, mor, consumer, provider, bid, stake, day_start, sign_approval, observe
):
    tx = router.pause(sender=owner)
    paused = tx.decode_logs(router.Paused)
    assert len(paused) == 1
    assert paused[0].account == owner.address
    deadline = day_start + HOUR
    signature = sign_approval(provider, bid, consumer.address, 1, deadline)
    mor.approve(router, stake, sender=consumer)
    before = observe(session_id(consumer.address, 1))

    with ape.reverts(router.EnforcedPause):
        router.openSession(bid, 1, deadline, stake, STIPEND, signature, sender=consumer)

    assert observe(session_id(consumer.address, 1)) == before


def test_close_withdraw_and_claim__while_paused__all_work(
    protocol,
    router,
    pool,
    owner,
    mor,
    consumer,
    provider,
    keeper,
    bid,
    stake,
    running,
    open_at,
    close_at,
    close_with_receipt_at,
):
    second = open_at(consumer, bid, stake, running.opened_at + 10)
    close_at(running.session_id, consumer, running.opened_at + HOUR)
    held = held_part(stake, HOUR, running.ends_at - running.opened_at)
    router.pause(sender=owner)

    closed = close_with_receipt_at(second.session_id, consumer, running.opened_at + 2 * HOUR)
    assert closed.decode_logs(router.SessionClosed)[0].paid == PRICE * (2 * HOUR - 10)
    held += held_part(stake, 2 * HOUR - 10, second.ends_at - second.opened_at)
    chain.pending_timestamp = (running.opened_at // DAY + 1) * DAY + 10
    withdrawn = router.withdrawHeld(sender=consumer)
    assert withdrawn.decode_logs(router.HeldReleased)[0].amount == held
    claimed = pool.claim(provider, sender=keeper)
    assert claimed.decode_logs(pool.Claimed)[0].amount == PRICE * (HOUR + 2 * HOUR - 10)

    assert router.paused()
    assert pool.owed(provider) == 0
    check_conservation(protocol)


def test_open__after_unpause__opens(router, owner, consumer, bid, stake, day_start, open_at):
    router.pause(sender=owner)
    tx = router.unpause(sender=owner)
    assert tx.decode_logs(router.Unpaused)[0].account == owner.address

    opened = open_at(consumer, bid, stake, day_start + 1_000)

    assert router.session(opened.session_id).stake == stake
