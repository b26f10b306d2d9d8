"""Governance through the timelock (PROTOCOL.md §7, "Announced changes").

On a deployment made by `ape run deploy`, the owner of every protocol contract is a
`GovernanceTimelock` (OpenZeppelin's TimelockController). A change is scheduled by governance (the
timelock's proposer), is public on-chain for at least the timelock's delay, and is then executed.
This module installs the timelock at deployment, verifies it, and schedules, lists and executes
operations; `ape run governance` and the main job use it.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from eth_utils import keccak

ZERO32 = b"\x00" * 32
PROPOSER_ROLE = keccak(text="PROPOSER_ROLE")
EXECUTOR_ROLE = keccak(text="EXECUTOR_ROLE")
CANCELLER_ROLE = keccak(text="CANCELLER_ROLE")
ADMIN_ROLE = ZERO32  # DEFAULT_ADMIN_ROLE
ROLES = {"proposer": PROPOSER_ROLE, "executor": EXECUTOR_ROLE, "canceller": CANCELLER_ROLE, "admin": ADMIN_ROLE}
PUBLIC_MIN_DELAY = 86_400  # at least a day on a public network
# OpenZeppelin's OperationState enum; GovernanceTimelock reads an expired operation as unset
STATES = ("unset", "waiting", "ready", "done")
GRACE_PERIOD = 14 * 86_400  # GovernanceTimelock.GRACE_PERIOD: a ready operation expires after it


def governed(protocol: Any) -> dict[str, Any]:
    """The contracts governance owns, by their contract names (the compute pool has no owner)."""
    return {
        "ModelRegistry": protocol.model_registry,
        "Marketplace": protocol.marketplace,
        "SessionRouter": protocol.router,
    }


def delay_floor(public: bool) -> int:
    """The timelock's on-chain delay floor: a day on a public network, none on a local one."""
    return PUBLIC_MIN_DELAY if public else 0


def timelock_arguments(protocol: Any, governance: str, delay: int, floor: int) -> list[Any]:
    """GovernanceTimelock's constructor arguments: `governance` proposes, executes and cancels,
    nobody administers, and the timelock accepts the ownership every governed contract offered."""
    return [delay, floor, [governance], [governance], [str(c.address) for c in governed(protocol).values()]]


def install_timelock(
    project: Any, protocol: Any, deployer: Any, governance: str, delay: int, floor: int = 0, **tx: Any
) -> Any:
    """Put a GovernanceTimelock with `delay` (never below `floor`) in front of every contract,
    `governance` as its proposer, executor and canceller, and leave the deployer with no power.

    Every contract first offers its ownership to the timelock's address (the deployer's next
    CREATE address once those offers are sent); the timelock accepts them in its constructor, so
    it governs from its first block, with its real delay and no admin."""
    from mor_market.deploy import create_address

    contracts = list(governed(protocol).values())
    future = create_address(deployer.address, deployer.nonce + len(contracts))
    for contract in contracts:
        contract.transferOwnership(future, sender=deployer, **tx)
    timelock = project.GovernanceTimelock.deploy(
        *timelock_arguments(protocol, governance, delay, floor), sender=deployer, **tx
    )
    if str(timelock.address) != future:
        raise RuntimeError(f"the timelock was created at {timelock.address}, not at {future}")
    return timelock


def verify_timelock(
    protocol: Any, timelock: Any, governance: str, deployer: str, delay: int, public: bool
) -> list[str]:
    """Every fact of the governance set-up; returns the failures."""
    failures: list[str] = []
    for name, contract in governed(protocol).items():
        if contract.owner() != timelock.address:
            failures.append(f"{name}.owner: {contract.owner()} is not the timelock {timelock.address}")
        if int(contract.pendingOwner(), 16) != 0:
            failures.append(f"{name}.pendingOwner: {contract.pendingOwner()} (none expected)")
    if timelock.getMinDelay() != delay:
        failures.append(f"timelock delay: {timelock.getMinDelay()} s != configured {delay} s")
    if public and timelock.getMinDelay() < PUBLIC_MIN_DELAY:
        failures.append(f"timelock delay: {timelock.getMinDelay()} s, under {PUBLIC_MIN_DELAY} s on a public network")
    if timelock.delayFloor() != delay_floor(public):
        failures.append(f"timelock delay floor: {timelock.delayFloor()} s != {delay_floor(public)} s")
    for role in ("proposer", "executor", "canceller"):
        if not timelock.hasRole(ROLES[role], governance):
            failures.append(f"timelock: governance {governance} is not {role}")
    if not timelock.hasRole(ADMIN_ROLE, timelock.address):
        failures.append("timelock: does not administer its own roles")
    if timelock.hasRole(ADMIN_ROLE, governance) or timelock.hasRole(ADMIN_ROLE, deployer):
        failures.append("timelock: an account holds the admin role (only the timelock itself may)")
    if deployer != governance:
        held = [role for role, value in ROLES.items() if timelock.hasRole(value, deployer)]
        if held:
            failures.append(f"timelock: the deployer still holds {', '.join(held)}")
    return failures


@dataclass(frozen=True)
class Operation:
    """One scheduled call, as its CallScheduled and CallSalt logs tell it."""

    id: bytes
    target: str
    value: int
    data: bytes
    predecessor: bytes
    salt: bytes
    delay: int
    block: int

    def describe(self, protocol: Any, timelock: Any) -> str:
        """`Contract.function(args)` of the call, decoded with the target's ABI."""
        contracts = {str(c.address): (n, c) for n, c in governed(protocol).items()}
        contracts[str(timelock.address)] = ("GovernanceTimelock", timelock)
        name, contract = contracts.get(self.target, (self.target, None))
        if contract is None:
            return f"{name} call 0x{self.data.hex()}"
        selector, decoded = contract.decode_input(self.data)
        method = selector.split("(")[0] if isinstance(selector, str) else getattr(selector, "name", str(selector))
        args = ", ".join(str(v) for v in decoded.values())
        return f"{name}.{method}({args})"


def schedule(timelock: Any, proposer: Any, contract: Any, method: str, *args: Any) -> Operation:
    """Schedule `contract.method(*args)` with the timelock's own delay; returns the operation. The
    salt is the call and the time of scheduling, so the same change can be scheduled again later."""
    from ape import chain

    data = getattr(contract, method).encode_input(*args)
    delay = timelock.getMinDelay()
    salt = keccak(bytes(data) + int(chain.pending_timestamp).to_bytes(32, "big"))
    tx = timelock.schedule(contract.address, 0, data, ZERO32, salt, delay, sender=proposer)
    log = tx.decode_logs(timelock.CallScheduled)[0]
    return Operation(bytes(log.id), str(contract.address), 0, bytes(data), ZERO32, salt, delay, tx.block_number)


def execute(timelock: Any, executor: Any, operation: Operation) -> Any:
    """Execute a ready operation."""
    return timelock.execute(
        operation.target, operation.value, operation.data, operation.predecessor, operation.salt, sender=executor
    )


def govern(timelock: Any, governance: Any, contract: Any, method: str, *args: Any) -> Any:
    """Schedule and, when the delay is zero (a local chain), execute at once: the receipt of the
    execution. With a delay, the operation waits: LookupError with when it will be ready."""
    operation = schedule(timelock, governance, contract, method, *args)
    if operation.delay:
        raise LookupError(f"scheduled {operation.id.hex()}: ready in {operation.delay} s")
    return execute(timelock, governance, operation)


def operations(timelock: Any, from_block: int) -> list[Operation]:
    """Every operation scheduled since `from_block`, oldest first (a batch, the deployment's own,
    is listed by its first call)."""
    from ape import chain

    end = chain.blocks.head.number + 1
    salts = {bytes(log.id): bytes(log.salt) for log in timelock.CallSalt.range(from_block, end)}
    found: dict[bytes, Operation] = {}
    for log in timelock.CallScheduled.range(from_block, end):
        op_id = bytes(log.id)
        if op_id not in found:
            found[op_id] = Operation(
                op_id,
                str(log.target),
                int(log.value),
                bytes(log.data),
                bytes(log.predecessor),
                salts.get(op_id, ZERO32),
                int(log.delay),
                int(log.block_number),
            )
    return list(found.values())


def state_of(timelock: Any, operation_id: bytes) -> str:
    """unset, waiting, ready, expired (ready and not executed within 14 days) or done."""
    if timelock.isOperationExpired(operation_id):
        return "expired"
    return STATES[int(timelock.getOperationState(operation_id))]


def expires_at(timelock: Any, operation_id: bytes) -> int | None:
    """When a scheduled, not executed operation stops being executable (None: done or unset)."""
    ready_at = int(timelock.getTimestamp(operation_id))
    return ready_at + GRACE_PERIOD if ready_at > 1 else None


def dry_run(contract: Any, method: str, *args: Any, sender: str) -> None:
    """Call `contract.method(*args)` as `sender` (the timelock) without sending anything: raises
    the contract's revert (a parameter out of bounds, a pause too soon) before a change is
    scheduled, where it would otherwise only fail at execution, after the delay."""
    from ape import chain
    from web3.exceptions import ContractLogicError

    from mor_market.cli import decode_revert

    data = "0x" + bytes(getattr(contract, method).encode_input(*args)).hex()
    call = {"from": sender, "to": str(contract.address), "data": data}
    try:
        # web3 hands back the revert data as hex; the node's message may print it as text
        chain.provider.web3.eth.call(call, "latest")
    except ContractLogicError as err:
        raw = err.data if isinstance(err.data, str) and err.data.startswith("0x") else ""
        decoded = decode_revert(raw) if len(raw) >= 10 else None
        raise ValueError((decoded or raw) if len(raw) >= 10 else str(err.message or err)) from None
    except Exception as err:  # any other failure of the call, as one line
        message = str(err).strip().splitlines()[0] if str(err).strip() else type(err).__name__
        raise ValueError(message) from None


def apply(protocol: Any, governance: Any, contract: Any, method: str, *args: Any) -> tuple[Any, Operation | None]:
    """Make a governance change: directly when the contract's owner is governance itself (a
    deployment without a timelock), else through the timelock: scheduled, and executed at once
    when its delay is 0. Returns (the executed receipt or None, the operation or None)."""
    timelock = protocol.timelock
    if timelock is None or str(contract.owner()) != str(timelock.address):
        return getattr(contract, method)(*args, sender=governance), None
    dry_run(contract, method, *args, sender=str(timelock.address))
    operation = schedule(timelock, governance, contract, method, *args)
    if operation.delay:
        return None, operation
    return execute(timelock, governance, operation), operation
