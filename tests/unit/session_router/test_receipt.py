"""The provider's EIP-712 close receipt (PROTOCOL.md §5 "Close", promise 5): it carries the
measured time to first token and tokens per second, and binds one session, chain and router."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from ape import chain

from mor_market import eip712
from mor_market.ids import session_id
from tests.conftest import PRICE
from tests.unit.session_router.conftest import HOUR, weight_of


@pytest.fixture
def submit(router, consumer) -> Any:
    """Submits a receipt for `session` at `at` (measurements 250 ms, 40 tokens/s)."""

    def _submit(session: int, signature: bytes, deadline: int, at: int, ttft_ms: int = 250, tps: int = 40) -> Any:
        chain.pending_timestamp = at
        return router.closeSessionWithReceipt(session, ttft_ms, tps, deadline, signature, sender=consumer)

    return _submit


def test_receipt_digest__of_the_router__equals_the_python_signers_digest(router, running):
    message = eip712.receipt_message(router.address, chain.chain_id, running.session_id, 250, 40, 99)

    assert router.receiptDigest(running.session_id, 250, 40, 99) == eip712.digest(message)


def test_close_with_receipt__valid_by_consumer__records_measurements_and_is_no_dispute(
    router, pool, consumer, provider, model_id, stake, running, close_with_receipt_at
):
    at = running.opened_at + HOUR

    tx = close_with_receipt_at(running.session_id, consumer, at, ttft_ms=250, tps=40)

    recorded = tx.decode_logs(router.ReceiptRecorded)
    assert len(recorded) == 1
    assert recorded[0].sessionId == running.session_id
    assert recorded[0].ttftMs == 250
    assert recorded[0].tokensPerSecond == 40
    closed = tx.decode_logs(router.SessionClosed)
    assert len(closed) == 1
    w = weight_of(stake, HOUR)
    assert (closed[0].weight, closed[0].disputed) == (w, False)
    assert closed[0].paid == PRICE * HOUR
    stats = router.stats(provider, model_id)
    assert (stats.completed, stats.completedWeight, stats.ttftWeighted, stats.tpsWeighted) == (1, w, w * 250, w * 40)
    assert (stats.disputed, stats.disputedWeight) == (0, 0)
    assert pool.owed(provider) == PRICE * HOUR


def test_close_with_receipt__signed_by_providers_signer__closes(
    router, marketplace, consumer, provider, signer, running, close_with_receipt_at
):
    marketplace.setSigner(signer, sender=provider)

    tx = close_with_receipt_at(running.session_id, consumer, running.opened_at + HOUR, signed_by=signer)

    assert len(tx.decode_logs(router.ReceiptRecorded)) == 1


def test_close_with_receipt__signed_by_erc1271_wallet_owner__closes(
    router, pool, wallet, wallet_bid, consumer, signer, stake, day_start, open_at, close_with_receipt_at
):
    opened = open_at(consumer, wallet_bid, stake, day_start + 1_000, signed_by=signer)

    tx = close_with_receipt_at(opened.session_id, consumer, day_start + 1_000 + HOUR, signed_by=signer)

    assert tx.decode_logs(router.SessionClosed)[0].disputed == 0
    assert pool.owed(wallet) == PRICE * HOUR


def test_close_with_receipt__at_its_deadline_second__closes(router, provider, running, sign_receipt, submit):
    at = running.opened_at + HOUR
    signature = sign_receipt(provider, running.session_id, 250, 40, at)

    tx = submit(running.session_id, signature, at, at)

    assert len(tx.decode_logs(router.ReceiptRecorded)) == 1


def test_close_with_receipt__one_second_past_deadline__reverts_receipt_expired(
    router, provider, running, sign_receipt, submit, observe
):
    at = running.opened_at + HOUR
    signature = sign_receipt(provider, running.session_id, 250, 40, at - 1)
    before = observe(running.session_id)

    with ape.reverts(router.ReceiptExpired, deadline=at - 1):
        submit(running.session_id, signature, at - 1, at)

    assert observe(running.session_id) == before


@pytest.mark.parametrize(
    "forgery", ["wrong_signer", "wrong_chain_id", "wrong_contract", "other_measurements", "other_deadline"]
)
def test_close_with_receipt__forged__reverts_invalid_receipt_signature(
    forgery, router, pool, provider, stranger, running, sign_receipt, submit, observe
):
    at = running.opened_at + HOUR
    deadline = at + 600
    signed_by, ttft, deadline_signed, domain = provider, 250, deadline, {}
    if forgery == "wrong_signer":
        signed_by = stranger
    elif forgery == "wrong_chain_id":
        domain = {"chain_id": chain.chain_id + 1}
    elif forgery == "wrong_contract":
        domain = {"router": pool.address}
    elif forgery == "other_measurements":
        ttft = 100  # the consumer submits 250
    else:
        deadline_signed = deadline + 1
    signature = sign_receipt(signed_by, running.session_id, ttft, 40, deadline_signed, **domain)
    before = observe(running.session_id)

    with ape.reverts(router.InvalidReceiptSignature, signer=provider.address):
        submit(running.session_id, signature, deadline, at)

    assert observe(running.session_id) == before


def test_close_with_receipt__receipt_of_another_session__reverts_invalid_receipt_signature(
    router, consumer, provider, bid, stake, running, open_at, sign_receipt, submit, observe
):
    other = open_at(consumer, bid, stake, running.opened_at + 10)
    at = running.opened_at + HOUR
    signature = sign_receipt(provider, other.session_id, 250, 40, at + 600)
    before = observe(running.session_id, other.session_id)

    with ape.reverts(router.InvalidReceiptSignature, signer=provider.address):
        submit(running.session_id, signature, at + 600, at)

    assert observe(running.session_id, other.session_id) == before


def test_close_with_receipt__provider_key_after_signer_was_named__reverts_invalid_receipt_signature(
    router, marketplace, provider, signer, running, sign_receipt, submit, observe
):
    marketplace.setSigner(signer, sender=provider)
    at = running.opened_at + HOUR
    signature = sign_receipt(provider, running.session_id, 250, 40, at + 600)
    before = observe(running.session_id)

    with ape.reverts(router.InvalidReceiptSignature, signer=signer.address):
        submit(running.session_id, signature, at + 600, at)

    assert observe(running.session_id) == before


def test_close_with_receipt__unknown_session__reverts_unknown_session(
    router, consumer, provider, running, sign_receipt, submit, observe
):
    unknown = session_id(consumer.address, 999)
    at = running.opened_at + HOUR
    signature = sign_receipt(provider, unknown, 250, 40, at + 600)
    before = observe(unknown, running.session_id)

    with ape.reverts(router.UnknownSession, sessionId=unknown):
        submit(unknown, signature, at + 600, at)

    assert observe(unknown, running.session_id) == before


def test_close_with_receipt__reused_after_close__reverts_session_already_closed(
    router, provider, running, sign_receipt, submit, observe
):
    at = running.opened_at + HOUR
    signature = sign_receipt(provider, running.session_id, 250, 40, at + 600)
    submit(running.session_id, signature, at + 600, at)
    before = observe(running.session_id)

    with ape.reverts(router.SessionAlreadyClosed, sessionId=running.session_id):
        submit(running.session_id, signature, at + 600, at + 1)

    assert observe(running.session_id) == before
