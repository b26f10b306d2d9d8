"""PROTOCOL §2 (v3), a name keeps its id for good: registering a deregistered model's name again,
by its old owner or anyone else, gives back the same model id (the model count does not move),
with the caller as owner, the new stake, content id and tags, and the name as first registered;
the marketplace reopens the model (`ModelReopened`), so the bids still active on it are usable
and listed again, while a bid deleted in the meantime, or one of a provider that deregistered in
the meantime, stays deleted. A look-alike of a freed name is reserved for that name
(`ModelNameReserved`). Only the registry reopens a model. All of it in O(1)."""

from __future__ import annotations

from typing import Any

import ape
import pytest

from mor_market.constants import MOR
from tests.conftest import PRICE, STIPEND
from tests.unit.model_registry.conftest import BID_STAKE, events, model_view
from tests.utils.checks import check_conservation
from tests.utils.views import assert_view_reverts

NAME = "llama-3.1-8b"  # the name `register_model` and `frozen_model` register
NEW_CONTENT_ID = b"\x44" * 32
NEW_TAGS = [b"chat".ljust(32, b"\0"), b"8b".ljust(32, b"\0")]


def _register_again(model_registry, mor, sender, name: str = NAME, stake: int = 0) -> Any:
    if stake:
        mor.approve(model_registry, stake, sender=sender)
    return model_registry.registerModel(name, NEW_CONTENT_ID, NEW_TAGS, stake, sender=sender)


def _usable(marketplace, model_id: int) -> list[int]:
    """The model's bids as a consumer finds them: listed with an endpoint, in posting order."""
    listings, _total = marketplace.bidListings(model_id, 0, 10)
    return [int(listing[0]) for listing in listings]  # structs come back as tuples: bidId first


# ------------------------------------------------------------------ the registry


@pytest.mark.parametrize("again_by", ["model_owner", "stranger"])
def test_register_model__a_freed_name__gives_back_the_same_id_with_the_new_owner_stake_content_and_tags(
    request, protocol, model_registry, marketplace, mor, model_owner, register_model, again_by
):
    first = model_registry.registerModel(NAME, b"\x11" * 32, [], 0, sender=model_owner)
    model_id = events(first, model_registry.ModelRegistered)[0]["modelId"]
    deregistered = model_registry.deregisterModel(model_id, sender=model_owner)
    caller = request.getfixturevalue(again_by)

    tx = _register_again(model_registry, mor, caller, stake=30 * MOR)

    assert events(tx, model_registry.ModelRegistered) == [
        {
            "modelId": model_id,
            "owner": caller.address,
            "name": NAME,
            "contentId": NEW_CONTENT_ID,
            "tags": NEW_TAGS,
            "stake": 30 * MOR,
        }
    ]
    assert events(tx, marketplace.ModelReopened) == [{"modelId": model_id}]
    assert events(first, marketplace.ModelReopened) == []  # a fresh name has nothing to reopen
    assert model_view(model_registry, model_id) == (caller.address, 30 * MOR, True, NEW_CONTENT_ID, NAME, NEW_TAGS)
    assert model_registry.modelCount() == 1
    assert model_registry.modelIdByName(NAME) == model_id
    assert not marketplace.isModelClosed(model_id)
    assert model_registry.totalStake() == 30 * MOR
    check_conservation(protocol)
    print(
        f"\ngas: registerModel (fresh name, no stake) {first.gas_used:,}; deregisterModel {deregistered.gas_used:,}; "
        f"registerModel (the freed name again, 30 MOR stake) {tx.gas_used:,}"
    )


def test_register_model__a_freed_name_by_another_account__makes_it_the_owner_and_the_old_owner_a_stranger(
    model_registry, mor, model_owner, stranger, model_id
):
    model_registry.deregisterModel(model_id, sender=model_owner)
    _register_again(model_registry, mor, stranger)

    with ape.reverts(model_registry.NotModelOwner, modelId=model_id, caller=model_owner.address):
        model_registry.deregisterModel(model_id, sender=model_owner)
    model_registry.updateModel(model_id, b"\x55" * 32, [], sender=stranger)

    assert model_registry.model(model_id).contentId == b"\x55" * 32


def test_register_model__a_name_held_again__reverts_model_name_taken_naming_the_new_holder(
    model_registry, mor, model_owner, stranger, model_id, registry_state
):
    model_registry.deregisterModel(model_id, sender=model_owner)
    _register_again(model_registry, mor, stranger)
    before = registry_state(model_owner, stranger, models=(model_id,))

    with ape.reverts(
        model_registry.ModelNameTaken, name=NAME, holderName=NAME, holderId=model_id, holderOwner=stranger.address
    ):
        _register_again(model_registry, mor, model_owner)

    assert registry_state(model_owner, stranger, models=(model_id,)) == before


@pytest.mark.parametrize("look_alike", ["llama-3.l-8b", "Ilama-3.1-8b", "llama_3_1_8b", "LLAMA:3-l-8B"])
def test_register_model__a_look_alike_of_a_freed_name__reverts_model_name_reserved_and_changes_nothing(
    model_registry, marketplace, mor, model_owner, stranger, model_id, registry_state, look_alike
):
    model_registry.deregisterModel(model_id, sender=model_owner)
    before = registry_state(model_owner, stranger, models=(model_id,))

    with ape.reverts(model_registry.ModelNameReserved, name=look_alike.lower(), reservedName=NAME, modelId=model_id):
        _register_again(model_registry, mor, stranger, look_alike)

    assert registry_state(model_owner, stranger, models=(model_id,)) == before
    assert marketplace.isModelClosed(model_id)
    assert model_registry.modelIdByName(look_alike) == 0


def test_register_model__a_freed_name__costs_the_same_gas_with_one_or_many_bids(
    model_registry, mor, register_model, register_provider, post_bid, model_owner, provider, provider2, keeper, stranger
):
    lone, crowded = register_model("model-aaa"), register_model("model-bbb")
    for account in (provider, provider2, keeper, stranger):
        register_provider(account, BID_STAKE)
        post_bid(account, crowded)
    post_bid(provider, lone)
    for model in (lone, crowded):
        model_registry.deregisterModel(model, sender=model_owner)

    gas = [_register_again(model_registry, mor, model_owner, name).gas_used for name in ("model-aaa", "model-bbb")]

    assert gas[0] == gas[1]


# ------------------------------------------------------------------ the marketplace


def test_register_model__a_freed_name__makes_the_bids_still_active_usable_and_listed_again(
    marketplace, model_registry, mor, model_owner, stranger, frozen_model, provider, provider2
):
    model_id, bids = frozen_model
    model_registry.deregisterModel(model_id, sender=model_owner)
    assert _usable(marketplace, model_id) == []

    _register_again(model_registry, mor, stranger)

    assert [tuple(marketplace.activeBid(bid)) for bid in bids] == [
        (provider.address, model_id, PRICE, provider.address),
        (provider2.address, model_id, PRICE, provider2.address),
    ]
    assert _usable(marketplace, model_id) == bids
    assert list(marketplace.activeBidsOfModel(model_id, 0, 10)) == bids
    assert marketplace.activeBidCountOfModel(model_id) == 2
    assert list(marketplace.activeBidsOfProvider(provider, 0, 10)) == [bids[0]]
    # Usable again means they hold their providers again, as any active bid does.
    with ape.reverts(marketplace.ProviderHasActiveBids, count=1):
        marketplace.deregister(sender=provider)


def test_register_model__a_freed_name__opens_sessions_on_the_old_bid_again(
    router,
    marketplace,
    model_registry,
    mor,
    model_owner,
    stranger,
    consumer,
    provider,
    frozen_model,
    open_session,
    funded_pool,
):
    model_id, bids = frozen_model
    model_registry.deregisterModel(model_id, sender=model_owner)
    _register_again(model_registry, mor, stranger)

    session = open_session(consumer, bids[0], 1_000 * MOR, STIPEND)

    opened = router.session(session)
    assert (opened.provider, opened.modelId, opened.stake) == (provider.address, model_id, 1_000 * MOR)


def test_register_model__a_bid_deleted_while_the_model_was_closed__stays_deleted(
    marketplace, model_registry, mor, model_owner, stranger, frozen_model, provider
):
    model_id, bids = frozen_model
    model_registry.deregisterModel(model_id, sender=model_owner)
    marketplace.deleteBid(bids[0], sender=provider)

    _register_again(model_registry, mor, stranger)

    assert_view_reverts(marketplace.BidNotActive, marketplace.activeBid, bids[0], bidId=bids[0])
    assert _usable(marketplace, model_id) == [bids[1]]
    assert list(marketplace.activeBidsOfProvider(provider, 0, 10)) == []


def test_register_model__a_provider_that_deregistered_while_the_model_was_closed__has_no_bid_back(
    protocol, marketplace, model_registry, mor, model_owner, stranger, frozen_model, provider
):
    model_id, bids = frozen_model
    model_registry.deregisterModel(model_id, sender=model_owner)
    marketplace.deregister(sender=provider)

    _register_again(model_registry, mor, stranger)

    assert_view_reverts(marketplace.BidNotActive, marketplace.activeBid, bids[0], bidId=bids[0])
    assert _usable(marketplace, model_id) == [bids[1]]
    assert marketplace.providerRecord(provider).activeBids == 0
    assert not marketplace.providerRecord(provider).registered
    check_conservation(protocol)


def test_reopen_model__called_by_anyone_but_the_registry__reverts_not_model_registry_and_changes_nothing(
    marketplace, model_registry, model_owner, stranger, owner, frozen_model
):
    model_id, _bids = frozen_model
    model_registry.deregisterModel(model_id, sender=model_owner)

    for caller in (stranger, owner, model_owner):
        with ape.reverts(marketplace.NotModelRegistry, caller=caller.address):
            marketplace.reopenModel(model_id, sender=caller)

    assert marketplace.isModelClosed(model_id)
    assert _usable(marketplace, model_id) == []
    assert not model_registry.isActive(model_id)
