"""Rating belongs to the consumer (PROTOCOL.md §5, §6): a close by anyone else (the provider, its
signer, a keeper after the end), with or without a receipt, pays exactly what the consumer's close
at the same second would, and records the seconds and earnings (weight) but no rating
(completed, disputed, closed early) and no measurement, and emits no ReceiptRecorded: the
session's verdict stays None, left to the consumer (test_late_verdict.py)."""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import PRICE
from tests.unit.session_router.conftest import (
    COMPLETED,
    DISPUTED,
    HOUR,
    NONE,
    counted_earnings,
    no_stats,
    stats_of,
    weight_of,
)
from tests.utils.checks import check_conservation

CASES = [
    # (closer, with a receipt, after the end)
    ("provider", True, False),
    ("provider", False, False),
    ("signer", True, False),
    ("signer", False, False),
    ("keeper", False, True),
    ("keeper", True, True),
]
IDS = [f"{c}_{'with' if r else 'without'}_receipt{'_after_end' if e else ''}" for c, r, e in CASES]


@pytest.mark.parametrize("closer_name, with_receipt, after_end", CASES, ids=IDS)
def test_close__by_anyone_but_the_consumer__pays_as_the_consumers_close_and_records_no_rating(
    closer_name: str,
    with_receipt: bool,
    after_end: bool,
    protocol,
    router,
    pool,
    mor,
    marketplace,
    provider,
    signer,
    keeper,
    consumer,
    consumer2,
    bid,
    model_id,
    stake,
    day_start,
    open_at,
    close_at,
    close_with_receipt_at,
):
    key = provider
    if closer_name == "signer":
        marketplace.setSigner(signer, sender=provider)
        key = signer
    closer: Any = {"provider": provider, "signer": signer, "keeper": keeper}[closer_name]
    t = day_start + 1_000
    # Two identical sessions, opened in the same second: one closed by another, one by its consumer.
    mor.approve(router, stake, sender=consumer)
    mor.approve(router, stake, sender=consumer2)
    subject = open_at(consumer, bid, stake, t, signed_by=key, approve=False)
    reference = open_at(consumer2, bid, stake, t, signed_by=key, approve=False)
    assert (subject.opened_at, subject.ends_at) == (reference.opened_at, reference.ends_at)
    at = subject.ends_at + 10 if after_end else t + HOUR

    def close(opened: Any, sender: Any) -> tuple[Any, int, int]:
        """Closes; returns the transaction, the consumer's MOR gained and the provider's owed gained."""
        owner_of = consumer if opened is subject else consumer2
        balance, owed = mor.balanceOf(owner_of), pool.owed(provider)
        if with_receipt:
            tx = close_with_receipt_at(opened.session_id, sender, at, ttft_ms=90, tps=120, signed_by=key)
        else:
            tx = close_at(opened.session_id, sender, at)
        return tx, mor.balanceOf(owner_of) - balance, pool.owed(provider) - owed

    tx, consumer_gain, owed_gain = close(subject, closer)

    seconds = min(at, subject.ends_at) - subject.opened_at
    pay = PRICE * seconds
    w = weight_of(stake, seconds)
    closed = tx.decode_logs(router.SessionClosed)
    assert len(closed) == 1
    assert closed[0].closer == closer.address
    assert (closed[0].secondsProvided, closed[0].paid) == (seconds, pay)
    assert (closed[0].weight, closed[0].disputed, closed[0].closedEarly) == (w, False, False)
    assert tx.decode_logs(router.ReceiptRecorded) == []
    assert stats_of(router, provider, model_id) == {
        **no_stats(),
        "weight": w,
        "secondsProvided": seconds,
        "earnings": counted_earnings(pay, w),
    }
    assert router.session(subject.session_id).verdict == NONE

    reference_tx, reference_gain, reference_owed_gain = close(reference, consumer2)

    reference_closed = reference_tx.decode_logs(router.SessionClosed)[0]
    assert (closed[0].secondsProvided, closed[0].paid, closed[0].returned, closed[0].held) == (
        reference_closed.secondsProvided,
        reference_closed.paid,
        reference_closed.returned,
        reference_closed.held,
    )
    assert (consumer_gain, owed_gain) == (reference_gain, reference_owed_gain) == (closed[0].returned, pay)
    assert tuple(router.holdOf(consumer)) == tuple(router.holdOf(consumer2))
    assert reference_closed.weight == w
    # The consumer's close of the twin did rate it: its verdict is set, the subject's is not.
    reference_verdict = COMPLETED if with_receipt else DISPUTED
    assert (reference_closed.disputed, reference_closed.closedEarly) == (not with_receipt, not after_end)
    assert router.session(reference.session_id).verdict == reference_verdict
    assert router.session(subject.session_id).verdict == NONE
    check_conservation(protocol)
