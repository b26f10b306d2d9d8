"""`ape run governance ...`: governance of a deployment, through its timelock (PROTOCOL.md §7,
"Announced changes"). Every change is scheduled, stays public for the timelock's delay, then is
executed; `show` lists who governs and every operation with its state."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import click
from ape import chain
from ape.cli import ConnectedProviderCommand

from mor_market import governance as gov
from mor_market.cli import account_option, load_protocol, load_record, one_line_errors, resolve_account

CONTRACTS = {
    "marketplace": "marketplace",
    "model-registry": "model_registry",
    "pool": "pool",
    "router": "router",
    "timelock": "timelock",
}


def _timelock(protocol: Any) -> Any:
    if protocol.timelock is None:
        raise click.ClickException("this deployment has no timelock: redeploy with `ape run deploy --force`")
    return protocol.timelock


def _when(timestamp: int) -> str:
    return datetime.fromtimestamp(timestamp, UTC).strftime("%Y-%m-%d %H:%M:%S UTC")


def _parse(value: str, abi_type: str) -> Any:
    if abi_type == "bool":
        if value.lower() not in ("true", "false"):
            raise click.BadParameter(f"{value!r} is not true or false")
        return value.lower() == "true"
    if abi_type.startswith(("uint", "int")):
        try:
            return int(value.replace("_", ""), 0)
        except ValueError as err:
            raise click.BadParameter(f"{value!r} is not an integer") from err
    return value


def _find(timelock: Any, first_block: int, prefix: str) -> gov.Operation:
    wanted = prefix.lower().removeprefix("0x")
    matches = [op for op in gov.operations(timelock, first_block) if op.id.hex().startswith(wanted)]
    if len(matches) != 1:
        raise click.ClickException(f"{len(matches)} operations match {prefix!r}: give more of its id (`show`)")
    return matches[0]


@click.group(short_help="Schedule, show and execute governance changes")
def cli() -> None:
    """Governance through the deployment's timelock: `schedule` a change, wait its delay,
    `execute` it; `show` who governs and every operation."""


@cli.command(cls=ConnectedProviderCommand, short_help="Schedule CONTRACT.FUNCTION(ARGS)")
@account_option()
@click.argument("contract", type=click.Choice(sorted(CONTRACTS)))
@click.argument("function")
@click.argument("args", nargs=-1)
def schedule(account_alias: str | None, contract: str, function: str, args: tuple[str, ...]) -> None:
    """Schedule a call by governance, e.g. `schedule pool setBudgetBps 50` or `schedule marketplace
    setWhitelisted 0xABC... true`. Integers are raw (wei, seconds, basis points)."""
    proposer = resolve_account(account_alias)
    protocol = load_protocol()
    timelock = _timelock(protocol)
    target = getattr(protocol, CONTRACTS[contract])
    abis = [abi for abi in target.contract_type.abi if abi.type == "function" and abi.name == function]
    if not abis:
        raise click.BadParameter(f"{contract} has no function {function!r}")
    inputs = abis[0].inputs
    if len(inputs) != len(args):
        raise click.BadParameter(f"{function} takes {len(inputs)} arguments, {len(args)} given")
    values = [_parse(v, i.type) for v, i in zip(args, inputs, strict=True)]
    with one_line_errors("schedule"):
        op = gov.schedule(timelock, proposer, target, function, *values)
    ready = chain.blocks.head.timestamp + op.delay
    click.echo(f"scheduled {op.id.hex()}: {op.describe(protocol, timelock)}, ready at {_when(ready)}")


@cli.command(cls=ConnectedProviderCommand, short_help="Execute a ready operation")
@account_option()
@click.argument("operation_id")
def execute(account_alias: str | None, operation_id: str) -> None:
    """Execute the scheduled operation whose id starts with OPERATION_ID, once its delay is over."""
    executor = resolve_account(account_alias)
    protocol = load_protocol()
    timelock = _timelock(protocol)
    op = _find(timelock, load_record()["first_block"], operation_id)
    with one_line_errors("execute"):
        gov.execute(timelock, executor, op)
    click.echo(f"executed {op.id.hex()}: {op.describe(protocol, timelock)}")


@cli.command(cls=ConnectedProviderCommand, short_help="Cancel a scheduled operation")
@account_option()
@click.argument("operation_id")
def cancel(account_alias: str | None, operation_id: str) -> None:
    """Cancel the scheduled operation whose id starts with OPERATION_ID."""
    canceller = resolve_account(account_alias)
    protocol = load_protocol()
    timelock = _timelock(protocol)
    op = _find(timelock, load_record()["first_block"], operation_id)
    with one_line_errors("cancel"):
        timelock.cancel(op.id, sender=canceller)
    click.echo(f"cancelled {op.id.hex()}: {op.describe(protocol, timelock)}")


@cli.command(cls=ConnectedProviderCommand, short_help="Who governs, and every operation")
def show() -> None:
    """The owner of every contract, the timelock's delay and roles, and every operation scheduled
    since the deployment with its state (waiting, ready, done, cancelled)."""
    protocol = load_protocol()
    record = load_record()
    for name, contract in gov.governed(protocol).items():
        click.echo(f"{name:<14} owner {contract.owner()}")
    timelock = _timelock(protocol)
    click.echo(
        f"timelock       {timelock.address}: delay {timelock.getMinDelay()} s, governance {record['governance']}"
    )
    for op in gov.operations(timelock, record["first_block"]):
        state = gov.state_of(timelock, op.id)
        ready_at = int(timelock.getTimestamp(op.id))
        state = "cancelled" if state == "unset" else state
        when = f", ready at {_when(ready_at)}" if state in ("waiting", "ready") and ready_at > 1 else ""
        click.echo(f"{op.id.hex()[:16]}  {state:<9} {op.describe(protocol, timelock)}{when}")
