"""Deployments the e2e tests share."""

from __future__ import annotations

from typing import Any

import pytest

from mor_market.cli import load_config, load_protocol
from mor_market.constants import DAY
from mor_market.deploy import Protocol


def deploy_as_on_a_public_network(
    project: Any, deployer: Any, governance: str, monkeypatch: pytest.MonkeyPatch
) -> Protocol:
    """`ape run deploy` as on a public network: a day's delay with a day's floor, and `governance`
    (a multisig, say) as the timelock's proposer and executor, so the deployer keeps nothing. The
    record goes wherever the caller pointed `mor_market.cli.RECORDS`."""
    from mor_market.deployment import deploy_network

    monkeypatch.setattr("mor_market.deployment.is_local_network", lambda: False)
    monkeypatch.setattr("mor_market.deployment.is_local_node", lambda: False)
    config = {**load_config("arbitrum-sepolia-fork"), "timelock_delay": DAY, "governance": governance}
    monkeypatch.setattr("mor_market.deployment.load_config", lambda _key: config)
    deploy_network(project, deployer, force=True)
    return load_protocol()
