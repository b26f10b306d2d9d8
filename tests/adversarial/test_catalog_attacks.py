"""The catalog attacks found against v1 (issue 17) and v2 (issue 26), replayed against v3
(PROTOCOL.md §2, §3): each test is the attacker's best move and asserts exactly how far it gets.

- Squatting and impersonation. v1: names were arbitrary bytes, duplicates allowed, so anyone
  could register `Llama-3.1-8B` beside `llama-3.1-8b`, or a look-alike with a Cyrillic letter or
  a trailing space, and the owner could rename a model under live bids. v2: one canonical,
  case-folded ASCII grammar; a second spelling of a taken name is refused naming its holder;
  every non-ASCII or misplaced byte is refused at its position; the name cannot change. The v2
  review: ASCII look-alikes still registered (`meta-Ilama/...`, `rneta-llama/...`,
  `gpt-oss-2ob`, `qvven2.5-7b`: 8 of its 9). v3: names are unique by their skeleton
  (ModelNames.skeleton), so every one of them is refused naming the holder. What is left: a
  *different* name (`llama-3.1-8b-instruct`) is a different model, first come first served:
  the registry guarantees identity up to the stated map of look-alikes, not trademarks.
- Freezing. v1: a provider with a 100-MOR refundable bid on someone's 5,000-MOR model froze that
  stake for as long as the bid stood. v2: the owner leaves at once; the freezer's bid opens no
  session and cannot be re-posted while the model is deregistered. v3: whoever registers the
  freed name gets the same model back, with the bids still active on it (its providers' own,
  which they could delete at any time), so a name cannot be used to shed or freeze bids.
  (The reset of records by a deregister + register cycle: test_model_reset_attack.py.)
"""

from __future__ import annotations

import ape
import pytest

from mor_market import names
from mor_market.constants import MOR
from tests.conftest import STIPEND
from tests.utils.checks import check_conservation
from tests.utils.views import assert_view_reverts

NAME = "llama-3.1-8b"
MODEL_STAKE = 5_000 * MOR
BID_STAKE = 100 * MOR


@pytest.fixture
def famous(register_model, model_owner) -> int:
    return register_model(NAME, stake=MODEL_STAKE)


def _register(model_registry, name: str, squatter) -> object:
    return model_registry.registerModel(name, b"\x22" * 32, [], 0, sender=squatter)


@pytest.mark.parametrize("spelling", ["Llama-3.1-8B", "LLAMA-3.1-8B", "llama-3.1-8B"])
def test_squatter__another_case_of_a_taken_name__is_refused_naming_the_holder(
    model_registry, famous, model_owner, stranger, spelling
):
    count = model_registry.modelCount()

    with ape.reverts(
        model_registry.ModelNameTaken,
        name=NAME,
        holderName=NAME,
        holderId=famous,
        holderOwner=model_owner.address,
    ):
        _register(model_registry, spelling, stranger)

    assert model_registry.modelCount() == count
    assert model_registry.modelIdByName(spelling) == famous


@pytest.mark.parametrize(
    ("name", "position", "character"),
    [
        ("llama-3.1-8b ", 12, b" "),  # trailing space
        (" llama-3.1-8b", 0, b" "),  # leading space
        ("llama-3.1-8b.", 12, b"."),  # trailing separator
        ("llama--3.1-8b", 6, b"-"),  # doubled separator
        ("ll\u0430ma-3.1-8b", 2, b"\xd0"),  # Cyrillic a (U+0430), first byte of its UTF-8
        ("llama-3.1-8b\u200b", 12, b"\xe2"),  # zero-width space
        ("llama\x003.1-8b", 5, b"\x00"),  # NUL
    ],
)
def test_impersonator__a_look_alike_spelling__is_refused_at_its_first_bad_byte(
    model_registry, famous, stranger, name, position, character
):
    count = model_registry.modelCount()

    with ape.reverts(model_registry.InvalidModelNameCharacter, position=position, character=character):
        _register(model_registry, name, stranger)

    assert model_registry.modelCount() == count


def test_impersonator__a_different_ascii_name__is_a_different_model_and_the_famous_name_still_resolves(
    model_registry, famous, stranger
):
    # How far it gets: a distinct name is a distinct model. The registry refuses every spelling
    # of a name and every look-alike by the stated map, not names that merely look related.
    tx = _register(model_registry, "llama-3.1-8b-instruct", stranger)
    squatted = tx.decode_logs(model_registry.ModelRegistered)[0].modelId

    assert squatted != famous
    assert model_registry.modelIdByName(NAME) == famous
    assert model_registry.modelIdByName("LLAMA-3.1-8B-INSTRUCT") == squatted


def test_bait_and_switch__the_owner_cannot_rename_a_model_under_live_bids(
    model_registry, marketplace, famous, model_owner, register_provider, post_bid, provider
):
    register_provider(provider, BID_STAKE)
    post_bid(provider, famous)

    # The only update there is takes no name.
    assert [i.name for i in model_registry.updateModel.abis[0].inputs] == ["modelId", "contentId", "tags"]
    model_registry.updateModel(famous, b"\x33" * 32, [], sender=model_owner)

    assert model_registry.modelIdByName(NAME) == famous
    assert model_registry.model(famous).name == NAME


def test_freezer__a_cheap_bid_on_anothers_model__no_longer_holds_its_stake(
    protocol, model_registry, marketplace, router, mor, famous, model_owner, register_provider, post_bid, provider
):
    register_provider(provider, BID_STAKE)
    bid = post_bid(provider, famous)
    balance = mor.balanceOf(model_owner)

    model_registry.deregisterModel(famous, sender=model_owner)

    assert mor.balanceOf(model_owner) == balance + MODEL_STAKE
    # The freezer's bid is dead: it is not active, and posting again on the model is refused.
    assert_view_reverts(marketplace.ModelNotActive, marketplace.activeBid, bid, modelId=famous)
    with ape.reverts(marketplace.ModelNotActive, modelId=famous):
        marketplace.postBid(famous, 10**13, sender=provider)
    check_conservation(protocol)


def test_freezer__re_registering_the_freed_name__gets_the_same_model_back_with_the_old_bids(
    model_registry,
    marketplace,
    router,
    mor,
    famous,
    model_owner,
    register_provider,
    post_bid,
    provider,
    consumer,
    open_session,
    funded_pool,
):
    register_provider(provider, BID_STAKE)
    old_bid = post_bid(provider, famous)
    model_registry.deregisterModel(famous, sender=model_owner)

    tx = _register(model_registry, NAME, provider)
    reborn = tx.decode_logs(model_registry.ModelRegistered)[0].modelId

    # The name brings its model back: the same id, and the bid still active on it is usable.
    assert reborn == famous
    assert model_registry.modelIdByName(NAME) == famous
    assert list(marketplace.activeBidsOfModel(famous, 0, 10)) == [old_bid]
    session = open_session(consumer, old_bid, 100 * MOR, STIPEND)
    assert router.session(session).modelId == famous


# ------------------------------------------------------------------ look-alikes (v2 review)

# The v2 review's look-alikes of three famous names: (registered, look-alike).
FAMOUS = ["meta-llama/llama-3.1-8b", "gpt-oss-20b", "qwen2.5-7b"]
REVIEW_LOOK_ALIKES = [
    ("meta-llama/llama-3.1-8b", "meta-llama/llama-3.l-8b"),
    ("meta-llama/llama-3.1-8b", "meta-Ilama/llama-3.1-8b"),
    ("meta-llama/llama-3.1-8b", "meta-lIama/llama-3.1-8b"),
    ("meta-llama/llama-3.1-8b", "rneta-llama/llama-3.1-8b"),
    ("meta-llama/llama-3.1-8b", "meta_llama/llama_3.1_8b"),
    ("meta-llama/llama-3.1-8b", "meta-llama/llama-3-1-8b"),
    ("meta-llama/llama-3.1-8b", "Meta-Llama/Llama-3.1-8B"),
    ("gpt-oss-20b", "gpt-oss-2ob"),
    ("qwen2.5-7b", "qvven2.5-7b"),
]


def test_impersonator__the_v2_reviews_nine_ascii_look_alikes__none_registers(
    model_registry, model_owner, stranger, register_model
):
    holders = {name: register_model(name) for name in FAMOUS}
    count = model_registry.modelCount()

    # Under v2 a name was refused only when its canonical (lowercase) form was taken.
    v2_registered = sum(names.canonical(look) != names.canonical(held) for held, look in REVIEW_LOOK_ALIKES)
    refusals = []
    for _held, look_alike in REVIEW_LOOK_ALIKES:
        try:
            _register(model_registry, look_alike, stranger)
        except model_registry.ModelNameTaken as refused:
            refusals.append(dict(refused.inputs))
    registered = model_registry.modelCount() - count

    print(f"\nthe v2 review's ASCII look-alikes that register: v2 {v2_registered} of 9 -> v3 {registered} of 9")
    assert v2_registered == 8
    assert registered == 0
    assert refusals == [
        {
            "name": names.canonical(look_alike),
            "holderName": held,
            "holderId": holders[held],
            "holderOwner": model_owner.address,
        }
        for held, look_alike in REVIEW_LOOK_ALIKES
    ]
    assert [model_registry.modelIdByName(name) for name in FAMOUS] == list(holders.values())
