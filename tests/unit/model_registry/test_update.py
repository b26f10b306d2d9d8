"""PROTOCOL §2: the owner may update its model's metadata other than the name; nobody else may;
the name never changes after registration."""

from __future__ import annotations

import ape

from tests.unit.model_registry.conftest import CONTENT_ID, events, model_view

NEW_ID = b"\x22" * 32
NEW_TAGS = [b"code".ljust(32, b"\0"), b"chat".ljust(32, b"\0")]


def test_update_model__by_its_owner__replaces_content_id_and_tags_and_keeps_the_name(
    model_registry, model_owner, register_model
):
    model_id = register_model(stake=0)

    tx = model_registry.updateModel(model_id, NEW_ID, NEW_TAGS, sender=model_owner)

    assert events(tx, model_registry.ModelUpdated) == [{"modelId": model_id, "contentId": NEW_ID, "tags": NEW_TAGS}]
    assert model_view(model_registry, model_id) == (model_owner.address, 0, True, NEW_ID, "llama-3.1-8b", NEW_TAGS)
    assert model_registry.modelIdByName("llama-3.1-8b") == model_id
    assert model_registry.modelCount() == 1


def test_update_model__has_no_name_parameter__the_name_is_immutable(model_registry):
    update = model_registry.contract_type.mutable_methods["updateModel"]
    assert [i.name for i in update.inputs] == ["modelId", "contentId", "tags"]


def test_update_model__to_no_tags__clears_the_tags(model_registry, model_owner, model_id):
    model_registry.updateModel(model_id, CONTENT_ID, [], sender=model_owner)

    assert model_registry.model(model_id).tags == []


def test_update_model__by_another_account__reverts_not_model_owner_and_changes_nothing(
    model_registry, owner, stranger, model_id, registry_state
):
    before = registry_state(models=(model_id,))

    for caller in (stranger, owner):
        with ape.reverts(model_registry.NotModelOwner, modelId=model_id, caller=caller.address):
            model_registry.updateModel(model_id, NEW_ID, NEW_TAGS, sender=caller)

    assert registry_state(models=(model_id,)) == before


def test_update_model__unknown_or_deregistered__reverts_model_not_active(
    model_registry, model_owner, model_id, registry_state
):
    with ape.reverts(model_registry.ModelNotActive, modelId=model_id + 1):
        model_registry.updateModel(model_id + 1, NEW_ID, NEW_TAGS, sender=model_owner)
    model_registry.deregisterModel(model_id, sender=model_owner)
    before = registry_state(models=(model_id,))

    with ape.reverts(model_registry.ModelNotActive, modelId=model_id):
        model_registry.updateModel(model_id, NEW_ID, NEW_TAGS, sender=model_owner)

    assert registry_state(models=(model_id,)) == before


def test_update_model__nine_tags__reverts_too_many_tags_and_changes_nothing(
    model_registry, model_owner, model_id, registry_state
):
    before = registry_state(models=(model_id,))

    with ape.reverts(model_registry.TooManyTags, count=9, max=8):
        model_registry.updateModel(model_id, NEW_ID, [NEW_ID] * 9, sender=model_owner)

    assert registry_state(models=(model_id,)) == before
