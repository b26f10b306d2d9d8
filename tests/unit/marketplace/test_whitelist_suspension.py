"""PROTOCOL §1 (v2): while the whitelist is on, a provider that governance takes off it is
suspended: it can no longer post or replace bids, and its bids open no new session. Everything
that gets MOR out still works: deleting bids, adding stake, closing sessions, claiming and
deregistering. Turning the whitelist off ends every suspension."""

from __future__ import annotations

import ape
import pytest
from ape import chain

from mor_market.constants import DAY, MOR
from tests.conftest import PRICE
from tests.utils.checks import check_conservation


@pytest.fixture
def suspended(marketplace, owner, registered_provider, bid, consumer, open_session, funded_pool) -> int:
    """The provider has a bid and an open session on it, then governance takes it off the list."""
    session = open_session(consumer, bid, 1_000 * MOR)
    marketplace.setWhitelisted(registered_provider, False, sender=owner)
    return session


def test_post_bid__suspended_provider__reverts_not_whitelisted_and_keeps_the_old_bid(
    marketplace, registered_provider, model_id, bid, suspended, market_state
):
    before = market_state(registered_provider, bids=(bid,), models=(model_id,))

    with ape.reverts(marketplace.NotWhitelisted, account=registered_provider.address):
        marketplace.postBid(model_id, 2 * PRICE, sender=registered_provider)

    assert market_state(registered_provider, bids=(bid,), models=(model_id,)) == before


def test_open_session__on_a_suspended_providers_bid__reverts_not_whitelisted(
    router, mor, marketplace, registered_provider, bid, consumer2, sign_approval, suspended
):
    deadline = chain.pending_timestamp + 600
    signature = sign_approval(registered_provider, bid, consumer2.address, 77, deadline)
    mor.approve(router, 1_000 * MOR, sender=consumer2)
    locked, balance = router.totalLocked(), mor.balanceOf(consumer2)

    with ape.reverts(marketplace.NotWhitelisted, account=registered_provider.address):
        router.openSession(bid, 77, deadline, 1_000 * MOR, 0, signature, sender=consumer2)

    assert (router.totalLocked(), mor.balanceOf(consumer2)) == (locked, balance)


def test_suspended_provider__still_closes_claims_deletes_adds_stake_and_deregisters(
    protocol, marketplace, router, pool, mor, registered_provider, provider_stake, bid, suspended
):
    chain.pending_timestamp += 600
    router.closeSession(suspended, sender=registered_provider)
    chain.pending_timestamp += DAY
    owed = pool.owed(registered_provider)
    assert owed > 0
    pool.claim(registered_provider, sender=registered_provider)
    mor.approve(marketplace, MOR, sender=registered_provider)
    marketplace.addStake(MOR, sender=registered_provider)
    marketplace.deleteBid(bid, sender=registered_provider)
    balance = mor.balanceOf(registered_provider)

    marketplace.deregister(sender=registered_provider)

    assert mor.balanceOf(registered_provider) == balance + provider_stake + MOR
    check_conservation(protocol)


def test_whitelist_off__ends_the_suspension__its_bids_open_sessions_again(
    marketplace, owner, registered_provider, bid, consumer2, open_session, suspended
):
    marketplace.disableWhitelist(sender=owner)

    session = open_session(consumer2, bid, 1_000 * MOR)

    assert session != 0
    assert marketplace.activeBid(bid)[0] == registered_provider.address


def test_whitelisted_again__the_provider_bids_and_is_opened_on_again(
    marketplace, owner, registered_provider, model_id, bid, consumer2, open_session, suspended
):
    marketplace.setWhitelisted(registered_provider, True, sender=owner)

    open_session(consumer2, bid, 1_000 * MOR)
    new_bid = marketplace.postBid(model_id, 2 * PRICE, sender=registered_provider).decode_logs(marketplace.BidPosted)
    assert new_bid[0].pricePerSecond == 2 * PRICE


def test_suspended_provider__its_bids_are_listed_nowhere_until_it_is_whitelisted_again(
    marketplace, owner, registered_provider, model_id, bid, suspended
):
    assert list(marketplace.activeBidsOfProvider(registered_provider, 0, 10)) == []
    assert list(marketplace.activeBidsOfModel(model_id, 0, 10)) == []

    marketplace.setWhitelisted(registered_provider, True, sender=owner)

    assert list(marketplace.activeBidsOfProvider(registered_provider, 0, 10)) == [bid]
    assert list(marketplace.activeBidsOfModel(model_id, 0, 10)) == [bid]
