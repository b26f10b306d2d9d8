"""PROTOCOL §3: one active bid per (provider, model); posting again replaces the old bid with
the pair's next version: BidDeleted(old), then BidPosted(new)."""

from __future__ import annotations

import ape

from mor_market.ids import bid_id
from tests.conftest import PRICE
from tests.unit.marketplace.conftest import events, provider_view
from tests.utils.checks import check_conservation
from tests.utils.views import assert_view_reverts


def test_post_bid__again_for_the_same_model__replaces_the_bid_with_the_next_version(
    protocol, marketplace, registered_provider, provider2, model_id, bid, post_bid
):
    marketplace.register("gpu2.example.org:1", 0, sender=provider2)
    other = post_bid(provider2, model_id)

    tx = marketplace.postBid(model_id, 3 * PRICE, sender=registered_provider)

    new_id = bid_id(registered_provider.address, model_id, 2)
    logs = tx.decode_logs([marketplace.BidDeleted, marketplace.BidPosted])
    assert [log.event_name for log in logs] == ["BidDeleted", "BidPosted"]
    assert events(tx, marketplace.BidDeleted) == [
        {"bidId": bid, "provider": registered_provider.address, "modelId": model_id}
    ]
    assert events(tx, marketplace.BidPosted) == [
        {
            "bidId": new_id,
            "provider": registered_provider.address,
            "modelId": model_id,
            "pricePerSecond": 3 * PRICE,
            "fee": 0,
        }
    ]
    old = marketplace.bid(bid)
    assert (bool(old.active), old.pricePerSecond, old.postedAt) == (False, 0, 0)
    assert marketplace.bid(new_id).active
    assert marketplace.activeBid(new_id).pricePerSecond == 3 * PRICE
    assert marketplace.activeBidOf(registered_provider, model_id) == new_id
    # Same place in the lists, one bid per pair.
    assert list(marketplace.activeBidsOfModel(model_id, 0, 10)) == [new_id, other]
    assert list(marketplace.activeBidsOfProvider(registered_provider, 0, 10)) == [new_id]
    assert marketplace.activeBidCountOfModel(model_id) == 2
    assert provider_view(marketplace, registered_provider)[3] == 1
    check_conservation(protocol)


def test_active_bid__replaced_version__reverts_bid_not_active(marketplace, registered_provider, model_id, bid):
    marketplace.postBid(model_id, 2 * PRICE, sender=registered_provider)

    assert_view_reverts(marketplace.BidNotActive, marketplace.activeBid, bid, bidId=bid)


def test_delete_bid__replaced_version__reverts_bid_not_active_and_keeps_the_new_bid(
    marketplace, registered_provider, model_id, bid, market_state
):
    marketplace.postBid(model_id, 2 * PRICE, sender=registered_provider)
    new_id = bid_id(registered_provider.address, model_id, 2)
    before = market_state(registered_provider, bids=(bid, new_id), models=(model_id,))

    with ape.reverts(marketplace.BidNotActive, bidId=bid):
        marketplace.deleteBid(bid, sender=registered_provider)

    assert market_state(registered_provider, bids=(bid, new_id), models=(model_id,)) == before
    assert marketplace.activeBidOf(registered_provider, model_id) == new_id


def test_post_bid__after_deleting__takes_the_next_version_and_emits_no_bid_deleted(
    protocol, marketplace, registered_provider, model_id, bid
):
    marketplace.deleteBid(bid, sender=registered_provider)

    tx = marketplace.postBid(model_id, PRICE, sender=registered_provider)

    assert tx.decode_logs(marketplace.BidDeleted) == []
    assert [log["bidId"] for log in events(tx, marketplace.BidPosted)] == [
        bid_id(registered_provider.address, model_id, 2)
    ]
    assert not marketplace.bid(bid).active
    check_conservation(protocol)


def test_post_bid__many_times__keeps_one_active_bid_per_pair(marketplace, registered_provider, model_id, bid):
    for i in range(2, 6):
        marketplace.postBid(model_id, PRICE + i, sender=registered_provider)

    last = bid_id(registered_provider.address, model_id, 5)
    assert list(marketplace.activeBidsOfModel(model_id, 0, 10)) == [last]
    assert marketplace.activeBidCountOfModel(model_id) == 1
    assert marketplace.activeBid(last).pricePerSecond == PRICE + 5
    assert [bool(marketplace.bid(bid_id(registered_provider.address, model_id, v)).active) for v in range(1, 6)] == [
        False,
        False,
        False,
        False,
        True,
    ]
