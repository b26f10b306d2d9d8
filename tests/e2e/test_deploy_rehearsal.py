"""Rehearsal of a deployment: the deploy script deploys and wires the protocol on the local
fork from deployments/config, verifies it, records it, and refuses to overwrite the record."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from mor_market.cli import config_hash, load_config
from mor_market.constants import MOR_SEPOLIA_ADDRESS

NETWORK = ["--network", "arbitrum:sepolia-fork:foundry"]


@pytest.fixture
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("mor_market.cli.RECORDS", tmp_path)
    return tmp_path


@pytest.fixture(scope="module")
def deploy_cli():
    import importlib.util

    spec = importlib.util.spec_from_file_location("deploy_script", Path(__file__).parents[2] / "scripts" / "deploy.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


def test_deploy_script__on_the_fork__deploys_verifies_and_records(deploy_cli, records, accounts):
    # The script connects a fork of its own (as `ape run deploy` does), deploys there and runs
    # its verification (wiring, parameters, ownership, every function reachable) before writing.
    result = CliRunner().invoke(deploy_cli, NETWORK, catch_exceptions=False)
    assert result.exit_code == 0, result.output
    record = json.loads((records / "arbitrum-sepolia-fork.json").read_text())
    config = load_config("arbitrum-sepolia-fork")
    assert record["chain_id"] == 421614
    assert record["verified"] is True
    assert record["config_hash"] == config_hash(config)
    assert record["deployer"] == accounts[0].address
    assert record["block"] > 0
    contracts = record["contracts"]
    assert contracts["MOR"]["address"] == MOR_SEPOLIA_ADDRESS
    assert set(contracts) == {
        "MOR",
        "ModelRegistry",
        "Marketplace",
        "ComputePool",
        "SessionRouter",
        "Reputation",
        "GovernanceTimelock",
    }
    assert len({entry["address"] for entry in contracts.values()}) == 7
    assert record["first_block"] <= record["block"]
    assert (record["governance"], record["timelock_delay"]) == (accounts[0].address, 0)
    assert record["config"] == config
    assert "deployed on arbitrum-sepolia-fork (chain 421614)" in result.output


def test_deploy_script__a_recorded_deployment__is_not_overwritten_without_force(deploy_cli, records):
    path = records / "arbitrum-sepolia-fork.json"
    path.write_text('{"existing": true}')
    result = CliRunner().invoke(deploy_cli, NETWORK)
    assert result.exit_code == 1
    assert "exists" in result.output and "--force" in result.output
    assert "Traceback" not in result.output
    assert json.loads(path.read_text()) == {"existing": True}
    forced = CliRunner().invoke(deploy_cli, [*NETWORK, "--force"])
    assert forced.exit_code == 0, forced.output
    assert json.loads(path.read_text())["verified"] is True
