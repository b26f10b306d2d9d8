"""PROTOCOL §1, §7 and promise 3 (no slashing, no rug): every external state-changing function of
the Marketplace and the ModelRegistry, called by governance and by a stranger with plausible
arguments, leaves every provider's and model owner's stake where it is; afterwards each staker
still withdraws exactly its whole stake."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import ape
import pytest

from mor_market.constants import MOR
from tests.conftest import PRICE
from tests.utils.checks import check_conservation

PROVIDER_STAKE = 1_000 * MOR
PROVIDER2_STAKE = 200 * MOR
MODEL_STAKE = 40 * MOR
FEE = MOR


@dataclass
class World:
    """Stakers with stake locked, and the fees governance may legitimately take."""

    mp: Any
    mr: Any
    mor: Any
    owner: Any
    provider: Any
    provider2: Any
    model_owner: Any
    model: int
    bid: int
    bid2: int

    def stakes(self) -> dict[str, Any]:
        """What no call by governance or a stranger may move."""
        return {
            "staker_balances": [self.mor.balanceOf(a) for a in (self.provider, self.provider2, self.model_owner)],
            "provider_stakes": [self.mp.providerRecord(p).stake for p in (self.provider, self.provider2)],
            "providers_registered": [
                bool(self.mp.providerRecord(p).registered) for p in (self.provider, self.provider2)
            ],
            "model_stake": self.mr.model(self.model).stake,
            "model_active": bool(self.mr.isActive(self.model)),
            "marketplace_total_stake": self.mp.totalStake(),
            "marketplace_stake_held": self.mor.balanceOf(self.mp) - self.mp.feeBalance(),
            "registry_total_stake": self.mr.totalStake(),
            "registry_balance": self.mor.balanceOf(self.mr),
        }


@pytest.fixture
def world(
    marketplace,
    model_registry,
    mor,
    owner,
    provider,
    provider2,
    model_owner,
    register_model,
    register_provider,
    post_bid,
) -> World:
    model = register_model(stake=MODEL_STAKE)
    register_provider(provider, PROVIDER_STAKE)
    register_provider(provider2, PROVIDER2_STAKE)
    bid = post_bid(provider, model)
    marketplace.setBidFee(FEE, sender=owner)
    mor.approve(marketplace, FEE, sender=provider2)
    bid2 = post_bid(provider2, model)
    assert marketplace.feeBalance() == FEE
    return World(marketplace, model_registry, mor, owner, provider, provider2, model_owner, model, bid, bid2)


def _governed(w: World, actor: Any, contract: Any, call: Callable[[], Any]) -> None:
    """Governance's call succeeds; anyone else's reverts with OwnableUnauthorizedAccount."""
    if actor == w.owner:
        call()
    else:
        with ape.reverts(contract.OwnableUnauthorizedAccount, account=actor.address):
            call()


def _mp_register(w: World, actor: Any) -> None:
    w.mor.approve(w.mp, 100 * MOR, sender=actor)
    with ape.reverts(w.mp.NotWhitelisted, account=actor.address):
        w.mp.register("evil.example.org:1", 100 * MOR, sender=actor)


def _mp_add_stake(w: World, actor: Any) -> None:
    with ape.reverts(w.mp.ProviderNotRegistered, account=actor.address):
        w.mp.addStake(MOR, sender=actor)


def _mp_set_signer(w: World, actor: Any) -> None:
    with ape.reverts(w.mp.ProviderNotRegistered, account=actor.address):
        w.mp.setSigner(actor, sender=actor)


def _mp_deregister(w: World, actor: Any) -> None:
    with ape.reverts(w.mp.ProviderNotRegistered, account=actor.address):
        w.mp.deregister(sender=actor)


def _mp_post_bid(w: World, actor: Any) -> None:
    with ape.reverts(w.mp.ProviderNotRegistered, account=actor.address):
        w.mp.postBid(w.model, PRICE, sender=actor)


def _mp_delete_bid(w: World, actor: Any) -> None:
    with ape.reverts(w.mp.NotBidProvider, bidId=w.bid, caller=actor.address):
        w.mp.deleteBid(w.bid, sender=actor)


def _mp_close_model(w: World, actor: Any) -> None:
    # Only the model registry closes a model's market; governance is no exception.
    with ape.reverts(w.mp.NotModelRegistry, caller=actor.address):
        w.mp.closeModel(w.model, sender=actor)


def _mp_reopen_model(w: World, actor: Any) -> None:
    # Only the model registry reopens a model's market, when its name is registered again.
    with ape.reverts(w.mp.NotModelRegistry, caller=actor.address):
        w.mp.reopenModel(w.model, sender=actor)


def _mp_multicall(w: World, actor: Any) -> None:
    calls = [w.mp.deleteBid.encode_input(w.bid), w.mp.withdrawFees.encode_input(actor, w.mp.totalStake())]
    with ape.reverts(w.mp.NotBidProvider, bidId=w.bid, caller=actor.address):
        w.mp.multicall(calls, sender=actor)


def _mp_withdraw_fees(w: World, actor: Any) -> None:
    if actor == w.owner:
        requested = FEE + PROVIDER_STAKE
        with ape.reverts(w.mp.InsufficientFees, balance=FEE, requested=requested):
            w.mp.withdrawFees(actor, requested, sender=actor)
        balance = w.mor.balanceOf(actor)
        w.mp.withdrawFees(actor, FEE, sender=actor)
        assert w.mor.balanceOf(actor) == balance + FEE  # the fees, and nothing else
        assert w.mp.feeBalance() == 0
    else:
        _governed(w, actor, w.mp, lambda: w.mp.withdrawFees(actor, FEE, sender=actor))


def _pause(w: World, actor: Any, contract: Any) -> None:
    """Governance (or the guardian) pauses; anyone else's pause reverts with NotPauser."""
    if actor == w.owner:
        contract.pause(sender=actor)
    else:
        with ape.reverts(contract.NotPauser, account=actor.address):
            contract.pause(sender=actor)


def _pause_then_unpause(w: World, actor: Any, contract: Any) -> None:
    if actor == w.owner:
        contract.pause(sender=actor)
    _governed(w, actor, contract, lambda: contract.unpause(sender=actor))


def _accept_ownership(w: World, actor: Any, contract: Any) -> None:
    if actor == w.owner:
        contract.transferOwnership(actor, sender=actor)
    _governed(w, actor, contract, lambda: contract.acceptOwnership(sender=actor))


def _no_surplus(contract: Any, actor: Any) -> None:
    # Anyone may sweep a surplus; with none, stakes are never taken for one.
    with ape.reverts(contract.NoSurplus):
        contract.sweepSurplus(sender=actor)


def _mr_register_model(w: World, actor: Any) -> None:
    # Anyone may register a model; with no stake the registry's totals cannot move.
    w.mr.registerModel("evil", b"\x66" * 32, [], 0, sender=actor)


def _mr_update_model(w: World, actor: Any) -> None:
    with ape.reverts(w.mr.NotModelOwner, modelId=w.model, caller=actor.address):
        w.mr.updateModel(w.model, b"\x66" * 32, [], sender=actor)


def _mr_deregister_model(w: World, actor: Any) -> None:
    with ape.reverts(w.mr.NotModelOwner, modelId=w.model, caller=actor.address):
        w.mr.deregisterModel(w.model, sender=actor)


MARKETPLACE_CASES: dict[str, Callable[[World, Any], None]] = {
    "register": _mp_register,
    "addStake": _mp_add_stake,
    "setSigner": _mp_set_signer,
    "deregister": _mp_deregister,
    "postBid": _mp_post_bid,
    "deleteBid": _mp_delete_bid,
    "multicall": _mp_multicall,
    "closeModel": _mp_close_model,
    "reopenModel": _mp_reopen_model,
    "withdrawFees": _mp_withdraw_fees,
    "setWhitelisted": lambda w, a: _governed(w, a, w.mp, lambda: w.mp.setWhitelisted(w.provider, False, sender=a)),
    "disableWhitelist": lambda w, a: _governed(w, a, w.mp, lambda: w.mp.disableWhitelist(sender=a)),
    "setMinProviderStake": lambda w, a: _governed(
        w, a, w.mp, lambda: w.mp.setMinProviderStake(w.mp.MAX_MIN_PROVIDER_STAKE(), sender=a)
    ),
    "setPriceBounds": lambda w, a: _governed(
        w, a, w.mp, lambda: w.mp.setPriceBounds(w.mp.MIN_PRICE_CEILING(), w.mp.PRICE_CEILING(), sender=a)
    ),
    "setBidFee": lambda w, a: _governed(w, a, w.mp, lambda: w.mp.setBidFee(w.mp.MAX_BID_FEE(), sender=a)),
    "setGuardian": lambda w, a: _governed(w, a, w.mp, lambda: w.mp.setGuardian(a, sender=a)),
    "pause": lambda w, a: _pause(w, a, w.mp),
    "unpause": lambda w, a: _pause_then_unpause(w, a, w.mp),
    "transferOwnership": lambda w, a: _governed(w, a, w.mp, lambda: w.mp.transferOwnership(a, sender=a)),
    "acceptOwnership": lambda w, a: _accept_ownership(w, a, w.mp),
    "sweepSurplus": lambda w, a: _no_surplus(w.mp, a),
}

REGISTRY_CASES: dict[str, Callable[[World, Any], None]] = {
    "registerModel": _mr_register_model,
    "updateModel": _mr_update_model,
    "deregisterModel": _mr_deregister_model,
    "setMinModelStake": lambda w, a: _governed(
        w, a, w.mr, lambda: w.mr.setMinModelStake(w.mr.MAX_MIN_MODEL_STAKE(), sender=a)
    ),
    "setGuardian": lambda w, a: _governed(w, a, w.mr, lambda: w.mr.setGuardian(a, sender=a)),
    "pause": lambda w, a: _pause(w, a, w.mr),
    "unpause": lambda w, a: _pause_then_unpause(w, a, w.mr),
    "transferOwnership": lambda w, a: _governed(w, a, w.mr, lambda: w.mr.transferOwnership(a, sender=a)),
    "acceptOwnership": lambda w, a: _accept_ownership(w, a, w.mr),
    "sweepSurplus": lambda w, a: _no_surplus(w.mr, a),
}

CASES = [("Marketplace", name, case) for name, case in MARKETPLACE_CASES.items()] + [
    ("ModelRegistry", name, case) for name, case in REGISTRY_CASES.items()
]


def _everyone_exits(w: World) -> None:
    """Each staker deletes its bids and withdraws; each gets back exactly its whole stake."""
    for provider, bid, stake in ((w.provider, w.bid, PROVIDER_STAKE), (w.provider2, w.bid2, PROVIDER2_STAKE)):
        w.mp.deleteBid(bid, sender=provider)
        balance = w.mor.balanceOf(provider)
        tx = w.mp.deregister(sender=provider)
        assert [log.event_arguments["stakeReturned"] for log in tx.decode_logs(w.mp.ProviderDeregistered)] == [stake]
        assert w.mor.balanceOf(provider) == balance + stake
    balance = w.mor.balanceOf(w.model_owner)
    tx = w.mr.deregisterModel(w.model, sender=w.model_owner)
    assert [log.event_arguments["stakeReturned"] for log in tx.decode_logs(w.mr.ModelDeregistered)] == [MODEL_STAKE]
    assert w.mor.balanceOf(w.model_owner) == balance + MODEL_STAKE
    assert w.mp.totalStake() == 0
    assert w.mr.totalStake() == 0


@pytest.mark.parametrize("who", ["governance", "stranger"])
@pytest.mark.parametrize(("contract", "function", "case"), CASES, ids=[f"{c}.{f}" for c, f, _ in CASES])
def test_any_function__by_governance_or_a_stranger__moves_no_stake_and_every_staker_still_exits_whole(
    protocol, world, owner, stranger, who, contract, function, case
):
    actor = owner if who == "governance" else stranger
    before = world.stakes()

    case(world, actor)

    assert world.stakes() == before
    check_conservation(protocol)
    _everyone_exits(world)
    check_conservation(protocol)


def test_cases__cover_every_state_changing_function_of_both_contracts(marketplace, model_registry):
    assert {m.name for m in marketplace.contract_type.mutable_methods} == set(MARKETPLACE_CASES)
    assert {m.name for m in model_registry.contract_type.mutable_methods} == set(REGISTRY_CASES)


def test_hostile_governance__every_lever_at_once__moves_no_stake_and_every_staker_still_exits_whole(
    protocol, world, owner, stranger
):
    before = world.stakes()
    mp, mr = world.mp, world.mr

    mp.setWhitelisted(world.provider, False, sender=owner)
    mp.disableWhitelist(sender=owner)
    mp.setMinProviderStake(mp.MAX_MIN_PROVIDER_STAKE(), sender=owner)
    mp.setPriceBounds(mp.MIN_PRICE_CEILING(), mp.PRICE_CEILING(), sender=owner)
    mp.setBidFee(mp.MAX_BID_FEE(), sender=owner)
    mp.withdrawFees(owner, FEE, sender=owner)
    mr.setMinModelStake(mr.MAX_MIN_MODEL_STAKE(), sender=owner)
    mp.setGuardian(stranger, sender=owner)
    mr.setGuardian(stranger, sender=owner)
    mp.pause(sender=stranger)  # the guardian's pause
    mr.pause(sender=owner)
    for contract in (mp, mr):
        contract.transferOwnership(stranger, sender=owner)
        contract.acceptOwnership(sender=stranger)
        with ape.reverts(contract.OwnershipCannotBeRenounced):
            contract.renounceOwnership(sender=stranger)

    assert world.stakes() == before
    assert mp.owner() == mr.owner() == stranger.address
    # Bids stay active even though their provider's stake is now below the minimum.
    assert mp.activeBid(world.bid).pricePerSecond == PRICE
    assert mp.paused() and mr.paused()  # a pause stops no exit
    check_conservation(protocol)
    _everyone_exits(world)
    check_conservation(protocol)
