"""The removable delay, found by the v2 review (issue 27): one announced `updateDelay(0)` removed the
timelock's delay for every later change; the review's next `setDurationBounds` applied in the same
second it was scheduled.

v3 (PROTOCOL §7, "Announced changes"): GovernanceTimelock has an on-chain delay floor, a day on a
public network, fixed at deployment. Played again on a timelock with a one-day delay and floor: the
announced `updateDelay(0)` becomes ready and its execution reverts `TimelockDelayBelowFloor`; the
delay stays a day, and the next change still waits the whole day. No timelock can even be created
under its floor.
"""

from __future__ import annotations

import ape
from ape import chain

from mor_market import governance as gov
from mor_market.constants import DAY
from mor_market.deploy import create_address


def expected_states(*states: str) -> bytes:
    """TimelockController's bitmap of the states an operation was expected in (bytes32)."""
    return sum(1 << gov.STATES.index(state) for state in states).to_bytes(32, "big")


def test_update_delay_to_zero__announced_and_executed__reverts_below_floor_and_the_next_change_waits_the_day(
    day_timelock, router, stranger
):
    timelock = day_timelock
    removal = gov.schedule(timelock, stranger, timelock, "updateDelay", 0)
    chain.pending_timestamp = timelock.getTimestamp(removal.id)  # ready: the announcement was kept
    with ape.reverts(timelock.TimelockDelayBelowFloor, delay=0, floor=DAY):
        gov.execute(timelock, stranger, removal)
    assert (timelock.getMinDelay(), timelock.delayFloor()) == (DAY, DAY)
    assert gov.state_of(timelock, removal.id) == "ready"  # never done

    # The review's next move: a change scheduled and executed in the same breath.
    before = tuple(router.durationBounds())
    with ape.reverts(timelock.TimelockInsufficientDelay, delay=0, minDelay=DAY):
        timelock.schedule(
            router, 0, router.setDurationBounds.encode_input(3_600, 3_600), gov.ZERO32, gov.ZERO32, 0, sender=stranger
        )
    change = gov.schedule(timelock, stranger, router, "setDurationBounds", 3_600, 3_600)
    scheduled = timelock.getTimestamp(change.id) - DAY
    for at in (scheduled + 1, scheduled + DAY - 1):
        chain.pending_timestamp = at
        with ape.reverts(
            timelock.TimelockUnexpectedOperationState, operationId=change.id, expectedStates=expected_states("ready")
        ):
            gov.execute(timelock, stranger, change)
        assert tuple(router.durationBounds()) == before
    chain.pending_timestamp = scheduled + DAY
    applied = gov.execute(timelock, stranger, change)

    assert applied.timestamp - scheduled == DAY
    assert tuple(router.durationBounds()) == (3_600, 3_600)
    print(
        f"\nv2: after an announced updateDelay(0), setDurationBounds applied at +0 s\n"
        f"v3: updateDelay(0) reverts TimelockDelayBelowFloor(0, {DAY:,}); the delay stays {timelock.getMinDelay():,} s; "
        f"setDurationBounds refused at +1 s and +{DAY - 1:,} s, applied at +{applied.timestamp - scheduled:,} s"
    )


def test_update_delay__at_or_above_the_floor__still_applies(day_timelock, stranger):
    timelock = day_timelock
    raised = gov.schedule(timelock, stranger, timelock, "updateDelay", 2 * DAY)
    chain.pending_timestamp = timelock.getTimestamp(raised.id)
    gov.execute(timelock, stranger, raised)
    assert timelock.getMinDelay() == 2 * DAY

    lowered = gov.schedule(timelock, stranger, timelock, "updateDelay", DAY)  # back to the floor
    chain.pending_timestamp = timelock.getTimestamp(lowered.id)
    gov.execute(timelock, stranger, lowered)
    assert timelock.getMinDelay() == DAY


def test_update_delay__called_directly_by_governance__reverts_below_floor_or_unauthorized(day_timelock, stranger):
    timelock = day_timelock
    with ape.reverts(timelock.TimelockDelayBelowFloor, delay=0, floor=DAY):  # the floor is checked first
        timelock.updateDelay(0, sender=stranger)
    with ape.reverts(timelock.TimelockUnauthorizedCaller, caller=stranger.address):
        timelock.updateDelay(2 * DAY, sender=stranger)
    assert timelock.getMinDelay() == DAY


def test_timelock__created_with_a_delay_under_its_floor__reverts_below_floor(project, owner, stranger, day_timelock):
    planned = create_address(owner.address, owner.nonce)
    with ape.reverts(day_timelock.TimelockDelayBelowFloor, delay=DAY - 1, floor=DAY):
        project.GovernanceTimelock.deploy(DAY - 1, DAY, [stranger], [stranger], [], sender=owner)
    assert len(chain.get_code(planned)) == 0  # nothing was created
