"""PROTOCOL §2: anyone may register a model: a stable id, a name, a content id, tags and an
optional stake (governance may set a minimum; default 0)."""

from __future__ import annotations

import ape

from mor_market.constants import MOR
from tests.unit.model_registry.conftest import CONTENT_ID, TAGS, events, model_view
from tests.utils.checks import check_conservation


def test_register_model__without_stake__gets_the_next_id_and_stores_the_metadata(
    protocol, model_registry, mor, model_owner
):
    assert model_registry.minModelStake() == 0
    balance = mor.balanceOf(model_owner)

    tx = model_registry.registerModel("llama-3.1-8b", CONTENT_ID, TAGS, 0, sender=model_owner)

    assert events(tx, model_registry.ModelRegistered) == [
        {
            "modelId": 1,
            "owner": model_owner.address,
            "name": "llama-3.1-8b",
            "contentId": CONTENT_ID,
            "tags": TAGS,
            "stake": 0,
        }
    ]
    assert model_view(model_registry, 1) == (model_owner.address, 0, True, CONTENT_ID, "llama-3.1-8b", TAGS)
    assert model_registry.isActive(1)
    assert model_registry.modelCount() == 1
    assert mor.balanceOf(model_owner) == balance
    check_conservation(protocol)


def test_register_model__by_anyone_several_times__ids_are_sequential_and_stable(
    protocol, model_registry, model_owner, stranger, consumer
):
    ids = []
    for i, account in enumerate((model_owner, stranger, consumer)):
        tx = model_registry.registerModel(f"model-{i}", bytes([i + 1]) * 32, [], 0, sender=account)
        ids.append(events(tx, model_registry.ModelRegistered)[0]["modelId"])

    assert ids == [1, 2, 3]
    assert [model_registry.model(i).owner for i in ids] == [model_owner.address, stranger.address, consumer.address]
    assert [model_registry.model(i).name for i in ids] == ["model-0", "model-1", "model-2"]
    assert model_registry.modelCount() == 3
    check_conservation(protocol)


def test_register_model__with_stake__locks_it_in_the_registry(protocol, model_registry, mor, model_owner):
    balance = mor.balanceOf(model_owner)
    mor.approve(model_registry, 25 * MOR, sender=model_owner)

    tx = model_registry.registerModel("staked", CONTENT_ID, TAGS, 25 * MOR, sender=model_owner)

    assert events(tx, model_registry.ModelRegistered)[0]["stake"] == 25 * MOR
    assert model_registry.model(1).stake == 25 * MOR
    assert mor.balanceOf(model_owner) == balance - 25 * MOR
    assert mor.balanceOf(model_registry) == 25 * MOR == model_registry.totalStake()
    check_conservation(protocol)


def test_register_model__stake_below_minimum__reverts_model_stake_below_minimum_and_changes_nothing(
    model_registry, mor, owner, model_owner, registry_state
):
    model_registry.setMinModelStake(10 * MOR, sender=owner)
    mor.approve(model_registry, 10 * MOR, sender=model_owner)
    before = registry_state(model_owner)

    with ape.reverts(model_registry.ModelStakeBelowMinimum, stake=10 * MOR - 1, minimum=10 * MOR):
        model_registry.registerModel("cheap", CONTENT_ID, TAGS, 10 * MOR - 1, sender=model_owner)

    assert registry_state(model_owner) == before


def test_register_model__stake_exactly_the_minimum__is_accepted(protocol, model_registry, mor, owner, model_owner):
    model_registry.setMinModelStake(10 * MOR, sender=owner)
    mor.approve(model_registry, 10 * MOR, sender=model_owner)

    model_registry.registerModel("exact", CONTENT_ID, TAGS, 10 * MOR, sender=model_owner)

    assert model_registry.model(1).stake == 10 * MOR
    check_conservation(protocol)


def test_register_model__eight_and_nine_tags__accepts_eight_and_reverts_too_many_tags(
    model_registry, model_owner, registry_state
):
    tags = [bytes([i + 1]) * 32 for i in range(9)]
    model_registry.registerModel("eight", CONTENT_ID, tags[:8], 0, sender=model_owner)
    assert [bytes(tag) for tag in model_registry.model(1).tags] == tags[:8]
    before = registry_state(model_owner, models=(1,))

    with ape.reverts(model_registry.TooManyTags, count=9, max=8):
        model_registry.registerModel("nine", CONTENT_ID, tags, 0, sender=model_owner)

    assert registry_state(model_owner, models=(1,)) == before


def test_register_model__stake_without_allowance__reverts_in_the_token_and_changes_nothing(
    model_registry, mor, model_owner, registry_state
):
    before = registry_state(model_owner)

    with ape.reverts(mor.ERC20InsufficientAllowance, spender=model_registry.address, allowance=0, needed=MOR):
        model_registry.registerModel("xyz", CONTENT_ID, TAGS, MOR, sender=model_owner)

    assert registry_state(model_owner) == before


def test_model__unknown_id__is_inactive_and_empty(model_registry):
    assert not model_registry.isActive(0)
    assert not model_registry.isActive(1)
    assert model_view(model_registry, 1) == ("0x0000000000000000000000000000000000000000", 0, False, b"\0" * 32, "", [])
