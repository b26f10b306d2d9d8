"""`ape run governance ...`: hand governance of every contract to another address in two
steps (transfer, then accept by the new owner), and show who governs."""

from __future__ import annotations

import click
from ape.cli import ConnectedProviderCommand

from mor_market.cli import account_option, load_protocol, one_line_errors, resolve_account


def _governed(protocol):  # noqa: ANN001 - ape contract instances
    return {
        "ModelRegistry": protocol.model_registry,
        "Marketplace": protocol.marketplace,
        "ComputePool": protocol.pool,
        "SessionRouter": protocol.router,
    }


@click.group(short_help="Two-step handover of governance")
def cli() -> None:
    """Two-step handover of governance of every contract."""


@cli.command(cls=ConnectedProviderCommand, short_help="Start handing governance to NEW_OWNER")
@account_option()
@click.argument("new_owner")
def transfer(account_alias: str | None, new_owner: str) -> None:
    """Propose NEW_OWNER as governance of every contract (it must accept)."""
    owner = resolve_account(account_alias)
    protocol = load_protocol()
    for name, contract in _governed(protocol).items():
        with one_line_errors(f"{name}.transferOwnership"):
            contract.transferOwnership(new_owner, sender=owner)
        click.echo(f"{name}: pending owner {contract.pendingOwner()}")


@cli.command(cls=ConnectedProviderCommand, short_help="Accept governance (run as the new owner)")
@account_option()
def accept(account_alias: str | None) -> None:
    """Accept governance of every contract proposed to this account."""
    new_owner = resolve_account(account_alias)
    protocol = load_protocol()
    for name, contract in _governed(protocol).items():
        with one_line_errors(f"{name}.acceptOwnership"):
            contract.acceptOwnership(sender=new_owner)
        click.echo(f"{name}: owner {contract.owner()}")


@cli.command(cls=ConnectedProviderCommand, short_help="Show owners and pending owners")
def show() -> None:
    """Owner and pending owner of every contract."""
    for name, contract in _governed(load_protocol()).items():
        click.echo(f"{name:<14} owner {contract.owner()}  pending {contract.pendingOwner()}")
