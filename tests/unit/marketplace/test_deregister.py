"""PROTOCOL §1: a provider withdraws its whole stake by deregistering once it has no active
bids; the stake comes back in the same transaction."""

from __future__ import annotations

import ape

from mor_market.constants import MOR
from mor_market.ids import bid_id
from tests.unit.marketplace.conftest import ENDPOINT, ZERO, events, provider_view
from tests.utils.checks import check_conservation


def test_deregister__no_active_bids__returns_the_whole_stake_in_the_same_transaction(
    protocol, marketplace, mor, registered_provider, provider_stake
):
    balance = mor.balanceOf(registered_provider)

    tx = marketplace.deregister(sender=registered_provider)

    assert events(tx, marketplace.ProviderDeregistered) == [
        {"provider": registered_provider.address, "stakeReturned": provider_stake}
    ]
    assert mor.balanceOf(registered_provider) == balance + provider_stake
    assert provider_view(marketplace, registered_provider) == (False, 0, ZERO, 0, "")
    assert marketplace.totalStake() == 0
    assert mor.balanceOf(marketplace) == 0
    check_conservation(protocol)


def test_deregister__with_active_bids__reverts_provider_has_active_bids_until_they_are_deleted(
    protocol, marketplace, mor, registered_provider, provider_stake, model_ids, post_bid, market_state
):
    bids = tuple(post_bid(registered_provider, model) for model in model_ids[:2])
    mor.approve(marketplace, 5 * MOR, sender=registered_provider)
    marketplace.addStake(5 * MOR, sender=registered_provider)
    before = market_state(registered_provider, bids=bids, models=tuple(model_ids))

    with ape.reverts(marketplace.ProviderHasActiveBids, count=2):
        marketplace.deregister(sender=registered_provider)
    assert market_state(registered_provider, bids=bids, models=tuple(model_ids)) == before

    marketplace.deleteBid(bids[0], sender=registered_provider)
    with ape.reverts(marketplace.ProviderHasActiveBids, count=1):
        marketplace.deregister(sender=registered_provider)

    marketplace.deleteBid(bids[1], sender=registered_provider)
    balance = mor.balanceOf(registered_provider)
    tx = marketplace.deregister(sender=registered_provider)

    assert events(tx, marketplace.ProviderDeregistered) == [
        {"provider": registered_provider.address, "stakeReturned": provider_stake + 5 * MOR}
    ]
    assert mor.balanceOf(registered_provider) == balance + provider_stake + 5 * MOR
    assert provider_view(marketplace, registered_provider) == (False, 0, ZERO, 0, "")
    check_conservation(protocol)


def test_deregister__unregistered_account__reverts_provider_not_registered_and_changes_nothing(
    marketplace, stranger, registered_provider, market_state
):
    before = market_state(stranger, registered_provider)

    with ape.reverts(marketplace.ProviderNotRegistered, account=stranger.address):
        marketplace.deregister(sender=stranger)

    assert market_state(stranger, registered_provider) == before


def test_deregister__twice__reverts_provider_not_registered(marketplace, mor, registered_provider, market_state):
    marketplace.deregister(sender=registered_provider)
    before = market_state(registered_provider)

    with ape.reverts(marketplace.ProviderNotRegistered, account=registered_provider.address):
        marketplace.deregister(sender=registered_provider)

    assert market_state(registered_provider) == before


def test_deregister__without_stake__deregisters_and_moves_no_mor(protocol, marketplace, mor, provider):
    marketplace.register(ENDPOINT, 0, sender=provider)
    balance = mor.balanceOf(provider)

    tx = marketplace.deregister(sender=provider)

    assert events(tx, marketplace.ProviderDeregistered) == [{"provider": provider.address, "stakeReturned": 0}]
    assert mor.balanceOf(provider) == balance
    assert not provider_view(marketplace, provider)[0]
    check_conservation(protocol)


def test_post_bid__after_deregistering__reverts_provider_not_registered(
    marketplace, registered_provider, model_id, market_state
):
    marketplace.deregister(sender=registered_provider)
    before = market_state(registered_provider, models=(model_id,))

    with ape.reverts(marketplace.ProviderNotRegistered, account=registered_provider.address):
        marketplace.postBid(model_id, 10**13, sender=registered_provider)

    assert market_state(registered_provider, models=(model_id,)) == before


def test_register__after_deregistering__starts_afresh_and_bid_ids_never_repeat(
    protocol, marketplace, registered_provider, model_id, post_bid
):
    first = post_bid(registered_provider, model_id)
    marketplace.deleteBid(first, sender=registered_provider)
    marketplace.deregister(sender=registered_provider)

    marketplace.register("again.example.org:1", 0, sender=registered_provider)
    again = post_bid(registered_provider, model_id)

    assert first == bid_id(registered_provider.address, model_id, 1)
    assert again == bid_id(registered_provider.address, model_id, 2)
    assert provider_view(marketplace, registered_provider)[:2] == (True, 0)
    assert provider_view(marketplace, registered_provider)[3:] == (1, "again.example.org:1")
    check_conservation(protocol)
