"""PROTOCOL §7 "Announced changes", v3: an announced change that was not executed within 14 days
of becoming ready expires. At its ready time + 14 days `execute` reverts
`TimelockOperationExpired(id, expiredAt)`; it reads as unset, so it cannot be cancelled and the
same call, with the same salt, can be announced again and wait out the delay again. A done
operation never expires. Tested on a GovernanceTimelock that owns the session's Marketplace."""

from __future__ import annotations

from typing import Any

import ape
import pytest
from ape import chain

from mor_market.constants import DAY, MOR
from tests.unit.governance.conftest import DONE, GRACE, READY, UNSET, WAITING, ZERO32, schedule_at

DELAY = DAY
SALT = b"\x27" * 32
FEE = 3 * MOR


def _bitmap(*states: int) -> bytes:
    """OpenZeppelin's _encodeStateBitmap: one bit per expected OperationState."""
    return sum(1 << state for state in states).to_bytes(32, "big")


@pytest.fixture
def timelock(owning_timelock) -> Any:
    return owning_timelock(DELAY, DELAY)


@pytest.fixture
def set_fee(timelock, marketplace) -> bytes:
    """The announced change: the marketplace's bid fee to FEE."""
    assert marketplace.bidFee() != FEE
    return bytes(marketplace.setBidFee.encode_input(FEE))


def test_timelock__grace_period__is_a_public_constant_of_14_days(timelock):
    assert timelock.GRACE_PERIOD() == GRACE == 14 * DAY


def test_execute__one_second_before_ready_plus_14_days__applies_the_change(timelock, marketplace, governance, set_fee):
    op = schedule_at(timelock, governance, chain.pending_timestamp, marketplace, set_fee, SALT)
    chain.mine(timestamp=op.ready_at + GRACE - 2)
    assert (timelock.isOperationExpired(op.id), timelock.getOperationState(op.id)) == (False, READY)
    chain.pending_timestamp = op.ready_at + GRACE - 1

    tx = op.execute(timelock, governance)

    assert tx.timestamp == op.ready_at + GRACE - 1
    assert [bytes(log.id) for log in tx.decode_logs(timelock.CallExecuted)] == [op.id]
    assert marketplace.bidFee() == FEE
    assert (timelock.isOperationExpired(op.id), timelock.getOperationState(op.id)) == (False, DONE)


def test_execute__at_ready_plus_14_days__reverts_timelock_operation_expired_and_changes_nothing(
    timelock, marketplace, governance, set_fee
):
    op = schedule_at(timelock, governance, chain.pending_timestamp, marketplace, set_fee, SALT)
    fee = marketplace.bidFee()
    chain.pending_timestamp = op.ready_at + GRACE

    with ape.reverts(timelock.TimelockOperationExpired, id=op.id, expiredAt=op.ready_at + GRACE):
        op.execute(timelock, governance)

    assert marketplace.bidFee() == fee
    assert timelock.getTimestamp(op.id) == op.ready_at  # the record stays; it only reads as expired


def test_an_expired_operation__reads_expired_and_unset_from_its_ready_time_plus_14_days(
    timelock, marketplace, governance, set_fee
):
    op = schedule_at(timelock, governance, chain.pending_timestamp, marketplace, set_fee, SALT)

    chain.mine(timestamp=op.ready_at + GRACE - 1)
    assert (timelock.isOperationExpired(op.id), timelock.getOperationState(op.id)) == (False, READY)
    chain.mine(timestamp=op.ready_at + GRACE)
    assert (timelock.isOperationExpired(op.id), timelock.getOperationState(op.id)) == (True, UNSET)
    assert (timelock.isOperation(op.id), timelock.isOperationPending(op.id), timelock.isOperationReady(op.id)) == (
        False,
        False,
        False,
    )


def test_cancel__of_an_expired_operation__reverts_unexpected_operation_state(
    timelock, marketplace, governance, set_fee
):
    op = schedule_at(timelock, governance, chain.pending_timestamp, marketplace, set_fee, SALT)
    chain.pending_timestamp = op.ready_at + GRACE

    with ape.reverts(timelock.TimelockUnexpectedOperationState, operationId=op.id, expectedStates=_bitmap(1, 2)):
        timelock.cancel(op.id, sender=governance)

    assert timelock.getTimestamp(op.id) == op.ready_at


def test_an_expired_operation__scheduled_again_with_the_same_salt__waits_the_delay_again_then_executes(
    timelock, marketplace, governance, set_fee
):
    first = schedule_at(timelock, governance, chain.pending_timestamp, marketplace, set_fee, SALT)
    again_at = first.ready_at + GRACE + 10

    again = schedule_at(timelock, governance, again_at, marketplace, set_fee, SALT)

    assert again.id == first.id
    assert again.ready_at == again_at + DELAY
    chain.mine(timestamp=again.ready_at - 1)
    assert (timelock.isOperationExpired(again.id), timelock.getOperationState(again.id)) == (False, WAITING)
    with ape.reverts(timelock.TimelockUnexpectedOperationState, operationId=again.id, expectedStates=_bitmap(READY)):
        again.execute(timelock, governance)
    assert marketplace.bidFee() != FEE
    chain.pending_timestamp = again.ready_at + 1
    again.execute(timelock, governance)
    assert marketplace.bidFee() == FEE


def test_an_operation_with_a_longer_delay__expires_14_days_after_it_is_ready_not_after_it_was_scheduled(
    timelock, marketplace, governance, set_fee
):
    start = chain.pending_timestamp
    chain.pending_timestamp = start
    timelock.schedule(marketplace.address, 0, set_fee, ZERO32, SALT, 20 * DAY, sender=governance)
    op_id = bytes(timelock.hashOperation(marketplace.address, 0, set_fee, ZERO32, SALT))

    chain.mine(timestamp=start + GRACE + DAY)  # 15 days after it was scheduled: still waiting
    assert (timelock.isOperationExpired(op_id), timelock.getOperationState(op_id)) == (False, WAITING)
    chain.mine(timestamp=start + 20 * DAY + GRACE - 1)
    assert (timelock.isOperationExpired(op_id), timelock.getOperationState(op_id)) == (False, READY)
    chain.mine(timestamp=start + 20 * DAY + GRACE)
    assert (timelock.isOperationExpired(op_id), timelock.getOperationState(op_id)) == (True, UNSET)


@pytest.fixture
def batch(timelock, marketplace, governance) -> dict[str, Any]:
    """Two changes announced as one batch at an exact time: the bid fee and the minimum stake."""
    call = {
        "targets": [marketplace.address, marketplace.address],
        "values": [0, 0],
        "payloads": [marketplace.setBidFee.encode_input(FEE), marketplace.setMinProviderStake.encode_input(7 * MOR)],
        "predecessor": ZERO32,
        "salt": SALT,
    }
    start = chain.pending_timestamp
    chain.pending_timestamp = start
    timelock.scheduleBatch(*call.values(), DELAY, sender=governance)
    op_id = bytes(timelock.hashOperationBatch(*call.values()))
    assert timelock.getTimestamp(op_id) == start + DELAY
    return {"call": call, "id": op_id, "ready_at": start + DELAY}


def test_execute_batch__one_second_before_ready_plus_14_days__applies_every_change(
    timelock, marketplace, governance, batch
):
    chain.pending_timestamp = batch["ready_at"] + GRACE - 1

    tx = timelock.executeBatch(*batch["call"].values(), sender=governance)

    assert tx.timestamp == batch["ready_at"] + GRACE - 1
    assert (marketplace.bidFee(), marketplace.minProviderStake()) == (FEE, 7 * MOR)
    assert timelock.getOperationState(batch["id"]) == DONE


def test_execute_batch__at_ready_plus_14_days__reverts_timelock_operation_expired_and_changes_nothing(
    timelock, marketplace, governance, batch
):
    before = (marketplace.bidFee(), marketplace.minProviderStake())
    chain.pending_timestamp = batch["ready_at"] + GRACE

    with ape.reverts(timelock.TimelockOperationExpired, id=batch["id"], expiredAt=batch["ready_at"] + GRACE):
        timelock.executeBatch(*batch["call"].values(), sender=governance)

    assert (marketplace.bidFee(), marketplace.minProviderStake()) == before
    chain.mine(timestamp=batch["ready_at"] + GRACE)
    assert (timelock.isOperationExpired(batch["id"]), timelock.getOperationState(batch["id"])) == (True, UNSET)


def test_a_done_operation__never_reads_expired(timelock, marketplace, governance, set_fee):
    op = schedule_at(timelock, governance, chain.pending_timestamp, marketplace, set_fee, SALT)
    chain.pending_timestamp = op.ready_at
    op.execute(timelock, governance)

    for later in (op.ready_at + GRACE, op.ready_at + 10 * 365 * DAY):
        chain.mine(timestamp=later)
        assert (timelock.isOperationExpired(op.id), timelock.getOperationState(op.id)) == (False, DONE)
        assert timelock.isOperationDone(op.id)
    with ape.reverts(timelock.TimelockUnexpectedOperationState, operationId=op.id, expectedStates=_bitmap(READY)):
        op.execute(timelock, governance)  # done once, never again
    assert marketplace.bidFee() == FEE
