"""PROTOCOL §7 "Announced changes", v3: the GovernanceTimelock's delay has an on-chain floor, fixed
at construction, that no delay can ever go under, not even through an announced `updateDelay`;
its constructor accepts the ownership every governed contract offered it, and nobody but the
timelock itself administers its roles."""

from __future__ import annotations

import ape
import pytest
from ape import accounts, chain
from eth_abi import encode

from mor_market.constants import DAY
from mor_market.deploy import ZERO_ADDRESS, create_address
from tests.unit.governance.conftest import DONE, READY, error_data, revert_data, schedule_at

HOUR = 3_600
ADMIN_ROLE = b"\x00" * 32  # DEFAULT_ADMIN_ROLE


def _update_delay(timelock, delay: int) -> bytes:
    return bytes(timelock.updateDelay.encode_input(delay))


# ------------------------------------------------------------------ the constructor


def test_constructor__delay_below_the_floor__reverts_timelock_delay_below_floor(project, owner, governance):
    nonce = owner.nonce

    with ape.reverts() as reverted:
        project.GovernanceTimelock.deploy(DAY - 1, DAY, [governance], [governance], [], sender=owner)

    assert revert_data(reverted.value) == error_data("TimelockDelayBelowFloor(uint256,uint256)", DAY - 1, DAY)

    assert not bytes(chain.provider.get_code(create_address(owner.address, nonce)))  # nothing created


@pytest.mark.parametrize(("delay", "floor"), [(DAY, DAY), (2 * DAY, DAY), (0, 0), (HOUR, 0)])
def test_constructor__delay_at_or_above_the_floor__keeps_both(deploy_timelock, delay, floor):
    timelock = deploy_timelock(delay, floor)

    assert (timelock.getMinDelay(), timelock.delayFloor()) == (delay, floor)


def test_constructor__with_offered_ownership__makes_the_timelock_the_owner_with_nothing_pending(
    protocol, owner, owning_timelock
):
    marketplace = protocol.marketplace

    timelock = owning_timelock(DAY, DAY)

    assert marketplace.owner() == timelock.address
    assert marketplace.pendingOwner() == ZERO_ADDRESS
    with ape.reverts(marketplace.OwnableUnauthorizedAccount, account=owner.address):
        marketplace.setBidFee(1, sender=owner)


def test_constructor__for_a_contract_that_offered_no_ownership__reverts_and_the_owner_stays(
    project, protocol, owner, governance
):
    marketplace = protocol.marketplace
    arguments = (DAY, DAY, [governance.address], [governance.address], [marketplace.address])
    # The constructor, run by the node as the owner's next deployment would be: the marketplace's
    # own revert, bubbled up, names the would-be timelock as an account it never offered ownership.
    future = create_address(owner.address, owner.nonce)
    creation = bytes.fromhex(project.GovernanceTimelock.contract_type.deployment_bytecode.bytecode[2:]) + encode(
        ["uint256", "uint256", "address[]", "address[]", "address[]"], arguments
    )
    response = chain.provider.web3.provider.make_request(
        "eth_call", [{"from": owner.address, "data": "0x" + creation.hex()}, "latest"]
    )
    refusal = error_data("OwnableUnauthorizedAccount(address)", future)
    assert bytes.fromhex(response["error"]["data"].removeprefix("0x")) == refusal

    with ape.reverts() as reverted:
        project.GovernanceTimelock.deploy(*arguments, sender=owner)

    # The same refusal (Ape reports it from a replay, after the nonce moved: the address differs).
    assert revert_data(reverted.value)[:4] == refusal[:4]

    assert (marketplace.owner(), marketplace.pendingOwner()) == (owner.address, ZERO_ADDRESS)
    assert not bytes(chain.provider.get_code(future))  # nothing created


def test_roles__nobody_but_the_timelock_holds_the_admin_role(owner, governance, owning_timelock):
    timelock = owning_timelock(DAY, DAY)

    granted = timelock.creation_metadata.receipt.decode_logs(timelock.RoleGranted)
    admins = [log.account for log in granted if bytes(log.role) == ADMIN_ROLE]
    assert admins == [timelock.address]
    assert timelock.hasRole(ADMIN_ROLE, timelock.address)
    for account in (owner, governance, *accounts.test_accounts):
        assert not timelock.hasRole(ADMIN_ROLE, account)
    assert timelock.getRoleAdmin(timelock.PROPOSER_ROLE()) == ADMIN_ROLE


# ------------------------------------------------------------------ updateDelay


def test_update_delay__announced_below_the_floor__is_scheduled_but_its_execution_reverts(governance, deploy_timelock):
    timelock = deploy_timelock(2 * DAY, DAY)
    start = chain.pending_timestamp
    op = schedule_at(timelock, governance, start, timelock, _update_delay(timelock, DAY - 1), b"\x01" * 32)
    chain.mine(timestamp=op.ready_at)
    assert timelock.getOperationState(op.id) == READY

    with ape.reverts(timelock.TimelockDelayBelowFloor, delay=DAY - 1, floor=DAY):
        op.execute(timelock, governance)

    assert timelock.getMinDelay() == 2 * DAY
    assert timelock.getOperationState(op.id) == READY  # not done: it may never be


def test_update_delay__announced_to_exactly_the_floor__applies(governance, deploy_timelock):
    timelock = deploy_timelock(2 * DAY, DAY)
    start = chain.pending_timestamp
    op = schedule_at(timelock, governance, start, timelock, _update_delay(timelock, DAY), b"\x02" * 32)
    chain.mine(timestamp=op.ready_at)

    tx = op.execute(timelock, governance)

    assert [(log.oldDuration, log.newDuration) for log in tx.decode_logs(timelock.MinDelayChange)] == [(2 * DAY, DAY)]
    assert timelock.getMinDelay() == DAY
    assert timelock.getOperationState(op.id) == DONE


def test_update_delay__with_a_floor_of_zero__may_go_to_zero(governance, deploy_timelock):
    timelock = deploy_timelock(HOUR, 0)
    start = chain.pending_timestamp
    op = schedule_at(timelock, governance, start, timelock, _update_delay(timelock, 0), b"\x03" * 32)
    chain.mine(timestamp=op.ready_at)

    op.execute(timelock, governance)

    assert (timelock.getMinDelay(), timelock.delayFloor()) == (0, 0)


def test_update_delay__called_directly_by_governance__reverts_timelock_unauthorized_caller(governance, deploy_timelock):
    timelock = deploy_timelock(2 * DAY, DAY)

    with ape.reverts(timelock.TimelockUnauthorizedCaller, caller=governance.address):
        timelock.updateDelay(2 * DAY + 1, sender=governance)

    assert timelock.getMinDelay() == 2 * DAY
