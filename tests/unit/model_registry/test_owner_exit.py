"""PROTOCOL §2, "the owner can always leave": deregistering returns the model's stake at once
even while other providers bid on it, in O(1) whatever the number of bids; the bids stop
opening sessions and being listed, and no longer hold their provider's deregistration; a
session already open on them runs and closes as usual. (v1: a 100-MOR refundable bid froze a
5,000-MOR model stake for as long as it stood.)"""

from __future__ import annotations

import ape
from ape import chain

from mor_market.constants import MOR
from tests.conftest import PRICE, STIPEND
from tests.unit.model_registry.conftest import BID_STAKE, MODEL_STAKE, events
from tests.utils.checks import check_conservation
from tests.utils.views import assert_view_reverts


def test_deregister_model__with_others_bids__returns_the_whole_stake_at_once(
    protocol, model_registry, marketplace, mor, model_owner, frozen_model
):
    model_id, _bids = frozen_model
    balance = mor.balanceOf(model_owner)

    tx = model_registry.deregisterModel(model_id, sender=model_owner)

    assert events(tx, model_registry.ModelDeregistered) == [
        {"modelId": model_id, "owner": model_owner.address, "stakeReturned": MODEL_STAKE}
    ]
    assert events(tx, marketplace.ModelClosed) == [{"modelId": model_id}]
    assert mor.balanceOf(model_owner) == balance + MODEL_STAKE
    assert marketplace.isModelClosed(model_id)
    check_conservation(protocol)


def test_deregister_model__costs_the_same_gas_with_one_or_many_bids(
    model_registry, register_model, register_provider, post_bid, model_owner, provider, provider2, keeper, stranger
):
    lone, crowded = register_model("lone-model"), register_model("crowded-model")
    bidders = (provider, provider2, keeper, stranger)
    for account in bidders:
        register_provider(account, BID_STAKE)
        post_bid(account, crowded)
    post_bid(provider, lone)

    gas = [model_registry.deregisterModel(m, sender=model_owner).gas_used for m in (lone, crowded)]

    assert gas[0] == gas[1]


def test_open_session__on_a_bid_of_a_deregistered_model__reverts_model_not_active(
    router, marketplace, model_registry, mor, model_owner, consumer, frozen_model, sign_approval, funded_pool, provider
):
    model_id, bids = frozen_model
    model_registry.deregisterModel(model_id, sender=model_owner)
    deadline = chain.pending_timestamp + 3_600
    signature = sign_approval(provider, bids[0], consumer.address, 1, deadline)
    mor.approve(router, 100 * MOR, sender=consumer)
    locked, balance = router.totalLocked(), mor.balanceOf(consumer)

    with ape.reverts(marketplace.ModelNotActive, modelId=model_id):
        router.openSession(bids[0], 1, deadline, 100 * MOR, STIPEND, signature, sender=consumer)
    assert_view_reverts(marketplace.ModelNotActive, marketplace.activeBid, bids[0], modelId=model_id)

    assert (router.totalLocked(), mor.balanceOf(consumer)) == (locked, balance)


def test_bids_of_a_deregistered_model__are_no_longer_listed(
    marketplace, model_registry, model_owner, frozen_model, provider
):
    model_id, _bids = frozen_model
    model_registry.deregisterModel(model_id, sender=model_owner)

    assert list(marketplace.activeBidsOfModel(model_id, 0, 10)) == []
    assert marketplace.activeBidCountOfModel(model_id) == 0
    assert list(marketplace.activeBidsOfProvider(provider, 0, 10)) == []
    listings, total = marketplace.bidListings(model_id, 0, 10)
    assert (list(listings), total) == ([], 0)


def test_provider_deregister__after_the_owner_left__deletes_those_bids_and_returns_the_stake(
    protocol, marketplace, model_registry, mor, model_owner, frozen_model, provider, register_model, post_bid
):
    model_id, bids = frozen_model
    other = register_model("other-model")
    kept = post_bid(provider, other)
    model_registry.deregisterModel(model_id, sender=model_owner)

    # The bid on a live model still holds the provider; the one on the closed model does not.
    with ape.reverts(marketplace.ProviderHasActiveBids, count=1):
        marketplace.deregister(sender=provider)
    marketplace.deleteBid(kept, sender=provider)
    balance = mor.balanceOf(provider)

    tx = marketplace.deregister(sender=provider)

    assert events(tx, marketplace.BidDeleted) == [{"bidId": bids[0], "provider": provider.address, "modelId": model_id}]
    assert events(tx, marketplace.ProviderDeregistered) == [{"provider": provider.address, "stakeReturned": BID_STAKE}]
    assert mor.balanceOf(provider) == balance + BID_STAKE
    assert not marketplace.bid(bids[0]).active
    assert marketplace.providerRecord(provider).activeBids == 0
    check_conservation(protocol)


def test_a_session_open_on_the_bid__runs_and_closes_as_usual_after_the_owner_left(
    router, pool, marketplace, model_registry, model_owner, consumer, frozen_model, open_session, funded_pool, provider
):
    model_id, bids = frozen_model
    session = open_session(consumer, bids[0], 1_000 * MOR, STIPEND)
    opened = router.session(session)
    model_registry.deregisterModel(model_id, sender=model_owner)

    chain.pending_timestamp = opened.openedAt + 600
    tx = router.closeSession(session, sender=consumer)

    closed = tx.decode_logs(router.SessionClosed)[0]
    assert (closed.secondsProvided, closed.paid) == (600, 600 * PRICE)
    assert pool.owed(provider) == 600 * PRICE


def test_close_model__called_by_anyone_but_the_registry__reverts_not_model_registry(
    marketplace, model_id, stranger, owner
):
    for caller in (stranger, owner):
        with ape.reverts(marketplace.NotModelRegistry, caller=caller.address):
            marketplace.closeModel(model_id, sender=caller)
    assert not marketplace.isModelClosed(model_id)
