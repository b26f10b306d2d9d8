"""Deploying a network from its configuration file, verifying it, and recording it in
deployments/<network>.json. Used by `ape run deploy` and by the main job."""

from __future__ import annotations

import json
import time
from typing import Any

import click
from eth_utils import function_abi_to_4byte_selector

from mor_market.cli import (
    config_hash,
    deployment_path,
    is_local_network,
    is_local_node,
    load_config,
    network_key,
    params_from_config,
)
from mor_market.deploy import Protocol, deploy, verify
from mor_market.governance import PUBLIC_MIN_DELAY, install_timelock, verify_timelock

# Functions that revert by design whoever calls them: ownership can never be renounced.
ALWAYS_REVERTS = {"renounceOwnership"}


def unreachable_functions(protocol: Protocol) -> list[str]:
    """Functions of the ABIs whose selector the deployed code does not dispatch, and views
    without arguments that fail when called: both mean missing wiring."""
    from ape import chain

    missing: list[str] = []
    named = {
        "ModelRegistry": protocol.model_registry,
        "Marketplace": protocol.marketplace,
        "ComputePool": protocol.pool,
        "SessionRouter": protocol.router,
        "Reputation": protocol.reputation,
    }
    for name, contract in named.items():
        code = bytes(chain.provider.get_code(contract.address))
        for abi in contract.contract_type.abi:
            if abi.type != "function":
                continue
            selector = function_abi_to_4byte_selector(abi.model_dump(mode="json", by_alias=True))
            if b"\x63" + selector not in code:  # PUSH4 <selector> in the dispatcher
                missing.append(f"{name}.{abi.name}: selector not in deployed code")
            elif abi.stateMutability in ("view", "pure") and not abi.inputs and abi.name not in ALWAYS_REVERTS:
                try:
                    getattr(contract, abi.name)()
                except Exception as err:  # any failure of a wiring getter is a finding
                    missing.append(f"{name}.{abi.name}(): {err}")
    return missing


PROBE_RECEIVER = "0x000000000000000000000000000000000000dEaD"
PROBE_AMOUNT = 10**6


def token_problems(mor: object, deployer: object) -> list[str]:
    """Checks MOR behaves as the protocol assumes: 18 decimals, and both a `transfer` (how the
    protocol pays out) and a `transferFrom` (how every deposit comes in) deliver exactly the amount
    sent: fee-on-transfer tokens are refused, the contracts account in nominal amounts. The probe
    moves 2 x 10^6 wei (2 x 10^-12 MOR) of the deployer's to the dead address, the second time
    through an allowance the deployer gives itself."""
    problems = []
    if mor.decimals() != 18:
        problems.append(f"MOR has {mor.decimals()} decimals, not 18")
    if mor.balanceOf(deployer) < 2 * PROBE_AMOUNT:
        return [*problems, f"the deployer needs {2 * PROBE_AMOUNT} wei of MOR to probe the token"]
    before = mor.balanceOf(PROBE_RECEIVER)
    mor.transfer(PROBE_RECEIVER, PROBE_AMOUNT, sender=deployer)
    received = mor.balanceOf(PROBE_RECEIVER) - before
    if received != PROBE_AMOUNT:
        problems.append(
            f"a transfer of {PROBE_AMOUNT} wei delivered {received}: fee-on-transfer tokens are not supported"
        )
    before = mor.balanceOf(PROBE_RECEIVER)
    spent = mor.balanceOf(deployer)
    mor.approve(deployer, PROBE_AMOUNT, sender=deployer)
    mor.transferFrom(deployer, PROBE_RECEIVER, PROBE_AMOUNT, sender=deployer)
    received, spent = mor.balanceOf(PROBE_RECEIVER) - before, spent - mor.balanceOf(deployer)
    if received != PROBE_AMOUNT or spent != PROBE_AMOUNT:
        problems.append(
            f"a transferFrom of {PROBE_AMOUNT} wei took {spent} and delivered {received}: "
            "fee-on-transfer tokens are not supported"
        )
    return problems


def deploy_network(project: Any, deployer: Any, force: bool = False, key: str | None = None) -> dict[str, Any]:
    """Deploy from deployments/config/<network>.yaml, verify, write deployments/<network>.json."""
    from ape import chain

    key = key or network_key()
    path = deployment_path(key)
    if path.exists() and not force:
        raise click.ClickException(
            f"{path.name} exists: a deployment is recorded for {key}; pass --force to replace it"
        )
    config = load_config(key)
    params = params_from_config(config)
    governance = deployer.address if config.get("governance", "deployer") == "deployer" else config["governance"]
    delay = int(config.get("timelock_delay", 0))
    public = not is_local_network() and not is_local_node()
    if public and delay < PUBLIC_MIN_DELAY:
        raise click.ClickException(
            f"timelock_delay is {delay} s: on a public network every change must be announced for at least "
            f"{PUBLIC_MIN_DELAY} s (deployments/config/{key}.yaml)"
        )
    if chain.provider.get_code(config["mor"]) in (b"", None) or len(chain.provider.get_code(config["mor"])) == 0:
        raise click.ClickException(f"no MOR token at {config['mor']} on {key}")
    from ape import Contract

    problems = token_problems(Contract(config["mor"], contract_type=project.TestMOR.contract_type), deployer)
    if problems:
        raise click.ClickException("refusing to deploy: " + "; ".join(problems))
    started = time.monotonic()
    first_block = chain.blocks.head.number + 1
    protocol = deploy(project, deployer, config["mor"], params)
    failures = verify(protocol, config["mor"], params, deployer.address)
    failures += unreachable_functions(protocol)
    if failures:
        raise click.ClickException("deployment verification failed: " + "; ".join(failures))
    protocol.timelock = install_timelock(project, protocol, deployer, governance, delay)
    failures = verify_timelock(protocol, protocol.timelock, governance, deployer.address, delay, public)
    if failures:
        raise click.ClickException("deployment verification failed: " + "; ".join(failures))
    record = {
        "network": key,
        "chain_id": chain.chain_id,
        "first_block": first_block,
        "block": chain.blocks.head.number,
        "deployed_at": chain.blocks.head.timestamp,
        "deployer": deployer.address,
        "governance": governance,
        "timelock_delay": delay,
        "config_hash": config_hash(config),
        "config": config,
        "contracts": protocol.addresses(),
        "verified": True,
        "seconds": round(time.monotonic() - started, 1),
    }
    path.write_text(json.dumps(record, indent=2) + "\n")
    return record
