"""Deploying a network from its configuration file, verifying it, and recording it in
deployments/<network>.json (format: mor_market/record.py). Used by `ape run deploy` and by the
main job.

The record is written after every step, and before every contract creation with the hash of the
signed transaction, so a deployment stopped at any point (the process killed, a transaction
failing) resumes on the next run: contracts in the record are not deployed again, a creation that
was sent is looked up by its hash, and every later step (parameters, the timelock's hand-over)
checks the chain before it sends anything. The four contracts that point at each other are
created at addresses planned from the deployer's nonce, which the record keeps: a resumed
deployment creates the rest at the planned addresses, so it ends with the same wiring as an
uninterrupted one."""

from __future__ import annotations

import json
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import click
from eth_abi import encode
from eth_utils import function_abi_to_4byte_selector, to_hex

from mor_market import record as records
from mor_market import verify as sources
from mor_market.cli import (
    config_hash,
    deployment_path,
    is_local_network,
    is_local_node,
    load_config,
    network_key,
    params_from_config,
)
from mor_market.deploy import WIRED, Protocol, configure, constructor_arguments, contract_at, create_address, verify
from mor_market.governance import (
    PUBLIC_MIN_DELAY,
    delay_floor,
    governed,
    timelock_arguments,
    verify_timelock,
)

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


PROBE_AMOUNT = 10**6


def token_problems(mor: object, deployer: object, probe: object) -> list[str]:
    """Checks MOR behaves as the protocol assumes: 18 decimals, and every transfer pattern the
    contracts use delivers exactly the amount sent. `probe` (a TokenProbe) pulls 10^6 wei
    (10^-12 MOR) of the deployer's through an allowance, as a third-party spender, the way every
    deposit comes in, then sends it back with a plain transfer, the way every payout goes out:
    fee-on-transfer tokens are refused (the contracts account in nominal amounts), and the
    deployer ends with what it had."""
    from ape.exceptions import TransactionError

    from mor_market.cli import describe_error

    problems = []
    if mor.decimals() != 18:
        problems.append(f"MOR has {mor.decimals()} decimals, not 18")
    if mor.balanceOf(deployer) < PROBE_AMOUNT:
        return [*problems, f"the deployer needs {PROBE_AMOUNT} wei (10^-12 MOR) of MOR to probe the token"]
    if mor.allowance(deployer, probe) < PROBE_AMOUNT:
        mor.approve(probe, PROBE_AMOUNT, sender=deployer)
    try:
        probe.probe(mor, PROBE_AMOUNT, sender=deployer)
    except TransactionError as err:  # the probe reverted (a failure to send is no finding: it propagates)
        reason = describe_error(err)
        if reason.startswith("TokenMisbehaves("):
            problems.append(f"the token moves amounts inexactly ({reason}): fee-on-transfer tokens are not supported")
        else:
            problems.append(f"the token refused the protocol's transfer patterns ({reason})")
    return problems


Echo = Callable[[str], None]


def verification_dir(record_path: Path) -> Path:
    """Where the standard-JSON inputs of a record's contracts go: deployments/<network>.verification/."""
    return record_path.with_name(record_path.stem + ".verification")


def _new_record(key: str, config: dict[str, Any], deployer: Any, governance: str, delay: int) -> dict[str, Any]:
    from ape import chain, project

    return {
        "format": records.FORMAT,
        "status": records.IN_PROGRESS,
        "network": key,
        "chain_id": chain.chain_id,
        "deployer": deployer.address,
        "governance": governance,
        "timelock_delay": delay,
        "config_hash": config_hash(config),
        "config": config,
        "compiler": sources.compiler_of(project, "ComputePool"),
        "first_block": chain.blocks.head.number + 1,
        "block": chain.blocks.head.number,
        "steps": {},
        "contracts": {},
    }


def _start_or_resume(
    path: Path, force: bool, key: str, config: dict[str, Any], deployer: Any, governance: str, delay: int, echo: Echo
) -> dict[str, Any]:
    """A new record, or the in-progress one of this network, deployer and configuration."""
    from ape import chain

    if not path.exists() or force:
        return _new_record(key, config, deployer, governance, delay)
    record = json.loads(path.read_text())
    if record.get("status") != records.IN_PROGRESS:
        raise click.ClickException(
            f"{path.name} exists: a deployment is recorded for {key}; pass --force to replace it"
        )
    mismatches = [
        f"{what} {record.get(field)} != {now}"
        for what, field, now in (
            ("chain id", "chain_id", chain.chain_id),
            ("deployer", "deployer", deployer.address),
            ("configuration hash", "config_hash", config_hash(config)),
        )
        if record.get(field) != now
    ]
    if mismatches:
        raise click.ClickException(
            f"{path.name} holds a deployment in progress that this run cannot resume ({'; '.join(mismatches)}); "
            "pass --force to start over"
        )
    recorded = [entry for name, entry in record["contracts"].items() if name != "MOR" and entry.get("block")]
    if recorded and len(chain.provider.get_code(recorded[0]["address"])) == 0:
        if is_local_network():
            echo(f"{path.name}: the recorded contracts are not on this fork (a fork is new each run): starting over")
            return _new_record(key, config, deployer, governance, delay)
        raise click.ClickException(
            f"{path.name} names {recorded[0]['address']}, which has no code on this chain; pass --force to start over"
        )
    done = [name for name, entry in record["contracts"].items() if name != "MOR" and entry.get("block")]
    echo(f"resuming the deployment recorded in {path.name}: {', '.join(done) or 'no contract'} already deployed")
    return record


def _receipt(txn_hash: str) -> Any:
    """The receipt of a transaction the node knows (waiting for it if pending); None if unknown."""
    from ape import chain

    try:
        chain.provider.web3.eth.get_transaction(txn_hash)
    except Exception:  # web3 raises TransactionNotFound; any failure here means "not known"
        return None
    return chain.provider.get_receipt(txn_hash)


def _deploy_recorded(
    project: Any,
    name: str,
    args: list[Any],
    deployer: Any,
    record: dict[str, Any],
    save: Callable[[], None],
    echo: Echo,
    nonce: int | None = None,
) -> Any:
    """Contract `name` from the record, or created now and recorded (its signed transaction's hash
    is saved before it is sent). `nonce`: the deployer nonce it must be created with (its address
    is planned)."""
    from ape import chain

    container = getattr(project, name)
    entry = record["contracts"].get(name)
    if entry and entry.get("block") is not None:
        return contract_at(container, entry["address"])
    if entry and entry.get("transaction"):
        receipt = _receipt(entry["transaction"])
        if receipt is not None:
            if not receipt.contract_address:
                raise click.ClickException(f"the recorded creation of {name}, {entry['transaction']}, created nothing")
            entry.update(block=receipt.block_number, gas_used=receipt.gas_used)
            save()
            echo(f"  {name:<18} {entry['address']}  (found its sent transaction {entry['transaction']})")
            return contract_at(container, entry["address"])
    if nonce is not None and deployer.nonce != nonce:
        raise click.ClickException(
            f"{name} must be created with the deployer's nonce {nonce} (its address is planned and wired into the "
            f"others), but the deployer's nonce is {deployer.nonce}: another transaction of the deployer came in "
            "between; pass --force to start over"
        )
    constructor = container.contract_type.constructor
    types = [item.canonical_type for item in constructor.inputs]
    txn = deployer.prepare_transaction(container.constructor.serialize_transaction(*args, sender=deployer))
    signed = deployer.sign_transaction(txn)
    if signed is None:
        raise click.ClickException(f"the deployer did not sign the creation of {name}")
    record["contracts"][name] = entry = {
        "address": create_address(deployer.address, int(txn.nonce)),
        "transaction": to_hex(signed.txn_hash),
        "nonce": int(txn.nonce),
        "block": None,
        "constructor_arguments": {item.name: arg for item, arg in zip(constructor.inputs, args, strict=True)},
        "constructor_arguments_encoded": to_hex(encode(types, args)),
        "source": str(container.contract_type.source_id),
        "abi": [item.model_dump(mode="json", by_alias=True) for item in container.contract_type.abi],
    }
    save()
    receipt = chain.provider.send_transaction(signed)
    if str(receipt.contract_address) != entry["address"]:
        raise click.ClickException(f"{name} was created at {receipt.contract_address}, not {entry['address']}")
    entry.update(block=receipt.block_number, gas_used=receipt.gas_used)
    save()
    echo(f"  {name:<18} {entry['address']}  tx {entry['transaction']}  block {entry['block']}")
    return contract_at(container, entry["address"])


def _offer_ownership(protocol: Protocol, deployer: Any, timelock_address: str) -> None:
    """Every governed contract offers its ownership to the planned timelock, unless the chain
    shows it already does (a resumed deployment)."""
    for contract in governed(protocol).values():
        if contract.owner() == deployer.address and contract.pendingOwner() != timelock_address:
            contract.transferOwnership(timelock_address, sender=deployer)


def write_verification_inputs(project: Any, record: dict[str, Any], folder: Path) -> dict[str, Path]:
    """The standard-JSON input of every contract the record created, one file each in `folder`."""
    folder.mkdir(parents=True, exist_ok=True)
    written = {}
    for name in record["contracts"]:
        if name == "MOR":
            continue
        path = folder / f"{name}.json"
        path.write_text(json.dumps(sources.standard_json(project, name), indent=1) + "\n")
        written[name] = path
    return written


def deploy_network(
    project: Any, deployer: Any, force: bool = False, key: str | None = None, echo: Echo | None = None
) -> dict[str, Any]:
    """Deploy from deployments/config/<network>.yaml, verify, write deployments/<network>.json,
    resuming the deployment that record holds if it stopped halfway."""
    from ape import Contract, chain

    say: Echo = echo or (lambda _line: None)
    key = key or network_key()
    path = deployment_path(key)
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
    record = _start_or_resume(path, force, key, config, deployer, governance, delay, say)
    started = time.monotonic() - float(record.get("seconds", 0))
    steps = record["steps"]

    def save() -> None:
        record["block"] = chain.blocks.head.number
        record["seconds"] = round(time.monotonic() - started, 1)
        records.save(path, record)

    mor_address = config["mor"]
    mor = Contract(mor_address, contract_type=project.TestMOR.contract_type)
    if not steps.get("token_checked"):
        if len(chain.provider.get_code(mor_address) or b"") == 0:
            raise click.ClickException(f"no MOR token at {mor_address} on {key}")
        probe = _deploy_recorded(project, "TokenProbe", [], deployer, record, save, say)
        problems = token_problems(mor, deployer, probe)
        if problems:
            raise click.ClickException("refusing to deploy: " + "; ".join(problems))
        # The probe is a tool of the check, not part of the protocol: recorded apart.
        record["token_probe"] = record["contracts"].pop("TokenProbe")
        record["contracts"]["MOR"] = {
            "address": mor_address,
            "abi": records.erc20_abi([item.model_dump(mode="json", by_alias=True) for item in mor.contract_type.abi]),
        }
        steps["token_checked"] = True
        save()
    if "plan" not in record:
        nonce = deployer.nonce
        record["plan"] = {
            "nonce": nonce,
            "addresses": {name: create_address(deployer.address, nonce + i) for i, name in enumerate(WIRED)},
        }
        save()
    plan = record["plan"]
    at = [plan["addresses"][name] for name in WIRED]
    deployed = [
        _deploy_recorded(
            project,
            name,
            constructor_arguments(name, mor_address, at, deployer.address),
            deployer,
            record,
            save,
            say,
            nonce=plan["nonce"] + i,
        )
        for i, name in enumerate(WIRED)
    ]
    model_registry, marketplace, pool, router, reputation = deployed
    protocol = Protocol(mor, model_registry, marketplace, pool, router, reputation)
    if not steps.get("configured"):
        configure(protocol, deployer, params)
        failures = verify(protocol, mor_address, params, deployer.address) + unreachable_functions(protocol)
        if failures:
            raise click.ClickException("deployment verification failed: " + "; ".join(failures))
        steps["configured"] = True
        save()
    if "timelock" not in plan:
        # The governed contracts offer their ownership to this address, then the timelock is
        # created there and accepts every offer in its constructor.
        offers = len(governed(protocol))
        plan["timelock"] = {
            "nonce": deployer.nonce + offers,
            "address": create_address(deployer.address, deployer.nonce + offers),
        }
        save()
    if "GovernanceTimelock" not in record["contracts"]:
        _offer_ownership(protocol, deployer, plan["timelock"]["address"])
    protocol.timelock = _deploy_recorded(
        project,
        "GovernanceTimelock",
        timelock_arguments(protocol, governance, delay, delay_floor(public)),
        deployer,
        record,
        save,
        say,
        nonce=plan["timelock"]["nonce"],
    )
    steps["handed_over"] = True
    save()
    failures = verify(protocol, mor_address, params, str(protocol.timelock.address))
    failures += verify_timelock(protocol, protocol.timelock, governance, deployer.address, delay, public)
    if failures:
        raise click.ClickException("deployment verification failed: " + "; ".join(failures))
    folder = verification_dir(path)
    for name, written in write_verification_inputs(project, record, folder).items():
        record["contracts"][name]["standard_json"] = f"{folder.name}/{written.name}"
    record["deployed_at"] = chain.blocks.head.timestamp
    record["verified"] = True
    record["status"] = records.COMPLETE
    save()
    return record
