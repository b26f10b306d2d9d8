"""PROTOCOL §1: a provider may add stake at any time; once the whitelist is off it needs at
least `minProviderStake` locked to register or post bids. A raised minimum never unregisters a
provider nor deactivates its bids: it only stops new bids until the provider tops up."""

from __future__ import annotations

import ape

from mor_market.constants import MOR
from mor_market.ids import bid_id
from tests.conftest import PRICE
from tests.unit.marketplace.conftest import ENDPOINT, ZERO, events, provider_view
from tests.utils.checks import check_conservation


def test_add_stake__registered_provider__adds_to_the_locked_stake(
    protocol, marketplace, mor, registered_provider, provider_stake
):
    balance = mor.balanceOf(registered_provider)
    mor.approve(marketplace, 7 * MOR, sender=registered_provider)

    tx = marketplace.addStake(7 * MOR, sender=registered_provider)

    assert events(tx, marketplace.ProviderStakeAdded) == [
        {"provider": registered_provider.address, "amount": 7 * MOR, "totalStake": provider_stake + 7 * MOR}
    ]
    assert provider_view(marketplace, registered_provider)[1] == provider_stake + 7 * MOR
    assert mor.balanceOf(registered_provider) == balance - 7 * MOR
    assert marketplace.totalStake() == provider_stake + 7 * MOR
    check_conservation(protocol)


def test_add_stake__zero__reverts_zero_amount_and_changes_nothing(marketplace, registered_provider, market_state):
    before = market_state(registered_provider)

    with ape.reverts(marketplace.ZeroAmount):
        marketplace.addStake(0, sender=registered_provider)

    assert market_state(registered_provider) == before


def test_add_stake__unregistered_account__reverts_provider_not_registered_and_changes_nothing(
    marketplace, mor, stranger, market_state
):
    mor.approve(marketplace, 10 * MOR, sender=stranger)
    before = market_state(stranger)

    with ape.reverts(marketplace.ProviderNotRegistered, account=stranger.address):
        marketplace.addStake(10 * MOR, sender=stranger)

    assert market_state(stranger) == before


def test_add_stake__without_allowance__reverts_in_the_token_and_changes_nothing(
    marketplace, mor, registered_provider, market_state
):
    before = market_state(registered_provider)

    with ape.reverts(mor.ERC20InsufficientAllowance, spender=marketplace.address, allowance=0, needed=MOR):
        marketplace.addStake(MOR, sender=registered_provider)

    assert market_state(registered_provider) == before


def test_post_bid__stake_below_raised_minimum__reverts_until_top_up_while_registration_and_old_bid_stay(
    protocol, marketplace, mor, owner, registered_provider, provider_stake, model_ids, post_bid, market_state
):
    first, second, _ = model_ids
    old_bid = post_bid(registered_provider, first)
    marketplace.disableWhitelist(sender=owner)
    raised = 2 * provider_stake
    marketplace.setMinProviderStake(raised, sender=owner)
    before = market_state(registered_provider, bids=(old_bid,), models=(first, second))

    # Still registered, and the existing bid is still active and usable by sessions.
    assert provider_view(marketplace, registered_provider)[:2] == (True, provider_stake)
    assert tuple(marketplace.activeBid(old_bid)) == (
        registered_provider.address,
        first,
        PRICE,
        registered_provider.address,
    )
    # No new bid, and no repost of the old one, until the stake reaches the minimum.
    with ape.reverts(marketplace.ProviderStakeBelowMinimum, stake=provider_stake, minimum=raised):
        marketplace.postBid(second, PRICE, sender=registered_provider)
    with ape.reverts(marketplace.ProviderStakeBelowMinimum, stake=provider_stake, minimum=raised):
        marketplace.postBid(first, 2 * PRICE, sender=registered_provider)
    assert market_state(registered_provider, bids=(old_bid,), models=(first, second)) == before

    mor.approve(marketplace, provider_stake, sender=registered_provider)
    marketplace.addStake(provider_stake, sender=registered_provider)
    tx = marketplace.postBid(second, PRICE, sender=registered_provider)

    assert events(tx, marketplace.BidPosted) == [
        {
            "bidId": bid_id(registered_provider.address, second, 1),
            "provider": registered_provider.address,
            "modelId": second,
            "pricePerSecond": PRICE,
            "fee": 0,
        }
    ]
    assert marketplace.activeBidOf(registered_provider, first) == old_bid
    assert provider_view(marketplace, registered_provider) == (True, raised, ZERO, 2, ENDPOINT)
    check_conservation(protocol)


def test_register__again_with_stake_below_raised_minimum__reverts_and_keeps_the_old_endpoint(
    marketplace, owner, registered_provider, provider_stake, market_state
):
    marketplace.disableWhitelist(sender=owner)
    marketplace.setMinProviderStake(provider_stake + 1, sender=owner)
    before = market_state(registered_provider)

    with ape.reverts(marketplace.ProviderStakeBelowMinimum, stake=provider_stake, minimum=provider_stake + 1):
        marketplace.register("new.example.org:1", 0, sender=registered_provider)

    assert market_state(registered_provider) == before
    assert provider_view(marketplace, registered_provider)[4] == ENDPOINT
