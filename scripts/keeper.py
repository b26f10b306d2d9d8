"""`ape run keeper`: close every session whose end time has passed (bounded per run). It scans
the router's logs from the deployment's first block, with a progress bar on stderr."""

from __future__ import annotations

import click

from mor_market import operations as ops
from mor_market.cli import MarketCommand, account_option, first_block, load_protocol, one_line_errors, resolve_account
from mor_market.units import hex_id


@click.command(cls=MarketCommand, short_help="Close expired sessions")
@account_option()
@click.option("--limit", type=click.IntRange(1, 1_000), default=20, show_default=True, help="Most sessions to close.")
@click.option(
    "--from-block", type=click.IntRange(0), default=None, help="First block to scan (default: the deployment's)."
)
def cli(account_alias: str | None, limit: int, from_block: int | None) -> None:
    """Close up to LIMIT sessions that outlived their end time; anyone may."""
    keeper, p = resolve_account(account_alias), load_protocol()
    start = first_block() if from_block is None else from_block
    with one_line_errors("keeper"):
        closed = ops.close_expired(p, keeper, start, limit)
    for session, _ in closed:
        click.echo(f"closed session {hex_id(session)}")
    click.echo(f"{len(closed)} expired session(s) closed")
