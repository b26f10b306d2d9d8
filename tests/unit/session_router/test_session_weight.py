"""A session's weight in the statistics (PROTOCOL.md §6 "Weight = MOR-seconds at stake"):
floor(stake / 1e15) * seconds provided, capped at MAX_SESSION_WEIGHT. A session of weight 0 (no
second provided, fewer than 600, or a stake below 0.001 MOR) records nothing at all; a session's
pay counts towards earnings at most weight * 1e15 // 1 day (its capped MOR-seconds per day). The
minimum and the cap themselves: test_rated_minimum_and_cap.py."""

from __future__ import annotations

import pytest
from ape import chain

from mor_market.constants import DAY, MOR
from tests.conftest import PRICE
from tests.unit.session_router.conftest import (
    CHEAP_PRICE,
    DIRECT,
    NONE,
    STIPEND,
    WEIGHT_UNIT,
    counted_earnings,
    no_stats,
    stats_of,
    weight_of,
)
from tests.utils.checks import check_conservation

HIGH_PRICE = 10**16  # the deployed marketplace's highest price (the tests' Params)


@pytest.mark.parametrize("with_receipt", [True, False], ids=["with_receipt", "without_receipt"])
@pytest.mark.parametrize("mode", [STIPEND, DIRECT], ids=["stipend", "direct"])
def test_close__by_consumer_in_the_opening_second__records_nothing_and_is_not_disputed(
    mode: int,
    with_receipt: bool,
    router,
    provider,
    consumer,
    bid,
    model_id,
    stake,
    day_start,
    open_at,
    sign_receipt,
):
    opened = open_at(consumer, bid, stake, day_start + 1_000, mode)
    at = opened.opened_at

    chain.pending_timestamp = at
    if with_receipt:
        receipt = sign_receipt(provider, opened.session_id, 250, 40, at + 600)
        tx = router.closeSessionWithReceipt(opened.session_id, 250, 40, at + 600, receipt, sender=consumer)
    else:
        tx = router.closeSession(opened.session_id, sender=consumer)

    assert tx.timestamp == at
    closed = tx.decode_logs(router.SessionClosed)[0]
    assert (closed.secondsProvided, closed.paid) == (0, 0)
    assert (closed.weight, closed.disputed, closed.closedEarly) == (0, False, False)
    assert tx.decode_logs(router.ReceiptRecorded) == []
    assert stats_of(router, provider, model_id) == no_stats()


def test_open_direct__stake_below_a_thousandth_of_a_mor__opens_at_price(router, consumer, bid, day_start, open_at):
    stake = WEIGHT_UNIT - 1

    opened = open_at(consumer, bid, stake, day_start + 1_000, DIRECT)

    assert opened.ends_at - opened.opened_at == stake // PRICE == 99  # above the 60 s minimum
    assert router.session(opened.session_id).stake == stake


@pytest.mark.parametrize("with_receipt", [True, False], ids=["with_receipt", "without_receipt"])
def test_close__direct_stake_below_a_thousandth_of_a_mor_after_the_minimum_seconds__pays_but_records_nothing(
    with_receipt: bool,
    protocol,
    router,
    mor,
    provider,
    consumer,
    cheap_bid,
    model_id,
    day_start,
    open_at,
    close_at,
    close_with_receipt_at,
):
    cheap_model, bid = cheap_bid
    stake = WEIGHT_UNIT - 1
    opened = open_at(consumer, bid, stake, day_start + 1_000, DIRECT)
    assert opened.ends_at - opened.opened_at == stake // CHEAP_PRICE == 999
    provider_before = mor.balanceOf(provider)
    at = opened.opened_at + 700  # past the minimum: only the stake keeps it from rating

    if with_receipt:
        tx = close_with_receipt_at(opened.session_id, consumer, at)
    else:
        tx = close_at(opened.session_id, consumer, at)

    pay = CHEAP_PRICE * 700
    closed = tx.decode_logs(router.SessionClosed)[0]
    assert (closed.secondsProvided, closed.paid, closed.returned) == (700, pay, stake - pay)
    assert (closed.weight, closed.disputed, closed.closedEarly) == (0, False, False)
    assert tx.decode_logs(router.ReceiptRecorded) == []
    assert router.session(opened.session_id).verdict == NONE
    assert mor.balanceOf(provider) == provider_before + pay
    assert stats_of(router, provider, cheap_model) == no_stats()
    assert stats_of(router, provider, model_id) == no_stats()
    check_conservation(protocol)


def test_close__direct_stake_of_exactly_a_thousandth_of_a_mor__records_one_unit_per_second(
    router, provider, consumer, cheap_bid, day_start, open_at, close_at
):
    cheap_model, bid = cheap_bid
    opened = open_at(consumer, bid, WEIGHT_UNIT, day_start + 1_000, DIRECT)

    tx = close_at(opened.session_id, consumer, opened.opened_at + 600)

    assert tx.decode_logs(router.SessionClosed)[0].weight == 600
    stats = stats_of(router, provider, cheap_model)
    assert (stats["weight"], stats["disputedWeight"], stats["disputed"], stats["secondsProvided"]) == (600, 600, 1, 600)
    # Its pay, 6e14 wei, is above its 600 milli-MOR-seconds per day: earnings count the latter.
    assert stats["earnings"] == counted_earnings(CHEAP_PRICE * 600, 600) == 600 * WEIGHT_UNIT // DAY


def test_close__stakes_not_multiples_of_a_thousandth__weigh_the_floored_stake_times_the_seconds(
    router, provider, consumer, consumer2, bid, model_id, day_start, open_at, close_at, close_with_receipt_at
):
    t = day_start + 1_000
    stipend_stake = 1_000 * MOR + WEIGHT_UNIT - 1
    direct_stake = MOR // 2 + 7
    stipend = open_at(consumer, bid, stipend_stake, t, STIPEND)
    direct = open_at(consumer2, bid, direct_stake, t + 1, DIRECT)

    second = close_at(direct.session_id, consumer2, t + 701)
    first = close_with_receipt_at(stipend.session_id, consumer, t + 777, ttft_ms=300, tps=20)

    w1, w2 = 1_000_000 * 777, 500 * 700
    assert (weight_of(stipend_stake, 777), weight_of(direct_stake, 700)) == (w1, w2)
    assert w1 != stipend_stake * 777 // WEIGHT_UNIT  # floored before multiplying, not after
    assert first.decode_logs(router.SessionClosed)[0].weight == w1
    assert second.decode_logs(router.SessionClosed)[0].weight == w2
    # The direct session's pay, 7e15 wei, is above its 350,000 milli-MOR-seconds per day.
    assert counted_earnings(PRICE * 700, w2) == w2 * WEIGHT_UNIT // DAY < PRICE * 700
    assert stats_of(router, provider, model_id) == {
        **no_stats(),
        "weight": w1 + w2,
        "completedWeight": w1,
        "completed": 1,
        "disputedWeight": w2,
        "disputed": 1,
        "closedEarlyWeight": w1 + w2,
        "secondsProvided": 777 + 700,
        "earnings": PRICE * 777 + counted_earnings(PRICE * 700, w2),
        "ttftWeighted": w1 * 300,
        "tpsWeighted": w1 * 20,
    }


def test_close__direct_pay_above_the_stakes_mor_seconds__counts_earnings_at_stake_times_seconds_per_day(
    protocol,
    router,
    mor,
    marketplace,
    registered_provider,
    provider,
    consumer,
    register_model,
    post_bid,
    day_start,
    open_at,
    close_with_receipt_at,
):
    assert marketplace.priceBounds()[1] >= HIGH_PRICE
    other_model = register_model("mistral-7b")
    expensive = post_bid(provider, other_model, HIGH_PRICE)
    stake = 10 * MOR
    opened = open_at(consumer, expensive, stake, day_start + 1_000, DIRECT)
    assert opened.ends_at - opened.opened_at == stake // HIGH_PRICE == 1_000
    provider_before = mor.balanceOf(provider)

    tx = close_with_receipt_at(opened.session_id, consumer, opened.opened_at + 700)

    pay = HIGH_PRICE * 700
    cap = stake * 700 // 86_400  # the weight, 10,000 x 700, is below MAX_SESSION_WEIGHT
    assert cap < pay
    closed = tx.decode_logs(router.SessionClosed)[0]
    assert (closed.paid, closed.weight) == (pay, 10_000 * 700)
    assert mor.balanceOf(provider) == provider_before + pay  # the cap is on the statistic only
    stats = stats_of(router, provider, other_model)
    assert (stats["earnings"], stats["weight"], stats["secondsProvided"]) == (cap, 10_000 * 700, 700)
    check_conservation(protocol)
