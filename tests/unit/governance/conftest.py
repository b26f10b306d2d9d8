"""Fixtures of the GovernanceTimelock's unit tests: a governance account, a timelock deployed
directly (its constructor called by the test, not through mor_market), one that owns the
session's Marketplace, and scheduling at an exact timestamp so every ready time is known."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from ape import accounts, chain
from eth_abi import encode
from eth_utils import keccak

from mor_market.constants import DAY
from mor_market.deploy import create_address

ZERO32 = b"\x00" * 32
GRACE = 14 * DAY  # GovernanceTimelock.GRACE_PERIOD, written again
# OpenZeppelin's TimelockController.OperationState
UNSET, WAITING, READY, DONE = 0, 1, 2, 3


def fresh_account() -> Any:
    """A new account with gas and nothing else: no MOR, no role anywhere."""
    account = accounts.test_accounts.generate_test_account()
    account.balance = 10**20
    return account


@pytest.fixture
def governance() -> Any:
    """The timelock's proposer and executor: a fresh account with gas, holding no other role."""
    return fresh_account()


@pytest.fixture
def deploy_timelock(project, owner, governance) -> Callable[..., Any]:
    """GovernanceTimelock(delay, floor, [governance], [governance], owned), deployed by `owner`."""

    def _deploy(delay: int, floor: int, owned: tuple[Any, ...] = ()) -> Any:
        return project.GovernanceTimelock.deploy(
            delay, floor, [governance], [governance], [c.address for c in owned], sender=owner
        )

    return _deploy


@pytest.fixture
def owning_timelock(protocol, owner, deploy_timelock) -> Callable[[int, int], Any]:
    """A timelock that owns the session's Marketplace: the marketplace offers its ownership to the
    owner's next CREATE address, and the timelock created there accepts it in its constructor."""

    def _deploy(delay: int, floor: int) -> Any:
        marketplace = protocol.marketplace
        future = create_address(owner.address, owner.nonce + 1)  # after the offer itself
        marketplace.transferOwnership(future, sender=owner)
        timelock = deploy_timelock(delay, floor, (marketplace,))
        assert timelock.address == future
        return timelock

    return _deploy


@dataclass(frozen=True)
class Scheduled:
    """One scheduled call: what execute needs, its id and its ready time."""

    id: bytes
    target: str
    data: bytes
    salt: bytes
    ready_at: int

    def execute(self, timelock: Any, sender: Any) -> Any:
        return timelock.execute(self.target, 0, self.data, ZERO32, self.salt, sender=sender)


def schedule_at(timelock: Any, proposer: Any, at: int, target: Any, data: bytes, salt: bytes) -> Scheduled:
    """Schedules `target` called with `data`, at exactly `at`, with the timelock's own delay."""
    delay = timelock.getMinDelay()
    chain.pending_timestamp = at
    tx = timelock.schedule(target.address, 0, data, ZERO32, salt, delay, sender=proposer)
    assert tx.timestamp == at
    operation_id = bytes(tx.decode_logs(timelock.CallScheduled)[0].id)
    assert timelock.getTimestamp(operation_id) == at + delay
    return Scheduled(operation_id, str(target.address), bytes(data), salt, at + delay)


def error_data(signature: str, *values: Any) -> bytes:
    """The ABI-encoded custom error `signature` (e.g. "E(uint256,address)") with `values`."""
    types = signature[signature.index("(") + 1 : -1]
    return keccak(text=signature)[:4] + encode([t for t in types.split(",") if t], list(values))


def revert_data(error: Exception) -> bytes:
    """The raw revert data of a failed deployment. Ape decodes a contract's custom errors for
    its calls but not for a deployment, and `ape.reverts(Error, ...)` then checks nothing: a
    constructor's revert is compared byte for byte instead."""
    message = getattr(error, "message", "")
    assert isinstance(message, str) and message.startswith("0x"), f"no revert data in {error!r}"
    return bytes.fromhex(message[2:])
