"""`ape run status`: the pool, today's budget and what is left, open sessions, parameters."""

from __future__ import annotations

import click
from ape.cli import ConnectedProviderCommand

from mor_market import operations as ops
from mor_market.cli import load_protocol


@click.command(cls=ConnectedProviderCommand, short_help="Pool, budget, open sessions, parameters")
@click.option("--from-block", type=int, default=0, show_default=True)
def cli(from_block: int) -> None:
    """Print the market's state as JSON."""
    p = load_protocol()
    state = ops.market_status(p)
    state["open_sessions"] = [s for s in ops.sessions(p, from_block) if s["closedAt"] == 0]
    click.echo(ops.dumps(state))
