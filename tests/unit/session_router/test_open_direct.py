"""Opening a direct-mode session (PROTOCOL.md §5 "Direct mode"): the stake itself pays, so it
buys min(maxSessionDuration, stake / price) seconds and the pool is not involved."""

from __future__ import annotations

import ape

from mor_market.constants import MOR
from mor_market.ids import session_id
from tests.conftest import PRICE
from tests.unit.session_router.conftest import DIRECT, HOUR, MAX_DURATION, MIN_DURATION, start_of_next_day
from tests.utils.checks import check_conservation


def test_open__direct_with_empty_pool__lasts_stake_over_price_rounded_down(
    protocol, router, pool, mor, consumer, provider, bid, open_at
):
    assert pool.poolBalance() == 0
    at = start_of_next_day() + 1_000
    stake = 1_000 * PRICE + 12_345  # the 12,345 wei buy no extra second
    consumer_before = mor.balanceOf(consumer)

    opened = open_at(consumer, bid, stake, at, mode=DIRECT)

    event = opened.tx.decode_logs(router.SessionOpened)[0]
    assert event.mode == DIRECT
    assert event.stake == stake
    assert event.endsAt == at + 1_000
    record = router.session(opened.session_id)
    assert record.mode == DIRECT
    assert record.endsAt == at + 1_000
    assert mor.balanceOf(consumer) == consumer_before - stake
    assert router.totalLocked() == stake
    assert pool.poolBalance() == 0
    check_conservation(protocol)


def test_open__direct_stake_worth_more_than_a_day__capped_at_max_session_duration(consumer, bid, open_at):
    stake = 1 * MOR
    assert stake // PRICE > MAX_DURATION
    at = start_of_next_day() + 1_000

    opened = open_at(consumer, bid, stake, at, mode=DIRECT)

    assert opened.ends_at == at + MAX_DURATION


def test_open__direct_stake_for_exactly_minimum__opens_for_minimum(consumer, bid, open_at):
    at = start_of_next_day() + 1_000

    opened = open_at(consumer, bid, MIN_DURATION * PRICE, at, mode=DIRECT)

    assert opened.ends_at == at + MIN_DURATION


def test_open__direct_stake_one_wei_short_of_minimum__reverts_session_too_short(
    router, mor, consumer, provider, bid, sign_approval, observe
):
    stake = MIN_DURATION * PRICE - 1
    deadline = start_of_next_day() + HOUR
    signature = sign_approval(provider, bid, consumer.address, 1, deadline)
    mor.approve(router, stake, sender=consumer)
    before = observe(session_id(consumer.address, 1))

    with ape.reverts(router.SessionTooShort, duration=MIN_DURATION - 1, minimum=MIN_DURATION):
        router.openSession(bid, 1, deadline, stake, DIRECT, signature, sender=consumer)

    assert observe(session_id(consumer.address, 1)) == before
