"""Edge cases of sessions (PROTOCOL.md §3 "Open sessions on a deleted bid run on unchanged", §5,
promise 7): the bid or the provider going away mid-session, an empty pool, a pinned reference
supply, and governance's session parameters."""

from __future__ import annotations

import ape
import pytest
from ape import chain

from mor_market.constants import DAY, MOR
from mor_market.ids import session_id
from tests.conftest import PRICE
from tests.unit.session_router.conftest import (
    HOUR,
    MIN_DURATION,
    STIPEND,
    start_of_next_day,
    stipend_duration,
)
from tests.utils.checks import check_conservation


def _name(text: str) -> bytes:
    return text.encode().ljust(32, b"\0")


def test_close__bid_deleted_while_running__pays_the_original_price(
    protocol, router, pool, marketplace, consumer, provider, running, close_with_receipt_at
):
    marketplace.deleteBid(running.tx.decode_logs(router.SessionOpened)[0].bidId, sender=provider)

    tx = close_with_receipt_at(running.session_id, consumer, running.opened_at + HOUR)

    assert tx.decode_logs(router.SessionClosed)[0].paid == PRICE * HOUR
    assert pool.owed(provider) == PRICE * HOUR
    check_conservation(protocol)


def test_close__bid_replaced_at_a_higher_price_while_running__pays_the_sessions_price(
    router, pool, consumer, provider, model_id, post_bid, running, close_at
):
    post_bid(provider, model_id, 3 * PRICE)

    tx = close_at(running.session_id, consumer, running.opened_at + HOUR)

    assert tx.decode_logs(router.SessionClosed)[0].paid == PRICE * HOUR
    assert pool.owed(provider) == PRICE * HOUR


def test_open__on_a_deleted_bid__reverts_bid_not_active(
    router, marketplace, mor, consumer, provider, bid, stake, day_start, sign_approval, observe
):
    marketplace.deleteBid(bid, sender=provider)
    deadline = day_start + HOUR
    signature = sign_approval(provider, bid, consumer.address, 1, deadline)
    mor.approve(router, stake, sender=consumer)
    before = observe(session_id(consumer.address, 1))

    with ape.reverts(marketplace.BidNotActive, bidId=bid):
        router.openSession(bid, 1, deadline, stake, STIPEND, signature, sender=consumer)

    assert observe(session_id(consumer.address, 1)) == before


def test_close__provider_deregistered_while_running__still_closes_and_provider_can_claim(
    protocol, router, pool, mor, marketplace, consumer, provider, keeper, bid, provider_stake, running, close_at
):
    marketplace.deleteBid(bid, sender=provider)
    provider_before = mor.balanceOf(provider)
    tx = marketplace.deregister(sender=provider)
    assert tx.decode_logs(marketplace.ProviderDeregistered)[0].stakeReturned == provider_stake
    assert mor.balanceOf(provider) == provider_before + provider_stake
    duration = running.ends_at - running.opened_at

    close_at(running.session_id, keeper, running.ends_at + 1)
    claimed = pool.claim(provider, sender=keeper)

    assert claimed.decode_logs(pool.Claimed)[0].amount == PRICE * duration
    assert mor.balanceOf(provider) == provider_before + provider_stake + PRICE * duration
    assert pool.owed(provider) == 0
    check_conservation(protocol)


def test_close__by_provider_after_it_deregistered__closes_before_end(
    router, marketplace, provider, bid, running, close_at
):
    marketplace.deleteBid(bid, sender=provider)
    marketplace.deregister(sender=provider)

    tx = close_at(running.session_id, provider, running.opened_at + HOUR)

    assert tx.decode_logs(router.SessionClosed)[0].closer == provider.address


@pytest.mark.parametrize("pool_state", ["empty", "funded_today"])
def test_open__stipend_with_no_budget_today__reverts_session_too_short(
    pool_state, router, pool, mor, funder, consumer, provider, bid, stake, sign_approval, observe
):
    at = start_of_next_day() + 1_000
    if pool_state == "funded_today":
        mor.approve(pool, 100_000 * MOR, sender=funder)
        chain.pending_timestamp = at - 500
        pool.fund(100_000 * MOR, sender=funder)
    assert pool.today().budget == 0
    deadline = at + HOUR
    signature = sign_approval(provider, bid, consumer.address, 1, deadline)
    mor.approve(router, stake, sender=consumer)
    before = observe(session_id(consumer.address, 1))
    chain.pending_timestamp = at

    with ape.reverts(router.SessionTooShort, duration=0, minimum=MIN_DURATION):
        router.openSession(bid, 1, deadline, stake, STIPEND, signature, sender=consumer)

    assert observe(session_id(consumer.address, 1)) == before


def test_open__stipend_with_pinned_reference_supply__divides_by_the_pinned_value(
    router, owner, consumer, bid, day_start, budget, supply, open_at
):
    pinned = 40_000_000 * MOR  # above the ~10M MOR circulating: it lowers the stipend
    tx = router.setReferenceSupply(pinned, sender=owner)
    changed = tx.decode_logs(router.ParameterChanged)
    assert len(changed) == 1
    assert (changed[0].name, changed[0].value) == (_name("referenceSupply"), pinned)
    stake = 1_000 * MOR

    opened = open_at(consumer, bid, stake, day_start + 1_000)

    assert opened.ends_at - opened.opened_at == stipend_duration(stake, budget, pinned)
    assert stipend_duration(stake, budget, pinned) != stipend_duration(stake, budget, supply())


def test_set_reference_supply__zero__unpins_to_total_supply_less_pool_balance(
    router, owner, consumer, bid, stake, day_start, budget, supply, open_at
):
    router.setReferenceSupply(40_000_000 * MOR, sender=owner)
    router.setReferenceSupply(0, sender=owner)

    opened = open_at(consumer, bid, stake, day_start + 1_000)

    assert opened.ends_at - opened.opened_at == stipend_duration(stake, budget, supply())


def test_set_reference_supply__above_mor_max_supply__reverts_parameter_out_of_bounds(router, owner):
    before = router.referenceSupply()

    with ape.reverts(router.ParameterOutOfBounds, value=42_000_000 * MOR + 1, minimum=0, maximum=42_000_000 * MOR):
        router.setReferenceSupply(42_000_000 * MOR + 1, sender=owner)

    assert router.referenceSupply() == before


@pytest.mark.parametrize("call", ["setReferenceSupply", "setDurationBounds", "setGuardian", "unpause"])
def test_governance__called_by_stranger__reverts_ownable_unauthorized_account(call, router, stranger):
    args = {"setReferenceSupply": (1,), "setDurationBounds": (1, 2), "setGuardian": (stranger,), "unpause": ()}[call]
    reference_supply = router.referenceSupply()

    with ape.reverts(router.OwnableUnauthorizedAccount, account=stranger.address):
        getattr(router, call)(*args, sender=stranger)

    assert tuple(router.durationBounds()) == (MIN_DURATION, DAY)
    assert (router.referenceSupply(), int(router.guardian(), 16), router.paused()) == (reference_supply, 0, False)


def test_pause__by_a_stranger__reverts_not_pauser_and_changes_nothing(router, stranger):
    with ape.reverts(router.NotPauser, account=stranger.address):
        router.pause(sender=stranger)

    assert tuple(router.pauseState()) == (0, 0)
    assert not router.paused()


def test_set_duration_bounds__raised_minimum__applies_to_the_next_open(
    router, owner, mor, consumer, provider, bid, day_start, budget, supply, sign_approval
):
    stake = 300 * MOR  # a stipend of under an hour, the highest minimum allowed
    duration = stipend_duration(stake, budget, supply())
    assert duration + 1 <= router.MIN_DURATION_CEILING()
    tx = router.setDurationBounds(duration + 1, DAY, sender=owner)
    changed = tx.decode_logs(router.ParameterChanged)
    assert [(c.name, c.value) for c in changed] == [
        (_name("minSessionDuration"), duration + 1),
        (_name("maxSessionDuration"), DAY),
    ]
    deadline = day_start + HOUR
    signature = sign_approval(provider, bid, consumer.address, 1, deadline)
    mor.approve(router, stake, sender=consumer)
    chain.pending_timestamp = day_start + 1_000

    with ape.reverts(router.SessionTooShort, duration=duration, minimum=duration + 1):
        router.openSession(bid, 1, deadline, stake, STIPEND, signature, sender=consumer)


@pytest.mark.parametrize(
    ("bounds", "error"),
    [
        ((0, 100), ("minSessionDuration", 0, 60, HOUR)),
        ((HOUR + 1, DAY), ("minSessionDuration", HOUR + 1, 60, HOUR)),
        ((200, 100), ("maxSessionDuration", 100, 200, 7 * DAY)),
        ((60, 2**32), ("maxSessionDuration", 2**32, 60, 7 * DAY)),
    ],
)
def test_set_duration_bounds__outside_the_hard_bounds__reverts_parameter_out_of_bounds(bounds, error, router, owner):
    name, value, minimum, maximum = error
    with ape.reverts(router.ParameterOutOfBounds, name=_name(name), value=value, minimum=minimum, maximum=maximum):
        router.setDurationBounds(*bounds, sender=owner)

    assert tuple(router.durationBounds()) == (MIN_DURATION, DAY)
