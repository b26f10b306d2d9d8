"""The deployment record holds, for every contract under its contract name, what an integrator
and a block explorer need: address, ABI, transaction hash, block, constructor arguments (named and
encoded), source and standard-JSON input, and once the compiler with its settings; and the MOR
token's ERC-20 ABI. Each fact is checked against the chain, not only for presence."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ape import chain
from eth_abi import encode

from mor_market import record as records
from mor_market.deployment import deploy_network, verification_dir

ERC20_FUNCTIONS = {"name", "symbol", "decimals", "totalSupply", "balanceOf", "transfer", "allowance", "approve"}


@pytest.fixture
def record_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("mor_market.cli.RECORDS", tmp_path)
    return tmp_path / "arbitrum-sepolia-fork.json"


def test_deploy_network__every_contract__is_recorded_with_address_abi_transaction_block_and_arguments(
    project, owner, record_path
):
    deploy_network(project, owner, force=True)
    record = json.loads(record_path.read_text())

    assert (record["format"], record["status"], record["verified"]) == (records.FORMAT, records.COMPLETE, True)
    for name in ("ModelRegistry", "Marketplace", "ComputePool", "SessionRouter", "Reputation", "GovernanceTimelock"):
        entry = record["contracts"][name]
        container = getattr(project, name)
        receipt = chain.provider.get_receipt(entry["transaction"])
        assert str(receipt.contract_address) == entry["address"], name
        assert (receipt.block_number, receipt.gas_used) == (entry["block"], entry["gas_used"]), name
        assert entry["abi"] == [item.model_dump(mode="json", by_alias=True) for item in container.contract_type.abi]
        assert entry["source"] == f"contracts/{name}.sol"
        inputs = container.contract_type.constructor.inputs
        assert list(entry["constructor_arguments"]) == [item.name for item in inputs], name
        encoded = encode([item.canonical_type for item in inputs], list(entry["constructor_arguments"].values()))
        assert entry["constructor_arguments_encoded"] == "0x" + encoded.hex(), name
        # The creation transaction is the compiled creation code followed by exactly these arguments.
        sent = bytes(chain.provider.web3.eth.get_transaction(entry["transaction"])["input"])
        assert sent == bytes(container.contract_type.deployment_bytecode.to_bytes()) + encoded, name
        assert (record_path.parent / entry["standard_json"]).is_file(), name
    wired = record["contracts"]["ComputePool"]["constructor_arguments"]
    assert wired["router_"] == record["contracts"]["SessionRouter"]["address"]


def test_deploy_network__the_record__names_the_compiler_its_settings_and_the_mor_erc20_abi(project, owner, record_path):
    record = deploy_network(project, owner, force=True)

    assert record["compiler"]["name"] == "solidity"
    assert record["compiler"]["version"].startswith("0.8.28+commit.")
    settings = record["compiler"]["settings"]
    assert (settings["evmVersion"], settings["optimizer"], settings["viaIR"]) == (
        "cancun",
        {"enabled": True, "runs": 1000},
        False,
    )
    assert settings["remappings"] == ["@openzeppelin/contracts=contracts/.cache/openzeppelin/5.7.0"]
    mor = record["contracts"]["MOR"]
    assert mor["address"] == record["config"]["mor"]
    names = {item["name"] for item in mor["abi"]}
    assert ERC20_FUNCTIONS | {"Transfer", "Approval", "permit", "nonces"} <= names
    assert "mint" not in names  # the test token's faucet is not MOR's
    assert sorted(p.name for p in verification_dir(record_path).iterdir()) == [
        f"{name}.json"
        for name in sorted(
            ("ComputePool", "GovernanceTimelock", "Marketplace", "ModelRegistry", "Reputation", "SessionRouter")
        )
    ]
