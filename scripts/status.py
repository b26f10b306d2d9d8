"""`ape run status`: the pool, today's budget and what is left, open sessions, every parameter,
readable (MOR, UTC), as JSON on stdout; the scan of sessions starts at the deployment's block."""

from __future__ import annotations

import click

from mor_market import operations as ops
from mor_market.cli import MarketCommand, echo_json, first_block, load_protocol
from mor_market.readable import market_view


@click.command(cls=MarketCommand, short_help="Pool, budget, open sessions, parameters (JSON)")
@click.option(
    "--from-block", type=click.IntRange(0), default=None, help="First block to scan (default: the deployment's)."
)
def cli(from_block: int | None) -> None:
    """Print the market's state as JSON: amounts in MOR, times in UTC and unix seconds."""
    p = load_protocol()
    start = first_block() if from_block is None else from_block
    open_sessions = [s for s in ops.sessions(p, start) if s["closedAt"] == 0]
    echo_json(market_view(p, open_sessions))
