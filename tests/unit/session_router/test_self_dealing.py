"""Self-dealing (PROTOCOL.md §5 "Self-dealing"): a session whose consumer is the bid's provider or
the provider's signer at the time of opening is self-dealt. It cannot be opened in stipend mode
(the pool would pay the consumer's own side); in direct mode it opens (a provider testing its own
endpoint), pays exactly as any direct session, and writes no statistic at all."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from mor_market.ids import session_id
from tests.conftest import PRICE
from tests.unit.session_router.conftest import DIRECT, NONE, STIPEND, no_stats, stats_of, weight_of
from tests.utils.checks import check_conservation

ZERO = "0x0000000000000000000000000000000000000000"
NONCE = 7


def _actors(case: str, marketplace: Any, provider: Any, signer: Any) -> tuple[Any, Any]:
    """(opener, key that signs the provider's approvals and receipts) for a self-dealing case;
    names `signer` as the provider's signer when the case needs it."""
    if case == "provider":
        return provider, provider
    marketplace.setSigner(signer, sender=provider)
    if case == "provider_with_a_signer_named":
        return provider, signer
    return signer, signer  # case == "signer"


@pytest.mark.parametrize("case", ["provider", "provider_with_a_signer_named", "signer"])
def test_open_stipend__by_the_bids_provider_or_its_signer__reverts_self_dealt_stipend_and_changes_nothing(
    case: str, router, marketplace, provider, signer, bid, stake, day_start, open_at, observe
):
    opener, key = _actors(case, marketplace, provider, signer)
    sid = session_id(opener.address, NONCE)
    before = observe(sid)

    with ape.reverts(router.SelfDealtStipend, bidId=bid, consumer=opener.address):
        open_at(opener, bid, stake, day_start + 1_000, STIPEND, signed_by=key, nonce=NONCE)

    assert observe(sid) == before
    assert router.session(sid).openedAt == 0


@pytest.mark.parametrize("case", ["provider", "signer"])
def test_open_direct__by_the_bids_provider_or_its_signer__opens_a_self_dealt_session(
    case: str, protocol, router, marketplace, provider, signer, bid, model_id, day_start, open_at
):
    opener, key = _actors(case, marketplace, provider, signer)
    stake = 2_000 * PRICE + 999

    opened = open_at(opener, bid, stake, day_start + 1_000, DIRECT, signed_by=key)

    record = router.session(opened.session_id)
    assert record.selfDealt is True
    assert (record.provider, record.mode, record.stake) == (provider.address, DIRECT, stake)
    assert opened.ends_at == opened.opened_at + 2_000
    assert router.totalLocked() == stake
    check_conservation(protocol)


@pytest.mark.parametrize("with_receipt", [True, False], ids=["own_receipt", "no_receipt"])
@pytest.mark.parametrize("case", ["provider", "signer"])
def test_close__self_dealt_direct_session_by_its_consumer__pays_as_direct_and_records_no_statistic(
    case: str,
    with_receipt: bool,
    protocol,
    router,
    pool,
    mor,
    marketplace,
    provider,
    signer,
    bid,
    model_id,
    day_start,
    open_at,
    close_at,
    close_with_receipt_at,
):
    opener, key = _actors(case, marketplace, provider, signer)
    stake = 2_000 * PRICE + 999
    opened = open_at(opener, bid, stake, day_start + 1_000, DIRECT, signed_by=key)
    stats_before, owed_before = stats_of(router, provider, model_id), pool.owed(provider)
    at = opened.opened_at + 700

    if with_receipt:
        tx = close_with_receipt_at(opened.session_id, opener, at, ttft_ms=5, tps=900, signed_by=key)
    else:
        tx = close_at(opened.session_id, opener, at)

    pay = PRICE * 700
    closed = tx.decode_logs(router.SessionClosed)
    assert len(closed) == 1
    assert (closed[0].secondsProvided, closed[0].paid, closed[0].returned, closed[0].held) == (
        700,
        pay,
        stake - pay,
        0,
    )
    assert (closed[0].weight, closed[0].disputed, closed[0].closedEarly) == (0, False, False)
    assert tx.decode_logs(router.ReceiptRecorded) == []
    assert router.session(opened.session_id).verdict == NONE  # its consumer's close rated nothing
    transfers = [(t["from"], t.to, t.value) for t in tx.decode_logs(mor.Transfer)]
    assert transfers == [(router.address, provider.address, pay), (router.address, opener.address, stake - pay)]
    assert stats_of(router, provider, model_id) == stats_before == no_stats()
    assert pool.owed(provider) == owed_before
    assert tx.decode_logs(pool.Credited) == []
    assert tuple(router.holdOf(opener)) == (0, 0)
    assert router.totalLocked() == 0
    check_conservation(protocol)


def test_open__by_an_ordinary_consumer_on_a_bid_with_a_self_dealt_session__is_not_self_dealt_and_records(
    router, provider, consumer, bid, model_id, stake, day_start, open_at, close_at, close_with_receipt_at
):
    t = day_start + 1_000
    own = open_at(provider, bid, 2_000 * PRICE, t, DIRECT)
    ordinary = open_at(consumer, bid, stake, t + 1)

    assert router.session(own.session_id).selfDealt is True
    assert router.session(ordinary.session_id).selfDealt is False
    close_with_receipt_at(own.session_id, provider, t + 700)  # past the minimum: only self-dealing keeps it out
    assert stats_of(router, provider, model_id) == no_stats()
    assert router.session(own.session_id).verdict == NONE
    tx = close_with_receipt_at(ordinary.session_id, consumer, t + 701)
    w = weight_of(stake, 700)
    assert tx.decode_logs(router.SessionClosed)[0].weight == w
    assert stats_of(router, provider, model_id) == {
        **no_stats(),
        "weight": w,
        "completedWeight": w,
        "completed": 1,
        "closedEarlyWeight": w,
        "secondsProvided": 700,
        "earnings": PRICE * 700,
        "ttftWeighted": w * 250,
        "tpsWeighted": w * 40,
    }


def test_set_signer__naming_a_sessions_consumer_after_it_opened__leaves_the_session_not_self_dealt(
    router, marketplace, provider, signer, bid, model_id, stake, day_start, open_at, close_with_receipt_at
):
    opened = open_at(signer, bid, stake, day_start + 1_000, STIPEND, signed_by=provider)
    assert router.session(opened.session_id).selfDealt is False

    marketplace.setSigner(signer, sender=provider)

    assert router.session(opened.session_id).selfDealt is False
    tx = close_with_receipt_at(opened.session_id, signer, opened.opened_at + 900, signed_by=signer)
    w = weight_of(stake, 900)
    assert tx.decode_logs(router.SessionClosed)[0].weight == w
    stats = stats_of(router, provider, model_id)
    assert (stats["weight"], stats["completedWeight"], stats["completed"]) == (w, w, 1)


@pytest.mark.parametrize("replacement", ["another_signer", "the_provider_itself"])
def test_open_stipend__by_a_signer_replaced_before_the_open__is_not_self_dealt(
    replacement: str, router, marketplace, provider, signer, stranger, bid, stake, day_start, open_at
):
    marketplace.setSigner(signer, sender=provider)
    new_key = stranger if replacement == "another_signer" else provider
    marketplace.setSigner(stranger if replacement == "another_signer" else ZERO, sender=provider)

    opened = open_at(signer, bid, stake, day_start + 1_000, STIPEND, signed_by=new_key)

    record = router.session(opened.session_id)
    assert record.selfDealt is False
    assert record.mode == STIPEND
    assert router.totalLocked() == stake
