"""PROTOCOL §2: the owner deregisters its model and gets the stake back in the same
transaction. A deregistered model takes no bids. (With others' bids on it: test_owner_exit.py.)"""

from __future__ import annotations

import ape

from mor_market.constants import MOR
from tests.unit.model_registry.conftest import TAGS, events, model_view
from tests.utils.checks import check_conservation


def test_deregister_model__no_bids__returns_the_stake_and_keeps_the_metadata(
    protocol, model_registry, mor, model_owner, register_model
):
    model_id = register_model(stake=40 * MOR)
    balance = mor.balanceOf(model_owner)

    tx = model_registry.deregisterModel(model_id, sender=model_owner)

    assert events(tx, model_registry.ModelDeregistered) == [
        {"modelId": model_id, "owner": model_owner.address, "stakeReturned": 40 * MOR}
    ]
    assert mor.balanceOf(model_owner) == balance + 40 * MOR
    assert model_view(model_registry, model_id) == (model_owner.address, 0, False, b"\x11" * 32, "llama-3.1-8b", TAGS)
    assert not model_registry.isActive(model_id)
    assert model_registry.totalStake() == 0
    assert mor.balanceOf(model_registry) == 0
    check_conservation(protocol)


def test_deregister_model__by_another_account__reverts_not_model_owner_and_changes_nothing(
    model_registry, mor, owner, stranger, model_owner, register_model, registry_state
):
    model_id = register_model(stake=MOR)
    before = registry_state(model_owner, stranger, owner, models=(model_id,))

    for caller in (stranger, owner):
        with ape.reverts(model_registry.NotModelOwner, modelId=model_id, caller=caller.address):
            model_registry.deregisterModel(model_id, sender=caller)

    assert registry_state(model_owner, stranger, owner, models=(model_id,)) == before


def test_deregister_model__twice_or_unknown__reverts_model_not_active(
    model_registry, model_owner, model_id, registry_state
):
    model_registry.deregisterModel(model_id, sender=model_owner)
    before = registry_state(model_owner, models=(model_id,))

    with ape.reverts(model_registry.ModelNotActive, modelId=model_id):
        model_registry.deregisterModel(model_id, sender=model_owner)
    with ape.reverts(model_registry.ModelNotActive, modelId=99):
        model_registry.deregisterModel(99, sender=model_owner)

    assert registry_state(model_owner, models=(model_id,)) == before


def test_post_bid__on_a_deregistered_model__reverts_model_not_active(
    model_registry, marketplace, model_owner, registered_provider, model_id
):
    model_registry.deregisterModel(model_id, sender=model_owner)

    with ape.reverts(marketplace.ModelNotActive, modelId=model_id):
        marketplace.postBid(model_id, 10**13, sender=registered_provider)

    assert marketplace.activeBidCountOfModel(model_id) == 0
