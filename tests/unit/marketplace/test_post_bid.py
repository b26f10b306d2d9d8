"""PROTOCOL §3: an active provider posts a bid for an active model at a price per second
inside governance's bounds."""

from __future__ import annotations

import ape
from ape import chain

from mor_market.ids import bid_id, bid_parts
from tests.conftest import PRICE
from tests.unit.marketplace.conftest import MAX_PRICE, MIN_PRICE, events, provider_view
from tests.utils.checks import check_conservation


def test_post_bid__registered_provider_active_model__creates_the_active_bid(
    protocol, marketplace, registered_provider, model_id
):
    tx = marketplace.postBid(model_id, PRICE, sender=registered_provider)

    expected_id = bid_id(registered_provider.address, model_id, 1)
    assert events(tx, marketplace.BidPosted) == [
        {
            "bidId": expected_id,
            "provider": registered_provider.address,
            "modelId": model_id,
            "pricePerSecond": PRICE,
            "fee": 0,
        }
    ]
    assert tx.decode_logs(marketplace.BidDeleted) == []
    assert bid_parts(expected_id) == (registered_provider.address, model_id, 1)
    record = marketplace.bid(expected_id)
    assert (record.provider, record.modelId, record.version, record.pricePerSecond, bool(record.active)) == (
        registered_provider.address,
        model_id,
        1,
        PRICE,
        True,
    )
    assert record.postedAt == chain.provider.get_block(tx.block_number).timestamp
    assert tuple(marketplace.activeBid(expected_id)) == (
        registered_provider.address,
        model_id,
        PRICE,
        registered_provider.address,
    )
    assert marketplace.activeBidOf(registered_provider, model_id) == expected_id
    assert marketplace.activeBidCountOfModel(model_id) == 1
    assert provider_view(marketplace, registered_provider)[3] == 1
    check_conservation(protocol)


def test_post_bid__whitelisted_provider_without_stake__is_accepted_while_the_whitelist_is_on(
    protocol, marketplace, provider, model_id
):
    marketplace.register("gpu.example.org:1", 0, sender=provider)

    tx = marketplace.postBid(model_id, PRICE, sender=provider)

    assert len(events(tx, marketplace.BidPosted)) == 1
    assert marketplace.activeBidOf(provider, model_id) == bid_id(provider.address, model_id, 1)
    check_conservation(protocol)


def test_post_bid__price_at_each_bound__is_accepted(marketplace, registered_provider, provider2, model_id):
    marketplace.register("gpu2.example.org:1", 0, sender=provider2)

    low = marketplace.postBid(model_id, MIN_PRICE, sender=registered_provider)
    high = marketplace.postBid(model_id, MAX_PRICE, sender=provider2)

    assert events(low, marketplace.BidPosted)[0]["pricePerSecond"] == MIN_PRICE
    assert events(high, marketplace.BidPosted)[0]["pricePerSecond"] == MAX_PRICE
    assert marketplace.activeBidCountOfModel(model_id) == 2


def test_post_bid__price_below_minimum__reverts_price_out_of_range_and_changes_nothing(
    marketplace, registered_provider, model_id, market_state
):
    before = market_state(registered_provider, models=(model_id,))

    with ape.reverts(marketplace.PriceOutOfRange, price=MIN_PRICE - 1, minimum=MIN_PRICE, maximum=MAX_PRICE):
        marketplace.postBid(model_id, MIN_PRICE - 1, sender=registered_provider)
    with ape.reverts(marketplace.PriceOutOfRange, price=0, minimum=MIN_PRICE, maximum=MAX_PRICE):
        marketplace.postBid(model_id, 0, sender=registered_provider)

    assert market_state(registered_provider, models=(model_id,)) == before
    assert marketplace.activeBidOf(registered_provider, model_id) == 0


def test_post_bid__price_above_maximum__reverts_price_out_of_range_and_changes_nothing(
    marketplace, registered_provider, model_id, market_state
):
    before = market_state(registered_provider, models=(model_id,))

    with ape.reverts(marketplace.PriceOutOfRange, price=MAX_PRICE + 1, minimum=MIN_PRICE, maximum=MAX_PRICE):
        marketplace.postBid(model_id, MAX_PRICE + 1, sender=registered_provider)
    with ape.reverts(marketplace.PriceOutOfRange, price=2**256 - 1, minimum=MIN_PRICE, maximum=MAX_PRICE):
        marketplace.postBid(model_id, 2**256 - 1, sender=registered_provider)

    assert market_state(registered_provider, models=(model_id,)) == before


def test_post_bid__unknown_model__reverts_model_not_active_and_changes_nothing(
    marketplace, model_registry, registered_provider, model_id, market_state
):
    unknown = model_registry.modelCount() + 1
    before = market_state(registered_provider, models=(unknown,))

    with ape.reverts(marketplace.ModelNotActive, modelId=unknown):
        marketplace.postBid(unknown, PRICE, sender=registered_provider)
    with ape.reverts(marketplace.ModelNotActive, modelId=0):
        marketplace.postBid(0, PRICE, sender=registered_provider)

    assert market_state(registered_provider, models=(unknown,)) == before


def test_post_bid__deregistered_model__reverts_model_not_active_and_changes_nothing(
    marketplace, model_registry, model_owner, registered_provider, model_id, market_state
):
    model_registry.deregisterModel(model_id, sender=model_owner)
    before = market_state(registered_provider, models=(model_id,))

    with ape.reverts(marketplace.ModelNotActive, modelId=model_id):
        marketplace.postBid(model_id, PRICE, sender=registered_provider)

    assert market_state(registered_provider, models=(model_id,)) == before
    assert marketplace.activeBidCountOfModel(model_id) == 0


def test_post_bid__unregistered_account__reverts_provider_not_registered_and_changes_nothing(
    marketplace, stranger, model_id, market_state
):
    before = market_state(stranger, models=(model_id,))

    with ape.reverts(marketplace.ProviderNotRegistered, account=stranger.address):
        marketplace.postBid(model_id, PRICE, sender=stranger)

    assert market_state(stranger, models=(model_id,)) == before
