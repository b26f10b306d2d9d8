"""PROTOCOL §7: pausing the registry stops new model registrations only; updates and
deregistration (getting the stake back) still work."""

from __future__ import annotations

import ape

from mor_market.constants import DAY, MOR
from tests.unit.model_registry.conftest import CONTENT_ID, TAGS, events
from tests.utils.checks import check_conservation


def test_register_model__while_paused__reverts_enforced_pause_and_changes_nothing(
    model_registry, owner, model_owner, registry_state
):
    tx = model_registry.pause(sender=owner)
    assert events(tx, model_registry.Paused) == [{"account": owner.address, "until": tx.timestamp + 7 * DAY}]
    before = registry_state(model_owner)

    with ape.reverts(model_registry.EnforcedPause):
        model_registry.registerModel("mod", CONTENT_ID, TAGS, 0, sender=model_owner)

    assert registry_state(model_owner) == before


def test_update_and_deregister_model__while_paused__still_work(
    protocol, model_registry, mor, owner, model_owner, register_model
):
    model_id = register_model(stake=3 * MOR)
    model_registry.pause(sender=owner)
    balance = mor.balanceOf(model_owner)

    model_registry.updateModel(model_id, b"\x33" * 32, TAGS, sender=model_owner)
    tx = model_registry.deregisterModel(model_id, sender=model_owner)

    assert events(tx, model_registry.ModelDeregistered)[0]["stakeReturned"] == 3 * MOR
    assert mor.balanceOf(model_owner) == balance + 3 * MOR
    assert model_registry.model(model_id).contentId == b"\x33" * 32
    check_conservation(protocol)


def test_unpause__by_governance__allows_registrations_again(model_registry, owner, model_owner):
    model_registry.pause(sender=owner)

    tx = model_registry.unpause(sender=owner)

    assert events(tx, model_registry.Unpaused) == [{"account": owner.address}]
    model_registry.registerModel("mod", CONTENT_ID, TAGS, 0, sender=model_owner)
    assert model_registry.modelCount() == 1
