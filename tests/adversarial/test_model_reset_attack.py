"""The model reset found by the review of v2 (issue 26), replayed against v3 as an inverse test
(PROTOCOL.md §2 "a name keeps its id for good", promise 8 "deregistering and registering a model
again moves no score"). The test prints the figures before and after the attack.

- Reset. v2: deregistering a model freed its name, and registering the name again made a new
  model id. Every bid on the model was gone (its market closed for good) and every provider's
  statistics stayed behind on the old id: in two transactions a model owner wiped its
  providers' track records and their bids, and a veteran started again from the newcomer prior
  beside everyone else. v3: the name keeps its id. Registering it again gives back the same
  model, the bids still active on it are usable again, and the records continue where they
  were: the cycle changes no score.
"""

from __future__ import annotations

from ape import chain
from ape.exceptions import ContractLogicError

from mor_market.constants import MOR
from mor_market.ranking import BALANCED
from tests.adversarial.conftest import next_day
from tests.adversarial.test_reputation_attacks import _fmt, _honest_history
from tests.conftest import PRICE
from tests.unit.session_router.conftest import stats_of
from tests.utils.checks import check_conservation

NAME = "llama-3.1-8b"  # the name the `model_id` fixture registers
BID_STAKE = 1_000 * MOR


def _usable(marketplace, model_id: int, bids: list[int]) -> int:
    """How many of `bids` a consumer can use: listed with the model, and `activeBid` answers."""
    listed = {int(listing[0]) for listing in marketplace.bidListings(model_id, 0, 10)[0]}
    usable = 0
    for bid in bids:
        try:
            marketplace.activeBid(bid)
        except ContractLogicError:  # ModelNotActive, BidNotActive...: no session opens on it
            continue
        usable += bid in listed
    return usable


def _figures(router, marketplace, reputation, model_id: int, providers: list, bids: list[int]) -> dict:
    return {
        "usable": _usable(marketplace, model_id, bids),
        "stats": [stats_of(router, p, model_id) for p in providers],
        "scores": [reputation.scoreOf(bid, BALANCED.as_tuple()) for bid in bids],
    }


def test_reset__deregistering_and_registering_the_name_again__keeps_the_id_the_bids_and_every_score(
    protocol,
    router,
    marketplace,
    model_registry,
    reputation,
    kit,
    register_provider,
    post_bid,
    model_owner,
    provider,
    provider2,
    consumer,
    model_id,
    bid,
):
    # A veteran (three completed hour-long sessions) and a newcomer, both bidding on the model.
    _honest_history(kit, consumer, bid, provider, next_day() + 1_000)
    register_provider(provider2, BID_STAKE)
    newcomer = post_bid(provider2, model_id, PRICE)
    providers, bids = [provider, provider2], [bid, newcomer]
    before = _figures(router, marketplace, reputation, model_id, providers, bids)
    assert before["stats"][0]["completed"] == 3
    assert before["usable"] == 2

    # The attack: the owner leaves and registers the name again, back to back.
    chain.mine()
    deregistered = model_registry.deregisterModel(model_id, sender=model_owner)
    closed = _usable(marketplace, model_id, bids)
    tx = model_registry.registerModel(NAME, b"\x66" * 32, [], 0, sender=model_owner)
    again = tx.decode_logs(model_registry.ModelRegistered)[0].modelId

    after = _figures(router, marketplace, reputation, again, providers, bids)
    print(
        f"\nreset (deregister + register '{NAME}' again): model id {model_id} -> {again}; "
        f"usable bids {before['usable']} -> {closed} while deregistered -> {after['usable']}; "
        f"veteran score {_fmt(before['scores'][0])} -> {_fmt(after['scores'][0])}, "
        f"completed sessions {before['stats'][0]['completed']} -> {after['stats'][0]['completed']}; "
        f"newcomer score {_fmt(before['scores'][1])} -> {_fmt(after['scores'][1])}; "
        f"gas: deregister {deregistered.gas_used:,} + register again {tx.gas_used:,}"
    )
    assert closed == 0
    assert again == model_id
    assert model_registry.modelCount() == 1
    assert after == before
    check_conservation(protocol)
