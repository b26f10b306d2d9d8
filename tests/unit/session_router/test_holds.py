"""Held stake (PROTOCOL.md §5 "Stake back", promises 4 and 6): the part of a stipend stake that
backed today's compute, ceil(stake * secondsToday / duration), is held until the start of the
next day; it is released at the consumer's next open or close, or by withdrawHeld (O(1)), and
holdOf shows what is held and what is withdrawable."""

from __future__ import annotations

import ape
from ape import chain

from mor_market.constants import DAY, MOR
from tests.unit.session_router.conftest import HOUR, held_part
from tests.utils.checks import check_conservation


def test_close__stipend_same_day__holds_ceil_share_of_todays_seconds_and_returns_the_rest_now(
    protocol, router, mor, consumer, stake, running, close_at
):
    duration = running.ends_at - running.opened_at
    assert (stake * HOUR) % duration != 0  # the share is not whole: it is rounded up
    consumer_before = mor.balanceOf(consumer)

    tx = close_at(running.session_id, consumer, running.opened_at + HOUR)

    held = -(-stake * HOUR // duration)
    closed = tx.decode_logs(router.SessionClosed)[0]
    assert closed.held == held
    assert closed.returned == stake - held
    assert mor.balanceOf(consumer) == consumer_before + stake - held
    assert tuple(router.holdOf(consumer)) == (held, 0)
    assert router.totalLocked() == held
    assert tx.decode_logs(router.HeldReleased) == []
    check_conservation(protocol)


def test_hold__at_the_next_days_first_second__becomes_withdrawable(router, consumer, stake, running, close_at):
    close_at(running.session_id, consumer, running.opened_at + HOUR)
    held = held_part(stake, HOUR, running.ends_at - running.opened_at)
    midnight = (running.opened_at // DAY + 1) * DAY

    chain.mine(timestamp=midnight - 1)
    assert tuple(router.holdOf(consumer)) == (held, 0)
    chain.mine(timestamp=midnight)
    assert tuple(router.holdOf(consumer)) == (0, held)


def test_withdraw_held__next_day__pays_exactly_the_hold_once(protocol, router, mor, consumer, stake, running, close_at):
    close_at(running.session_id, consumer, running.opened_at + HOUR)
    held = held_part(stake, HOUR, running.ends_at - running.opened_at)
    chain.pending_timestamp = (running.opened_at // DAY + 1) * DAY + 10
    consumer_before = mor.balanceOf(consumer)

    tx = router.withdrawHeld(sender=consumer)

    released = tx.decode_logs(router.HeldReleased)
    assert len(released) == 1
    assert released[0].consumer == consumer.address
    assert released[0].amount == held
    assert mor.balanceOf(consumer) == consumer_before + held
    assert tuple(router.holdOf(consumer)) == (0, 0)
    assert router.totalLocked() == 0
    check_conservation(protocol)
    with ape.reverts(router.NothingToWithdraw, held=0):
        router.withdrawHeld(sender=consumer)
    assert mor.balanceOf(consumer) == consumer_before + held


def test_withdraw_held__same_day__reverts_nothing_to_withdraw_with_the_amount_held(
    router, consumer, stake, running, close_at, observe
):
    close_at(running.session_id, consumer, running.opened_at + HOUR)
    held = held_part(stake, HOUR, running.ends_at - running.opened_at)
    before = observe(running.session_id)

    with ape.reverts(router.NothingToWithdraw, held=held):
        router.withdrawHeld(sender=consumer)

    assert observe(running.session_id) == before


def test_withdraw_held__nothing_ever_held__reverts_nothing_to_withdraw(router, stranger, observe):
    before = observe()

    with ape.reverts(router.NothingToWithdraw, held=0):
        router.withdrawHeld(sender=stranger)

    assert observe() == before
    assert tuple(router.holdOf(stranger)) == (0, 0)


def test_open__next_day_with_larger_stake__counts_released_hold_and_pulls_only_the_difference(
    protocol, router, mor, consumer, bid, stake, running, close_at, open_at
):
    close_at(running.session_id, consumer, running.opened_at + HOUR)
    held = held_part(stake, HOUR, running.ends_at - running.opened_at)
    consumer_before = mor.balanceOf(consumer)
    new_stake = 2 * stake

    opened = open_at(consumer, bid, new_stake, (running.opened_at // DAY + 1) * DAY + 500)

    released = opened.tx.decode_logs(router.HeldReleased)
    assert len(released) == 1
    assert released[0].amount == held
    transfers = opened.tx.decode_logs(mor.Transfer)
    assert len(transfers) == 1
    assert (transfers[0]["from"], transfers[0].to, transfers[0].value) == (
        consumer.address,
        router.address,
        new_stake - held,
    )
    assert mor.balanceOf(consumer) == consumer_before - (new_stake - held)
    assert tuple(router.holdOf(consumer)) == (0, 0)
    assert router.totalLocked() == new_stake
    check_conservation(protocol)


def test_open__next_day_with_stake_smaller_than_released_hold__returns_the_excess(
    protocol, router, mor, consumer, bid, stake, running, close_at, open_at
):
    close_at(running.session_id, consumer, running.opened_at + HOUR)
    held = held_part(stake, HOUR, running.ends_at - running.opened_at)
    new_stake = 100 * MOR
    assert new_stake < held
    consumer_before = mor.balanceOf(consumer)

    opened = open_at(consumer, bid, new_stake, (running.opened_at // DAY + 1) * DAY + 500)

    assert opened.tx.decode_logs(router.HeldReleased)[0].amount == held
    transfers = opened.tx.decode_logs(mor.Transfer)
    assert len(transfers) == 1
    assert (transfers[0]["from"], transfers[0].to, transfers[0].value) == (
        router.address,
        consumer.address,
        held - new_stake,
    )
    assert mor.balanceOf(consumer) == consumer_before + held - new_stake
    assert router.totalLocked() == new_stake
    check_conservation(protocol)


def test_open__next_day_with_stake_equal_to_the_released_hold__moves_no_mor(
    protocol, router, mor, consumer, bid, stake, running, close_at, open_at
):
    close_at(running.session_id, consumer, running.opened_at + HOUR)
    held = held_part(stake, HOUR, running.ends_at - running.opened_at)
    consumer_before, router_before = mor.balanceOf(consumer), mor.balanceOf(router)

    opened = open_at(consumer, bid, held, (running.opened_at // DAY + 1) * DAY + 500)

    assert opened.tx.decode_logs(router.HeldReleased)[0].amount == held
    assert opened.tx.decode_logs(mor.Transfer) == []
    assert mor.balanceOf(consumer) == consumer_before
    assert mor.balanceOf(router) == router_before
    assert router.totalLocked() == held
    check_conservation(protocol)


def test_open__same_day_as_the_hold__keeps_it_held_and_pulls_the_whole_stake(
    router, mor, consumer, bid, stake, running, close_at, open_at
):
    close_at(running.session_id, consumer, running.opened_at + HOUR)
    held = held_part(stake, HOUR, running.ends_at - running.opened_at)
    consumer_before = mor.balanceOf(consumer)

    opened = open_at(consumer, bid, stake, running.opened_at + HOUR + 10)

    assert opened.tx.decode_logs(router.HeldReleased) == []
    assert mor.balanceOf(consumer) == consumer_before - stake
    assert tuple(router.holdOf(consumer)) == (held, 0)
    assert router.totalLocked() == held + stake


def test_close__next_day_by_keeper__releases_the_consumers_earlier_hold_with_the_stake(
    protocol, router, mor, consumer, keeper, bid, stake, running, open_at, close_at
):
    second = open_at(consumer, bid, stake, running.opened_at + 10)
    close_at(running.session_id, consumer, running.opened_at + HOUR)
    held = held_part(stake, HOUR, running.ends_at - running.opened_at)
    consumer_before = mor.balanceOf(consumer)

    tx = close_at(second.session_id, keeper, (running.opened_at // DAY + 1) * DAY + 100)

    released = tx.decode_logs(router.HeldReleased)
    assert len(released) == 1
    assert (released[0].consumer, released[0].amount) == (consumer.address, held)
    closed = tx.decode_logs(router.SessionClosed)[0]
    # The second session ended yesterday: none of its compute was today's, nothing is held.
    assert (closed.returned, closed.held) == (stake, 0)
    assert mor.balanceOf(consumer) == consumer_before + stake + held
    assert tuple(router.holdOf(consumer)) == (0, 0)
    assert router.totalLocked() == 0
    check_conservation(protocol)


def test_close__two_sessions_on_one_day__holds_add_up(router, consumer, bid, stake, running, open_at, close_at):
    second = open_at(consumer, bid, 2 * stake, running.opened_at + 10)
    close_at(running.session_id, consumer, running.opened_at + HOUR)
    close_at(second.session_id, consumer, running.opened_at + 2 * HOUR)

    first_held = held_part(stake, HOUR, running.ends_at - running.opened_at)
    second_held = held_part(2 * stake, 2 * HOUR - 10, second.ends_at - second.opened_at)
    assert tuple(router.holdOf(consumer)) == (first_held + second_held, 0)
    assert router.totalLocked() == first_held + second_held
