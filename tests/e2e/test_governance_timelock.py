"""PROTOCOL §7 "Announced changes": a deployment made by `ape run deploy` puts a GovernanceTimelock
(OpenZeppelin's TimelockController) in front of every contract as its owner; governance schedules a
change, it stays public for the delay, then it is executed. The deployer keeps no power, the
verification checks every fact, and a public network refuses a delay under a day."""

from __future__ import annotations

from pathlib import Path

import ape
import click
import pytest
from ape import chain

from mor_market import governance as gov
from mor_market.deploy import deploy
from mor_market.deployment import deploy_network
from mor_market.record import addresses

HOUR = 3_600


@pytest.fixture
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("mor_market.cli.RECORDS", tmp_path)
    return tmp_path


@pytest.fixture
def governed_by_stranger(project, owner, stranger, mor, params):
    """The protocol with a one-hour timelock whose proposer, executor and canceller is `stranger`."""
    protocol = deploy(project, owner, mor.address, params)
    protocol.timelock = gov.install_timelock(project, protocol, owner, stranger.address, HOUR)
    return protocol


def test_deploy_network__the_timelock_owns_every_contract_and_the_deployer_keeps_no_admin(project, owner, records):
    record = deploy_network(project, owner, force=True)

    timelock = project.GovernanceTimelock.at(addresses(record)["timelock"])
    for name, address in addresses(record).items():
        if name in ("model_registry", "marketplace", "pool", "router"):
            assert project.ModelRegistry.at(address).owner() == timelock.address, name
    assert (record["governance"], record["timelock_delay"]) == (owner.address, 0)
    assert timelock.getMinDelay() == 0
    assert timelock.hasRole(gov.PROPOSER_ROLE, owner) and timelock.hasRole(gov.EXECUTOR_ROLE, owner)
    assert not timelock.hasRole(gov.ADMIN_ROLE, owner)
    assert timelock.hasRole(gov.ADMIN_ROLE, timelock)


def test_govern__with_no_delay__schedules_and_executes_at_once(project, owner, records):
    record = deploy_network(project, owner, force=True)
    pool = project.ComputePool.at(addresses(record)["pool"])
    timelock = project.GovernanceTimelock.at(addresses(record)["timelock"])

    with ape.reverts(pool.OwnableUnauthorizedAccount, account=owner.address):
        pool.setBudgetBps(50, sender=owner)
    gov.govern(timelock, owner, pool, "setBudgetBps", 50)

    assert pool.budgetBps() == 50


def test_timelock__a_change__waits_the_whole_delay_then_executes(governed_by_stranger, owner, stranger):
    protocol = governed_by_stranger
    pool, timelock = protocol.pool, protocol.timelock
    assert gov.verify_timelock(protocol, timelock, stranger.address, owner.address, HOUR, False) == []
    op = gov.schedule(timelock, stranger, pool, "setBudgetBps", 50)
    # The schedule's own block time (the pending time read before it may be a second behind on a
    # busy machine: anvil's clock runs while the transaction is prepared).
    scheduled_at = chain.blocks.head.timestamp
    assert gov.state_of(timelock, op.id) == "waiting"

    chain.pending_timestamp = scheduled_at + HOUR - 1
    with ape.reverts(timelock.TimelockUnexpectedOperationState):
        gov.execute(timelock, stranger, op)
    assert pool.budgetBps() == 100

    chain.pending_timestamp = scheduled_at + HOUR
    gov.execute(timelock, stranger, op)
    assert pool.budgetBps() == 50
    assert gov.state_of(timelock, op.id) == "done"
    assert [o.id for o in gov.operations(timelock, 0)][-1] == op.id


def test_timelock__the_deployer__can_neither_schedule_nor_change_anything(governed_by_stranger, owner, stranger):
    protocol = governed_by_stranger
    timelock = protocol.timelock
    with ape.reverts(timelock.AccessControlUnauthorizedAccount, account=owner.address):
        gov.schedule(timelock, owner, protocol.pool, "setBudgetBps", 1)
    with ape.reverts(protocol.marketplace.OwnableUnauthorizedAccount, account=owner.address):
        protocol.marketplace.setWhitelisted(owner, True, sender=owner)
    for role in gov.ROLES.values():
        assert not timelock.hasRole(role, owner)


def test_timelock__a_cancelled_change__never_applies(governed_by_stranger, stranger):
    protocol = governed_by_stranger
    timelock = protocol.timelock
    op = gov.schedule(timelock, stranger, protocol.router, "setDurationBounds", 600, 3_600)
    timelock.cancel(op.id, sender=stranger)

    chain.pending_timestamp += HOUR
    with ape.reverts(timelock.TimelockUnexpectedOperationState):
        gov.execute(timelock, stranger, op)
    assert tuple(protocol.router.durationBounds()) != (600, 3_600)


def test_verify_timelock__a_public_network_with_under_a_day__is_reported(governed_by_stranger, stranger, owner):
    protocol = governed_by_stranger
    failures = gov.verify_timelock(protocol, protocol.timelock, stranger.address, owner.address, HOUR, True)
    assert failures == [f"timelock delay: {HOUR} s, under 86400 s on a public network"]


def test_verify_timelock__an_owner_that_is_not_the_timelock__is_reported(project, owner, stranger, mor, params):
    protocol = deploy(project, owner, mor.address, params)
    timelock = project.GovernanceTimelock.deploy(0, [stranger], [stranger], owner, sender=owner)

    failures = gov.verify_timelock(protocol, timelock, stranger.address, owner.address, 0, False)

    assert len([f for f in failures if ".owner:" in f]) == 4
    assert "timelock: an account holds the admin role (only the timelock itself may)" in failures


def test_deploy_network__on_a_public_network_with_a_delay_under_a_day__refuses(
    project, owner, records, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("mor_market.deployment.is_local_network", lambda: False)
    monkeypatch.setattr("mor_market.deployment.is_local_node", lambda: False)
    nonce = owner.nonce

    with pytest.raises(click.ClickException, match="at least 86400 s"):
        deploy_network(project, owner, force=True)

    assert owner.nonce == nonce  # refused before anything is sent
    assert not list(records.iterdir())
