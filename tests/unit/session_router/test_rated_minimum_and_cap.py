"""Influence costs time (PROTOCOL.md §6 v3): a session records anything (weight, seconds,
earnings, a verdict) only from MIN_RATED_SECONDS = 600 s provided, though a shorter one is paid
as usual; one session weighs at most MAX_SESSION_WEIGHT = 10 MOR-days (864,000,000
milli-MOR-seconds), so its counted earnings are at most 10 MOR; and a session its consumer never
rated (a keeper's close, no late verdict) is in no rate: only experience and earnings count it."""

from __future__ import annotations

import pytest

from mor_market.constants import DAY, MOR
from mor_market.ranking import PRIOR_WEIGHT, Inputs, Weights, components
from tests.conftest import PRICE
from tests.unit.session_router.conftest import (
    DIRECT,
    HOUR,
    MAX_SESSION_WEIGHT,
    MIN_RATED_SECONDS,
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
CLOSES = ["consumer_with_receipt", "consumer_without_receipt", "provider"]
RATES = ("reliability", "early_closes", "lag", "speed")


@pytest.fixture
def close_by(provider, consumer, close_at, close_with_receipt_at):
    """Closes `session` at `at` the way `how` (one of CLOSES) says; the receipt is (250 ms, 40)."""

    def _close(how: str, session: int, at: int):
        if how == "consumer_with_receipt":
            return close_with_receipt_at(session, consumer, at)
        return close_at(session, consumer if how == "consumer_without_receipt" else provider, at)

    return _close


def test_router__the_minimum_and_the_cap__are_ten_minutes_and_ten_mor_days(router):
    assert router.MIN_RATED_SECONDS() == MIN_RATED_SECONDS == 600
    assert router.MAX_SESSION_WEIGHT() == MAX_SESSION_WEIGHT == 10 * 1_000 * DAY == 864_000_000


# ------------------------------------------------------------------ the minimum


@pytest.mark.parametrize("mode", [STIPEND, DIRECT], ids=["stipend", "direct"])
@pytest.mark.parametrize("how", CLOSES)
def test_close__a_599_second_session__records_nothing_but_pays_the_provider_for_599_seconds(
    how: str,
    mode: int,
    protocol,
    router,
    pool,
    mor,
    provider,
    consumer,
    bid,
    model_id,
    stake,
    day_start,
    open_at,
    close_by,
):
    opened = open_at(consumer, bid, stake, day_start + 1_000, mode)
    owed_before, provider_before = pool.owed(provider), mor.balanceOf(provider)

    tx = close_by(how, opened.session_id, opened.opened_at + 599)

    pay = PRICE * 599
    closed = tx.decode_logs(router.SessionClosed)[0]
    assert (closed.secondsProvided, closed.paid) == (599, pay)
    assert (closed.weight, closed.disputed, closed.closedEarly) == (0, False, False)
    assert tx.decode_logs(router.ReceiptRecorded) == []
    assert stats_of(router, provider, model_id) == no_stats()
    assert router.session(opened.session_id).verdict == NONE
    if mode == STIPEND:
        assert pool.owed(provider) == owed_before + pay
    else:
        assert mor.balanceOf(provider) == provider_before + pay
    check_conservation(protocol)


@pytest.mark.parametrize("mode", [STIPEND, DIRECT], ids=["stipend", "direct"])
@pytest.mark.parametrize("how", CLOSES)
def test_close__a_600_second_session__records_its_weight_seconds_earnings_and_verdict(
    how: str, mode: int, router, provider, consumer, bid, model_id, stake, day_start, open_at, close_by
):
    opened = open_at(consumer, bid, stake, day_start + 1_000, mode)

    tx = close_by(how, opened.session_id, opened.opened_at + 600)

    w = weight_of(stake, 600)
    assert w == 1_000_000 * 600
    closed = tx.decode_logs(router.SessionClosed)[0]
    assert (closed.secondsProvided, closed.weight) == (600, w)
    served = {"weight": w, "secondsProvided": 600, "earnings": counted_earnings(PRICE * 600, w)}
    verdict = {
        "consumer_with_receipt": {
            "completedWeight": w,
            "completed": 1,
            "closedEarlyWeight": w,
            "ttftWeighted": w * 250,
            "tpsWeighted": w * 40,
        },
        "consumer_without_receipt": {"disputedWeight": w, "disputed": 1, "closedEarlyWeight": w},
        "provider": {},  # served, not rated: the consumer's verdict may still come
    }[how]
    assert stats_of(router, provider, model_id) == {**no_stats(), **served, **verdict}


# ------------------------------------------------------------------ the cap


@pytest.mark.parametrize(
    ("seconds", "weight"), [(863, 863_000_000), (864, 864_000_000), (865, 864_000_000), (HOUR, 864_000_000)]
)
def test_close__stake_times_seconds_at_or_above_the_cap__weighs_exactly_the_cap(
    seconds: int, weight: int, router, provider, consumer, model_id, stake, running, close_with_receipt_at
):
    """1,000 MOR is 10^6 milli-MOR: 864 s reach the cap; the seconds themselves still count whole."""
    tx = close_with_receipt_at(running.session_id, consumer, running.opened_at + seconds, ttft_ms=300, tps=60)

    assert weight_of(stake, seconds) == weight == min(1_000_000 * seconds, MAX_SESSION_WEIGHT)
    assert tx.decode_logs(router.SessionClosed)[0].weight == weight
    assert stats_of(router, provider, model_id) == {
        **no_stats(),
        "weight": weight,
        "completedWeight": weight,
        "completed": 1,
        "closedEarlyWeight": weight,
        "secondsProvided": seconds,
        "earnings": PRICE * seconds,
        "ttftWeighted": weight * 300,
        "tpsWeighted": weight * 60,
    }


def test_close__a_capped_session_paid_more_than_ten_mor__counts_exactly_ten_mor_of_earnings(
    protocol,
    router,
    mor,
    provider,
    consumer,
    register_model,
    post_bid,
    registered_provider,
    day_start,
    open_at,
    close_at,
):
    expensive_model = register_model("mistral-7b")
    expensive = post_bid(provider, expensive_model, HIGH_PRICE)
    stake = 2_000 * MOR  # lasts a day at HIGH_PRICE
    opened = open_at(consumer, expensive, stake, day_start + 1_000, DIRECT)
    provider_before = mor.balanceOf(provider)

    tx = close_at(opened.session_id, consumer, opened.opened_at + HOUR)

    pay = HIGH_PRICE * HOUR
    assert pay == 36 * MOR
    # Uncapped, the stake's MOR-seconds per day (83.3 MOR) would have let all 36 MOR count.
    assert stake * HOUR // DAY > pay
    closed = tx.decode_logs(router.SessionClosed)[0]
    assert (closed.paid, closed.weight) == (pay, MAX_SESSION_WEIGHT)
    assert mor.balanceOf(provider) == provider_before + pay  # the cap is on the statistic only
    stats = stats_of(router, provider, expensive_model)
    assert stats["earnings"] == counted_earnings(pay, MAX_SESSION_WEIGHT) == MAX_SESSION_WEIGHT * WEIGHT_UNIT // DAY
    assert stats["earnings"] == 10 * MOR
    assert (stats["weight"], stats["disputedWeight"], stats["secondsProvided"]) == (
        MAX_SESSION_WEIGHT,
        MAX_SESSION_WEIGHT,
        HOUR,
    )
    check_conservation(protocol)


# ------------------------------------------------------------------ an unrated session is in no rate


def test_close__by_a_keeper_never_rated__is_in_no_rate_but_counts_as_experience(
    protocol,
    router,
    provider,
    consumer,
    consumer2,
    keeper,
    bid,
    model_id,
    stake,
    day_start,
    open_at,
    close_at,
    close_with_receipt_at,
):
    reputation = protocol.reputation
    t = day_start + 1_000
    completed = open_at(consumer, bid, stake, t)
    disputed = open_at(consumer2, bid, 500 * MOR, t + 1)
    unrated = open_at(consumer, bid, 100 * MOR, t + 2)  # lasts about 1,010 s
    close_with_receipt_at(completed.session_id, consumer, t + 700, ttft_ms=400, tps=30)
    close_at(disputed.session_id, consumer2, t + 1 + 800)

    def on_chain(name: str) -> int:
        return reputation.scoreOf(bid, Weights(**{name: 1}).as_tuple())

    before = {name: on_chain(name) for name in components(Inputs())}
    stats_before = stats_of(router, provider, model_id)

    close_at(unrated.session_id, keeper, unrated.ends_at + 1)

    seconds = unrated.ends_at - unrated.opened_at
    w = weight_of(100 * MOR, seconds)
    assert w > 0
    stats = stats_of(router, provider, model_id)
    assert stats["weight"] == stats_before["weight"] + w
    assert {k: stats[k] for k in ("completedWeight", "disputedWeight", "closedEarlyWeight")} == {
        k: stats_before[k] for k in ("completedWeight", "disputedWeight", "closedEarlyWeight")
    }
    after = {name: on_chain(name) for name in components(Inputs())}
    assert {name: after[name] for name in RATES} == {name: before[name] for name in RATES}
    assert after["experience"] > before["experience"]
    assert after["earnings"] > before["earnings"]
    # The Python mirror agrees, read from the router's statistics, and the rates' denominator is
    # the rated weight only: (Wc + P/2) / (Wc + Wd + P).
    x = Inputs.from_chain(reputation.inputsOf(bid))
    assert x.weight == stats["weight"]
    assert components(x) == after
    wc, wd, prior = 700_000_000, 400_000_000, PRIOR_WEIGHT
    assert (x.completed_weight, x.disputed_weight) == (wc, wd)
    assert after["reliability"] == (wc + prior // 2) * 10**18 // (wc + wd + prior)
    assert after["early_closes"] == (prior // 2) * 10**18 // (wc + wd + prior)
