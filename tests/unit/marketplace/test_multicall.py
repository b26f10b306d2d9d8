"""A provider registers, names its signer and posts several bids in ONE transaction through
the marketplace's `multicall`; the batch is atomic and every call keeps the caller's identity."""

from __future__ import annotations

import ape

from mor_market.constants import MOR
from mor_market.ids import bid_id
from tests.conftest import PRICE
from tests.unit.marketplace.conftest import ENDPOINT, MAX_PRICE, MIN_PRICE, events, provider_view
from tests.utils.checks import check_conservation


def test_multicall__register_set_signer_and_post_three_bids__all_in_one_transaction(
    protocol, marketplace, mor, provider, signer, model_ids
):
    stake = 300 * MOR
    mor.approve(marketplace, stake, sender=provider)
    balance = mor.balanceOf(provider)
    calls = [
        marketplace.register.encode_input(ENDPOINT, stake),
        marketplace.setSigner.encode_input(signer),
        *(marketplace.postBid.encode_input(model, PRICE * (i + 1)) for i, model in enumerate(model_ids)),
    ]

    tx = marketplace.multicall(calls, sender=provider)

    assert events(tx, marketplace.ProviderRegistered) == [{"provider": provider.address, "endpoint": ENDPOINT}]
    assert events(tx, marketplace.ProviderStakeAdded) == [
        {"provider": provider.address, "amount": stake, "totalStake": stake}
    ]
    assert events(tx, marketplace.ProviderSignerSet) == [{"provider": provider.address, "signer": signer.address}]
    expected_ids = [bid_id(provider.address, model, 1) for model in model_ids]
    assert events(tx, marketplace.BidPosted) == [
        {"bidId": bid, "provider": provider.address, "modelId": model, "pricePerSecond": PRICE * (i + 1), "fee": 0}
        for i, (bid, model) in enumerate(zip(expected_ids, model_ids, strict=True))
    ]
    assert provider_view(marketplace, provider) == (True, stake, signer.address, 3, ENDPOINT)
    for i, bid in enumerate(expected_ids):
        assert tuple(marketplace.activeBid(bid)) == (provider.address, model_ids[i], PRICE * (i + 1), signer.address)
    assert mor.balanceOf(provider) == balance - stake
    check_conservation(protocol)


def test_multicall__last_call_fails__reverts_the_whole_batch_with_its_error(
    marketplace, mor, provider, model_ids, market_state
):
    mor.approve(marketplace, 100 * MOR, sender=provider)
    calls = [
        marketplace.register.encode_input(ENDPOINT, 100 * MOR),
        marketplace.postBid.encode_input(model_ids[0], PRICE),
        marketplace.postBid.encode_input(model_ids[1], MAX_PRICE + 1),
    ]
    before = market_state(provider, models=tuple(model_ids))

    with ape.reverts(marketplace.PriceOutOfRange, price=MAX_PRICE + 1, minimum=MIN_PRICE, maximum=MAX_PRICE):
        marketplace.multicall(calls, sender=provider)

    assert market_state(provider, models=tuple(model_ids)) == before
    assert not provider_view(marketplace, provider)[0]


def test_multicall__by_a_stranger_deleting_a_providers_bid__reverts_not_bid_provider(
    marketplace, registered_provider, stranger, model_id, bid, market_state
):
    before = market_state(registered_provider, stranger, bids=(bid,), models=(model_id,))

    with ape.reverts(marketplace.NotBidProvider, bidId=bid, caller=stranger.address):
        marketplace.multicall([marketplace.deleteBid.encode_input(bid)], sender=stranger)

    assert market_state(registered_provider, stranger, bids=(bid,), models=(model_id,)) == before


def test_multicall__by_a_stranger_calling_governance__reverts_ownable_unauthorized_account(
    marketplace, stranger, market_state
):
    before = market_state(stranger)

    with ape.reverts(marketplace.OwnableUnauthorizedAccount, account=stranger.address):
        marketplace.multicall([marketplace.withdrawFees.encode_input(stranger, 1)], sender=stranger)

    assert market_state(stranger) == before
