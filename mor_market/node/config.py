"""The node's configuration (a TOML file) and its signing key (from the environment, never from
the command line)."""

from __future__ import annotations

import json
import os
import tomllib
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from eth_utils import to_checksum_address

KEY_ENV = "MOR_NODE_KEY"  # a raw private key (0x + 64 hex digits)
KEYFILE_ENV = "MOR_NODE_KEYFILE"  # or an Ethereum keyfile (JSON, as `ape accounts` writes them)
PASSPHRASE_ENV = "MOR_NODE_PASSPHRASE"  # ... and its passphrase


class ConfigError(ValueError):
    """A configuration the node cannot start with; the message says what to fix."""


@dataclass(frozen=True)
class ModelConfig:
    """A model the provider bids on and the OpenAI-compatible server that runs it."""

    name: str  # the model's canonical name on-chain (any case)
    backend: str  # base URL of the OpenAI-compatible API, e.g. http://127.0.0.1:8000/v1
    backend_model: str  # the model name the backend expects in requests
    capacity: int  # sessions served at once (open sessions plus approvals not yet used)


@dataclass(frozen=True)
class NodeConfig:
    rpc_url: str
    deployment: dict[str, Any]  # the deployment record (mor_market/record.py)
    provider: str
    database: Path
    models: tuple[ModelConfig, ...]
    bind: str = "127.0.0.1"  # the port comes from the endpoint the provider registered ...
    port: int | None = None  # ... unless a reverse proxy (TLS) forwards that endpoint to this port
    approval_ttl: int = 300  # seconds an approval stays usable
    receipt_ttl: int = 3_600  # seconds a receipt stays usable
    housekeeping_interval: float = 30.0  # seconds between closes of expired sessions and claims
    backend_timeout: float = 300.0
    chain_cache_seconds: float = 1.0  # how stale a session's closed state and the chain's time may be
    extra: dict[str, Any] = field(default_factory=dict)

    def model(self, name: str) -> ModelConfig | None:
        return next((m for m in self.models if m.name.lower() == str(name).lower()), None)


def load(path: Path) -> NodeConfig:
    """The configuration in `path`; relative paths in it are relative to the file."""
    try:
        data = tomllib.loads(path.read_text())
    except (OSError, tomllib.TOMLDecodeError) as err:
        raise ConfigError(f"{path}: {err}") from None
    return from_dict(data, base=path.parent)


def from_dict(data: dict[str, Any], base: Path = Path(".")) -> NodeConfig:
    try:
        record = data["deployment"]
        if not isinstance(record, dict):
            record = json.loads((base / str(record)).read_text())
        models = tuple(
            ModelConfig(
                name=str(name),
                backend=str(entry["backend"]).rstrip("/"),
                backend_model=str(entry.get("backend_model", name)),
                capacity=int(entry.get("capacity", 1)),
            )
            for name, entry in dict(data["models"]).items()
        )
        if not models or any(m.capacity < 1 for m in models):
            raise ConfigError("[models.<name>]: give at least one model, each with capacity >= 1")
        return NodeConfig(
            rpc_url=str(data["rpc_url"]),
            deployment=record,
            provider=to_checksum_address(str(data["provider"])),
            database=base / str(data.get("database", "node.sqlite")),
            models=models,
            bind=str(data.get("bind", "127.0.0.1")),
            port=int(data["port"]) if data.get("port") is not None else None,
            approval_ttl=int(data.get("approval_ttl", 300)),
            receipt_ttl=int(data.get("receipt_ttl", 3_600)),
            housekeeping_interval=float(data.get("housekeeping_interval", 30.0)),
            backend_timeout=float(data.get("backend_timeout", 300.0)),
            chain_cache_seconds=float(data.get("chain_cache_seconds", 1.0)),
        )
    except KeyError as err:
        raise ConfigError(f"the configuration has no {err.args[0]!r}") from None
    except (OSError, json.JSONDecodeError) as err:
        raise ConfigError(f"deployment record: {err}") from None
    except (TypeError, ValueError) as err:
        if isinstance(err, ConfigError):
            raise
        raise ConfigError(f"the configuration is malformed: {err}") from None


def signing_key(env: dict[str, str] | None = None) -> bytes:
    """The key that signs for the provider: MOR_NODE_KEY, or MOR_NODE_KEYFILE + MOR_NODE_PASSPHRASE."""
    from eth_account import Account

    env = dict(os.environ) if env is None else env
    if env.get(KEY_ENV):
        try:
            return bytes(Account.from_key(env[KEY_ENV]).key)
        except (ValueError, TypeError):
            raise ConfigError(f"{KEY_ENV} is not a private key (0x and 64 hex digits)") from None
    if env.get(KEYFILE_ENV):
        if PASSPHRASE_ENV not in env:
            raise ConfigError(f"{KEYFILE_ENV} is set: set {PASSPHRASE_ENV} to its passphrase too")
        try:
            keyfile = json.loads(Path(env[KEYFILE_ENV]).read_text())
            return bytes(Account.decrypt(keyfile, env[PASSPHRASE_ENV]))
        except (OSError, json.JSONDecodeError, ValueError) as err:
            raise ConfigError(f"{KEYFILE_ENV}: cannot decrypt ({err})") from None
    raise ConfigError(f"no signing key: set {KEY_ENV}, or {KEYFILE_ENV} and {PASSPHRASE_ENV}")


def endpoint_url(endpoint: str) -> str:
    """The base URL of a registered endpoint (`host:port` means plain HTTP)."""
    text = str(endpoint).strip().rstrip("/")
    return text if "://" in text else f"http://{text}"


def endpoint_port(endpoint: str) -> int:
    from urllib.parse import urlsplit

    parts = urlsplit(endpoint_url(endpoint))
    try:
        port = parts.port
    except ValueError:
        port = None
    if port is None:
        return 443 if parts.scheme == "https" else 80
    return port


RECORD_CONTRACTS = {
    "ModelRegistry": "model_registry",
    "Marketplace": "marketplace",
    "ComputePool": "pool",
    "SessionRouter": "router",
}


def deployment_record(protocol: Any, chain_id: int) -> dict[str, Any]:
    """The part of a deployment record the node reads (addresses and ABIs, mor_market/record.py's
    format) for a protocol deployed in this process (tests, the benchmark, the main job)."""
    contracts = {}
    for name, attribute in RECORD_CONTRACTS.items():
        contract = getattr(protocol, attribute)
        abi = [item.model_dump(mode="json", by_alias=True) for item in contract.contract_type.abi]
        contracts[name] = {"address": str(contract.address), "abi": abi}
    return {"chain_id": int(chain_id), "contracts": contracts}


def to_toml(data: dict[str, Any]) -> str:
    """A configuration as from_dict reads it, written as TOML (strings, numbers, the models table)."""

    def value(v: Any) -> str:
        return json.dumps(v) if isinstance(v, str) else str(v).lower() if isinstance(v, bool) else str(v)

    lines = [f"{k} = {value(v)}" for k, v in data.items() if k != "models"]
    for name, entry in data["models"].items():
        lines += ["", f"[models.{json.dumps(name)}]", *(f"{k} = {value(v)}" for k, v in entry.items())]
    return "\n".join(lines) + "\n"
