"""`ape run governance ...`: governance of a deployment, through its timelock (PROTOCOL.md §7,
"Announced changes"). Every change is scheduled, stays public for the timelock's delay, then is
executed within 14 days of being ready (after that it expires and must be scheduled again). With
a delay of 0 (a local node) the named commands (`whitelist`, `set`, `guardian`, `pause`,
`unpause`, `withdraw-fees`) execute at once, otherwise they print the operation id and when it is
ready. Each change is tried as the timelock first, so a value out of bounds is refused before
anything is sent. The guardian (`guardian set`) pauses at once, without the timelock, and can do
nothing else. `fund` and `sweep` are open to anyone. `show` lists who governs and every operation
with its state and expiry. The compute pool has no owner: nothing about it is governed (its daily
budget is a constant 1% of the previous day's close)."""

from __future__ import annotations

from typing import Any

import click
from ape import chain
from ape.exceptions import ApeException

from mor_market import governance as gov
from mor_market.cli import (
    ADDRESS,
    DURATION,
    MOR_AMOUNT,
    PRICE,
    MarketGroup,
    OneLineError,
    account_option,
    describe_error,
    load_protocol,
    load_record,
    one_line_errors,
    require_balance,
    resolve_account,
)
from mor_market.deploy import ZERO_ADDRESS
from mor_market.units import format_duration, format_price, format_time, parse_mor
from mor_market.units import format_mor as mor

# What governance can schedule calls to (the compute pool has no owner: nothing to schedule there).
CONTRACTS = {
    "marketplace": "marketplace",
    "model-registry": "model_registry",
    "router": "router",
    "timelock": "timelock",
}


def _timelock(protocol: Any) -> Any:
    if protocol.timelock is None:
        raise click.ClickException("this deployment has no timelock: redeploy with `ape run deploy --force`")
    return protocol.timelock


def _when(timestamp: int) -> str:
    return format_time(timestamp)


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


@click.group(
    cls=MarketGroup, short_help="Whitelist, parameters, guardian, pause, fees, funding; schedule, execute, show"
)
def cli() -> None:
    """Governance through the deployment's timelock. Named changes: `whitelist add|remove|off`,
    `set PARAMETER VALUE`, `guardian set|revoke`, `pause`, `unpause`, `withdraw-fees`; any call:
    `schedule`, then `execute` once its delay is over (within 14 days); `cancel`; `show`. The
    guardian's `pause` needs no timelock. Open to anyone: `fund`, `sweep`. Amounts are MOR (1.5;
    100wei for wei)."""


@cli.command(short_help="Schedule CONTRACT.FUNCTION(ARGS)")
@account_option()
@click.argument("contract", type=click.Choice(sorted(CONTRACTS)))
@click.argument("function")
@click.argument("args", nargs=-1)
def schedule(account_alias: str | None, contract: str, function: str, args: tuple[str, ...]) -> None:
    """Schedule a call by governance, e.g. `schedule router setDurationBounds 600 86400` or
    `schedule marketplace setWhitelisted 0xABC... true` or `schedule timelock updateDelay 172800`.
    Integers are raw here (wei, seconds); the named commands (`set`, `whitelist`, ...) take MOR."""
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
    click.echo(
        f"scheduled {op.id.hex()}: {op.describe(protocol, timelock)}, ready at {_when(ready)}, "
        f"expires at {_when(ready + gov.GRACE_PERIOD)}"
    )


@cli.command(short_help="Execute a ready operation")
@account_option()
@click.argument("operation_id")
def execute(account_alias: str | None, operation_id: str) -> None:
    """Execute the scheduled operation whose id starts with OPERATION_ID, once its delay is over
    and before it expires (14 days after it became ready; then schedule it again)."""
    executor = resolve_account(account_alias)
    protocol = load_protocol()
    timelock = _timelock(protocol)
    op = _find(timelock, load_record()["first_block"], operation_id)
    if timelock.isOperationExpired(op.id):
        raise _expired(op.id, gov.expires_at(timelock, op.id) or 0)
    with one_line_errors("execute"):
        try:
            gov.execute(timelock, executor, op)
        except ApeException as err:  # expired in the block it would run in: the same line
            if describe_error(err).startswith("TimelockOperationExpired("):
                raise _expired(op.id, gov.expires_at(timelock, op.id) or 0) from None
            raise
    click.echo(f"executed {op.id.hex()}: {op.describe(protocol, timelock)}")


def _expired(operation_id: bytes, expired_at: int) -> OneLineError:
    return OneLineError(
        f"execute failed: operation 0x{bytes(operation_id).hex()} expired at {format_time(expired_at)}: "
        "schedule it again"
    )


@cli.command(short_help="Cancel a scheduled operation")
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


@cli.command(short_help="Who governs, and every operation with its state and expiry")
def show() -> None:
    """The owner and guardian of every governed contract, the timelock's delay, floor and roles,
    and every operation scheduled since the deployment with its state: waiting, ready (with when
    it expires, 14 days after it became ready), expired (schedule it again), done or cancelled."""
    protocol = load_protocol()
    record = load_record()
    for name, contract in gov.governed(protocol).items():
        click.echo(f"{name:<14} owner {contract.owner()}, guardian {_guardian_text(contract)}")
    timelock = _timelock(protocol)
    click.echo(
        f"timelock       {timelock.address}: delay {timelock.getMinDelay()} s (floor {timelock.delayFloor()} s), "
        f"governance {record['governance']}"
    )
    for op in gov.operations(timelock, record["first_block"]):
        state = gov.state_of(timelock, op.id)
        # every listed operation was scheduled: one that reads unset was cancelled
        state = "cancelled" if state == "unset" else state
        ready_at, expires = int(timelock.getTimestamp(op.id)), gov.expires_at(timelock, op.id)
        when = ""
        if state in ("waiting", "ready") and expires is not None:
            when = f", ready at {_when(ready_at)}, expires at {_when(expires)}"
        elif state == "expired" and expires is not None:
            when = f", expired at {_when(expires)}: schedule it again"
        click.echo(f"{op.id.hex()[:16]}  {state:<9} {op.describe(protocol, timelock)}{when}")


# ------------------------------------------------------------------ named changes


def _change(account_alias: str | None, contract_name: str, method: str, *args: Any) -> None:
    """Apply one change as governance and say what happened, in one line."""
    governance = resolve_account(account_alias)
    protocol = load_protocol()
    contract = getattr(protocol, contract_name)
    try:
        gov.dry_run(contract, method, *args, sender=str(contract.owner()))
    except ValueError as err:
        raise OneLineError(f"{method} would fail: {err}") from None
    with one_line_errors(method):
        _receipt, operation = gov.apply(protocol, governance, contract, method, *args)
    described = f"{contract.contract_type.name}.{method}({', '.join(map(str, args))})"
    if operation is not None and operation.delay:
        ready = chain.blocks.head.timestamp + operation.delay
        click.echo(
            f"scheduled {operation.id.hex()}: {described}, ready at {format_time(ready)}, "
            f"expires at {format_time(ready + gov.GRACE_PERIOD)}; "
            f"then `ape run governance execute {operation.id.hex()[:12]}`"
        )
    else:
        click.echo(f"done: {described}")


@cli.group(cls=MarketGroup, short_help="Whitelist providers: add, remove, off, show")
def whitelist() -> None:
    """While the whitelist is on (after deployment), only whitelisted addresses may register and
    bid; `off` turns it off for good."""


@whitelist.command("add", short_help="Whitelist a provider")
@account_option()
@click.argument("address", metavar="PROVIDER", type=ADDRESS)
def whitelist_add(account_alias: str | None, address: str) -> None:
    """Let PROVIDER register and bid while the whitelist is on."""
    _change(account_alias, "marketplace", "setWhitelisted", address, True)


@whitelist.command("remove", short_help="Take a provider off the whitelist (suspends its bids)")
@account_option()
@click.argument("address", metavar="PROVIDER", type=ADDRESS)
def whitelist_remove(account_alias: str | None, address: str) -> None:
    """Take PROVIDER off: it can no longer bid and its bids open no session (it can still close,
    claim and deregister)."""
    _change(account_alias, "marketplace", "setWhitelisted", address, False)


@whitelist.command("off", short_help="Turn the whitelist off, for good")
@account_option()
def whitelist_off(account_alias: str | None) -> None:
    """Anyone with the minimum stake may then register; this cannot be undone."""
    _change(account_alias, "marketplace", "disableWhitelist")


@whitelist.command("show", short_help="Whether the whitelist is on and an address on it")
@click.argument("address", metavar="PROVIDER", type=ADDRESS, required=False)
def whitelist_show(address: str | None) -> None:
    """Whether the whitelist is on, and PROVIDER's place on it."""
    marketplace = load_protocol().marketplace
    on = bool(marketplace.whitelistEnabled())
    click.echo(f"whitelist {'on' if on else 'off (for good)'}")
    if address:
        click.echo(f"{address}: {'whitelisted' if marketplace.isWhitelisted(address) else 'not whitelisted'}")


# name: (contract, setter, parser of each value, what it is)
PARAMETERS: dict[str, tuple[str, str, tuple[Any, ...], str]] = {
    "min-provider-stake": ("marketplace", "setMinProviderStake", (MOR_AMOUNT,), "MOR, once the whitelist is off"),
    "min-model-stake": ("model_registry", "setMinModelStake", (MOR_AMOUNT,), "MOR to register a model"),
    "bid-fee": ("marketplace", "setBidFee", (MOR_AMOUNT,), "MOR per bid, to the fee balance"),
    "price-bounds": ("marketplace", "setPriceBounds", (PRICE, PRICE), "MIN MAX, MOR per second (or 0.864/day)"),
    "duration-bounds": ("router", "setDurationBounds", (DURATION, DURATION), "MIN MAX session length (300, 5m, 1d)"),
    "reference-supply": ("router", "setReferenceSupply", (MOR_AMOUNT,), "MOR pinned as supply (0: unpinned)"),
}


@cli.command("set", short_help="Set a parameter (MOR, MOR/s, durations)")
@account_option()
@click.argument("parameter", type=click.Choice(sorted(PARAMETERS)))
@click.argument("values", nargs=-1, required=True)
def set_(account_alias: str | None, parameter: str, values: tuple[str, ...]) -> None:
    """Set PARAMETER to VALUES, checked against its hard bounds before anything is sent:
    min-provider-stake, min-model-stake, bid-fee, reference-supply in MOR; price-bounds MIN MAX in
    MOR per second (or 0.864/day; MIN at most 0.000005); duration-bounds MIN MAX (300, 5m, 1d; MIN
    at most 1h). The pool's daily budget is a constant 1%: not a parameter."""
    contract, setter, parsers, what = PARAMETERS[parameter]
    if len(values) != len(parsers):
        raise OneLineError(f"{parameter} takes {len(parsers)} value(s): {what}")
    parsed = [parser.convert(v, None, click.get_current_context()) for parser, v in zip(parsers, values, strict=True)]
    _change(account_alias, contract, setter, *parsed)


PAUSABLE = {"marketplace": "marketplace", "model-registry": "model_registry", "router": "router"}
CONTRACT_CHOICE = click.Choice([*sorted(PAUSABLE), "all"])


def _pausable(contract: str) -> list[str]:
    return sorted(PAUSABLE) if contract == "all" else [contract]


def _guardian_text(contract: Any) -> str:
    guardian = str(contract.guardian())
    return "none" if int(guardian, 16) == 0 else guardian


@cli.group(cls=MarketGroup, short_help="The guardian, who may only pause: set, revoke, show")
def guardian() -> None:
    """The guardian of a pausable contract (marketplace, model-registry, router) pauses it at once,
    without the timelock, for at most 7 days, and can do nothing else: not unpause, not change
    anything. Governance sets and revokes it through the timelock, like any change."""


@guardian.command("set", short_help="Make ADDRESS the guardian (through the timelock)")
@account_option()
@click.argument("address", type=ADDRESS)
@click.option("--contract", type=CONTRACT_CHOICE, default="all", show_default=True, help="Which contract.")
def guardian_set(account_alias: str | None, address: str, contract: str) -> None:
    """Make ADDRESS the guardian of CONTRACT (default all three pausable contracts), replacing
    the current one; `guardian revoke` leaves none."""
    if int(address, 16) == 0:
        raise OneLineError("the zero address is no guardian: `guardian revoke` leaves none")
    protocol = load_protocol()
    for name in _pausable(contract):
        target = getattr(protocol, PAUSABLE[name])
        if str(target.guardian()).lower() == address.lower():
            click.echo(f"{name}: {address} is already the guardian")
            continue
        _change(account_alias, PAUSABLE[name], "setGuardian", address)


@guardian.command("revoke", short_help="Leave no guardian (through the timelock)")
@account_option()
@click.option("--contract", type=CONTRACT_CHOICE, default="all", show_default=True, help="Which contract.")
def guardian_revoke(account_alias: str | None, contract: str) -> None:
    """Leave CONTRACT (default all three) without a guardian: only governance pauses it then."""
    protocol = load_protocol()
    for name in _pausable(contract):
        target = getattr(protocol, PAUSABLE[name])
        if int(str(target.guardian()), 16) == 0:
            click.echo(f"{name}: no guardian to revoke")
            continue
        _change(account_alias, PAUSABLE[name], "setGuardian", ZERO_ADDRESS)


@guardian.command("show", short_help="Each pausable contract's guardian")
def guardian_show() -> None:
    """The guardian of each pausable contract, or none."""
    protocol = load_protocol()
    for name in sorted(PAUSABLE):
        click.echo(f"{name:<14} guardian {_guardian_text(getattr(protocol, PAUSABLE[name]))}")


def _is_guardian(contract: Any, account: Any) -> bool:
    return str(contract.guardian()).lower() == str(account.address).lower()


@cli.command(short_help="Pause new registrations, bids and sessions (at most 7 days)")
@account_option()
@click.argument("contract", type=CONTRACT_CHOICE, default="all")
def pause(account_alias: str | None, contract: str) -> None:
    """Pause CONTRACT (default all): closing, claiming and withdrawing go on; it lifts itself
    after 7 days, and a new pause waits as long again. The guardian's pause is immediate;
    governance's goes through the timelock."""
    account = resolve_account(account_alias)
    protocol = load_protocol()
    for name in _pausable(contract):
        target = getattr(protocol, PAUSABLE[name])
        if not _is_guardian(target, account):
            _change(account_alias, PAUSABLE[name], "pause")
            continue
        with one_line_errors(f"pause {name}"):
            tx = target.pause(sender=account)
        until = tx.decode_logs(target.Paused)[0].until
        click.echo(f"paused {target.contract_type.name} until {format_time(until)} (as its guardian)")


@cli.command(short_help="Lift a pause early (governance only)")
@account_option()
@click.argument("contract", type=CONTRACT_CHOICE, default="all")
def unpause(account_alias: str | None, contract: str) -> None:
    """Unpause CONTRACT (default all paused ones). Only governance lifts a pause: the guardian
    cannot."""
    account = resolve_account(account_alias)
    protocol = load_protocol()
    names = (
        [n for n in sorted(PAUSABLE) if getattr(protocol, PAUSABLE[n]).paused()] if contract == "all" else [contract]
    )
    if not names:
        raise OneLineError("nothing is paused")
    timelock = protocol.timelock
    governs = timelock is None or timelock.hasRole(gov.PROPOSER_ROLE, account)
    if not governs and any(_is_guardian(getattr(protocol, PAUSABLE[n]), account) for n in names):
        raise OneLineError(f"{account.address} is a guardian: it may pause, only governance unpauses")
    for name in names:
        _change(account_alias, PAUSABLE[name], "unpause")


@cli.command("withdraw-fees", short_help="Withdraw bid fees (fees only)")
@account_option()
@click.argument("to", type=ADDRESS)
@click.argument("amount", default="all")
def withdraw_fees(account_alias: str | None, to: str, amount: str) -> None:
    """Send AMOUNT (MOR, default all) of the marketplace's fee balance to TO."""
    balance = int(load_protocol().marketplace.feeBalance())
    try:
        wei = balance if amount == "all" else parse_mor(amount)
    except ValueError as err:
        raise OneLineError(str(err)) from None
    if wei == 0 or wei > balance:
        raise OneLineError(f"the fee balance is {mor(balance)}: cannot withdraw {mor(wei)}")
    _change(account_alias, "marketplace", "withdrawFees", to, wei)


@cli.command(short_help="Fund the compute pool (anyone)")
@account_option()
@click.argument("amount", type=MOR_AMOUNT)
def fund(account_alias: str | None, amount: int) -> None:
    """Add AMOUNT (MOR) to the compute pool; it counts in the budget from the next day."""
    if amount == 0:
        raise OneLineError("amount must be more than 0")
    account, protocol = resolve_account(account_alias), load_protocol()
    require_balance(protocol, account, amount, "fund")
    with one_line_errors("fund"):
        if int(protocol.mor.allowance(account, protocol.pool)) < amount:
            protocol.mor.approve(protocol.pool, amount, sender=account)
        tx = protocol.pool.fund(amount, sender=account)
    event = tx.decode_logs(protocol.pool.Funded)[0]
    click.echo(f"funded {mor(event.amount)}; the pool holds {mor(event.balance)}")


SWEEPABLE = {"marketplace": "marketplace", "model-registry": "model_registry", "router": "router"}


@cli.command(short_help="Sweep stray MOR into the pool (anyone)")
@account_option()
@click.argument("contract", type=click.Choice([*sorted(SWEEPABLE), "pool", "all"]), default="all")
def sweep(account_alias: str | None, contract: str) -> None:
    """Move MOR sent by plain transfer to CONTRACT (default all) into the pool's ledger."""
    account, protocol = resolve_account(account_alias), load_protocol()
    names = [*sorted(SWEEPABLE), "pool"] if contract == "all" else [contract]
    swept = 0
    for name in names:
        with one_line_errors(f"sweep {name}"):
            if name == "pool":
                surplus = int(protocol.mor.balanceOf(protocol.pool)) - int(protocol.pool.poolBalance())
                if surplus > 0:
                    protocol.pool.absorbSurplus(sender=account)
            else:
                target = getattr(protocol, SWEEPABLE[name])
                surplus = int(target.surplus())
                if surplus > 0:
                    target.sweepSurplus(sender=account)
        if surplus > 0:
            swept += surplus
            click.echo(f"swept {mor(surplus)} from {name} into the pool")
    if not swept:
        click.echo("no stray MOR to sweep")


@cli.command(short_help="Every parameter, the whitelist and the pauses")
def params() -> None:
    """Every governance parameter, readable."""
    p = load_protocol()
    low, high = p.marketplace.priceBounds()
    shortest, longest = p.router.durationBounds()
    click.echo(f"whitelist          {'on' if p.marketplace.whitelistEnabled() else 'off'}")
    click.echo(f"budget             {p.pool.budgetBps() / 100:g}% of the previous day's close (constant)")
    click.echo(f"min-provider-stake {mor(p.marketplace.minProviderStake())}")
    click.echo(f"min-model-stake    {mor(p.model_registry.minModelStake())}")
    click.echo(f"bid-fee            {mor(p.marketplace.bidFee())} (fee balance {mor(p.marketplace.feeBalance())})")
    click.echo(f"price-bounds       {format_price(low)} .. {format_price(high)}")
    click.echo(f"duration-bounds    {format_duration(shortest)} .. {format_duration(longest)}")
    click.echo(f"reference-supply   {mor(p.router.referenceSupply())}")
    for name, attr in sorted(PAUSABLE.items()):
        click.echo(f"{name:<18} guardian {_guardian_text(getattr(p, attr))}")
        until, next_at = getattr(p, attr).pauseState()
        state = f"paused until {format_time(until)}" if getattr(p, attr).paused() else "not paused"
        click.echo(f"{name:<18} {state}; next pause possible from {format_time(next_at) if next_at else 'now'}")
