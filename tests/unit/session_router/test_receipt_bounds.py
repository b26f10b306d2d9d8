"""Physical bounds of a receipt's measurements (PROTOCOL.md §5 "Rating belongs to the consumer"):
time to first token 1 ms .. 600,000 ms and tokens per second 1 .. 100,000, both ends included;
outside them the receipt is refused with ReceiptOutOfBounds(ttftMs, tokensPerSecond). The check
comes right after the deadline check, before the session and the signature are looked at."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from ape import chain

from mor_market.ids import session_id
from tests.unit.session_router.conftest import HOUR, stats_of, weight_of

MIN_TTFT_MS, MAX_TTFT_MS = 1, 600_000
MIN_TPS, MAX_TPS = 1, 100_000


@pytest.fixture
def submit(router, consumer) -> Any:
    """The consumer submits a receipt for `session` at `at`."""

    def _submit(session: int, ttft_ms: int, tps: int, deadline: int, signature: bytes, at: int) -> Any:
        chain.pending_timestamp = at
        return router.closeSessionWithReceipt(session, ttft_ms, tps, deadline, signature, sender=consumer)

    return _submit


def test_bounds__of_the_router__are_the_protocols(router):
    assert (router.MIN_TTFT_MS(), router.MAX_TTFT_MS()) == (MIN_TTFT_MS, MAX_TTFT_MS)
    assert (router.MIN_TOKENS_PER_SECOND(), router.MAX_TOKENS_PER_SECOND()) == (MIN_TPS, MAX_TPS)


@pytest.mark.parametrize(
    "ttft_ms, tps",
    [
        (MIN_TTFT_MS, 40),
        (MAX_TTFT_MS, 40),
        (250, MIN_TPS),
        (250, MAX_TPS),
        (MIN_TTFT_MS, MIN_TPS),
        (MAX_TTFT_MS, MAX_TPS),
    ],
    ids=["ttft_1", "ttft_600000", "tps_1", "tps_100000", "both_lowest", "both_highest"],
)
def test_close_with_receipt__measurements_on_a_bound__are_accepted_and_recorded(
    ttft_ms: int, tps: int, router, consumer, provider, model_id, stake, running, close_with_receipt_at
):
    tx = close_with_receipt_at(running.session_id, consumer, running.opened_at + HOUR, ttft_ms=ttft_ms, tps=tps)

    recorded = tx.decode_logs(router.ReceiptRecorded)
    assert [(r.sessionId, r.ttftMs, r.tokensPerSecond) for r in recorded] == [(running.session_id, ttft_ms, tps)]
    w = weight_of(stake, HOUR)
    stats = stats_of(router, provider, model_id)
    assert (stats["completed"], stats["ttftWeighted"], stats["tpsWeighted"]) == (1, w * ttft_ms, w * tps)


@pytest.mark.parametrize(
    "ttft_ms, tps",
    [(MIN_TTFT_MS - 1, 40), (MAX_TTFT_MS + 1, 40), (250, MIN_TPS - 1), (250, MAX_TPS + 1)],
    ids=["ttft_0", "ttft_600001", "tps_0", "tps_100001"],
)
def test_close_with_receipt__measurement_one_step_outside_a_bound__reverts_receipt_out_of_bounds_and_changes_nothing(
    ttft_ms: int, tps: int, router, provider, running, sign_receipt, submit, observe
):
    at = running.opened_at + HOUR
    signature = sign_receipt(provider, running.session_id, ttft_ms, tps, at + 600)  # validly signed
    before = observe(running.session_id)

    with ape.reverts(router.ReceiptOutOfBounds, ttftMs=ttft_ms, tokensPerSecond=tps):
        submit(running.session_id, ttft_ms, tps, at + 600, signature, at)

    assert observe(running.session_id) == before


def test_close_with_receipt__expired_and_out_of_bounds__reverts_receipt_expired_and_changes_nothing(
    router, provider, running, sign_receipt, submit, observe
):
    at = running.opened_at + HOUR
    signature = sign_receipt(provider, running.session_id, 0, 40, at - 1)
    before = observe(running.session_id)

    with ape.reverts(router.ReceiptExpired, deadline=at - 1):
        submit(running.session_id, 0, 40, at - 1, signature, at)

    assert observe(running.session_id) == before


@pytest.mark.parametrize("fault", ["unknown_session", "bad_signature"])
def test_close_with_receipt__out_of_bounds_with_another_fault__reverts_receipt_out_of_bounds_first(
    fault: str, router, consumer, provider, stranger, running, sign_receipt, submit, observe
):
    at = running.opened_at + HOUR
    session = session_id(consumer.address, 999) if fault == "unknown_session" else running.session_id
    signature = sign_receipt(stranger if fault == "bad_signature" else provider, session, 250, MAX_TPS + 1, at + 600)
    before = observe(session, running.session_id)

    with ape.reverts(router.ReceiptOutOfBounds, ttftMs=250, tokensPerSecond=MAX_TPS + 1):
        submit(session, 250, MAX_TPS + 1, at + 600, signature, at)

    assert observe(session, running.session_id) == before
