"""PROTOCOL §7 for the registry: two-step ownership, ParameterChanged on every parameter change,
governance-only setters."""

from __future__ import annotations

import ape

from mor_market.constants import MOR
from tests.unit.model_registry.conftest import events

ZERO = "0x0000000000000000000000000000000000000000"


def test_set_min_model_stake__by_governance__emits_parameter_changed_with_the_value(model_registry, owner):
    tx = model_registry.setMinModelStake(42 * MOR + 1, sender=owner)

    assert events(tx, model_registry.ParameterChanged) == [
        {"name": b"minModelStake".ljust(32, b"\0"), "value": 42 * MOR + 1}
    ]
    assert model_registry.minModelStake() == 42 * MOR + 1


def test_set_min_model_stake__by_a_stranger__reverts_ownable_unauthorized_account(model_registry, stranger):
    with ape.reverts(model_registry.OwnableUnauthorizedAccount, account=stranger.address):
        model_registry.setMinModelStake(1, sender=stranger)

    assert model_registry.minModelStake() == 0


def test_transfer_ownership__two_steps__hands_governance_over_only_when_accepted(
    model_registry, owner, stranger, consumer
):
    started = model_registry.transferOwnership(stranger, sender=owner)
    assert events(started, model_registry.OwnershipTransferStarted) == [
        {"previousOwner": owner.address, "newOwner": stranger.address}
    ]
    assert model_registry.owner() == owner.address
    with ape.reverts(model_registry.OwnableUnauthorizedAccount, account=consumer.address):
        model_registry.acceptOwnership(sender=consumer)
    with ape.reverts(model_registry.OwnableUnauthorizedAccount, account=stranger.address):
        model_registry.setMinModelStake(1, sender=stranger)

    accepted = model_registry.acceptOwnership(sender=stranger)

    assert events(accepted, model_registry.OwnershipTransferred) == [
        {"previousOwner": owner.address, "newOwner": stranger.address}
    ]
    assert (model_registry.owner(), model_registry.pendingOwner()) == (stranger.address, ZERO)
    with ape.reverts(model_registry.OwnableUnauthorizedAccount, account=owner.address):
        model_registry.setMinModelStake(1, sender=owner)


def test_transfer_ownership__by_a_stranger__reverts_ownable_unauthorized_account(model_registry, owner, stranger):
    with ape.reverts(model_registry.OwnableUnauthorizedAccount, account=stranger.address):
        model_registry.transferOwnership(stranger, sender=stranger)

    assert model_registry.owner() == owner.address


def test_set_min_model_stake__above_its_bound__reverts_parameter_out_of_bounds_and_changes_nothing(
    model_registry, owner
):
    with ape.reverts(model_registry.ParameterOutOfBounds, value=100_000 * MOR + 1, minimum=0, maximum=100_000 * MOR):
        model_registry.setMinModelStake(100_000 * MOR + 1, sender=owner)

    assert model_registry.minModelStake() == 0
