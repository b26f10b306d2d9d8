"""PROTOCOL §2 (v3), look-alikes are the same name: a name whose skeleton (ModelNames.skeleton:
`0`/`o`, `1`/`l`/`i`, `rn`/`m`, `vv`/`w`, every separator alike, and case) is held by an active
model is refused with `ModelNameTaken(name, holderName, holderId, holderOwner)`, naming the
holder by its registered name, id and owner, and changes nothing; a name that differs by a real
character is another name; distinct real model names register side by side; only the registered
spelling looks the model up."""

from __future__ import annotations

import ape
import pytest

from mor_market import names
from tests.unit.model_registry.conftest import CONTENT_ID, TAGS, events

LLAMA = "meta-llama/llama-3.1-8b"
# The spellings of LLAMA: each differs from it only by look-alikes.
LLAMA_LOOK_ALIKES = [
    "meta-llama/llama-3.l-8b",  # 1 -> l
    "meta-Ilama/llama-3.1-8b",  # l -> I
    "meta-lIama/llama-3.1-8b",  # l -> I, second letter
    "rneta-llama/llama-3.1-8b",  # m -> rn
    "meta_llama/llama_3.1_8b",  # - and / -> _
    "meta-llama/llama-3-1-8b",  # . -> -
    "META-LLAMA/LLAMA-3.1-8B",  # case
    "rneta:Ilama/Ilarna_3-l-8b",  # all at once
]
# (registered, look-alike) pairs built with 0/o and vv/w, both ways round.
PAIRS = [
    ("gpt-oss-20b", "gpt-oss-2ob"),
    ("gpt-oss-2ob", "GPT-0SS-20B"),
    ("qwen2.5-7b", "qvven2.5-7b"),
    ("qvven2.5-7b", "Qwen2_5-7B"),
    ("wizardlm-2-8x22b", "vvizardlrn-2-8x22b"),
]
REAL_NAMES = ["qwen2.5-7b", "qwen2.5-72b", "phi-3-mini", "phi-3.5-mini", "gpt-oss-20b", "llama-3.1-8b"]


def _register(model_registry, name: str, sender) -> int:
    tx = model_registry.registerModel(name, CONTENT_ID, TAGS, 0, sender=sender)
    return events(tx, model_registry.ModelRegistered)[0]["modelId"]


@pytest.mark.parametrize("look_alike", LLAMA_LOOK_ALIKES)
def test_register_model__a_look_alike_of_an_active_name__reverts_model_name_taken_naming_the_holder(
    model_registry, model_owner, stranger, registry_state, look_alike
):
    holder = _register(model_registry, LLAMA, model_owner)
    before = registry_state(stranger, model_owner, models=(holder,))

    with ape.reverts(
        model_registry.ModelNameTaken,
        name=names.canonical(look_alike),
        holderName=LLAMA,
        holderId=holder,
        holderOwner=model_owner.address,
    ):
        model_registry.registerModel(look_alike, CONTENT_ID, TAGS, 0, sender=stranger)

    assert registry_state(stranger, model_owner, models=(holder,)) == before
    assert model_registry.modelCount() == 1
    assert model_registry.modelIdByName(LLAMA) == holder


@pytest.mark.parametrize(("registered", "look_alike"), PAIRS)
def test_register_model__a_spelling_with_0_o_or_vv_w_swapped__reverts_model_name_taken(
    model_registry, model_owner, stranger, registry_state, registered, look_alike
):
    holder = _register(model_registry, registered, model_owner)
    before = registry_state(stranger, models=(holder,))

    with ape.reverts(
        model_registry.ModelNameTaken,
        name=names.canonical(look_alike),
        holderName=registered,
        holderId=holder,
        holderOwner=model_owner.address,
    ):
        model_registry.registerModel(look_alike, CONTENT_ID, TAGS, 0, sender=stranger)

    assert registry_state(stranger, models=(holder,)) == before


def test_register_model__a_name_differing_by_a_real_character__is_another_model(model_registry, model_owner, stranger):
    holder = _register(model_registry, LLAMA, model_owner)

    other = _register(model_registry, "meta-llama/llama-3.1-8bb", stranger)

    assert (holder, other) == (1, 2)
    assert model_registry.modelIdByName("meta-llama/llama-3.1-8bb") == other
    assert model_registry.modelIdByName(LLAMA) == holder


def test_register_model__distinct_real_model_names__all_register_side_by_side(model_registry, model_owner):
    ids = [_register(model_registry, name, model_owner) for name in REAL_NAMES]

    assert ids == list(range(1, len(REAL_NAMES) + 1))
    assert [model_registry.modelIdByName(name) for name in REAL_NAMES] == ids
    assert [model_registry.model(i).name for i in ids] == REAL_NAMES


def test_model_id_by_name__a_look_alike_spelling__is_zero_while_the_registered_spelling_finds_the_model(
    model_registry, model_owner
):
    holder = _register(model_registry, LLAMA, model_owner)

    assert model_registry.modelIdByName("Meta-Llama/Llama-3.1-8B") == holder  # the same name in another case
    other_spellings = [name for name in LLAMA_LOOK_ALIKES if names.canonical(name) != LLAMA]
    assert len(other_spellings) == len(LLAMA_LOOK_ALIKES) - 1
    for look_alike in other_spellings:
        assert model_registry.modelIdByName(look_alike) == 0
