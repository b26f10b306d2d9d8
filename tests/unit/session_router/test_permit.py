"""Opening with an EIP-2612 permit (PROTOCOL.md §5 "Open"): one transaction, no prior approve;
a permit that was front-run does not block the open when the allowance is there."""

from __future__ import annotations

import ape
from ape import chain

from mor_market.ids import session_id
from tests.unit.session_router.conftest import HOUR, STIPEND


def test_open_with_permit__no_prior_approve__opens_in_one_transaction(
    router, mor, consumer, provider, bid, stake, day_start, sign_approval, sign_permit
):
    at = day_start + 1_000
    deadline = at + HOUR
    approval = sign_approval(provider, bid, consumer.address, 1, deadline)
    v, r, s = sign_permit(consumer, router, stake, deadline)
    assert mor.allowance(consumer, router) == 0
    permit_nonce = mor.nonces(consumer)
    consumer_before = mor.balanceOf(consumer)
    chain.pending_timestamp = at

    tx = router.openSessionWithPermit(bid, 1, deadline, stake, STIPEND, approval, deadline, v, r, s, sender=consumer)

    approvals = tx.decode_logs(mor.Approval)
    assert len(approvals) == 1
    assert approvals[0].owner == consumer.address
    assert approvals[0].spender == router.address
    assert approvals[0].value == stake
    transfers = tx.decode_logs(mor.Transfer)
    assert len(transfers) == 1
    assert (transfers[0]["from"], transfers[0].to, transfers[0].value) == (consumer.address, router.address, stake)
    opened = tx.decode_logs(router.SessionOpened)
    assert len(opened) == 1
    assert opened[0].sessionId == session_id(consumer.address, 1)
    assert mor.nonces(consumer) == permit_nonce + 1
    assert mor.allowance(consumer, router) == 0
    assert mor.balanceOf(consumer) == consumer_before - stake
    assert router.session(session_id(consumer.address, 1)).stake == stake


def test_open_with_permit__permit_front_run_by_someone_else__still_opens(
    router, mor, consumer, provider, stranger, bid, stake, day_start, sign_approval, sign_permit
):
    at = day_start + 1_000
    deadline = at + HOUR
    approval = sign_approval(provider, bid, consumer.address, 1, deadline)
    v, r, s = sign_permit(consumer, router, stake, deadline)
    permit_nonce = mor.nonces(consumer)
    mor.permit(consumer, router, stake, deadline, v, r, s, sender=stranger)  # the front-runner
    assert mor.allowance(consumer, router) == stake
    chain.pending_timestamp = at

    tx = router.openSessionWithPermit(bid, 1, deadline, stake, STIPEND, approval, deadline, v, r, s, sender=consumer)

    assert len(tx.decode_logs(router.SessionOpened)) == 1
    assert tx.decode_logs(mor.Approval) == []  # the permit failed inside and was ignored
    assert mor.nonces(consumer) == permit_nonce + 1
    assert mor.allowance(consumer, router) == 0
    assert router.totalLocked() == stake


def test_open_with_permit__expired_permit_and_allowance_given__opens(
    router, mor, consumer, provider, bid, stake, day_start, sign_approval, sign_permit
):
    at = day_start + 1_000
    approval = sign_approval(provider, bid, consumer.address, 1, at + HOUR)
    v, r, s = sign_permit(consumer, router, stake, at - 1)
    mor.approve(router, stake, sender=consumer)
    chain.pending_timestamp = at

    tx = router.openSessionWithPermit(bid, 1, at + HOUR, stake, STIPEND, approval, at - 1, v, r, s, sender=consumer)

    assert len(tx.decode_logs(router.SessionOpened)) == 1
    assert mor.allowance(consumer, router) == 0


def test_open_with_permit__permit_not_signed_by_consumer_and_no_allowance__reverts_insufficient_allowance(
    router, mor, consumer, provider, stranger, bid, stake, day_start, sign_approval, sign_permit, observe
):
    at = day_start + 1_000
    deadline = at + HOUR
    approval = sign_approval(provider, bid, consumer.address, 1, deadline)
    v, r, s = sign_permit(stranger, router, stake, deadline, nonce=mor.nonces(consumer))
    before = observe(session_id(consumer.address, 1))
    permit_nonce = mor.nonces(consumer)
    chain.pending_timestamp = at

    with ape.reverts(mor.ERC20InsufficientAllowance, spender=router.address, allowance=0, needed=stake):
        router.openSessionWithPermit(bid, 1, deadline, stake, STIPEND, approval, deadline, v, r, s, sender=consumer)

    assert observe(session_id(consumer.address, 1)) == before
    assert mor.nonces(consumer) == permit_nonce
    assert mor.allowance(consumer, router) == 0


def test_open_with_permit__paused__reverts_enforced_pause(
    router, owner, consumer, provider, bid, stake, day_start, sign_approval, sign_permit, observe
):
    router.pause(sender=owner)
    deadline = day_start + HOUR
    approval = sign_approval(provider, bid, consumer.address, 1, deadline)
    v, r, s = sign_permit(consumer, router, stake, deadline)
    before = observe(session_id(consumer.address, 1))

    with ape.reverts(router.EnforcedPause):
        router.openSessionWithPermit(bid, 1, deadline, stake, STIPEND, approval, deadline, v, r, s, sender=consumer)

    assert observe(session_id(consumer.address, 1)) == before
