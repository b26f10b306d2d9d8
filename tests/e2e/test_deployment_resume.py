"""A deployment stopped halfway resumes from its record on the next run: what the record holds is
not deployed again, a creation that was signed but never sent is sent, one that was sent is found
by its hash, ownership offers already made are not made again, and the run ends with the same
addresses, wiring and owners as an uninterrupted deployment.

The stop is the n-th transaction of the deployment failing, either before it reaches the node (a
process killed after recording the signed creation) or after (killed before it saw the receipt).
The transactions of a local deployment, in order: 1 the TokenProbe's creation, 2 its approval,
3 the probe; 4-8 the five contracts; 9-11 the parameters; 12-14 the three ownership offers to the
planned timelock; 15 the timelock's creation (it accepts the offers in its constructor)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import click
import pytest
from ape import chain

from mor_market import record as records
from mor_market.deployment import deploy_network


class Stopped(Exception):
    """The deploying process 'dies' here."""


@pytest.fixture
def record_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("mor_market.cli.RECORDS", tmp_path)
    return tmp_path / "arbitrum-sepolia-fork.json"


def stop_at(monkeypatch: pytest.MonkeyPatch, n: int, after_send: bool) -> None:
    """The n-th transaction the deployment sends fails (before or after it reaches the node)."""
    provider_type = type(chain.provider)
    real = provider_type.send_transaction
    sent = 0

    def send(self: Any, txn: Any) -> Any:
        nonlocal sent
        sent += 1
        if sent == n and not after_send:
            raise Stopped(f"stopped before transaction {n}")
        receipt = real(self, txn)
        if sent == n:
            raise Stopped(f"stopped after transaction {n}")
        return receipt

    monkeypatch.setattr(provider_type, "send_transaction", send)


def wiring(project: Any, record: dict[str, Any]) -> dict[str, Any]:
    """Every pointer, owner and guardian of the deployed contracts, read from the chain."""
    at = records.addresses(record)
    mr, mp = project.ModelRegistry.at(at["model_registry"]), project.Marketplace.at(at["marketplace"])
    pool, router = project.ComputePool.at(at["pool"]), project.SessionRouter.at(at["router"])
    reputation, timelock = project.Reputation.at(at["reputation"]), project.GovernanceTimelock.at(at["timelock"])
    return {
        "addresses": at,
        "pointers": [
            *(mr.marketplace(), mr.pool(), mp.models(), mp.pool(), pool.router()),
            *(router.marketplace(), router.pool(), reputation.marketplace(), reputation.router()),
        ],
        "owners": tuple((c.owner(), c.pendingOwner(), c.guardian()) for c in (mr, mp, router)),
        "timelock": (timelock.getMinDelay(), timelock.delayFloor()),
        "parameters": (mp.minProviderStake(), tuple(mp.priceBounds()), tuple(router.durationBounds())),
    }


@pytest.mark.parametrize(
    ("n", "after_send", "deployed_before_stop"),
    [
        (3, False, 0),  # the probe created and approved, the probe itself never sent
        (4, False, 0),  # the first creation (ModelRegistry) signed and recorded, never sent
        (5, True, 2),  # Marketplace sent and mined, the receipt never seen
        (7, False, 3),  # after 3 of the 4 contracts that point at each other
        (9, False, 5),  # while setting the parameters
        (12, True, 5),  # the first ownership offer made, its receipt never seen
        (13, False, 5),  # halfway through the ownership offers: one made, two not
        (15, False, 5),  # every offer made, the timelock's creation signed and recorded, never sent
        (15, True, 6),  # the timelock created (the ownerships accepted), its receipt never seen
    ],
)
def test_deploy_network__stopped_after_k_contracts__resumes_to_the_same_wiring_without_redeploying(
    project, owner, params, record_path, monkeypatch, n, after_send, deployed_before_stop
):
    with chain.isolate():
        uninterrupted = deploy_network(project, owner, force=True)
        expected, expected_nonce = wiring(project, uninterrupted), owner.nonce
    record_path.unlink()

    stop_at(monkeypatch, n, after_send)
    with pytest.raises(Stopped):
        deploy_network(project, owner, force=True)
    monkeypatch.undo()
    monkeypatch.setattr("mor_market.cli.RECORDS", record_path.parent)
    partial = json.loads(record_path.read_text())
    assert partial["status"] == records.IN_PROGRESS
    probe = partial.get("token_probe") or partial["contracts"].get("TokenProbe")
    sent = {name: e for name, e in partial["contracts"].items() if name not in ("MOR", "TokenProbe")}
    on_chain = [name for name, e in sent.items() if len(chain.provider.get_code(e["address"])) > 0]
    assert len(on_chain) == deployed_before_stop

    resumed = deploy_network(project, owner)

    assert resumed["status"] == records.COMPLETE and resumed["verified"] is True
    assert wiring(project, resumed) == expected
    assert owner.nonce == expected_nonce  # not one creation (nor any other transaction) more
    assert resumed["token_probe"]["address"] == probe["address"]  # the probe is not created again
    for name, entry in sent.items():  # what was recorded before the stop is what the resumed record names
        assert resumed["contracts"][name]["address"] == entry["address"], name
        if entry.get("block"):
            assert resumed["contracts"][name]["transaction"] == entry["transaction"], name


def test_deploy_network__a_partial_record_whose_planned_nonce_was_used__is_refused_in_one_line(
    project, owner, record_path, monkeypatch, stranger
):
    stop_at(monkeypatch, 6, False)  # ModelRegistry and Marketplace created, ComputePool not
    with pytest.raises(Stopped):
        deploy_network(project, owner, force=True)
    monkeypatch.undo()
    monkeypatch.setattr("mor_market.cli.RECORDS", record_path.parent)
    owner.transfer(stranger, 1)  # another transaction of the deployer takes ComputePool's nonce

    with pytest.raises(click.ClickException, match="ComputePool must be created with the deployer's nonce"):
        deploy_network(project, owner)
    assert json.loads(record_path.read_text())["status"] == records.IN_PROGRESS


def test_deploy_network__a_complete_record__is_neither_resumed_nor_overwritten(project, owner, record_path):
    deploy_network(project, owner, force=True)
    before = record_path.read_text()
    with pytest.raises(click.ClickException, match="exists: a deployment is recorded"):
        deploy_network(project, owner)
    assert record_path.read_text() == before
