"""PROTOCOL §3: the active bids of a model and of a provider can be listed, paginated; the
order is the order of posting (a replaced bid keeps its place, a deleted bid's place goes to
the last bid), and a deleted bid is never listed as active."""

from __future__ import annotations

import pytest

from mor_market.constants import MOR
from mor_market.ids import bid_id
from tests.conftest import PRICE


@pytest.fixture
def bidders(register_provider, provider, provider2, keeper, consumer2) -> list:
    """Four registered providers, in the order they will bid."""
    for i, account in enumerate((provider, provider2, keeper, consumer2)):
        register_provider(account, (i + 1) * 10 * MOR, f"gpu{i}.example.org:3333")
    return [provider, provider2, keeper, consumer2]


@pytest.fixture
def model_bids(bidders, model_id, post_bid) -> list[int]:
    """Each bidder's bid for the model, in posting order."""
    return [post_bid(account, model_id, PRICE + i) for i, account in enumerate(bidders)]


def test_active_bids_of_model__paginated__returns_pages_in_posting_order(marketplace, model_id, model_bids):
    assert list(marketplace.activeBidsOfModel(model_id, 0, 10)) == model_bids
    assert list(marketplace.activeBidsOfModel(model_id, 0, 2)) == model_bids[:2]
    assert list(marketplace.activeBidsOfModel(model_id, 2, 2)) == model_bids[2:]
    assert list(marketplace.activeBidsOfModel(model_id, 3, 2)) == model_bids[3:]
    assert list(marketplace.activeBidsOfModel(model_id, 1, 1)) == [model_bids[1]]
    assert marketplace.activeBidCountOfModel(model_id) == 4


def test_active_bids_of_model__offset_past_the_end_or_zero_limit__returns_an_empty_page(
    marketplace, model_id, model_bids
):
    assert list(marketplace.activeBidsOfModel(model_id, 4, 10)) == []
    assert list(marketplace.activeBidsOfModel(model_id, 2**256 - 1, 10)) == []
    assert list(marketplace.activeBidsOfModel(model_id, 0, 0)) == []
    assert list(marketplace.activeBidsOfModel(model_id, 1, 2**256 - 1)) == model_bids[1:]


def test_active_bids_of_model__unknown_model__is_empty(marketplace, model_registry, model_bids):
    unknown = model_registry.modelCount() + 1
    assert list(marketplace.activeBidsOfModel(unknown, 0, 10)) == []
    assert marketplace.activeBidCountOfModel(unknown) == 0


def test_active_bids_of_model__after_a_repost__keeps_the_order_with_the_new_id(
    marketplace, bidders, model_id, model_bids
):
    marketplace.postBid(model_id, 2 * PRICE, sender=bidders[1])

    expected = list(model_bids)
    expected[1] = bid_id(bidders[1].address, model_id, 2)
    assert list(marketplace.activeBidsOfModel(model_id, 0, 10)) == expected
    assert model_bids[1] not in list(marketplace.activeBidsOfModel(model_id, 0, 10))


def test_active_bids_of_model__after_a_delete__never_lists_it_and_moves_the_last_bid_into_its_place(
    marketplace, bidders, model_id, model_bids
):
    marketplace.deleteBid(model_bids[0], sender=bidders[0])

    listed = list(marketplace.activeBidsOfModel(model_id, 0, 10))
    assert listed == [model_bids[3], model_bids[1], model_bids[2]]
    assert marketplace.activeBidCountOfModel(model_id) == 3

    marketplace.deleteBid(model_bids[2], sender=bidders[2])  # the last one: nothing moves
    assert list(marketplace.activeBidsOfModel(model_id, 0, 10)) == [model_bids[3], model_bids[1]]
    assert list(marketplace.activeBidsOfModel(model_id, 1, 10)) == [model_bids[1]]


def test_active_bids_of_model__after_all_deleted_and_model_deregistered__is_empty(
    marketplace, model_registry, model_owner, bidders, model_id, model_bids
):
    for account, bid in zip(bidders, model_bids, strict=True):
        marketplace.deleteBid(bid, sender=account)
    model_registry.deregisterModel(model_id, sender=model_owner)

    assert list(marketplace.activeBidsOfModel(model_id, 0, 10)) == []
    assert marketplace.activeBidCountOfModel(model_id) == 0
    assert not any(marketplace.bid(bid).active for bid in model_bids)


def test_active_bids_of_provider__by_position__lists_its_bids_in_posting_order(
    marketplace, registered_provider, model_ids, post_bid
):
    posted = [post_bid(registered_provider, model) for model in reversed(model_ids)]

    assert list(marketplace.activeBidsOfProvider(registered_provider, 0, 10)) == posted
    assert list(marketplace.activeBidsOfProvider(registered_provider, 0, 1)) == posted[:1]
    assert list(marketplace.activeBidsOfProvider(registered_provider, 1, 1)) == posted[1:2]
    assert list(marketplace.activeBidsOfProvider(registered_provider, 1, 2)) == posted[1:]
    assert list(marketplace.activeBidsOfProvider(registered_provider, 3, 10)) == []
    assert list(marketplace.activeBidsOfProvider(registered_provider, 0, 0)) == []
    assert list(marketplace.activeBidsOfProvider(registered_provider, 2**256 - 1, 2**256 - 1)) == []
    assert list(marketplace.activeBidsOfProvider(registered_provider, 0, 2**256 - 1)) == posted
    assert marketplace.providerRecord(registered_provider).activeBids == 3


def test_active_bids_of_provider__after_a_delete_or_repost__moves_its_last_bid_into_the_gap(
    marketplace, registered_provider, model_ids, post_bid
):
    bids = [post_bid(registered_provider, model) for model in model_ids]

    marketplace.deleteBid(bids[0], sender=registered_provider)
    marketplace.postBid(model_ids[2], 2 * PRICE, sender=registered_provider)

    reposted = bid_id(registered_provider.address, model_ids[2], 2)
    # The last bid (model 3's) took the deleted one's position; its repost kept that position.
    assert list(marketplace.activeBidsOfProvider(registered_provider, 0, 10)) == [reposted, bids[1]]
    assert marketplace.providerRecord(registered_provider).activeBids == 2


def test_active_bids_of_provider__the_bid_moved_into_a_gap__is_removed_from_its_new_position(
    marketplace, registered_provider, model_ids, post_bid
):
    bids = [post_bid(registered_provider, model) for model in model_ids]
    marketplace.deleteBid(bids[0], sender=registered_provider)  # model 3's bid moves to position 0

    marketplace.deleteBid(bids[2], sender=registered_provider)  # and is deleted from there

    assert list(marketplace.activeBidsOfProvider(registered_provider, 0, 10)) == [bids[1]]
    assert marketplace.providerRecord(registered_provider).activeBids == 1
    marketplace.deleteBid(bids[1], sender=registered_provider)
    assert list(marketplace.activeBidsOfProvider(registered_provider, 0, 10)) == []


def test_active_bids_of_provider__deregistered_provider__lists_nothing(
    marketplace, registered_provider, model_ids, post_bid
):
    bids = [post_bid(registered_provider, model) for model in model_ids]
    for bid in bids:
        marketplace.deleteBid(bid, sender=registered_provider)

    marketplace.deregister(sender=registered_provider)

    assert list(marketplace.activeBidsOfProvider(registered_provider, 0, 10)) == []
    for model in model_ids:
        assert list(marketplace.activeBidsOfModel(model, 0, 10)) == []
        assert marketplace.activeBidOf(registered_provider, model) == 0


def test_active_bids__every_listed_bid__is_active_and_every_active_bid_is_listed(
    marketplace, bidders, model_ids, post_bid
):
    posted = {}
    for account in bidders[:3]:
        for model in model_ids:
            posted[(account.address, model)] = post_bid(account, model)
    marketplace.deleteBid(posted[(bidders[0].address, model_ids[1])], sender=bidders[0])
    marketplace.deleteBid(posted[(bidders[2].address, model_ids[0])], sender=bidders[2])
    marketplace.postBid(model_ids[2], 2 * PRICE, sender=bidders[1])

    listed_by_model = {bid for model in model_ids for bid in marketplace.activeBidsOfModel(model, 0, 100)}
    listed_by_provider = {bid for account in bidders for bid in marketplace.activeBidsOfProvider(account, 0, 100)}
    active = {
        marketplace.activeBidOf(account, model)
        for account in bidders
        for model in model_ids
        if marketplace.activeBidOf(account, model) != 0
    }

    assert len(active) == 7
    assert listed_by_model == listed_by_provider == active
    assert all(marketplace.bid(bid).active for bid in active)


def test_bid_listings__in_one_call__match_the_listing_with_prices_stakes_and_endpoints(
    marketplace, bidders, model_id, model_bids
):
    marketplace.deleteBid(model_bids[0], sender=bidders[0])

    listings, total = marketplace.bidListings(model_id, 0, 10)

    assert total == 3
    # Ape returns the structs of a multi-value return as tuples, fields by position.
    assert [int(x[0]) for x in listings] == list(marketplace.activeBidsOfModel(model_id, 0, 10))
    assert [int(x[0]) for x in listings] == [model_bids[3], model_bids[1], model_bids[2]]
    assert [x[1] for x in listings] == [bidders[3].address, bidders[1].address, bidders[2].address]
    assert [int(x[2]) for x in listings] == [PRICE + 3, PRICE + 1, PRICE + 2]
    assert [int(x[4]) for x in listings] == [40 * MOR, 20 * MOR, 30 * MOR]
    assert [x[5] for x in listings] == ["gpu3.example.org:3333", "gpu1.example.org:3333", "gpu2.example.org:3333"]


def test_bid_listings__pages__are_bounded_and_concatenate_to_the_whole_list(marketplace, model_id, model_bids):
    whole, total = marketplace.bidListings(model_id, 0, 2**256 - 1)
    pages = [marketplace.bidListings(model_id, offset, 3)[0] for offset in (0, 3, 6)]
    assert [int(x[0]) for page in pages for x in page] == [int(x[0]) for x in whole] == list(model_bids)
    assert total == len(model_bids)
    assert marketplace.MAX_PAGE() == 500
