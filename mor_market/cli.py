"""What every `ape run` script of the project shares: accounts, deployments, and turning
failures into one clear line instead of a stack trace."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click
import yaml

from mor_market.deploy import Params, Protocol
from mor_market.record import addresses as record_addresses

ROOT = Path(__file__).resolve().parent.parent
DEPLOYMENTS = ROOT / "deployments"
# Where deployment records are written; tests point it at a temporary folder.
RECORDS = Path(os.environ.get("MOR_DEPLOYMENTS_DIR", DEPLOYMENTS))
LOCAL_NETWORKS = ("local", "sepolia-fork", "mainnet-fork")


def network_key() -> str:
    """`<ecosystem>-<network>` of the connected network, e.g. `arbitrum-sepolia-fork`; a live
    network served by a local anvil (`./dev node` playing Arbitrum Sepolia) is
    `<ecosystem>-<network>-local`, so its records never mix with the real network's."""
    from ape import chain

    network = chain.provider.network
    key = f"{network.ecosystem.name}-{network.name}"
    if network.name not in LOCAL_NETWORKS and is_local_node():
        key += "-local"
    return key


def is_local_node() -> bool:
    """Whether the connected node is an anvil (a local chain), whatever chain id it answers."""
    from ape import chain

    web3 = getattr(chain.provider, "web3", None)
    try:
        return str(web3.client_version).lower().startswith("anvil") if web3 is not None else False
    except Exception:  # a node that does not answer web3_clientVersion is not ours
        return False


def is_local_network() -> bool:
    from ape import chain

    return chain.provider.network.name in LOCAL_NETWORKS


def account_option() -> Any:
    """`--account ALIAS`: an `ape accounts` alias; on local networks defaults to test account 0."""
    return click.option(
        "--account",
        "account_alias",
        default=None,
        help="Alias of an `ape accounts` account (local networks: TEST::<n>, default TEST::0).",
    )


def resolve_account(alias: str | None, default_test_index: int = 0) -> Any:
    from ape import accounts

    if alias is None:
        if not is_local_network():
            raise click.BadParameter("--account is required on a live network (an alias from `ape accounts list`)")
        return accounts.test_accounts[default_test_index]
    if alias.startswith("TEST::"):
        return accounts.test_accounts[int(alias.removeprefix("TEST::"))]
    try:
        return accounts.load(alias)
    except Exception as err:  # ape raises its own error types for unknown aliases
        raise click.BadParameter(f"no account with alias {alias!r}: {err}") from err


def load_config(key: str) -> dict[str, Any]:
    path = DEPLOYMENTS / "config" / f"{key}.yaml"
    if not path.exists():
        raise click.ClickException(f"no deployment configuration {path.relative_to(ROOT)} for network {key}")
    return yaml.safe_load(path.read_text())


def config_hash(config: dict[str, Any]) -> str:
    return "0x" + hashlib.sha256(json.dumps(config, sort_keys=True).encode()).hexdigest()


def params_from_config(config: dict[str, Any]) -> Params:
    return Params(
        min_provider_stake=int(config["min_provider_stake"]),
        min_model_stake=int(config["min_model_stake"]),
        bid_fee=int(config["bid_fee"]),
        min_price_per_second=int(config["min_price_per_second"]),
        max_price_per_second=int(config["max_price_per_second"]),
        budget_bps=int(config["budget_bps"]),
        min_session_duration=int(config["min_session_duration"]),
        max_session_duration=int(config["max_session_duration"]),
        reference_supply=int(config["reference_supply"]),
        whitelist=tuple(config.get("whitelist") or ()),
    )


def deployment_path(key: str) -> Path:
    return RECORDS / f"{key}.json"


def load_record(key: str | None = None) -> dict[str, Any]:
    """The deployment record of the connected network, deployments/<network>.json."""
    key = key or network_key()
    path = deployment_path(key)
    if not path.exists():
        raise click.ClickException(f"no deployment for {key}: run `ape run deploy --network ...` first")
    return json.loads(path.read_text())


def load_protocol(key: str | None = None) -> Protocol:
    """The deployed contracts of the connected network, from deployments/<network>.json."""
    from ape import Contract, project

    key = key or network_key()
    path = deployment_path(key)
    if not path.exists():
        raise click.ClickException(f"no deployment for {key}: run `ape run deploy --network ...` first")
    # Issue #18 (deployment record): contracts are recorded under their contract names.
    data = record_addresses(json.loads(path.read_text()))
    from ape import chain

    if len(chain.provider.get_code(data["pool"])) == 0:
        raise click.ClickException(
            f"{path.name} names contracts that are not on this chain (a fork is new each run): deploy here first, "
            "or operate a persistent node (`./dev node`, then --network arbitrum:sepolia:node)"
        )
    return Protocol(
        mor=Contract(data["mor"], contract_type=project.TestMOR.contract_type),
        model_registry=project.ModelRegistry.at(data["model_registry"]),
        marketplace=project.Marketplace.at(data["marketplace"]),
        pool=project.ComputePool.at(data["pool"]),
        router=project.SessionRouter.at(data["router"]),
        reputation=project.Reputation.at(data["reputation"]),
        timelock=project.GovernanceTimelock.at(data["timelock"]) if data.get("timelock") else None,
    )


_KNOWN = ("Marketplace", "ModelRegistry", "ComputePool", "SessionRouter", "Reputation", "TestMOR")


def decode_revert(data: str) -> str | None:
    """`ErrorName(arg=value, ...)` for revert data of a custom error any of the project's
    contracts (or MOR) declares; None when the selector is unknown."""
    from ape import project
    from eth_abi import decode
    from eth_utils import keccak

    raw = bytes.fromhex(data.removeprefix("0x"))
    for name in _KNOWN:
        for abi in getattr(project, name).contract_type.abi:
            if abi.type != "error":
                continue
            types = [i.canonical_type for i in abi.inputs]
            if keccak(text=f"{abi.name}({','.join(types)})")[:4] == raw[:4]:
                values = decode(types, raw[4:])
                return (
                    f"{abi.name}(" + ", ".join(f"{i.name}={v}" for i, v in zip(abi.inputs, values, strict=True)) + ")"
                )
    return None


def describe_error(err: Exception) -> str:
    """One line naming the failed check: `ErrorName(arg=value, ...)` for custom errors."""
    inputs = getattr(err, "inputs", None)
    name = type(err).__name__
    if inputs is not None and name not in ("ContractLogicError", "CustomError"):
        args = ", ".join(f"{k}={v}" for k, v in inputs.items())
        return f"{name}({args})"
    message = str(err).strip().splitlines()[0] if str(err).strip() else name
    # Ape leaves a custom error as raw revert data when it cannot tell which contract raised it.
    if message.startswith("0x") and len(message) >= 10:
        try:
            return decode_revert(message) or message
        except ValueError:
            return message
    return message


@contextmanager
def one_line_errors(action: str) -> Iterator[None]:
    """Turn a revert or an Ape error into `action failed: <reason>` and exit 1, no traceback."""
    from ape.exceptions import ApeException

    try:
        yield
    except (ApeException, ValueError) as err:
        raise click.ClickException(f"{action} failed: {describe_error(err)}") from None


def mor(amount_wei: int) -> str:
    """A MOR amount for humans: 1234.5678 MOR."""
    return f"{amount_wei / 10**18:,.4f} MOR"
