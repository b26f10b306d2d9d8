"""`ape run deploy --network <network>`: deploy and wire the whole protocol from
deployments/config/<network>.yaml, verify it, and record it in deployments/<network>.json."""

from __future__ import annotations

import click
from ape import project

from mor_market.cli import (
    MarketCommand,
    account_option,
    guardian_from_config,
    mor,
    one_line_errors,
    resolve_account,
)
from mor_market.deployment import deploy_network


@click.command(cls=MarketCommand, short_help="Deploy, verify and record the protocol")
@account_option()
@click.option("--force", is_flag=True, help="Replace an existing deployments/<network>.json (or start over).")
def cli(account_alias: str | None, force: bool) -> None:
    """Check the MOR token with a probe (a fee-on-transfer token is refused before anything else
    is deployed), deploy the five contracts, wire them, set the configured parameters and
    guardian, put the governance timelock in front of the three governed ones (the pool has no
    owner), verify every wiring, parameter, owner, guardian and role, and write
    deployments/<network>.json (every contract's address, ABI, transaction, block, constructor
    arguments, the compiler settings) and the standard-JSON input of each contract for explorer
    verification in deployments/<network>.verification/. The record is written after every
    step: a deployment that stopped halfway resumes where it stopped on the next run."""
    deployer = resolve_account(account_alias)
    with one_line_errors("deploy"):
        record = deploy_network(project, deployer, force=force, echo=click.echo)
    click.echo(f"deployed on {record['network']} (chain {record['chain_id']}) at block {record['block']}")
    for name, entry in record["contracts"].items():
        click.echo(f"  {name:<18} {entry['address']}")
    click.echo(f"  config hash        {record['config_hash']}")
    click.echo(
        f"  min provider stake {mor(record['config']['min_provider_stake'])}; "
        "the pool's budget is 1% of the previous day's close (a constant)"
    )
    guardian = guardian_from_config(record["config"])
    click.echo(f"  guardian           {'none' if int(guardian, 16) == 0 else guardian} (may only pause)")
    click.echo(
        f"ModelRegistry, Marketplace and SessionRouter are owned by the timelock "
        f"{record['contracts']['GovernanceTimelock']['address']} (delay {record['timelock_delay']} s; the pool "
        f"has no owner); governance {record['governance']} schedules changes with `ape run governance`"
    )
