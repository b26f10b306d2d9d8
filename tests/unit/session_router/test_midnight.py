"""A session crossing midnight (PROTOCOL.md "Days", §5 "Stake back"): only the seconds that fall
on the day of the close back the held part; the pay counts every second provided."""

from __future__ import annotations

from ape import chain

from mor_market.constants import DAY
from tests.conftest import PRICE
from tests.unit.session_router.conftest import HOUR, held_part, seconds_on_day, stipend_duration
from tests.utils.checks import check_conservation


def test_close__one_hour_after_midnight_of_a_session_opened_at_23h__holds_only_todays_hour(
    protocol,
    router,
    pool,
    mor,
    consumer,
    provider,
    bid,
    stake,
    day_start,
    budget,
    supply,
    open_at,
    close_with_receipt_at,
):
    opened_at = day_start + DAY - HOUR
    opened = open_at(consumer, bid, stake, opened_at)
    duration = stipend_duration(stake, budget, supply())
    assert opened.ends_at == opened_at + duration > day_start + DAY + HOUR
    consumer_before = mor.balanceOf(consumer)

    tx = close_with_receipt_at(opened.session_id, consumer, day_start + DAY + HOUR)

    closed = tx.decode_logs(router.SessionClosed)[0]
    assert closed.secondsProvided == 2 * HOUR
    assert closed.paid == PRICE * 2 * HOUR
    held = held_part(stake, HOUR, duration)
    assert closed.held == held
    assert closed.returned == stake - held
    assert mor.balanceOf(consumer) == consumer_before + stake - held
    assert pool.owed(provider) == PRICE * 2 * HOUR
    assert tuple(router.holdOf(consumer)) == (held, 0)
    check_conservation(protocol)


def test_close__by_keeper_next_day_after_an_end_past_midnight__holds_the_seconds_after_midnight(
    router, mor, consumer, keeper, bid, stake, day_start, open_at, close_at
):
    opened = open_at(consumer, bid, stake, day_start + DAY - HOUR)
    duration = opened.ends_at - opened.opened_at
    midnight = day_start + DAY
    closed_at = opened.ends_at + 2 * HOUR

    tx = close_at(opened.session_id, keeper, closed_at)

    seconds_today = seconds_on_day(opened.opened_at, opened.ends_at, closed_at, midnight // DAY)
    assert seconds_today == opened.ends_at - midnight == duration - HOUR
    closed = tx.decode_logs(router.SessionClosed)[0]
    assert closed.secondsProvided == duration
    assert closed.held == held_part(stake, seconds_today, duration)
    assert closed.returned == stake - closed.held


def test_close__next_day_of_a_session_that_ended_before_midnight__holds_nothing(
    router, mor, consumer, keeper, bid, stake, running, close_at
):
    consumer_before = mor.balanceOf(consumer)

    tx = close_at(running.session_id, keeper, (running.opened_at // DAY + 1) * DAY + 5)

    closed = tx.decode_logs(router.SessionClosed)[0]
    assert (closed.returned, closed.held) == (stake, 0)
    assert mor.balanceOf(consumer) == consumer_before + stake
    assert tuple(router.holdOf(consumer)) == (0, 0)


def test_hold__made_at_23h30__is_withdrawable_from_midnight(
    router, mor, consumer, bid, stake, day_start, open_at, close_at
):
    opened = open_at(consumer, bid, stake, day_start + DAY - HOUR)
    close_at(opened.session_id, consumer, day_start + DAY - HOUR // 2)
    held = held_part(stake, HOUR // 2, opened.ends_at - opened.opened_at)
    chain.mine(timestamp=day_start + DAY - 1)
    assert tuple(router.holdOf(consumer)) == (held, 0)

    chain.pending_timestamp = day_start + DAY
    consumer_before = mor.balanceOf(consumer)
    tx = router.withdrawHeld(sender=consumer)

    assert tx.timestamp == day_start + DAY
    assert tx.decode_logs(router.HeldReleased)[0].amount == held
    assert mor.balanceOf(consumer) == consumer_before + held
