"""PROTOCOL §7: an emergency pause stops new registrations and bids only; adding stake,
naming a signer, deleting bids and deregistering (withdrawing the stake) still work."""

from __future__ import annotations

import ape
import pytest

from mor_market.constants import DAY, MOR
from tests.conftest import PRICE
from tests.unit.marketplace.conftest import ENDPOINT, ZERO, events, provider_view
from tests.utils.checks import check_conservation


@pytest.fixture
def paused(marketplace, owner, bid) -> None:
    """The provider's bid is posted, then governance pauses the marketplace."""
    marketplace.pause(sender=owner)


def test_pause__by_governance__emits_paused(marketplace, owner):
    tx = marketplace.pause(sender=owner)

    assert events(tx, marketplace.Paused) == [{"account": owner.address, "until": tx.timestamp + 7 * DAY}]
    assert marketplace.paused()


def test_register__while_paused__reverts_enforced_pause_and_changes_nothing(
    marketplace, mor, registered_provider, provider2, paused, market_state
):
    mor.approve(marketplace, MOR, sender=provider2)
    before = market_state(registered_provider, provider2)

    with ape.reverts(marketplace.EnforcedPause):
        marketplace.register(ENDPOINT, MOR, sender=provider2)
    with ape.reverts(marketplace.EnforcedPause):
        marketplace.register("new.example.org:1", 0, sender=registered_provider)

    assert market_state(registered_provider, provider2) == before


def test_post_bid__while_paused__reverts_enforced_pause_and_keeps_the_old_bid(
    marketplace, registered_provider, model_ids, model_id, bid, paused, market_state
):
    before = market_state(registered_provider, bids=(bid,), models=(model_id, model_ids[0]))

    with ape.reverts(marketplace.EnforcedPause):
        marketplace.postBid(model_id, 2 * PRICE, sender=registered_provider)
    with ape.reverts(marketplace.EnforcedPause):
        marketplace.postBid(model_ids[0], PRICE, sender=registered_provider)

    assert market_state(registered_provider, bids=(bid,), models=(model_id, model_ids[0])) == before
    assert marketplace.activeBid(bid).pricePerSecond == PRICE


def test_exits__while_paused__add_stake_set_signer_delete_bid_and_deregister_all_work(
    protocol, marketplace, mor, registered_provider, provider_stake, signer, bid, paused
):
    mor.approve(marketplace, 3 * MOR, sender=registered_provider)
    added = marketplace.addStake(3 * MOR, sender=registered_provider)
    assert events(added, marketplace.ProviderStakeAdded)[0]["totalStake"] == provider_stake + 3 * MOR
    named = marketplace.setSigner(signer, sender=registered_provider)
    assert events(named, marketplace.ProviderSignerSet) == [
        {"provider": registered_provider.address, "signer": signer.address}
    ]
    deleted = marketplace.deleteBid(bid, sender=registered_provider)
    assert len(events(deleted, marketplace.BidDeleted)) == 1
    balance = mor.balanceOf(registered_provider)

    tx = marketplace.deregister(sender=registered_provider)

    assert events(tx, marketplace.ProviderDeregistered) == [
        {"provider": registered_provider.address, "stakeReturned": provider_stake + 3 * MOR}
    ]
    assert mor.balanceOf(registered_provider) == balance + provider_stake + 3 * MOR
    assert provider_view(marketplace, registered_provider)[:2] == (False, 0)
    assert marketplace.paused()
    check_conservation(protocol)


def test_withdraw_fees__while_paused__still_works(protocol, marketplace, mor, owner, registered_provider, model_id):
    marketplace.setBidFee(MOR, sender=owner)
    mor.approve(marketplace, MOR, sender=registered_provider)
    marketplace.postBid(model_id, PRICE, sender=registered_provider)
    marketplace.pause(sender=owner)

    tx = marketplace.withdrawFees(owner, MOR, sender=owner)

    assert events(tx, marketplace.FeesWithdrawn) == [{"to": owner.address, "amount": MOR}]
    check_conservation(protocol)


def test_unpause__by_governance__allows_registrations_and_bids_again(
    protocol, marketplace, owner, registered_provider, provider2, model_id, bid, paused
):
    tx = marketplace.unpause(sender=owner)

    assert events(tx, marketplace.Unpaused) == [{"account": owner.address}]
    marketplace.register(ENDPOINT, 0, sender=provider2)
    marketplace.postBid(model_id, PRICE, sender=provider2)
    assert provider_view(marketplace, provider2) == (True, 0, ZERO, 1, ENDPOINT)
    assert marketplace.activeBidCountOfModel(model_id) == 2
    check_conservation(protocol)


def test_pause__twice_or_unpause_when_running__reverts_with_pausables_errors(marketplace, owner):
    with ape.reverts(marketplace.ExpectedPause):
        marketplace.unpause(sender=owner)
    marketplace.pause(sender=owner)
    with ape.reverts(marketplace.EnforcedPause):
        marketplace.pause(sender=owner)
    assert marketplace.paused()
