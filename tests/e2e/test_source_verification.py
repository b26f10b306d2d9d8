"""Block-explorer verification, proven offline: the standard-JSON input the deployment writes for
each contract recompiles, with the pinned solc (solc-js through tools/solc-adapter.js), to exactly
the runtime code on chain (the trailing metadata hash included; only the immutables the constructor
wrote are taken from the chain) and to exactly the creation transaction's input with the recorded
constructor arguments."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ape import chain

from mor_market import verify as sources
from mor_market.deployment import deploy_network, verification_dir


@pytest.fixture
def record_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("mor_market.cli.RECORDS", tmp_path)
    return tmp_path / "arbitrum-sepolia-fork.json"


def test_standard_json_inputs__recompiled_offline__are_exactly_the_deployed_code(project, owner, record_path):
    record = deploy_network(project, owner, force=True)

    results = sources.check_deployed(project, record, verification_dir(record_path))

    assert results == {
        name: "exact"
        for name in ("ModelRegistry", "Marketplace", "ComputePool", "SessionRouter", "Reputation", "GovernanceTimelock")
    }


def test_runtime_matches__a_changed_byte_outside_the_immutables__is_a_difference(project, owner, record_path):
    record = deploy_network(project, owner, force=True)
    entry = record["contracts"]["ComputePool"]
    input_json = json.loads((record_path.parent / entry["standard_json"]).read_text())
    compiled = sources.compiled_contract(sources.compile_standard(input_json), entry["source"], "ComputePool")
    code = bytearray(chain.provider.get_code(entry["address"]))
    assert sources.runtime_matches(compiled, bytes(code))

    code[-40] ^= 1  # a byte of the metadata hash
    assert not sources.runtime_matches(compiled, bytes(code))


def test_submission__for_arbiscan__names_the_contract_compiler_and_encoded_arguments(project, owner, record_path):
    record = deploy_network(project, owner, force=True)
    entry = record["contracts"]["SessionRouter"]
    fields = sources.submission(record, "SessionRouter", {"language": "Solidity"}, "KEY")

    assert fields["chainid"] == "421614"
    assert fields["codeformat"] == "solidity-standard-json-input"
    assert fields["contractname"] == "contracts/SessionRouter.sol:SessionRouter"
    assert fields["compilerversion"] == "v" + record["compiler"]["version"]
    assert fields["constructorArguements"] == entry["constructor_arguments_encoded"][2:]
    assert fields["contractaddress"] == entry["address"]
