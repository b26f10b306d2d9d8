"""The protocol as a state machine: every protocol action is a rule that runs on the real
contracts and on the reference model (tests/properties/model.py), and every PROTOCOL.md promise
is an invariant checked after every step.

Each rule has four parts:
  1. preconditions: when the action makes sense (invalid inputs are generated on purpose);
  2. the call: one transaction on the local fork;
  3. model effects: the same action on the model;
  4. justify the failure: a revert must be exactly the custom error (name and arguments) the
     model predicts; any other revert, or a success the model did not predict, fails the run.

The chain is reset between examples with snapshots; the example starts from a baseline market
(models, providers, bids, a funded pool, a few sessions) built through the same checked actions.
At the end of each example every event the contracts emitted is replayed into a second,
event-driven model, which must give the same ledgers as the contracts' views.

The mix (issue #20): the machine must explore the paths where MOR leaves, not only the reverts.
The baseline therefore ends with a backlog (whale stipend sessions run and closed day after day
until alice and bob are owed BACKLOG_BUDGETS days' budgets; the last day's whales stay open across
the next midnight and every whale holds part of its stake until tomorrow), and rules weight the
money paths: claims by anyone, by the provider itself and for every provider owed; whales staking
most of their MOR on the dearest bids; time landing just before or just after midnight; forgotten
sessions closed days after their end by someone else; holds withdrawn or applied at the next
open; governance at the edges of every hard bound (and one past them) and any value inside them;
a guardian's pauses and refused acts; timelocked changes executed in time or after they expired;
the provider's second wallets (the ERC-1271 wallet and bob's signer); sybil consumers; a griefer
who front-runs permits, sends and sweeps dust and tries to close others' sessions. The run prints
the mix and, for the ci and deep profiles, fails naming every path it missed (the MIN_* constants
below): claims at least 5% of all transactions, the day's budget used up in at least a fifth of
the examples, sessions crossing midnight and closed days late, holds released by each of
withdrawHeld, the next open and a later close, and every attacker acting.

Layout: this file assembles the machine and runs it; its rules live by family beside it
(rules_market: token, providers, models, bids; rules_pool: the pool and its money paths;
rules_sessions; rules_verdicts: the consumer's late verdict and renting by the second;
rules_governance: governance, the guardian and time; rules_timelock: announced changes that
expire), its invariants in invariants.py, its plumbing and the baseline market in machine.py,
its actors, views and strategies in world.py, and the reference model and the event replay in
model.py.

Profiles: PROPERTY_PROFILE=ci (default, >= 2,000 steps, about 5 minutes on 2 cores), deep
(90,000 steps), or smoke (60 steps, to try a change; the mix is printed, not enforced).
PROPERTY_SEED=<n> replays a seed (the seed is printed at the start and on failure).
"""

from __future__ import annotations

import os
import random
import time
from typing import Any

from ape import chain
from ape.exceptions import ContractLogicError, TransactionError
from ape_ethereum.trace import Trace
from ape_foundry.provider import FoundryProvider
from eth_abi import encode
from eth_utils import keccak
from hypothesis import HealthCheck, seed, settings
from hypothesis.stateful import run_state_machine_as_test

from mor_market.constants import MOR
from mor_market.deploy import create_address
from tests.properties.invariants import Invariants
from tests.properties.machine import MachineBase
from tests.properties.rules_governance import GovernanceRules
from tests.properties.rules_market import MarketRules
from tests.properties.rules_pool import PoolRules
from tests.properties.rules_sessions import SessionRules
from tests.properties.rules_timelock import TimelockRules
from tests.properties.rules_verdicts import VerdictRules
from tests.properties.world import (
    ATTACKERS,
    DAYS_LATE,
    GOVERNANCE,
    HOLD_PATHS,
    MIN_ATTACKER_ACTIONS,
    MIN_BUDGET_EXHAUSTED_SHARE,
    MIN_CLAIM_SHARE,
    MIN_DAYS_LATE_CLOSES,
    MIN_HOLDS_RELEASED,
    MIN_MIDNIGHT_CROSSINGS,
    MIN_SUCCESSFUL_CLAIMS,
    MIX_ENFORCED_PROFILES,
    TEST_ACCOUNT_INDEX,
    TIMELOCK_DELAY,
    TIMELOCK_FLOOR,
    WALLET_OWNER,
    Actor,
    Rpc,
    World,
    register_errors,
    register_events,
)

# ---------------------------------------------------------------------------- settings

_COMMON = {
    "deadline": None,
    "suppress_health_check": list(HealthCheck),
    "print_blob": True,
    "derandomize": False,
}
PROFILES: dict[str, settings] = {
    # about 2,000-2,400 steps: 52 examples of up to 50 steps (Hypothesis ends some early)
    "ci": settings(max_examples=52, stateful_step_count=50, **_COMMON),
    "deep": settings(max_examples=600, stateful_step_count=150, **_COMMON),
    "smoke": settings(max_examples=3, stateful_step_count=20, **_COMMON),
}


# ---------------------------------------------------------------------------- the machine


class ProtocolStateMachine(
    MarketRules, PoolRules, SessionRules, VerdictRules, GovernanceRules, TimelockRules, Invariants, MachineBase
):
    """Drives the real contracts and the reference model side by side. Its rules and invariants live
    by family in tests/properties/: rules_market (catalog), rules_pool (the pool and its money
    paths), rules_sessions, rules_verdicts, rules_governance (the guardian, and time),
    rules_timelock (announced changes), invariants; machine holds the plumbing and the baseline,
    world the actors, views and strategies."""


# ---------------------------------------------------------------------------- the test


def _revert_without_call_trace(
    self: Any, exception: Exception, revert_message: str | None = None, **kwargs: Any
) -> Any:
    """FoundryProvider's revert handling without fetching, parsing and printing the call trace of
    every revert: a run has thousands of expected reverts, and Ape parses the whole trace to find
    the contract of an error raised below the called one (0.7 s each). The revert data is kept
    as the message and decoded exactly by `error_of` against every contract's ABI."""
    message = TransactionError.DEFAULT_MESSAGE if revert_message in (None, "", "0x") else revert_message
    message = message[8:] if message.startswith("revert: ") else message
    return ContractLogicError(base_err=exception, revert_message=message, set_ape_traceback=False)


def _permit_name(mor: Any) -> str | None:
    """The name in MOR's EIP-712 domain if it takes EIP-2612 permits (the test MOR does; a fork's
    real MOR may not): the permit rule runs only then."""
    try:
        name = mor.name()
        separator = bytes(mor.DOMAIN_SEPARATOR())
    except Exception:
        return None
    domain_type = keccak(text="EIP712Domain(string name,string version,uint256 chainId,address verifyingContract)")
    expected = keccak(
        encode(
            ["bytes32", "bytes32", "bytes32", "uint256", "address"],
            [domain_type, keccak(text=name), keccak(text="1"), chain.chain_id, str(mor.address)],
        )
    )
    return name if separator == expected else None


def _separate_timelock(project: Any, protocol: Any, governance: Any) -> tuple[Any, Any]:
    """A GovernanceTimelock (governance proposes and executes) that owns a side ModelRegistry and
    nothing the other rules drive (rules_timelock.py says why): the registry offers its ownership
    to the timelock's future address, whose constructor accepts it."""
    side = project.ModelRegistry.deploy(
        protocol.mor, protocol.marketplace, protocol.pool, governance.address, sender=governance
    )
    future = create_address(governance.address, governance.nonce + 1)
    side.transferOwnership(future, sender=governance)
    timelock = project.GovernanceTimelock.deploy(
        TIMELOCK_DELAY, TIMELOCK_FLOOR, [governance.address], [governance.address], [side.address], sender=governance
    )
    assert str(timelock.address) == future and side.owner() == future
    return timelock, side


def test_protocol_state_machine(protocol, mor, give_mor, project, accounts, monkeypatch) -> None:
    """Every PROTOCOL.md promise holds after every step of random protocol histories."""
    monkeypatch.setattr(FoundryProvider, "_handle_execution_reverted", _revert_without_call_trace)
    monkeypatch.setattr(Trace, "show", lambda self, *args, **kwargs: None)
    from ape import accounts as ape_accounts

    actors: dict[str, Actor] = {
        name: Actor(name, accounts[i].address, accounts[i]) for name, i in TEST_ACCOUNT_INDEX.items()
    }
    for name in ("erin", WALLET_OWNER):
        account = ape_accounts.test_accounts.generate_test_account()
        chain.provider.set_balance(account.address, 10**21)
        actors[name] = Actor(name, account.address, account)
    wallet = project.ProviderWallet.deploy(actors[WALLET_OWNER].address, sender=accounts[0])
    actors["wallet"] = Actor("wallet", str(wallet.address), actors[WALLET_OWNER].account, is_wallet=True)
    for name, amount in (("erin", 1_000_000 * MOR), ("wallet", 10_000 * MOR)):
        give_mor(actors[name].address, amount)
    timelock, side_registry = _separate_timelock(project, protocol, actors[GOVERNANCE].account)
    register_events(protocol.marketplace, protocol.model_registry, protocol.pool, protocol.router)
    register_errors(
        *(
            getattr(project, name).contract_type
            for name in (
                "Marketplace",
                "ModelRegistry",
                "ComputePool",
                "SessionRouter",
                "TestMOR",
                "ProviderWallet",
                "GovernanceTimelock",
            )
        )
    )
    world = World(
        mor=mor,
        marketplace=protocol.marketplace,
        model_registry=protocol.model_registry,
        pool=protocol.pool,
        router=protocol.router,
        wallet=wallet,
        timelock=timelock,
        side_registry=side_registry,
        actors=actors,
        rpc=Rpc(chain.provider.http_uri),
        start_block=chain.blocks.head.number,
        permit_name=_permit_name(mor),
    )
    ProtocolStateMachine(world).bootstrap()

    profile_name = os.environ.get("PROPERTY_PROFILE", "ci")
    profile = PROFILES[profile_name]
    seed_value = int(os.environ.get("PROPERTY_SEED") or random.SystemRandom().getrandbits(32))
    print(f"\nproperties: profile {profile_name}, seed {seed_value} (rerun: PROPERTY_SEED={seed_value})")

    @seed(seed_value)
    def factory() -> ProtocolStateMachine:
        return ProtocolStateMachine(world)

    started = time.perf_counter()
    try:
        run_state_machine_as_test(factory, settings=profile)
    except BaseException:
        print(f"\nproperties FAILED with seed {seed_value}: rerun with PROPERTY_SEED={seed_value}")
        raise
    finally:
        elapsed = time.perf_counter() - started
        steps = world.invariant_checks - world.examples  # invariants also run once before the first step
        rate = steps / elapsed if elapsed else 0.0
        print(
            f"\nproperties: {steps} steps in {world.examples} examples, {elapsed:.0f} s, {rate:.1f} steps/s, "
            f"{world.transactions} transactions"
        )
        print("properties: seconds in " + ", ".join(f"{k} {v:.0f}" for k, v in world.seconds.items()))
        print(
            "properties: transactions by function: " + ", ".join(f"{k} {n}" for k, n in world.rule_counts.most_common())
        )
        print("properties: reverts by error: " + ", ".join(f"{k} {n}" for k, n in sorted(world.revert_counts.items())))
        print(f"properties: stipend sessions checked against the fair share (promise 3): {world.fair_share_checks}")
        print("properties: closes and attacks: " + ", ".join(f"{k} {n}" for k, n in sorted(world.close_kinds.items())))
        print("properties: late verdicts: " + ", ".join(f"{k} {n}" for k, n in sorted(world.verdict_kinds.items())))
        for line in _mix_report(world):
            print("properties: " + line)
    if profile_name in MIX_ENFORCED_PROFILES:
        missing = _mix_shortfalls(world)
        assert not missing, "the run missed the money paths it must explore (issue #20):\n  " + "\n  ".join(missing)


def _mix_report(world: World) -> list[str]:
    claims = world.rule_counts["claim"]
    share = claims / world.transactions if world.transactions else 0.0
    return [
        f"claims {claims} of {world.transactions} transactions ({share:.1%}): "
        + ", ".join(f"{k} {n}" for k, n in sorted(world.claim_outcomes.items())),
        f"day budget used up in {world.budget_exhausted_examples} of {world.examples} examples",
        f"sessions that ran across midnight {world.midnight_crossings}, "
        f"closed {DAYS_LATE}+ days late by someone else {world.days_late_closes}",
        "holds released by " + ", ".join(f"{path} {world.holds_released[path]}" for path in HOLD_PATHS),
        "attacker actions: " + ", ".join(f"{actor} {world.attackers[actor]}" for actor in ATTACKERS),
        "v3 attacks (reported, not enforced): "
        + ", ".join(f"{actor} {world.attackers[actor]}" for actor in ("renter", "model reset")),
        "guardian and timelock (reported, not enforced): "
        + ", ".join(f"{k} {n}" for k, n in sorted(world.governance_kinds.items())),
    ]


def _mix_shortfalls(world: World) -> list[str]:
    """Every required path and share of the mix that the run missed, in words."""
    missing = []
    claims = world.rule_counts["claim"]
    if claims < MIN_CLAIM_SHARE * world.transactions:
        missing.append(f"claims are {claims} of {world.transactions} transactions, below {MIN_CLAIM_SHARE:.0%}")
    successful = world.claim_outcomes["paid in full"] + world.claim_outcomes["paid less than owed (budget ran out)"]
    if successful < MIN_SUCCESSFUL_CLAIMS:
        missing.append(f"only {successful} claims paid anything (at least {MIN_SUCCESSFUL_CLAIMS})")
    if world.budget_exhausted_examples < MIN_BUDGET_EXHAUSTED_SHARE * world.examples:
        missing.append(
            f"the day's budget ran out in {world.budget_exhausted_examples} of {world.examples} examples, "
            f"below {MIN_BUDGET_EXHAUSTED_SHARE:.0%}"
        )
    if world.midnight_crossings < MIN_MIDNIGHT_CROSSINGS:
        missing.append(
            f"{world.midnight_crossings} sessions crossed midnight while open (at least {MIN_MIDNIGHT_CROSSINGS})"
        )
    if world.days_late_closes < MIN_DAYS_LATE_CLOSES:
        missing.append(
            f"{world.days_late_closes} sessions were closed {DAYS_LATE}+ days late by someone else "
            f"(at least {MIN_DAYS_LATE_CLOSES})"
        )
    for path in HOLD_PATHS:
        if world.holds_released[path] < MIN_HOLDS_RELEASED:
            missing.append(f"holds released by {path}: {world.holds_released[path]} (at least {MIN_HOLDS_RELEASED})")
    for actor in ATTACKERS:
        if world.attackers[actor] < MIN_ATTACKER_ACTIONS:
            missing.append(f"attacker '{actor}' acted {world.attackers[actor]} times (at least {MIN_ATTACKER_ACTIONS})")
    return missing
