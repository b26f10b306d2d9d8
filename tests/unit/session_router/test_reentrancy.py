"""A token that re-enters (promise 7, STYLE "reentrancy guard"): a protocol deployed on
ReentrantToken, whose transfers call back into the router or the pool. A re-entered close,
withdrawal or claim fails with OpenZeppelin's ReentrancyGuardReentrantCall; whether that failure
sinks the outer call or is swallowed by the token, nothing is paid or closed twice and every
balance is exact."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import ape
import pytest
from ape import chain
from eth_utils import keccak

from mor_market.constants import DAY, MOR
from mor_market.deploy import Params, Protocol, deploy
from mor_market.ids import session_id
from tests.conftest import PRICE
from tests.unit.session_router.conftest import DIRECT, HOUR, STIPEND, held_part, start_of_next_day
from tests.utils.checks import check_conservation

REENTRANT_CALL = keccak(text="ReentrancyGuardReentrantCall()")[:4]


@dataclass
class Reentrant:
    token: Any
    protocol: Protocol
    bid: int


@pytest.fixture
def reentrant(project, owner, provider, consumer, funder, model_owner) -> Reentrant:
    """A separate protocol on ReentrantToken, with a bid of the provider at PRICE."""
    token = project.ReentrantToken.deploy(sender=owner)
    for account in (consumer, funder):
        token.mint(account, 1_000_000 * MOR, sender=owner)
    protocol = deploy(project, owner, token.address, Params(whitelist=(provider.address,)))
    tx = protocol.model_registry.registerModel("llama", b"\x11" * 32, [], 0, sender=model_owner)
    model = tx.decode_logs(protocol.model_registry.ModelRegistered)[0].modelId
    protocol.marketplace.register("gpu.example.org:3333", 0, sender=provider)
    bid = (
        protocol.marketplace.postBid(model, PRICE, sender=provider).decode_logs(protocol.marketplace.BidPosted)[0].bidId
    )
    return Reentrant(token, protocol, bid)


def _open(r: Reentrant, consumer: Any, provider: Any, sign_approval: Any, stake: int, at: int, mode: int) -> int:
    router = r.protocol.router
    signature = sign_approval(provider, r.bid, consumer.address, 1, at + HOUR, router=router.address)
    r.token.approve(router, stake, sender=consumer)
    chain.pending_timestamp = at
    router.openSession(r.bid, 1, at + HOUR, stake, mode, signature, sender=consumer)
    return session_id(consumer.address, 1)


def _balances(r: Reentrant, *accounts: Any) -> list[int]:
    return [r.token.balanceOf(a) for a in (*accounts, r.protocol.router, r.protocol.pool)]


def test_close__token_reenters_close_during_payout__reverts_reentrancy_guard_and_changes_nothing(
    reentrant, consumer, provider, sign_approval
):
    r, router = reentrant, reentrant.protocol.router
    at = start_of_next_day() + 1_000
    sid = _open(r, consumer, provider, sign_approval, 1_000 * PRICE, at, DIRECT)
    r.token.arm(router, router.closeSession.encode_input(sid), True, sender=consumer)
    before = (_balances(r, consumer, provider), router.totalLocked(), tuple(router.session(sid)))
    chain.pending_timestamp = at + 100

    with ape.reverts(router.ReentrancyGuardReentrantCall):
        router.closeSession(sid, sender=consumer)

    assert (_balances(r, consumer, provider), router.totalLocked(), tuple(router.session(sid))) == before
    assert router.session(sid).closedAt == 0


def test_close__token_swallows_a_reentered_close__pays_once_and_closes_once(
    reentrant, consumer, provider, sign_approval
):
    r, router = reentrant, reentrant.protocol.router
    at = start_of_next_day() + 1_000
    stake = 1_000 * PRICE
    sid = _open(r, consumer, provider, sign_approval, stake, at, DIRECT)
    r.token.arm(router, router.closeSession.encode_input(sid), False, sender=consumer)
    consumer_before, provider_before = r.token.balanceOf(consumer), r.token.balanceOf(provider)
    chain.pending_timestamp = at + 100

    tx = router.closeSession(sid, sender=consumer)

    assert len(tx.decode_logs(router.SessionClosed)) == 1
    assert r.token.callbacks() == 2  # the pay to the provider, the stake back to the consumer
    assert not r.token.lastCallbackSucceeded()
    assert bytes(r.token.lastCallbackResult()) == REENTRANT_CALL
    assert r.token.balanceOf(provider) == provider_before + 100 * PRICE
    assert r.token.balanceOf(consumer) == consumer_before + stake - 100 * PRICE
    assert r.token.balanceOf(router) == 0
    assert router.totalLocked() == 0
    assert router.session(sid).closedAt == at + 100
    check_conservation(r.protocol)


def test_open__token_reenters_close_while_pulling_the_stake__reverts_reentrancy_guard(
    reentrant, consumer, provider, sign_approval
):
    r, router = reentrant, reentrant.protocol.router
    at = start_of_next_day() + 1_000
    sid = session_id(consumer.address, 1)
    signature = sign_approval(provider, r.bid, consumer.address, 1, at + HOUR, router=router.address)
    r.token.approve(router, 1_000 * PRICE, sender=consumer)
    r.token.arm(router, router.closeSession.encode_input(sid), True, sender=consumer)
    before = (_balances(r, consumer), router.totalLocked())
    chain.pending_timestamp = at

    with ape.reverts(router.ReentrancyGuardReentrantCall):
        router.openSession(r.bid, 1, at + HOUR, 1_000 * PRICE, DIRECT, signature, sender=consumer)

    assert (_balances(r, consumer), router.totalLocked()) == before
    assert router.session(sid).openedAt == 0


@pytest.fixture
def held_and_owed(reentrant, consumer, provider, funder, sign_approval) -> tuple[int, int, int]:
    """A stipend session closed after an hour: the consumer's hold is released from the next
    day's start (returned), and the provider is owed an hour. Returns (held, owed, next day)."""
    r = reentrant
    pool = r.protocol.pool
    r.token.approve(pool, 100_000 * MOR, sender=funder)
    pool.fund(100_000 * MOR, sender=funder)
    at = start_of_next_day() + DAY + 1_000
    stake = 1_000 * MOR
    sid = _open(r, consumer, provider, sign_approval, stake, at, STIPEND)
    opened = r.protocol.router.session(sid)
    chain.pending_timestamp = at + HOUR
    r.protocol.router.closeSession(sid, sender=provider)
    return held_part(stake, HOUR, opened.endsAt - opened.openedAt), PRICE * HOUR, (at // DAY + 1) * DAY


@pytest.mark.parametrize("bubble", [True, False])
def test_withdraw_held__token_reenters_withdraw__pays_the_hold_exactly_once(bubble, reentrant, held_and_owed, consumer):
    r, router = reentrant, reentrant.protocol.router
    held, _, next_day = held_and_owed
    r.token.arm(router, router.withdrawHeld.encode_input(), bubble, sender=consumer)
    consumer_before = r.token.balanceOf(consumer)
    chain.pending_timestamp = next_day + 10

    if bubble:
        with ape.reverts(router.ReentrancyGuardReentrantCall):
            router.withdrawHeld(sender=consumer)
        assert r.token.balanceOf(consumer) == consumer_before
        assert tuple(router.holdOf(consumer)) == (0, held)
        assert router.totalLocked() == held
    else:
        tx = router.withdrawHeld(sender=consumer)
        assert [e.amount for e in tx.decode_logs(router.HeldReleased)] == [held]
        assert bytes(r.token.lastCallbackResult()) == REENTRANT_CALL
        assert r.token.balanceOf(consumer) == consumer_before + held
        assert tuple(router.holdOf(consumer)) == (0, 0)
        assert router.totalLocked() == 0
    check_conservation(r.protocol)


@pytest.mark.parametrize("bubble", [True, False])
def test_claim__token_reenters_claim__pays_what_is_owed_exactly_once(
    bubble, reentrant, held_and_owed, provider, keeper
):
    r, pool = reentrant, reentrant.protocol.pool
    _, owed, next_day = held_and_owed
    r.token.arm(pool, pool.claim.encode_input(provider), bubble, sender=keeper)
    provider_before, pool_before = r.token.balanceOf(provider), pool.poolBalance()
    chain.pending_timestamp = next_day + 10

    if bubble:
        with ape.reverts(pool.ReentrancyGuardReentrantCall):
            pool.claim(provider, sender=keeper)
        assert r.token.balanceOf(provider) == provider_before
        assert pool.owed(provider) == owed
        assert pool.poolBalance() == pool_before
    else:
        tx = pool.claim(provider, sender=keeper)
        assert [e.amount for e in tx.decode_logs(pool.Claimed)] == [owed]
        assert bytes(r.token.lastCallbackResult()) == REENTRANT_CALL
        assert r.token.balanceOf(provider) == provider_before + owed
        assert pool.owed(provider) == 0
        assert pool.poolBalance() == pool_before - owed
    check_conservation(r.protocol)
