"""Opening a stipend-mode session (PROTOCOL.md §5 "Open", "Stipend"): the stake is locked and
buys min(maxSessionDuration, stake * budget(today) / referenceSupply / price) seconds."""

from __future__ import annotations

import ape
from ape import chain

from mor_market.constants import MOR
from mor_market.ids import session_id
from tests.conftest import PRICE
from tests.unit.session_router.conftest import (
    HOUR,
    MAX_DURATION,
    MIN_DURATION,
    NONE,
    STIPEND,
    stipend_duration,
)
from tests.utils.checks import check_conservation


def test_open__stipend_stake__locks_stake_and_ends_after_stipend_over_price(
    protocol, router, pool, mor, consumer, provider, bid, model_id, day_start, budget, supply, stake, open_at
):
    at = day_start + 1_000
    expected_duration = stipend_duration(stake, budget, supply())
    assert MIN_DURATION <= expected_duration < MAX_DURATION  # the formula, not the cap, decides
    consumer_before, router_before, pool_before = mor.balanceOf(consumer), mor.balanceOf(router), mor.balanceOf(pool)

    opened = open_at(consumer, bid, stake, at)

    events = opened.tx.decode_logs(router.SessionOpened)
    assert len(events) == 1
    event = events[0]
    assert event.sessionId == opened.session_id == session_id(consumer.address, 1)
    assert event.consumer == consumer.address
    assert event.event_arguments["provider"] == provider.address  # `.provider` is Ape's
    assert event.bidId == bid
    assert event.stake == stake
    assert event.mode == STIPEND
    assert event.pricePerSecond == PRICE
    assert event.endsAt == at + expected_duration
    assert opened.tx.decode_logs(router.HeldReleased) == []
    record = router.session(opened.session_id)
    assert record.provider == provider.address
    assert record.pricePerSecond == PRICE
    assert record.modelId == model_id
    assert record.stake == stake
    assert record.openedAt == at
    assert record.endsAt == at + expected_duration
    assert record.closedAt == 0
    assert record.mode == STIPEND
    assert record.selfDealt is False
    assert record.verdict == NONE  # the consumer's verdict comes at its close or after it
    assert len(tuple(record)) == 10
    assert mor.balanceOf(consumer) == consumer_before - stake
    assert mor.balanceOf(router) == router_before + stake
    assert mor.balanceOf(pool) == pool_before
    assert router.totalLocked() == stake
    assert pool.owed(provider) == 0
    check_conservation(protocol)


def test_open__stipend_stake_worth_more_than_a_day__capped_at_max_session_duration(
    router, consumer, bid, day_start, budget, supply, open_at
):
    stake = 10_000 * MOR
    assert stake * budget // supply() // PRICE > MAX_DURATION

    opened = open_at(consumer, bid, stake, day_start + 1_000)

    assert opened.ends_at == day_start + 1_000 + MAX_DURATION
    assert router.session(opened.session_id).endsAt == day_start + 1_000 + MAX_DURATION


def test_open__stipend_stake_buying_exactly_minimum__opens_for_minimum(
    router, consumer, bid, day_start, budget, supply, open_at
):
    # The smallest stake with stake * budget // supply >= 60 * price.
    stake = -(-MIN_DURATION * PRICE * supply() // budget)
    assert stipend_duration(stake, budget, supply()) == MIN_DURATION

    opened = open_at(consumer, bid, stake, day_start + 1_000)

    assert opened.ends_at == day_start + 1_000 + MIN_DURATION


def test_open__stipend_stake_one_wei_below_minimum__reverts_session_too_short(
    router, mor, consumer, provider, bid, day_start, budget, supply, sign_approval, observe
):
    stake = -(-MIN_DURATION * PRICE * supply() // budget) - 1
    expected = stipend_duration(stake, budget, supply())
    assert expected == MIN_DURATION - 1
    deadline = day_start + HOUR
    signature = sign_approval(provider, bid, consumer.address, 1, deadline)
    mor.approve(router, stake, sender=consumer)
    before = observe(session_id(consumer.address, 1))
    ape.chain.pending_timestamp = day_start + 1_000

    with ape.reverts(router.SessionTooShort, duration=expected, minimum=MIN_DURATION):
        router.openSession(bid, 1, deadline, stake, STIPEND, signature, sender=consumer)

    assert observe(session_id(consumer.address, 1)) == before


def test_open__zero_stake__reverts_zero_stake(router, consumer, provider, bid, day_start, sign_approval, observe):
    deadline = day_start + HOUR
    signature = sign_approval(provider, bid, consumer.address, 1, deadline)
    before = observe(session_id(consumer.address, 1))

    with ape.reverts(router.ZeroStake):
        router.openSession(bid, 1, deadline, 0, STIPEND, signature, sender=consumer)

    assert observe(session_id(consumer.address, 1)) == before


def test_open__without_allowance__reverts_with_the_tokens_insufficient_allowance(
    router, mor, consumer, provider, bid, day_start, stake, sign_approval, observe
):
    deadline = day_start + HOUR
    signature = sign_approval(provider, bid, consumer.address, 1, deadline)
    assert mor.allowance(consumer, router) == 0
    before = observe(session_id(consumer.address, 1))

    with ape.reverts(mor.ERC20InsufficientAllowance, spender=router.address, allowance=0, needed=stake):
        router.openSession(bid, 1, deadline, stake, STIPEND, signature, sender=consumer)

    assert observe(session_id(consumer.address, 1)) == before


def test_open__after_pool_funded_today__uses_todays_fixed_budget_and_the_smaller_reference_supply(
    router, pool, mor, funder, consumer, bid, day_start, budget, funded_pool, stake, open_at
):
    ape.chain.pending_timestamp = day_start + 100
    extra = 800_000 * MOR
    mor.approve(pool, extra, sender=funder)
    pool.fund(extra, sender=funder)
    # Today's budget was fixed by the day's first transaction; the pool's new MOR is no
    # longer circulating, so the reference supply shrinks.
    smaller_supply = mor.totalSupply() - (funded_pool + extra)
    expected = stipend_duration(stake, budget, smaller_supply)

    opened = open_at(consumer, bid, stake, day_start + 1_000)

    assert opened.ends_at == day_start + 1_000 + expected
    assert expected > stipend_duration(stake, budget, smaller_supply + extra)


def test_open__two_consumers_with_the_same_nonce__open_two_sessions(
    router, consumer, consumer2, bid, day_start, stake, open_at
):
    first = open_at(consumer, bid, stake, day_start + 1_000, nonce=7)
    second = open_at(consumer2, bid, stake, day_start + 1_001, nonce=7)

    assert first.session_id == session_id(consumer.address, 7)
    assert second.session_id == session_id(consumer2.address, 7)
    assert first.session_id != second.session_id
    assert router.totalLocked() == 2 * stake


def test_open__mode_out_of_range__reverts_invalid_mode_and_changes_nothing(
    router, mor, bid, consumer, sign_approval, registered_provider, funded_pool
):
    deadline = chain.pending_timestamp + 600
    approval = sign_approval(registered_provider, bid, consumer.address, 77, deadline)
    mor.approve(router, 1_000 * MOR, sender=consumer)
    balance = mor.balanceOf(consumer)
    with ape.reverts(router.InvalidMode, mode=2):
        router.openSession(bid, 77, deadline, 1_000 * MOR, 2, approval, sender=consumer)
    assert mor.balanceOf(consumer) == balance
    assert router.session(session_id(consumer.address, 77)).openedAt == 0
