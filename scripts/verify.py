"""`ape run verify`: the published ABIs and block-explorer source verification of a deployment.

ape run verify abi                         # rewrite abi/<Name>.json from the compiled contracts
ape run verify check --network ...         # recompile each recorded contract from its standard-JSON
                                           # input and compare with the chain (offline)
ape run verify submit --network arbitrum:sepolia:node   # send each input to Arbiscan (network + key)
"""

from __future__ import annotations

import json
import os

import click
from ape import project
from ape.cli import ConnectedProviderCommand

from mor_market import verify as sources
from mor_market.cli import ROOT, deployment_path, load_record, network_key
from mor_market.deployment import verification_dir, write_verification_inputs


@click.group(short_help="Published ABIs and explorer source verification")
def cli() -> None:
    """The ABI folder, and the standard-JSON inputs of a deployment for block-explorer verification."""


@cli.command(short_help="Rewrite abi/<Name>.json")
def abi() -> None:
    """Write the ABI of every deployed contract and MOR's ERC-20 ABI to abi/."""
    for path in sources.write_abis(project):
        click.echo(f"written {path.relative_to(ROOT)}")


@cli.command(cls=ConnectedProviderCommand, short_help="Recompile the recorded contracts and compare with the chain")
def check() -> None:
    """Write the standard-JSON input of every contract of this network's record, recompile each with
    the pinned solc (offline) and compare with the code on chain and the creation transaction."""
    record = load_record()
    folder = verification_dir(deployment_path(network_key()))
    write_verification_inputs(project, record, folder)
    results = sources.check_deployed(project, record, folder)
    for name, result in results.items():
        click.echo(f"  {name:<18} {result}")
    if any(result != "exact" for result in results.values()):
        raise click.ClickException("a recompiled contract differs from the deployed one")
    click.echo(f"every contract recompiles to its deployed code exactly; inputs in {folder}")


@cli.command(cls=ConnectedProviderCommand, short_help="Submit the standard-JSON inputs to Arbiscan")
@click.option("--api-key-env", default="ETHERSCAN_API_KEY", show_default=True, help="Variable holding the API key.")
def submit(api_key_env: str) -> None:
    """Send every contract's standard-JSON input to the Etherscan v2 API (Arbiscan for chain
    421614), which needs the network and an API key; prints each request's guid."""
    import requests

    api_key = os.environ.get(api_key_env)
    if not api_key:
        raise click.ClickException(f"set {api_key_env} to an Etherscan API key (it covers Arbiscan)")
    record = load_record()
    folder = verification_dir(deployment_path(network_key()))
    write_verification_inputs(project, record, folder)
    for name in record["contracts"]:
        if name == "MOR":
            continue
        fields = sources.submission(record, name, json.loads((folder / f"{name}.json").read_text()), api_key)
        answer = requests.post(
            sources.ETHERSCAN_V2, params={"chainid": fields["chainid"]}, data=fields, timeout=60
        ).json()
        click.echo(f"  {name:<18} {answer.get('status')} {answer.get('result')}")
