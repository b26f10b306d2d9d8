"""`ape run keeper`: close every session whose end time has passed (bounded per run)."""

from __future__ import annotations

import click
from ape.cli import ConnectedProviderCommand

from mor_market import operations as ops
from mor_market.cli import account_option, load_protocol, one_line_errors, resolve_account


@click.command(cls=ConnectedProviderCommand, short_help="Close expired sessions")
@account_option()
@click.option("--limit", type=int, default=20, show_default=True, help="Most sessions to close in this run.")
@click.option("--from-block", type=int, default=0, show_default=True, help="First block to look for sessions.")
def cli(account_alias: str | None, limit: int, from_block: int) -> None:
    """Close up to LIMIT sessions that outlived their end time; anyone may."""
    keeper, p = resolve_account(account_alias), load_protocol()
    with one_line_errors("keeper"):
        closed = ops.close_expired(p, keeper, from_block, limit)
    for session, _ in closed:
        click.echo(f"closed session {session}")
    click.echo(f"{len(closed)} expired session(s) closed")
