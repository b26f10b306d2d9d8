"""Rehearsal of a deployment: the deploy script deploys and wires the protocol on the local
fork from deployments/config, verifies it, records it, and refuses to overwrite the record; a
token that takes a fee when a third party pulls it is refused before any protocol contract
exists."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from ape import chain
from click.testing import CliRunner

from mor_market.cli import config_hash, load_config
from mor_market.constants import MOR, MOR_SEPOLIA_ADDRESS
from mor_market.deploy import create_address
from mor_market.deployment import PROBE_AMOUNT

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


@pytest.mark.parametrize(
    ("token_name", "why"),
    [
        # The v2 review's token: exact when the holder moves its own tokens, 1% burnt when a
        # third party pulls them, as every deposit into the protocol does.
        ("ThirdPartyFeeToken", "deposit"),
        ("FeeOnTransferToken", "deposit"),
    ],
)
def test_deploy_script__a_token_with_a_fee_on_a_transfer_the_protocol_uses__is_refused_before_any_protocol_contract(
    deploy_cli, project, accounts, records, token_name: str, why: str, monkeypatch: pytest.MonkeyPatch
):
    owner = accounts[0]  # the deployer of `ape run deploy` on a local network
    token = getattr(project, token_name).deploy(sender=owner)
    token.mint(owner, MOR, sender=owner)
    config = {**load_config("arbitrum-sepolia-fork"), "mor": token.address}
    monkeypatch.setattr("mor_market.deployment.load_config", lambda _key: config)
    nonce = owner.nonce

    # On the test's own chain, where the token is (the provider handed over as --network would).
    result = CliRunner(mix_stderr=False).invoke(deploy_cli, [], obj={"provider": chain.provider})

    assert result.exit_code == 1, result.stdout
    misbehaves = (
        f"TokenMisbehaves(pattern={why}, amount={PROBE_AMOUNT}, debited={PROBE_AMOUNT}, "
        f"credited={PROBE_AMOUNT - PROBE_AMOUNT // 100})"
    )
    print(result.stderr.strip().splitlines()[-1])
    assert result.stderr.strip().splitlines()[-1] == (
        f"error: refusing to deploy: the token moves amounts inexactly ({misbehaves}): "
        "fee-on-transfer tokens are not supported"
    )
    assert "Traceback" not in result.stderr + result.stdout
    # Only the probe was created (then approved, and its probe reverted): no contract later.
    record = json.loads((records / "arbitrum-sepolia-fork.json").read_text())
    assert list(record["contracts"]) == ["TokenProbe"] and "plan" not in record
    assert record["contracts"]["TokenProbe"]["address"] == create_address(owner.address, nonce)
    assert owner.nonce == nonce + 3
    assert all(len(chain.provider.get_code(create_address(owner.address, nonce + i))) == 0 for i in range(1, 12))
    assert token.balanceOf(owner) == MOR  # the probe's revert undid its pull
