"""The slow emergency pause, found by the v2 review (issue 27): with a timelock as owner, an
emergency pause had to wait out the whole delay like any change; the review's was refused at
+86,399 s and applied at +86,400 s.

v3 (PROTOCOL §7, "Pause"): governance may name a guardian on each pausable contract (through the
timelock); the guardian pauses at once and can do nothing else. Played again on a timelock with a
one-day delay: the timelock's pause still waits the day, the guardian's applies at +0 s on all
three contracts, the guardian's every other call fares exactly as an outsider's, and once governance
revokes it the guardian cannot pause either.
"""

from __future__ import annotations

import re
from typing import Any

import ape
import pytest
from ape import chain
from eth_utils import keccak

from mor_market import governance as gov
from mor_market.constants import DAY
from mor_market.deploy import ZERO_ADDRESS, pausable


def expected_states(*states: str) -> bytes:
    """TimelockController's bitmap of the states an operation was expected in (bytes32)."""
    return sum(1 << gov.STATES.index(state) for state in states).to_bytes(32, "big")


@pytest.fixture
def guardian(protocol, owner, wallets) -> Any:
    """A fresh account, the guardian of every pausable contract (set before the timelock takes
    over, as the deployment's configuration does)."""
    account = wallets(1, 0)[0]
    for contract in pausable(protocol).values():
        contract.setGuardian(account, sender=owner)
    return account


@pytest.fixture
def timelock(guardian, request) -> Any:
    """The one-day timelock, installed once the guardian is in place."""
    return request.getfixturevalue("day_timelock")


def test_emergency_pause__through_the_timelock__is_refused_at_86399_s_and_applies_at_86400_s(
    timelock, router, stranger
):
    operation = gov.schedule(timelock, stranger, router, "pause")
    decided = timelock.getTimestamp(operation.id) - timelock.getMinDelay()

    chain.pending_timestamp = decided + DAY - 1
    with ape.reverts(
        timelock.TimelockUnexpectedOperationState, operationId=operation.id, expectedStates=expected_states("ready")
    ):
        gov.execute(timelock, stranger, operation)
    assert not router.paused()
    chain.pending_timestamp = decided + DAY
    applied = gov.execute(timelock, stranger, operation)

    assert router.paused()
    print(f"\npause through the timelock: refused at +{DAY - 1:,} s, applied at +{applied.timestamp - decided:,} s")


def test_emergency_pause__by_the_guardian__applies_at_plus_0_s_on_every_pausable_contract(
    protocol, timelock, guardian, marketplace, stranger
):
    decided = chain.pending_timestamp + 5
    delay = timelock.getMinDelay()
    applied = {}
    for name, contract in pausable(protocol).items():
        chain.pending_timestamp = decided
        tx = contract.pause(sender=guardian)
        [paused] = tx.decode_logs(contract.Paused)
        assert (paused.until, tx.timestamp) == (decided + contract.MAX_PAUSE(), decided)
        applied[name] = tx.timestamp - decided

    assert all(contract.paused() for contract in pausable(protocol).values())
    with ape.reverts(marketplace.EnforcedPause, until=decided + marketplace.MAX_PAUSE()):
        marketplace.register("gpu.example.org:3333", 0, sender=stranger)
    assert applied == dict.fromkeys(pausable(protocol), 0)
    print(f"\nv2 (timelock only): pause applied at +{delay:,} s\nv3 guardian: applied at {applied}")


def _argument(kind: str) -> Any:
    """A plain value of an ABI type, for calls whose outcome only the caller decides."""
    if kind.endswith("]"):
        return []
    if kind.startswith(("uint", "int")):
        return 1
    return {"address": ZERO_ADDRESS, "bool": True, "bytes32": b"\0" * 32, "bytes": b"", "string": "x"}[kind]


def _outcome(contract: Any, abi: Any, caller: Any) -> str:
    """The result of calling `abi` on `contract` as `caller` (eth_call): "ok", or the revert as
    `ErrorName:<arguments hex>` with the caller's own address written as `caller`, so that two
    callers' outcomes compare."""
    arguments = [_argument(item.type) for item in abi.inputs]
    try:
        getattr(contract, abi.name).call(*arguments, sender=caller)
    except ape.exceptions.ContractLogicError as err:
        text = str(err).lower().replace(caller.address[2:].lower(), "caller")
        custom = re.search(r"custom error (0x[0-9a-f]{8}):?\s*([0-9a-z]*)", text)
        if custom is None:
            return f"{type(err).__name__}: {text}"
        names = {"0x" + keccak(text=e.selector)[:4].hex(): e.name for e in contract.contract_type.errors}
        return f"{names.get(custom.group(1), custom.group(1))}:{custom.group(2)}"
    return "ok"


def test_guardian__every_call_but_pause__fares_exactly_as_an_outsiders(protocol, timelock, guardian, wallets):
    outsider = wallets(1, 0)[0]  # no role anywhere (`stranger` is governance here)
    contracts = {**pausable(protocol), "GovernanceTimelock": timelock}
    checked, different, refused = 0, {}, set()
    for name, contract in contracts.items():
        for abi in contract.contract_type.mutable_methods:
            as_guardian, as_outsider = _outcome(contract, abi, guardian), _outcome(contract, abi, outsider)
            checked += 1
            if as_guardian != as_outsider:
                different[f"{name}.{abi.name}"] = (as_guardian, as_outsider)
            if as_guardian.startswith(("OwnableUnauthorizedAccount", "AccessControlUnauthorizedAccount")):
                refused.add(f"{name}.{abi.name}")

    not_a_pauser = "NotPauser:" + "0" * 24 + "caller"
    assert different == {f"{name}.pause": ("ok", not_a_pauser) for name in pausable(protocol)}
    for name in pausable(protocol):
        assert {f"{name}.{f}" for f in ("unpause", "setGuardian", "transferOwnership", "acceptOwnership")} <= refused
    assert {"SessionRouter.setDurationBounds", "Marketplace.setWhitelisted", "GovernanceTimelock.schedule"} <= refused
    for role in gov.ROLES.values():
        assert not timelock.hasRole(role, guardian)
    print(f"\n{checked} functions called as the guardian and as an outsider: only pause() differs ({len(different)})")


def test_guardian__pause_bundled_with_a_governance_call__reverts_and_pauses_nothing(marketplace, timelock, guardian):
    calls = [marketplace.pause.encode_input(), marketplace.setWhitelisted.encode_input(guardian, True)]
    with ape.reverts(marketplace.OwnableUnauthorizedAccount, account=guardian.address):
        marketplace.multicall(calls, sender=guardian)
    assert not marketplace.paused()
    assert not marketplace.isWhitelisted(guardian)


def test_guardian__revoked_through_the_timelock__can_no_longer_pause(timelock, router, guardian, stranger):
    operation = gov.schedule(timelock, stranger, router, "setGuardian", ZERO_ADDRESS)
    chain.pending_timestamp = timelock.getTimestamp(operation.id)
    tx = gov.execute(timelock, stranger, operation)
    [revoked] = tx.decode_logs(router.GuardianSet)
    assert (revoked.previous, revoked.guardian) == (guardian.address, ZERO_ADDRESS)

    with ape.reverts(router.NotPauser, account=guardian.address):
        router.pause(sender=guardian)
    assert not router.paused()
