"""PROTOCOL §7 "Announced changes": a deployment made by `ape run deploy` puts a GovernanceTimelock
in front of the three governed contracts as their owner (the compute pool has no owner); governance
schedules a change, it stays public for the delay, then it is executed within 14 days or expires.
On a public network the delay has an on-chain floor of a day that no announced change can lower.
The guardian, set through the timelock like any change, pauses at once and can do nothing else.
The deployer keeps no power, and the verification checks every fact, the floor included."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import ape
import click
import pytest
from ape import chain

from mor_market import governance as gov
from mor_market.cli import load_protocol
from mor_market.deploy import ZERO_ADDRESS, Protocol, deploy
from mor_market.deployment import deploy_network
from mor_market.record import addresses
from tests.utils.deployments import deploy_as_on_a_public_network

HOUR, DAY = 3_600, 86_400
GRACE = gov.GRACE_PERIOD


@pytest.fixture
def records(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setattr("mor_market.cli.RECORDS", tmp_path)
    return tmp_path


@pytest.fixture
def public_deployment(project, owner, stranger, records, monkeypatch: pytest.MonkeyPatch) -> Protocol:
    """`ape run deploy` as on a public network: a one-day delay with a one-day floor, and
    `stranger` (a multisig, say) as governance, so the deployer keeps nothing."""
    return deploy_as_on_a_public_network(project, owner, stranger.address, monkeypatch)


def _ready_at(timelock: Any, op: gov.Operation) -> int:
    return int(timelock.getTimestamp(op.id))


def test_deploy_network__on_a_public_network__the_timelock_owns_the_governed_contracts_with_a_day_floor(
    public_deployment, owner, stranger
):
    protocol = public_deployment
    timelock = protocol.timelock
    print(f"delay {timelock.getMinDelay()} s, floor {timelock.delayFloor()} s, grace {timelock.GRACE_PERIOD()} s")

    assert (timelock.getMinDelay(), timelock.delayFloor(), timelock.GRACE_PERIOD()) == (DAY, DAY, GRACE)
    for contract in gov.governed(protocol).values():
        assert contract.owner() == timelock.address
        assert contract.guardian() == ZERO_ADDRESS
    assert "owner" not in {abi.name for abi in protocol.pool.contract_type.abi if abi.type == "function"}
    assert gov.verify_timelock(protocol, timelock, stranger.address, owner.address, DAY, True) == []
    for role in gov.ROLES.values():
        assert not timelock.hasRole(role, owner)
    assert timelock.hasRole(gov.ADMIN_ROLE, timelock)


def test_deploy_network__a_local_deployment__has_no_delay_and_applies_a_change_at_once(project, owner, records):
    record = deploy_network(project, owner, force=True)
    protocol = load_protocol()
    timelock = protocol.timelock
    assert (record["governance"], record["timelock_delay"]) == (owner.address, 0)
    assert (timelock.getMinDelay(), timelock.delayFloor()) == (0, 0)

    with ape.reverts(protocol.marketplace.OwnableUnauthorizedAccount, account=owner.address):
        protocol.marketplace.setBidFee(5, sender=owner)
    gov.govern(timelock, owner, protocol.marketplace, "setBidFee", 5)

    assert protocol.marketplace.bidFee() == 5
    assert addresses(record)["timelock"] == timelock.address


def test_timelock__a_change__waits_the_whole_delay_then_executes(public_deployment, stranger):
    protocol = public_deployment
    router, timelock = protocol.router, protocol.timelock
    before = tuple(router.durationBounds())
    op = gov.schedule(timelock, stranger, router, "setDurationBounds", 600, 7_200)
    ready_at = _ready_at(timelock, op)
    assert ready_at == chain.blocks.head.timestamp + DAY
    assert gov.state_of(timelock, op.id) == "waiting"

    chain.pending_timestamp = ready_at - 1
    with ape.reverts(timelock.TimelockUnexpectedOperationState):
        gov.execute(timelock, stranger, op)
    assert tuple(router.durationBounds()) == before

    chain.pending_timestamp = ready_at
    gov.execute(timelock, stranger, op)
    print(f"duration bounds {before} -> {tuple(router.durationBounds())}")
    assert tuple(router.durationBounds()) == (600, 7_200)
    assert gov.state_of(timelock, op.id) == "done"
    assert gov.expires_at(timelock, op.id) is None
    assert [o.id for o in gov.operations(timelock, 0)][-1] == op.id


def test_timelock__an_announced_update_delay_below_the_floor__is_refused_at_execution_and_the_delay_stays(
    public_deployment, stranger
):
    timelock = public_deployment.timelock
    op = gov.schedule(timelock, stranger, timelock, "updateDelay", HOUR)
    chain.pending_timestamp = _ready_at(timelock, op)

    with ape.reverts(timelock.TimelockDelayBelowFloor, delay=HOUR, floor=DAY):
        gov.execute(timelock, stranger, op)

    print(f"delay after the refused updateDelay({HOUR}): {timelock.getMinDelay()} s")
    assert timelock.getMinDelay() == DAY
    assert gov.state_of(timelock, op.id) == "ready"  # not executed


def test_timelock__an_announced_update_delay_at_the_floor_or_above__applies(public_deployment, stranger):
    timelock = public_deployment.timelock
    longer = gov.schedule(timelock, stranger, timelock, "updateDelay", 2 * DAY)
    chain.pending_timestamp = _ready_at(timelock, longer)
    gov.execute(timelock, stranger, longer)
    assert timelock.getMinDelay() == 2 * DAY

    back = gov.schedule(timelock, stranger, timelock, "updateDelay", DAY)
    assert _ready_at(timelock, back) == chain.blocks.head.timestamp + 2 * DAY  # the new delay applies to it
    chain.pending_timestamp = _ready_at(timelock, back)
    gov.execute(timelock, stranger, back)
    assert timelock.getMinDelay() == DAY


def test_timelock__a_delay_below_its_floor__cannot_even_be_deployed(project, owner, stranger):
    with ape.reverts(project.GovernanceTimelock.TimelockDelayBelowFloor, delay=HOUR, floor=DAY):
        project.GovernanceTimelock.deploy(HOUR, DAY, [stranger], [stranger], [], sender=owner)


def test_timelock__a_ready_change_not_executed_within_14_days__expires_and_can_be_scheduled_again(
    public_deployment, stranger
):
    protocol = public_deployment
    router, timelock = protocol.router, protocol.timelock
    before = tuple(router.durationBounds())
    op = gov.schedule(timelock, stranger, router, "setDurationBounds", 600, 7_200)
    ready_at = _ready_at(timelock, op)
    assert gov.expires_at(timelock, op.id) == ready_at + GRACE

    chain.mine(timestamp=ready_at + GRACE - 1)
    assert gov.state_of(timelock, op.id) == "ready"
    chain.mine(timestamp=ready_at + GRACE)
    assert gov.state_of(timelock, op.id) == "expired"
    assert timelock.isOperationExpired(op.id)

    with ape.reverts(timelock.TimelockOperationExpired, id=op.id, expiredAt=ready_at + GRACE):
        gov.execute(timelock, stranger, op)
    with ape.reverts(timelock.TimelockUnexpectedOperationState):
        timelock.cancel(op.id, sender=stranger)
    print(f"expired at {ready_at + GRACE}: duration bounds still {tuple(router.durationBounds())}")
    assert tuple(router.durationBounds()) == before

    # The same call, with the same salt: the same id, waiting the whole delay again.
    timelock.schedule(op.target, 0, op.data, op.predecessor, op.salt, DAY, sender=stranger)
    again = _ready_at(timelock, op)
    assert again == chain.blocks.head.timestamp + DAY
    assert gov.state_of(timelock, op.id) == "waiting"
    chain.pending_timestamp = again
    gov.execute(timelock, stranger, op)
    assert tuple(router.durationBounds()) == (600, 7_200)
    assert gov.state_of(timelock, op.id) == "done"


def test_timelock__a_ready_change__executes_up_to_the_last_second_before_it_expires(public_deployment, stranger):
    protocol = public_deployment
    timelock = protocol.timelock
    op = gov.schedule(timelock, stranger, protocol.marketplace, "setBidFee", 7)
    chain.pending_timestamp = _ready_at(timelock, op) + GRACE - 1

    gov.execute(timelock, stranger, op)

    assert protocol.marketplace.bidFee() == 7


def test_guardian__set_through_the_timelock__pauses_at_once_and_cannot_unpause(public_deployment, stranger, keeper):
    protocol = public_deployment
    marketplace, timelock = protocol.marketplace, protocol.timelock
    guardian = keeper
    receipt, op = gov.apply(protocol, stranger, marketplace, "setGuardian", guardian.address)
    assert receipt is None and op is not None and gov.state_of(timelock, op.id) == "waiting"

    # Announced, not yet applied: the future guardian cannot pause.
    with ape.reverts(marketplace.NotPauser, account=guardian.address):
        marketplace.pause(sender=guardian)
    assert marketplace.guardian() == ZERO_ADDRESS

    chain.pending_timestamp = _ready_at(timelock, op)
    gov.execute(timelock, stranger, op)
    assert marketplace.guardian() == guardian.address
    assert protocol.router.guardian() == protocol.model_registry.guardian() == ZERO_ADDRESS

    # The guardian pauses in one transaction, without the timelock.
    tx = marketplace.pause(sender=guardian)
    paused_at = chain.blocks.head.timestamp
    event = tx.decode_logs(marketplace.Paused)[0]
    print(f"paused by the guardian at {paused_at} until {event.until}")
    assert (event.account, event.until) == (guardian.address, paused_at + 7 * DAY)
    assert marketplace.paused()

    # It can do nothing else: neither lift the pause nor change anything.
    with ape.reverts(marketplace.OwnableUnauthorizedAccount, account=guardian.address):
        marketplace.unpause(sender=guardian)
    with ape.reverts(marketplace.OwnableUnauthorizedAccount, account=guardian.address):
        marketplace.setGuardian(ZERO_ADDRESS, sender=guardian)
    with ape.reverts(marketplace.OwnableUnauthorizedAccount, account=guardian.address):
        marketplace.setWhitelisted(guardian, True, sender=guardian)
    with ape.reverts(timelock.AccessControlUnauthorizedAccount, account=guardian.address):
        gov.schedule(timelock, guardian, marketplace, "unpause")
    with ape.reverts(protocol.router.NotPauser, account=guardian.address):
        protocol.router.pause(sender=guardian)
    assert marketplace.paused() and marketplace.guardian() == guardian.address
    assert not marketplace.isWhitelisted(guardian)


def test_timelock__the_deployer__can_neither_schedule_nor_change_anything(public_deployment, owner):
    protocol = public_deployment
    timelock = protocol.timelock
    with ape.reverts(timelock.AccessControlUnauthorizedAccount, account=owner.address):
        gov.schedule(timelock, owner, protocol.marketplace, "setBidFee", 1)
    with ape.reverts(protocol.marketplace.OwnableUnauthorizedAccount, account=owner.address):
        protocol.marketplace.setWhitelisted(owner, True, sender=owner)
    with ape.reverts(protocol.marketplace.NotPauser, account=owner.address):
        protocol.marketplace.pause(sender=owner)
    assert not protocol.marketplace.isWhitelisted(owner) and not protocol.marketplace.paused()


def test_timelock__a_cancelled_change__never_applies(public_deployment, stranger):
    protocol = public_deployment
    timelock = protocol.timelock
    before = tuple(protocol.router.durationBounds())
    op = gov.schedule(timelock, stranger, protocol.router, "setDurationBounds", 600, 3_600)
    ready_at = _ready_at(timelock, op)
    timelock.cancel(op.id, sender=stranger)

    chain.pending_timestamp = ready_at + HOUR
    with ape.reverts(timelock.TimelockUnexpectedOperationState):
        gov.execute(timelock, stranger, op)
    assert tuple(protocol.router.durationBounds()) == before
    assert gov.state_of(timelock, op.id) == "unset"


def test_verify_timelock__a_public_network_timelock_with_a_wrong_floor__is_reported(
    project, owner, stranger, mor, params
):
    protocol = deploy(project, owner, mor.address, params)
    protocol.timelock = gov.install_timelock(project, protocol, owner, stranger.address, DAY, floor=0)

    failures = gov.verify_timelock(protocol, protocol.timelock, stranger.address, owner.address, DAY, True)

    assert failures == ["timelock delay floor: 0 s != 86400 s"]
    assert gov.verify_timelock(protocol, protocol.timelock, stranger.address, owner.address, DAY, False) == []


def test_verify_timelock__a_public_network_with_under_a_day__is_reported(project, owner, stranger, mor, params):
    protocol = deploy(project, owner, mor.address, params)
    protocol.timelock = gov.install_timelock(project, protocol, owner, stranger.address, HOUR)

    failures = gov.verify_timelock(protocol, protocol.timelock, stranger.address, owner.address, HOUR, True)

    assert failures == [
        f"timelock delay: {HOUR} s, under 86400 s on a public network",
        "timelock delay floor: 0 s != 86400 s",
    ]


def test_verify_timelock__owners_that_are_not_the_timelock__are_reported(project, owner, stranger, mor, params):
    protocol = deploy(project, owner, mor.address, params)
    timelock = project.GovernanceTimelock.deploy(0, 0, [stranger], [stranger], [], sender=owner)

    failures = gov.verify_timelock(protocol, timelock, stranger.address, owner.address, 0, False)

    assert failures == [
        f"{name}.owner: {owner.address} is not the timelock {timelock.address}"
        for name in ("ModelRegistry", "Marketplace", "SessionRouter")
    ]


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
