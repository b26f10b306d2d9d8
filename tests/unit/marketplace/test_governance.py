"""PROTOCOL §7: two-step ownership transfer; every parameter change emits ParameterChanged with
its exact value; only governance may call a governance function."""

from __future__ import annotations

import ape
import pytest

from mor_market.constants import MOR
from tests.unit.marketplace.conftest import MAX_PRICE, MIN_PRICE, ZERO, events


def _name(text: str) -> bytes:
    return text.encode().ljust(32, b"\0")


def test_transfer_ownership__two_steps__hands_governance_over_only_when_accepted(
    marketplace, owner, stranger, consumer
):
    started = marketplace.transferOwnership(stranger, sender=owner)

    assert events(started, marketplace.OwnershipTransferStarted) == [
        {"previousOwner": owner.address, "newOwner": stranger.address}
    ]
    assert marketplace.owner() == owner.address
    assert marketplace.pendingOwner() == stranger.address
    with ape.reverts(marketplace.OwnableUnauthorizedAccount, account=stranger.address):
        marketplace.setBidFee(1, sender=stranger)
    with ape.reverts(marketplace.OwnableUnauthorizedAccount, account=consumer.address):
        marketplace.acceptOwnership(sender=consumer)

    accepted = marketplace.acceptOwnership(sender=stranger)

    assert events(accepted, marketplace.OwnershipTransferred) == [
        {"previousOwner": owner.address, "newOwner": stranger.address}
    ]
    assert marketplace.owner() == stranger.address
    assert marketplace.pendingOwner() == ZERO
    with ape.reverts(marketplace.OwnableUnauthorizedAccount, account=owner.address):
        marketplace.setBidFee(1, sender=owner)
    marketplace.setBidFee(1, sender=stranger)
    assert marketplace.bidFee() == 1


def test_transfer_ownership__by_a_stranger__reverts_ownable_unauthorized_account(marketplace, owner, stranger):
    with ape.reverts(marketplace.OwnableUnauthorizedAccount, account=stranger.address):
        marketplace.transferOwnership(stranger, sender=stranger)

    assert marketplace.owner() == owner.address
    assert marketplace.pendingOwner() == ZERO


def test_set_min_provider_stake__by_governance__emits_parameter_changed_with_the_value(marketplace, owner):
    tx = marketplace.setMinProviderStake(12_345 * MOR + 1, sender=owner)

    assert events(tx, marketplace.ParameterChanged) == [{"name": _name("minProviderStake"), "value": 12_345 * MOR + 1}]
    assert marketplace.minProviderStake() == 12_345 * MOR + 1


def test_set_min_provider_stake__above_its_bound__reverts_parameter_out_of_bounds_and_changes_nothing(
    marketplace, owner
):
    before = marketplace.minProviderStake()

    with ape.reverts(marketplace.ParameterOutOfBounds, value=2**88, minimum=0, maximum=100_000 * MOR):
        marketplace.setMinProviderStake(2**88, sender=owner)

    assert marketplace.minProviderStake() == before


def test_set_price_bounds__by_governance__emits_both_bounds_in_order(marketplace, owner):
    tx = marketplace.setPriceBounds(10**9 + 7, 10**17, sender=owner)

    assert events(tx, marketplace.ParameterChanged) == [
        {"name": _name("minPricePerSecond"), "value": 10**9 + 7},
        {"name": _name("maxPricePerSecond"), "value": 10**17},
    ]
    assert tuple(marketplace.priceBounds()) == (10**9 + 7, 10**17)


def test_set_price_bounds__equal_bounds__are_accepted(marketplace, owner):
    marketplace.setPriceBounds(10**12, 10**12, sender=owner)

    assert tuple(marketplace.priceBounds()) == (10**12, 10**12)


@pytest.mark.parametrize(
    ("minimum", "maximum", "name", "value", "low", "high"),
    [
        (0, 10**12, "minPricePerSecond", 0, 10**9, 5 * 10**12),
        (5 * 10**12 + 1, 10**16, "minPricePerSecond", 5 * 10**12 + 1, 10**9, 5 * 10**12),
        (10**12, 10**12 - 1, "maxPricePerSecond", 10**12 - 1, 10**12, 10**17),
        (10**9, 2**64, "maxPricePerSecond", 2**64, 10**9, 10**17),
    ],
    ids=["zero-minimum", "minimum-above-its-ceiling", "minimum-above-maximum", "maximum-above-ceiling"],
)
def test_set_price_bounds__outside_the_hard_bounds__reverts_parameter_out_of_bounds_and_changes_nothing(
    marketplace, owner, minimum, maximum, name, value, low, high
):
    with ape.reverts(marketplace.ParameterOutOfBounds, name=_name(name), value=value, minimum=low, maximum=high):
        marketplace.setPriceBounds(minimum, maximum, sender=owner)

    assert tuple(marketplace.priceBounds()) == (MIN_PRICE, MAX_PRICE)


def test_set_bid_fee__by_governance__emits_parameter_changed_with_the_value(marketplace, owner):
    tx = marketplace.setBidFee(3 * MOR + 7, sender=owner)

    assert events(tx, marketplace.ParameterChanged) == [{"name": _name("bidFee"), "value": 3 * MOR + 7}]
    assert marketplace.bidFee() == 3 * MOR + 7


def test_set_bid_fee__above_its_bound__reverts_parameter_out_of_bounds_and_changes_nothing(marketplace, owner):
    with ape.reverts(marketplace.ParameterOutOfBounds, value=10 * MOR + 1, minimum=0, maximum=10 * MOR):
        marketplace.setBidFee(10 * MOR + 1, sender=owner)

    assert marketplace.bidFee() == 0


GOVERNANCE_CALLS = {
    "setWhitelisted": lambda mp, who: mp.setWhitelisted(who, True, sender=who),
    "disableWhitelist": lambda mp, who: mp.disableWhitelist(sender=who),
    "setMinProviderStake": lambda mp, who: mp.setMinProviderStake(0, sender=who),
    "setPriceBounds": lambda mp, who: mp.setPriceBounds(10**9, 10**10, sender=who),
    "setBidFee": lambda mp, who: mp.setBidFee(1, sender=who),
    "withdrawFees": lambda mp, who: mp.withdrawFees(who, 1, sender=who),
    "setGuardian": lambda mp, who: mp.setGuardian(who, sender=who),
    "unpause": lambda mp, who: mp.unpause(sender=who),
    "transferOwnership": lambda mp, who: mp.transferOwnership(who, sender=who),
}


@pytest.mark.parametrize("function", sorted(GOVERNANCE_CALLS))
def test_governance_function__by_a_stranger__reverts_ownable_unauthorized_account(
    marketplace, owner, stranger, market_state, function
):
    before = market_state(stranger)

    with ape.reverts(marketplace.OwnableUnauthorizedAccount, account=stranger.address):
        GOVERNANCE_CALLS[function](marketplace, stranger)

    assert market_state(stranger) == before
    assert not marketplace.isWhitelisted(stranger)
    assert marketplace.owner() == owner.address
    assert marketplace.pendingOwner() == ZERO


def test_pause__by_a_stranger__reverts_not_pauser_and_changes_nothing(marketplace, owner, stranger, market_state):
    before = market_state(stranger)

    with ape.reverts(marketplace.NotPauser, account=stranger.address):
        marketplace.pause(sender=stranger)

    assert market_state(stranger) == before
    assert not marketplace.paused()


def test_governance_functions__list__covers_every_only_owner_function_of_the_abi(marketplace):
    provider_functions = {"register", "addStake", "setSigner", "deregister", "postBid", "deleteBid", "multicall"}
    anyone = {"sweepSurplus"}  # u/governance/test_surplus_sweep.py
    two_step = {"acceptOwnership"}  # only the pending owner; tested above
    pause = {"pause"}  # governance or its guardian (NotPauser): tested above, u/governance/test_guardian.py
    # Only the model registry: u/model_registry/test_owner_exit.py, test_name_keeps_its_id.py.
    registry_only = {"closeModel", "reopenModel"}
    mutable = {method.name for method in marketplace.contract_type.mutable_methods}

    assert mutable - provider_functions - anyone - two_step - pause - registry_only == set(GOVERNANCE_CALLS)
