"""What the late verdict refuses (PROTOCOL.md §5 v3), each with its exact error and nothing
changed (statistics, session records, balances): a second verdict (after a late one or after the
consumer's own close), a verdict after VERDICT_WINDOW (closedAt + 1 day is the last second), a
verdict by anyone but the consumer, on an open or unknown session, on a session that rates nothing
(self-dealt, under MIN_RATED_SECONDS, a stake below 0.001 MOR), and a bad receipt. The checks run
in the order UnknownSession, NotSessionConsumer, SessionStillOpen, SessionAlreadyRated,
SessionNotRatable, VerdictWindowClosed; a receipt's own checks come first."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from ape import chain

from mor_market.ids import session_id
from tests.conftest import PRICE
from tests.unit.session_router.conftest import (
    COMPLETED,
    DIRECT,
    DISPUTED,
    HOUR,
    MIN_RATED_SECONDS,
    NONE,
    VERDICT_WINDOW,
    WEIGHT_UNIT,
    stats_of,
    weight_of,
)

CALLS = ["rateSession", "rateSessionWithReceipt"]


@pytest.fixture
def call_rate(router, provider, sign_receipt) -> Any:
    """Calls `name` (rateSession, or rateSessionWithReceipt with a valid receipt of 250 ms and
    40 tokens/s signed by `key`, the provider by default) on `session` as `sender` at `at`."""

    def _call(name: str, session: int, sender: Any, at: int, key: Any = None) -> Any:
        if name == "rateSession":
            chain.pending_timestamp = at
            return router.rateSession(session, sender=sender)
        receipt = sign_receipt(key or provider, session, 250, 40, at + 600)
        chain.pending_timestamp = at
        return router.rateSessionWithReceipt(session, 250, 40, at + 600, receipt, sender=sender)

    return _call


@pytest.fixture
def closed_by_provider(provider, running, close_at) -> Any:
    """The running session, closed by its provider an hour after it opened; returns `running`."""
    close_at(running.session_id, provider, running.opened_at + HOUR)
    return running


# ------------------------------------------------------------------ once


@pytest.mark.parametrize("second", CALLS)
@pytest.mark.parametrize("first", [COMPLETED, DISPUTED], ids=["after_completed", "after_disputed"])
def test_rate__a_second_time_after_a_late_verdict__reverts_session_already_rated(
    first: int, second: str, router, consumer, closed_by_provider, rate_at, rate_with_receipt_at, call_rate, observe
):
    sid, at = closed_by_provider.session_id, closed_by_provider.opened_at + HOUR + 60
    if first == COMPLETED:
        rate_with_receipt_at(sid, consumer, at)
    else:
        rate_at(sid, consumer, at)
    before = observe(sid)

    with ape.reverts(router.SessionAlreadyRated, sessionId=sid, verdict=first):
        call_rate(second, sid, consumer, at + 60)

    assert observe(sid) == before
    assert router.session(sid).verdict == first


@pytest.mark.parametrize("second", CALLS)
@pytest.mark.parametrize("own_close", [COMPLETED, DISPUTED], ids=["closed_with_receipt", "closed_without_receipt"])
def test_rate__after_the_consumers_own_close__reverts_session_already_rated(
    own_close: int, second: str, router, consumer, running, close_at, close_with_receipt_at, call_rate, observe
):
    at = running.opened_at + HOUR
    if own_close == COMPLETED:
        close_with_receipt_at(running.session_id, consumer, at)
    else:
        close_at(running.session_id, consumer, at)
    assert router.session(running.session_id).verdict == own_close
    before = observe(running.session_id)

    with ape.reverts(router.SessionAlreadyRated, sessionId=running.session_id, verdict=own_close):
        call_rate(second, running.session_id, consumer, at + 60)

    assert observe(running.session_id) == before


# ------------------------------------------------------------------ the window


@pytest.mark.parametrize("call", CALLS)
def test_rate__at_the_last_second_of_the_window__is_accepted(
    call: str, router, consumer, closed_by_provider, call_rate
):
    closed_at = router.session(closed_by_provider.session_id).closedAt
    assert VERDICT_WINDOW == router.VERDICT_WINDOW() == 86_400

    tx = call_rate(call, closed_by_provider.session_id, consumer, closed_at + VERDICT_WINDOW)

    assert tx.timestamp == closed_at + 86_400
    assert len(tx.decode_logs(router.SessionRated)) == 1
    assert router.session(closed_by_provider.session_id).verdict == (COMPLETED if call != "rateSession" else DISPUTED)


@pytest.mark.parametrize("call", CALLS)
def test_rate__one_second_after_the_window__reverts_verdict_window_closed(
    call: str, router, consumer, closed_by_provider, call_rate, observe
):
    sid = closed_by_provider.session_id
    closed_at = router.session(sid).closedAt
    chain.mine(timestamp=closed_at + 86_400)  # a day on: the views see the consumer's hold released
    before = observe(sid)

    with ape.reverts(router.VerdictWindowClosed, sessionId=sid, windowEnd=closed_at + 86_400):
        call_rate(call, sid, consumer, closed_at + 86_401)

    assert observe(sid) == before
    assert router.session(sid).verdict == NONE


# ------------------------------------------------------------------ only the consumer


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("who", ["provider", "signer", "keeper", "stranger", "another_consumer"])
def test_rate__by_anyone_but_the_consumer__reverts_not_session_consumer(
    who: str,
    call: str,
    router,
    marketplace,
    provider,
    signer,
    keeper,
    stranger,
    consumer2,
    running,
    close_at,
    call_rate,
    observe,
):
    marketplace.setSigner(signer, sender=provider)
    caller = {"provider": provider, "signer": signer, "keeper": keeper, "stranger": stranger}.get(who, consumer2)
    close_at(running.session_id, keeper, running.ends_at + 1)  # closed by a keeper: ratable by its consumer
    before = observe(running.session_id)

    with ape.reverts(router.NotSessionConsumer, sessionId=running.session_id, caller=caller.address):
        call_rate(call, running.session_id, caller, running.ends_at + 60, key=signer)

    assert observe(running.session_id) == before


# ------------------------------------------------------------------ a closed, known session


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("when", ["before_end", "after_end"])
def test_rate__an_open_session__reverts_session_still_open(
    when: str, call: str, router, consumer, running, call_rate, observe
):
    at = running.opened_at + HOUR if when == "before_end" else running.ends_at + 1
    before = observe(running.session_id)

    with ape.reverts(router.SessionStillOpen, sessionId=running.session_id):
        call_rate(call, running.session_id, consumer, at)

    assert observe(running.session_id) == before


def test_rate__an_open_session_by_a_stranger__reverts_not_session_consumer_first(
    router, stranger, running, call_rate, observe
):
    before = observe(running.session_id)

    with ape.reverts(router.NotSessionConsumer, sessionId=running.session_id, caller=stranger.address):
        call_rate("rateSession", running.session_id, stranger, running.opened_at + HOUR)

    assert observe(running.session_id) == before


@pytest.mark.parametrize("call", CALLS)
def test_rate__an_unknown_session__reverts_unknown_session(call: str, router, consumer, running, call_rate, observe):
    unknown = session_id(consumer.address, 999)
    before = observe(unknown, running.session_id)

    with ape.reverts(router.UnknownSession, sessionId=unknown):
        call_rate(call, unknown, consumer, running.opened_at + HOUR)

    assert observe(unknown, running.session_id) == before


# ------------------------------------------------------------------ a session that rates nothing


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("case", ["provider_closes_its_own", "signer_keeper_closes_after_end"])
def test_rate__a_self_dealt_session__reverts_session_not_ratable(
    case: str,
    call: str,
    router,
    marketplace,
    provider,
    signer,
    keeper,
    bid,
    model_id,
    day_start,
    open_at,
    close_at,
    call_rate,
    observe,
):
    """Direct mode with the consumer the provider (or its signer): its close rated nothing, so the
    refusal is that it is not ratable, not that it was rated."""
    consumer_key = provider
    if case == "signer_keeper_closes_after_end":
        marketplace.setSigner(signer, sender=provider)
        consumer_key = signer
    opened = open_at(consumer_key, bid, 2_000 * PRICE, day_start + 1_000, DIRECT, signed_by=consumer_key)
    assert router.session(opened.session_id).selfDealt is True
    if case == "provider_closes_its_own":
        closed_at, seconds = opened.opened_at + 700, 700
        close_at(opened.session_id, provider, closed_at)
    else:
        closed_at, seconds = opened.ends_at + 1, 2_000
        close_at(opened.session_id, keeper, closed_at)
    assert seconds >= MIN_RATED_SECONDS  # only self-dealing keeps it from rating
    before = observe(opened.session_id)

    with ape.reverts(
        router.SessionNotRatable, sessionId=opened.session_id, secondsProvided=seconds, minimum=MIN_RATED_SECONDS
    ):
        call_rate(call, opened.session_id, consumer_key, closed_at + 60, key=consumer_key)

    assert observe(opened.session_id) == before
    assert router.session(opened.session_id).verdict == NONE


@pytest.mark.parametrize("call", CALLS)
@pytest.mark.parametrize("closer", ["provider", "consumer"])
def test_rate__a_599_second_session__reverts_session_not_ratable(
    closer: str, call: str, router, provider, consumer, running, close_at, call_rate, observe
):
    """Closed by the provider, or by the consumer itself: its own close rated nothing either."""
    account = provider if closer == "provider" else consumer
    close_at(running.session_id, account, running.opened_at + 599)
    assert router.session(running.session_id).verdict == NONE
    before = observe(running.session_id)

    with ape.reverts(router.SessionNotRatable, sessionId=running.session_id, secondsProvided=599, minimum=600):
        call_rate(call, running.session_id, consumer, running.opened_at + 700)

    assert observe(running.session_id) == before


@pytest.mark.parametrize("call", CALLS)
def test_rate__a_600_second_session__is_accepted(
    call: str, router, provider, consumer, model_id, stake, running, close_at, call_rate
):
    close_at(running.session_id, provider, running.opened_at + 600)

    tx = call_rate(call, running.session_id, consumer, running.opened_at + 700)

    w = weight_of(stake, 600)
    assert w == 600_000_000
    rated = tx.decode_logs(router.SessionRated)[0]
    assert (rated.verdict, rated.weight) == ((COMPLETED if call != "rateSession" else DISPUTED), w)
    stats = stats_of(router, provider, model_id)
    assert stats["completedWeight"] + stats["disputedWeight"] == w


@pytest.mark.parametrize("call", CALLS)
def test_rate__a_stake_below_a_thousandth_of_a_mor__reverts_session_not_ratable(
    call: str, router, provider, consumer, cheap_bid, day_start, open_at, close_at, call_rate, observe
):
    cheap_model, bid = cheap_bid
    opened = open_at(consumer, bid, WEIGHT_UNIT - 1, day_start + 1_000, DIRECT)
    close_at(opened.session_id, provider, opened.opened_at + 700)
    before = observe(opened.session_id)
    stats_before = stats_of(router, provider, cheap_model)

    with ape.reverts(router.SessionNotRatable, sessionId=opened.session_id, secondsProvided=700, minimum=600):
        call_rate(call, opened.session_id, consumer, opened.opened_at + 800)

    assert observe(opened.session_id) == before
    assert stats_of(router, provider, cheap_model) == stats_before


# ------------------------------------------------------------------ bad receipts


@pytest.mark.parametrize(
    ("ttft_ms", "tps"),
    [(0, 40), (600_001, 40), (250, 0), (250, 100_001)],
    ids=["ttft_zero", "ttft_above_ten_minutes", "tps_zero", "tps_above_100k"],
)
def test_rate_with_receipt__out_of_bounds__reverts_receipt_out_of_bounds(
    ttft_ms: int, tps: int, router, provider, consumer, closed_by_provider, sign_receipt, observe
):
    sid = closed_by_provider.session_id
    at = closed_by_provider.opened_at + HOUR + 60
    receipt = sign_receipt(provider, sid, ttft_ms, tps, at + 600)
    before = observe(sid)
    chain.pending_timestamp = at

    with ape.reverts(router.ReceiptOutOfBounds, ttftMs=ttft_ms, tokensPerSecond=tps):
        router.rateSessionWithReceipt(sid, ttft_ms, tps, at + 600, receipt, sender=consumer)

    assert observe(sid) == before


def test_rate_with_receipt__one_second_past_its_deadline__reverts_receipt_expired(
    router, provider, consumer, closed_by_provider, sign_receipt, observe
):
    sid = closed_by_provider.session_id
    at = closed_by_provider.opened_at + HOUR + 60
    receipt = sign_receipt(provider, sid, 250, 40, at - 1)
    before = observe(sid)
    chain.pending_timestamp = at

    with ape.reverts(router.ReceiptExpired, deadline=at - 1):
        router.rateSessionWithReceipt(sid, 250, 40, at - 1, receipt, sender=consumer)

    assert observe(sid) == before


@pytest.mark.parametrize("forgery", ["wrong_signer", "provider_key_after_a_signer_was_named", "another_sessions"])
def test_rate_with_receipt__not_signed_by_the_providers_signer_for_it__reverts_invalid_receipt_signature(
    forgery: str,
    router,
    marketplace,
    provider,
    signer,
    stranger,
    consumer,
    bid,
    stake,
    closed_by_provider,
    open_at,
    sign_receipt,
    observe,
):
    sid = closed_by_provider.session_id
    at = closed_by_provider.opened_at + HOUR + 60
    expected_signer, key, signed_session = provider, stranger, sid
    if forgery == "provider_key_after_a_signer_was_named":
        marketplace.setSigner(signer, sender=provider)
        expected_signer, key = signer, provider
    elif forgery == "another_sessions":
        key, signed_session = provider, open_at(consumer, bid, stake, at - 10).session_id
    receipt = sign_receipt(key, signed_session, 250, 40, at + 600)
    before = observe(sid)
    chain.pending_timestamp = at

    with ape.reverts(router.InvalidReceiptSignature, signer=expected_signer.address):
        router.rateSessionWithReceipt(sid, 250, 40, at + 600, receipt, sender=consumer)

    assert observe(sid) == before
    assert router.session(sid).verdict == NONE
