"""PROTOCOL §2, canonical names: a model is registered under the lowercase form of its name;
a name already held in any case is refused with an error naming the holder; anyone looks a
model up by name in any case; a malformed name is refused with the grammar's exact error and
changes nothing; deregistering frees the name, and registering it again gives back its id.
(Look-alikes beyond case: test_skeleton_uniqueness.py; the id kept: test_name_keeps_its_id.py.)"""

from __future__ import annotations

import ape
import pytest

from tests.unit.model_registry.conftest import CONTENT_ID, TAGS, events
from tests.utils.views import assert_view_reverts


def test_register_model__mixed_case__registers_the_lowercase_form(model_registry, model_owner):
    tx = model_registry.registerModel("Qwen/Qwen3-8B", CONTENT_ID, TAGS, 0, sender=model_owner)

    assert events(tx, model_registry.ModelRegistered)[0]["name"] == "qwen/qwen3-8b"
    assert model_registry.model(1).name == "qwen/qwen3-8b"


@pytest.mark.parametrize("taken", ["qwen/qwen3-8b", "Qwen/Qwen3-8B", "QWEN/QWEN3-8B"])
def test_register_model__a_name_held_in_any_case__reverts_model_name_taken_naming_the_holder(
    model_registry, model_owner, stranger, registry_state, taken
):
    model_registry.registerModel("qwen/qwen3-8b", CONTENT_ID, TAGS, 0, sender=model_owner)
    before = registry_state(stranger, models=(1,))

    with ape.reverts(
        model_registry.ModelNameTaken,
        name="qwen/qwen3-8b",
        holderName="qwen/qwen3-8b",
        holderId=1,
        holderOwner=model_owner.address,
    ):
        model_registry.registerModel(taken, CONTENT_ID, TAGS, 0, sender=stranger)

    assert registry_state(stranger, models=(1,)) == before
    assert model_registry.modelCount() == 1


def test_model_id_by_name__any_case__finds_the_model_and_an_unknown_name_is_zero(model_registry, model_owner):
    model_registry.registerModel("Llama-3.1-8B-Instruct", CONTENT_ID, TAGS, 0, sender=model_owner)

    for name in ("llama-3.1-8b-instruct", "LLAMA-3.1-8B-INSTRUCT", "Llama-3.1-8B-Instruct"):
        assert model_registry.modelIdByName(name) == 1
    assert model_registry.modelIdByName("mistral-7b") == 0
    assert_view_reverts(model_registry.InvalidModelNameCharacter, model_registry.modelIdByName, "llama 3", position=5)


@pytest.mark.parametrize(
    ("name", "error", "args"),
    [
        ("ab", "InvalidModelNameLength", {"length": 2, "minimum": 3, "maximum": 64}),
        ("a" * 65, "InvalidModelNameLength", {"length": 65, "minimum": 3, "maximum": 64}),
        ("-llama", "InvalidModelNameCharacter", {"position": 0, "character": b"-"}),
        ("llama--3", "InvalidModelNameCharacter", {"position": 6, "character": b"-"}),
        ("llama 3", "InvalidModelNameCharacter", {"position": 5, "character": b" "}),
        ("llamé", "InvalidModelNameCharacter", {"position": 4, "character": b"\xc3"}),
    ],
)
def test_register_model__malformed_name__reverts_with_the_grammars_error_and_changes_nothing(
    model_registry, model_owner, registry_state, name, error, args
):
    before = registry_state(model_owner)

    with ape.reverts(getattr(model_registry, error), **args):
        model_registry.registerModel(name, CONTENT_ID, TAGS, 0, sender=model_owner)

    assert registry_state(model_owner) == before
    assert model_registry.modelCount() == 0


def test_deregister_model__frees_the_name_and_registering_it_again_in_any_case_gives_back_its_id(
    model_registry, model_owner, stranger
):
    model_registry.registerModel("mistral-7b", CONTENT_ID, TAGS, 0, sender=model_owner)
    model_registry.deregisterModel(1, sender=model_owner)
    assert model_registry.modelIdByName("mistral-7b") == 0

    tx = model_registry.registerModel("Mistral-7B", CONTENT_ID, TAGS, 0, sender=stranger)

    assert events(tx, model_registry.ModelRegistered)[0]["modelId"] == 1
    assert model_registry.modelIdByName("mistral-7b") == 1
    assert model_registry.modelCount() == 1
    assert (model_registry.model(1).name, model_registry.model(1).owner) == ("mistral-7b", stranger.address)
    assert model_registry.isActive(1)
