"""Governance as a griefer (PROTOCOL.md §7, promise 3): a hostile key that cannot take MOR tries
to hold users hostage instead, and each test asserts how far it gets.

- Chained pauses. v1: a pause lasted until governance lifted it. v2: a pause lifts itself after
  7 days and the next can start only 7 days after the last one ended, so a key that pauses at
  every chance keeps the router paused exactly half the time, and while paused every exit still
  works: sessions close and pay, holds are withdrawn, providers claim and leave.
- Suspension. Taking a provider off the whitelist stops its new bids and sessions; it cannot
  confiscate anything: its running session closes and pays, and it leaves with its whole stake.
"""

from __future__ import annotations

import ape
from ape import chain

from mor_market.constants import DAY, MOR
from tests.conftest import STIPEND
from tests.utils.checks import check_conservation

WEEK = 7 * DAY


def test_chained_pauses__keep_the_router_paused_half_the_time_and_never_block_an_exit(
    protocol, router, pool, marketplace, mor, owner, consumer, provider, bid, open_session, funded_pool
):
    session = open_session(consumer, bid, 1_000 * MOR, STIPEND)
    start = chain.pending_timestamp
    paused_seconds, refused = 0, 0
    # Eight weeks of a key that calls pause() every day and never unpauses.
    for day in range(56):
        chain.pending_timestamp = start + day * DAY
        try:
            router.pause(sender=owner)
        except ape.exceptions.ContractLogicError:
            refused += 1
        chain.mine(timestamp=start + day * DAY + 1)
        paused_seconds += DAY if router.paused() else 0
        # Mid-pause, every exit works: a close (its stake partly held until the next day), then
        # the held stake withdrawn and the provider's claim.
        if day == 0:
            assert router.paused()
            router.closeSession(session, sender=consumer)
            assert router.holdOf(consumer)[0] > 0
        if day == 1:
            assert router.paused()
            router.withdrawHeld(sender=consumer)
            pool.claim(provider, sender=provider)
            assert tuple(router.holdOf(consumer)) == (0, 0)
            assert pool.owed(provider) == 0

    assert paused_seconds == 28 * DAY  # four pauses of a week, four weeks of cooling down
    assert refused == 56 - 4
    marketplace.deleteBid(bid, sender=provider)
    marketplace.deregister(sender=provider)
    check_conservation(protocol)


def test_suspension__mid_session__pays_the_session_and_lets_the_provider_leave_with_its_stake(
    protocol, router, pool, marketplace, mor, owner, consumer, provider, bid, open_session, funded_pool, provider_stake
):
    session = open_session(consumer, bid, 1_000 * MOR, STIPEND)
    opened = router.session(session).openedAt
    marketplace.setWhitelisted(provider, False, sender=owner)

    chain.pending_timestamp = opened + 600
    tx = router.closeSession(session, sender=consumer)
    paid = tx.decode_logs(router.SessionClosed)[0].paid
    assert paid > 0 and pool.owed(provider) == paid

    balance = mor.balanceOf(provider)
    marketplace.deleteBid(bid, sender=provider)
    marketplace.deregister(sender=provider)
    assert mor.balanceOf(provider) == balance + provider_stake
    check_conservation(protocol)
