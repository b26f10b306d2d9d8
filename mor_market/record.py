"""The deployment record, deployments/<network>.json: what it holds and how it is read back.

Every contract is recorded under its contract name (`ModelRegistry`, ..., `GovernanceTimelock`,
and `MOR` for the token the configuration names) with its address, ABI, transaction hash, block,
nonce, constructor arguments (named and ABI-encoded) and source; the compiler and its settings are
recorded once. The record is written after every step, so a deployment stopped halfway leaves a
record with `"status": "in progress"` that the next `ape run deploy` resumes from.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

FORMAT = "mor-market-deployment/2"
IN_PROGRESS, COMPLETE = "in progress", "complete"

# Contract name in the record -> attribute of mor_market.deploy.Protocol.
ATTRIBUTES = {
    "MOR": "mor",
    "ModelRegistry": "model_registry",
    "Marketplace": "marketplace",
    "ComputePool": "pool",
    "SessionRouter": "router",
    "Reputation": "reputation",
    "GovernanceTimelock": "timelock",
}

# What the protocol uses of MOR: ERC-20 (with its metadata) and EIP-2612 permit.
ERC20_NAMES = {
    "name",
    "symbol",
    "decimals",
    "totalSupply",
    "balanceOf",
    "transfer",
    "allowance",
    "approve",
    "transferFrom",
    "Transfer",
    "Approval",
    "permit",
    "nonces",
    "DOMAIN_SEPARATOR",
}


def erc20_abi(token_abi: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The ERC-20 + EIP-2612 entries of a token's ABI (drops a test token's faucet and errors)."""
    return [entry for entry in token_abi if entry.get("name") in ERC20_NAMES]


def addresses(record: dict[str, Any]) -> dict[str, str]:
    """Protocol attribute -> address (`pool` -> the ComputePool's address) of a record."""
    return {
        ATTRIBUTES[name]: entry["address"]
        for name, entry in record["contracts"].items()
        if name in ATTRIBUTES and entry.get("address")
    }


def save(path: Path, record: dict[str, Any]) -> None:
    """Write the record whole or not at all (a process killed mid-write leaves the previous one)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".json.tmp")
    partial.write_text(json.dumps(record, indent=2) + "\n")
    partial.replace(path)
