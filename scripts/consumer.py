"""`ape run consumer ...`: what a consumer does on-chain."""

from __future__ import annotations

import json
from pathlib import Path

import click
from ape.cli import ConnectedProviderCommand

from mor_market import operations as ops
from mor_market.cli import account_option, load_protocol, mor, one_line_errors, resolve_account
from mor_market.ranking import Weights

_WEIGHT_NAMES = [
    "reliability",
    "disputes",
    "early_closes",
    "experience",
    "earnings",
    "lag",
    "speed",
    "price",
    "stake",
]


@click.group(short_help="Consumer: rank bids, open and close sessions, withdraw held stake")
def cli() -> None:
    """Operate as a consumer."""


@cli.command(cls=ConnectedProviderCommand, short_help="A model's bids ranked by your weights")
@click.argument("model_id", type=int)
@click.option("--weights", default="1,1,1,1,1,1,1,1,1", show_default=True, help=",".join(_WEIGHT_NAMES))
@click.option("--limit", type=int, default=10, show_default=True)
def bids(model_id: int, weights: str, limit: int) -> None:
    """List MODEL_ID's active bids, best first for your needs."""
    values = [int(w) for w in weights.split(",")]
    if len(values) != len(_WEIGHT_NAMES):
        raise click.BadParameter(f"give {len(_WEIGHT_NAMES)} weights: {','.join(_WEIGHT_NAMES)}")
    p = load_protocol()
    with one_line_errors("bids"):
        ranked = ops.ranked_bids(p, model_id, Weights(*values), limit)
    for rank, r in enumerate(ranked, 1):
        click.echo(
            f"{rank:>2}. bid {r.bid_id}  provider {r.provider}  score {r.score / 1e18:.4f}"
            f"  price {r.price_per_second} wei/s  endpoint {r.endpoint}"
        )


@cli.command(cls=ConnectedProviderCommand, short_help="What a stake buys on a bid, and whether it would open")
@click.argument("bid_id", type=int)
@click.option("--stake", type=int, required=True, help="MOR wei to lock.")
@click.option("--direct", is_flag=True, help="Pay the provider from the stake instead of the pool's stipend.")
@click.option("--consumer", default="0x0000000000000000000000000000000000000001", help="The consumer's address.")
def quote(bid_id: int, stake: int, direct: bool, consumer: str) -> None:
    """Quote BID_ID: duration, end, price and provider, and the error an open would hit now."""
    p = load_protocol()
    with one_line_errors("quote"):
        click.echo(ops.dumps(ops.quote(p, bid_id, consumer, stake, int(direct))))


@cli.command(cls=ConnectedProviderCommand, short_help="A session's details in one call")
@click.argument("session_id", type=int)
def session(session_id: int) -> None:
    """SESSION_ID's parties, seconds and pay so far, who may close it, and the consumer's hold."""
    p = load_protocol()
    with one_line_errors("session"):
        click.echo(ops.dumps(ops.session_details(p, session_id)))


@cli.command("open", cls=ConnectedProviderCommand, short_help="Open a session from an approval JSON")
@account_option()
@click.argument("approval", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--stake", type=int, required=True, help="MOR wei to lock.")
@click.option("--direct", is_flag=True, help="Pay the provider from the stake instead of the pool's stipend.")
@click.option("--permit/--approve", default=True, show_default=True, help="One transaction with an EIP-2612 permit.")
def open_(account_alias: str | None, approval: Path, stake: int, direct: bool, permit: bool) -> None:
    """Open a session with the provider's signed APPROVAL (a JSON file)."""
    account, p = resolve_account(account_alias), load_protocol()
    with one_line_errors("open"):
        session, _ = ops.open_session(p, account, json.loads(approval.read_text()), stake, int(direct), permit)
    record = p.router.session(session)
    click.echo(f"session {session} open until {record.endsAt} ({record.endsAt - record.openedAt} s)")


@cli.command(cls=ConnectedProviderCommand, short_help="Close a session (a dispute without --receipt)")
@account_option()
@click.argument("session_id", type=int)
@click.option("--receipt", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None)
def close(account_alias: str | None, session_id: int, receipt: Path | None) -> None:
    """Close SESSION_ID, with the provider's receipt JSON or as a dispute."""
    account, p = resolve_account(account_alias), load_protocol()
    with one_line_errors("close"):
        tx = ops.close_session(p, account, session_id, json.loads(receipt.read_text()) if receipt else None)
    event = tx.decode_logs(p.router.SessionClosed)[0]
    click.echo(f"closed: provider paid {mor(event.paid)}, returned {mor(event.returned)}, held {mor(event.held)}")


@cli.command(cls=ConnectedProviderCommand, short_help="Withdraw held stake released at the start of a day")
@account_option()
def withdraw(account_alias: str | None) -> None:
    """Withdraw released held stake."""
    account, p = resolve_account(account_alias), load_protocol()
    with one_line_errors("withdraw"):
        tx = p.router.withdrawHeld(sender=account)
    click.echo(f"withdrew {mor(tx.decode_logs(p.router.HeldReleased)[0].amount)}")


@cli.command(cls=ConnectedProviderCommand, short_help="Your sessions, held stake and balance")
@account_option()
@click.option("--from-block", type=int, default=0, show_default=True)
def status(account_alias: str | None, from_block: int) -> None:
    """Your sessions, held and withdrawable stake, and MOR balance."""
    account, p = resolve_account(account_alias), load_protocol()
    held, withdrawable = p.router.holdOf(account)
    click.echo(
        ops.dumps(
            {
                "consumer": account.address,
                "balance": p.mor.balanceOf(account),
                "held": held,
                "withdrawable": withdrawable,
                "sessions": ops.sessions(p, from_block, account.address),
            }
        )
    )
