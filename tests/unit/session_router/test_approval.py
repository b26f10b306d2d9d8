"""The provider's EIP-712 approval (PROTOCOL.md §5 "Open", §1 signer and ERC-1271, promises 5
and 7): bound to bid, consumer, nonce, deadline, chain id and router; usable once, only until
its deadline, and only when signed by the provider's signer."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from ape import chain

from mor_market import eip712
from mor_market.ids import session_id
from tests.conftest import PRICE
from tests.unit.session_router.conftest import HOUR, STIPEND


@pytest.fixture
def attempt(router, mor, consumer, stake, day_start) -> Any:
    """Approves the stake, then tries to open session `nonce` at `day_start + 1000` (or now, if
    that has passed)."""

    def _attempt(bid: int, nonce: int, deadline: int, signature: bytes, sender: Any = None) -> Any:
        sender = sender or consumer
        mor.approve(router, stake, sender=sender)
        chain.pending_timestamp = max(day_start + 1_000, chain.pending_timestamp)
        return router.openSession(bid, nonce, deadline, stake, STIPEND, signature, sender=sender)

    return _attempt


def test_approval_digest__of_the_router__equals_the_python_signers_digest(router, consumer, bid):
    message = eip712.approval_message(router.address, chain.chain_id, bid, consumer.address, 5, 123)

    assert router.approvalDigest(bid, consumer, 5, 123) == eip712.digest(message)


def test_open__approval_signed_by_eoa_provider__opens(router, consumer, provider, bid, stake, day_start, open_at):
    opened = open_at(consumer, bid, stake, day_start + 1_000, signed_by=provider)

    assert router.session(opened.session_id).openedAt == day_start + 1_000


def test_open__approval_signed_by_providers_separate_signer__opens(
    router, marketplace, consumer, provider, signer, bid, stake, day_start, open_at
):
    tx = marketplace.setSigner(signer, sender=provider)
    assert len(tx.decode_logs(marketplace.ProviderSignerSet)) == 1

    opened = open_at(consumer, bid, stake, day_start + 1_000, signed_by=signer)

    assert router.session(opened.session_id).stake == stake


def test_open__provider_key_signs_after_signer_was_named__reverts_invalid_approval_signature(
    router, marketplace, consumer, provider, signer, bid, day_start, sign_approval, attempt, observe
):
    marketplace.setSigner(signer, sender=provider)
    deadline = day_start + HOUR
    signature = sign_approval(provider, bid, consumer.address, 1, deadline)
    before = observe(session_id(consumer.address, 1))

    with ape.reverts(router.InvalidApprovalSignature, signer=signer.address):
        attempt(bid, 1, deadline, signature)

    assert observe(session_id(consumer.address, 1)) == before


def test_open__approval_signed_by_erc1271_wallet_owner__opens(
    router, wallet, wallet_bid, consumer, signer, stake, day_start, open_at
):
    opened = open_at(consumer, wallet_bid, stake, day_start + 1_000, signed_by=signer)

    event = opened.tx.decode_logs(router.SessionOpened)[0]
    assert event.event_arguments["provider"] == wallet.address
    assert router.session(opened.session_id).provider == wallet.address


def test_open__erc1271_wallet_rejects_the_signature__reverts_invalid_approval_signature(
    router, wallet, wallet_bid, consumer, signer, day_start, sign_approval, attempt, observe
):
    wallet.setAccepting(False, sender=signer)
    deadline = day_start + HOUR
    signature = sign_approval(signer, wallet_bid, consumer.address, 1, deadline)
    before = observe(session_id(consumer.address, 1))

    with ape.reverts(router.InvalidApprovalSignature, signer=wallet.address):
        attempt(wallet_bid, 1, deadline, signature)

    assert observe(session_id(consumer.address, 1)) == before


def test_open__approval_replayed_after_its_session_closed__reverts_approval_already_used(
    router, consumer, provider, bid, stake, day_start, sign_approval, attempt, observe
):
    deadline = day_start + HOUR
    signature = sign_approval(provider, bid, consumer.address, 1, deadline)
    attempt(bid, 1, deadline, signature)
    sid = session_id(consumer.address, 1)
    chain.pending_timestamp = day_start + 1_100
    router.closeSession(sid, sender=consumer)
    before = observe(sid)

    with ape.reverts(router.ApprovalAlreadyUsed, sessionId=sid):
        attempt(bid, 1, deadline, signature)

    assert observe(sid) == before


def test_open__approval_replayed_while_its_session_runs__reverts_approval_already_used(
    router, consumer, provider, bid, day_start, sign_approval, attempt, observe
):
    deadline = day_start + HOUR
    signature = sign_approval(provider, bid, consumer.address, 1, deadline)
    attempt(bid, 1, deadline, signature)
    sid = session_id(consumer.address, 1)
    before = observe(sid)

    with ape.reverts(router.ApprovalAlreadyUsed, sessionId=sid):
        attempt(bid, 1, deadline, signature)

    assert observe(sid) == before


def test_open__approval_at_its_deadline_second__opens(
    router, consumer, provider, bid, day_start, sign_approval, attempt
):
    deadline = day_start + 1_000  # the second at which `attempt` opens
    signature = sign_approval(provider, bid, consumer.address, 1, deadline)

    tx = attempt(bid, 1, deadline, signature)

    assert len(tx.decode_logs(router.SessionOpened)) == 1


def test_open__approval_one_second_past_deadline__reverts_approval_expired(
    router, consumer, provider, bid, day_start, sign_approval, attempt, observe
):
    deadline = day_start + 999
    signature = sign_approval(provider, bid, consumer.address, 1, deadline)
    before = observe(session_id(consumer.address, 1))

    with ape.reverts(router.ApprovalExpired, deadline=deadline):
        attempt(bid, 1, deadline, signature)

    assert observe(session_id(consumer.address, 1)) == before


@pytest.mark.parametrize(
    "forgery",
    ["wrong_signer", "wrong_chain_id", "wrong_contract", "other_consumer", "other_nonce", "other_deadline"],
)
def test_open__forged_approval__reverts_invalid_approval_signature_naming_the_providers_signer(
    forgery, router, pool, consumer, consumer2, provider, stranger, bid, day_start, sign_approval, attempt, observe
):
    deadline = day_start + HOUR
    signed_by, consumer_signed, nonce_signed, deadline_signed, domain = provider, consumer, 1, deadline, {}
    if forgery == "wrong_signer":
        signed_by = stranger
    elif forgery == "wrong_chain_id":
        domain = {"chain_id": chain.chain_id + 1}
    elif forgery == "wrong_contract":
        domain = {"router": pool.address}
    elif forgery == "other_consumer":
        consumer_signed = consumer2
    elif forgery == "other_nonce":
        nonce_signed = 2
    else:
        deadline_signed = deadline + 1
    signature = sign_approval(signed_by, bid, consumer_signed.address, nonce_signed, deadline_signed, **domain)
    before = observe(session_id(consumer.address, 1))

    with ape.reverts(router.InvalidApprovalSignature, signer=provider.address):
        attempt(bid, 1, deadline, signature)

    assert observe(session_id(consumer.address, 1)) == before


def test_open__approval_signed_for_another_providers_bid__reverts_invalid_approval_signature(
    router, consumer, provider, provider2, model_id, bid, register_provider, post_bid, day_start, sign_approval, attempt
):
    register_provider(provider2, 0)
    other_bid = post_bid(provider2, model_id, PRICE)
    deadline = day_start + HOUR
    signature = sign_approval(provider, bid, consumer.address, 1, deadline)

    with ape.reverts(router.InvalidApprovalSignature, signer=provider2.address):
        attempt(other_bid, 1, deadline, signature)

    assert router.session(session_id(consumer.address, 1)).openedAt == 0


def test_open__approval_for_a_replaced_bid__reverts_bid_not_active(
    router, marketplace, consumer, provider, model_id, bid, post_bid, day_start, sign_approval, attempt, observe
):
    deadline = day_start + HOUR
    signature = sign_approval(provider, bid, consumer.address, 1, deadline)
    new_bid = post_bid(provider, model_id, 2 * PRICE)
    assert new_bid != bid
    before = observe(session_id(consumer.address, 1))

    with ape.reverts(marketplace.BidNotActive, bidId=bid):
        attempt(bid, 1, deadline, signature)

    assert observe(session_id(consumer.address, 1)) == before
