"""PROTOCOL §3: an optional bid fee (governance parameter, may be 0) is paid to the marketplace's
fee balance, which governance may withdraw: fees only, never stake."""

from __future__ import annotations

import ape
import pytest

from mor_market.constants import MOR
from mor_market.ids import bid_id
from tests.conftest import PRICE
from tests.unit.marketplace.conftest import ZERO, events
from tests.utils.checks import check_conservation

FEE = 2 * MOR


@pytest.fixture
def fee(marketplace, owner) -> int:
    marketplace.setBidFee(FEE, sender=owner)
    return FEE


@pytest.fixture
def collected(marketplace, mor, registered_provider, model_ids, fee) -> int:
    """Two bids posted with the fee: 2 * FEE in the fee balance."""
    mor.approve(marketplace, 2 * fee, sender=registered_provider)
    for model in model_ids[:2]:
        marketplace.postBid(model, PRICE, sender=registered_provider)
    return 2 * fee


def test_post_bid__with_a_fee__pays_it_into_the_fee_balance_and_leaves_the_stake(
    protocol, marketplace, mor, registered_provider, provider_stake, model_id, fee
):
    balance = mor.balanceOf(registered_provider)
    mor.approve(marketplace, fee, sender=registered_provider)

    tx = marketplace.postBid(model_id, PRICE, sender=registered_provider)

    assert events(tx, marketplace.BidPosted) == [
        {
            "bidId": bid_id(registered_provider.address, model_id, 1),
            "provider": registered_provider.address,
            "modelId": model_id,
            "pricePerSecond": PRICE,
            "fee": fee,
        }
    ]
    assert marketplace.feeBalance() == fee
    assert mor.balanceOf(registered_provider) == balance - fee
    assert mor.balanceOf(marketplace) == provider_stake + fee
    assert marketplace.totalStake() == provider_stake
    assert marketplace.providerRecord(registered_provider).stake == provider_stake
    check_conservation(protocol)


def test_post_bid__replacing_a_bid_with_a_fee__pays_the_fee_again(
    protocol, marketplace, mor, registered_provider, model_ids, collected
):
    mor.approve(marketplace, FEE, sender=registered_provider)

    tx = marketplace.postBid(model_ids[0], 2 * PRICE, sender=registered_provider)

    assert events(tx, marketplace.BidPosted)[0]["fee"] == FEE
    assert marketplace.feeBalance() == collected + FEE
    check_conservation(protocol)


def test_post_bid__fee_without_allowance__reverts_in_the_token_and_changes_nothing(
    marketplace, mor, registered_provider, model_id, fee, market_state
):
    before = market_state(registered_provider, models=(model_id,))

    with ape.reverts(mor.ERC20InsufficientAllowance, spender=marketplace.address, allowance=0, needed=fee):
        marketplace.postBid(model_id, PRICE, sender=registered_provider)

    assert market_state(registered_provider, models=(model_id,)) == before
    assert marketplace.activeBidOf(registered_provider, model_id) == 0


def test_withdraw_fees__part_of_the_balance__sends_it_and_keeps_the_rest(
    protocol, marketplace, mor, owner, funder, provider_stake, collected
):
    balance = mor.balanceOf(funder)

    tx = marketplace.withdrawFees(funder, FEE // 2, sender=owner)

    assert events(tx, marketplace.FeesWithdrawn) == [{"to": funder.address, "amount": FEE // 2}]
    assert mor.balanceOf(funder) == balance + FEE // 2
    assert marketplace.feeBalance() == collected - FEE // 2
    assert marketplace.totalStake() == provider_stake
    check_conservation(protocol)


def test_withdraw_fees__the_whole_balance__leaves_exactly_the_stakes(
    protocol, marketplace, mor, owner, provider_stake, collected
):
    marketplace.withdrawFees(owner, collected, sender=owner)

    assert marketplace.feeBalance() == 0
    assert mor.balanceOf(marketplace) == provider_stake == marketplace.totalStake()
    check_conservation(protocol)


def test_withdraw_fees__more_than_the_fee_balance__reverts_insufficient_fees_though_stake_is_held(
    marketplace, mor, owner, registered_provider, provider_stake, collected, market_state
):
    assert mor.balanceOf(marketplace) == provider_stake + collected
    before = market_state(owner, registered_provider)

    with ape.reverts(marketplace.InsufficientFees, balance=collected, requested=collected + 1):
        marketplace.withdrawFees(owner, collected + 1, sender=owner)
    with ape.reverts(marketplace.InsufficientFees, balance=collected, requested=provider_stake + collected):
        marketplace.withdrawFees(owner, provider_stake + collected, sender=owner)

    assert market_state(owner, registered_provider) == before


def test_withdraw_fees__no_fees_collected__reverts_insufficient_fees(
    marketplace, owner, registered_provider, provider_stake, market_state
):
    before = market_state(owner, registered_provider)

    with ape.reverts(marketplace.InsufficientFees, balance=0, requested=1):
        marketplace.withdrawFees(owner, 1, sender=owner)

    assert market_state(owner, registered_provider) == before


def test_withdraw_fees__zero_address_or_zero_amount__reverts_and_changes_nothing(
    marketplace, owner, collected, market_state
):
    before = market_state(owner)

    with ape.reverts(marketplace.ZeroAddress):
        marketplace.withdrawFees(ZERO, 1, sender=owner)
    with ape.reverts(marketplace.ZeroAmount):
        marketplace.withdrawFees(owner, 0, sender=owner)

    assert market_state(owner) == before


def test_withdraw_fees__by_a_stranger__reverts_ownable_unauthorized_account(
    marketplace, stranger, collected, market_state
):
    before = market_state(stranger)

    with ape.reverts(marketplace.OwnableUnauthorizedAccount, account=stranger.address):
        marketplace.withdrawFees(stranger, collected, sender=stranger)

    assert market_state(stranger) == before


def test_set_bid_fee__back_to_zero__posts_bids_without_any_transfer(
    protocol, marketplace, mor, owner, registered_provider, model_id, fee
):
    tx = marketplace.setBidFee(0, sender=owner)
    assert events(tx, marketplace.ParameterChanged) == [{"name": b"bidFee".ljust(32, b"\0"), "value": 0}]
    balance = mor.balanceOf(registered_provider)

    tx = marketplace.postBid(model_id, PRICE, sender=registered_provider)

    assert events(tx, marketplace.BidPosted)[0]["fee"] == 0
    assert mor.balanceOf(registered_provider) == balance
    assert marketplace.feeBalance() == 0
    check_conservation(protocol)
