"""Stale announcements, found by the v2 review (issue 27): a scheduled operation never expired, so
governance could announce a change, let everyone forget it, and apply it whenever it liked; the
review executed `setBudgetBps(1)` 180 days after scheduling it.

v3 (PROTOCOL §7, "Announced changes"): GovernanceTimelock expires an operation 14 days after it
became ready. Played again on a timelock with a one-day delay owning the protocol (the budget has
no setter any more, so governance announces the harshest change still in bounds, a one-hour
minimum session): 180 days later it reverts `TimelockOperationExpired`; within the 14 days it
applies; an expired change must be announced again and wait the whole delay again.
"""

from __future__ import annotations

import ape
from ape import chain

from mor_market import governance as gov
from mor_market.constants import DAY

STALE_AFTER = 180 * DAY  # the review's wait between scheduling and executing


def expected_states(*states: str) -> bytes:
    """TimelockController's bitmap of the states an operation was expected in (bytes32)."""
    return sum(1 << gov.STATES.index(state) for state in states).to_bytes(32, "big")


def _announce(timelock, governance, router) -> tuple[gov.Operation, int]:
    """Governance announces a one-hour minimum session; returns the operation and its ready time."""
    hour = router.MIN_DURATION_CEILING()
    operation = gov.schedule(timelock, governance, router, "setDurationBounds", hour, hour)
    return operation, timelock.getTimestamp(operation.id)


def test_announcement__executed_180_days_after_it_was_scheduled__reverts_operation_expired(
    day_timelock, router, stranger
):
    timelock = day_timelock
    before = tuple(router.durationBounds())
    operation, ready = _announce(timelock, stranger, router)
    scheduled = ready - DAY

    chain.pending_timestamp = scheduled + STALE_AFTER
    with ape.reverts(timelock.TimelockOperationExpired, id=operation.id, expiredAt=ready + gov.GRACE_PERIOD):
        gov.execute(timelock, stranger, operation)

    assert tuple(router.durationBounds()) == before
    chain.mine(timestamp=scheduled + STALE_AFTER + 1)
    assert gov.state_of(timelock, operation.id) == "expired"
    assert timelock.getOperationState(operation.id) == 0  # reads Unset: nothing left to execute
    print(
        f"\nv2: setBudgetBps(1) executed {STALE_AFTER // DAY} days after it was scheduled\n"
        f"v3: setDurationBounds(3600, 3600) scheduled at t, ready at t+{DAY:,} s, expired at "
        f"t+{DAY + gov.GRACE_PERIOD:,} s (day {(DAY + gov.GRACE_PERIOD) // DAY}); at t+{STALE_AFTER:,} s "
        f"TimelockOperationExpired, bounds stay {before}"
    )


def test_announcement__within_14_days_of_becoming_ready__applies_and_at_14_days__has_expired(
    day_timelock, router, marketplace, stranger
):
    timelock = day_timelock
    operation, ready = _announce(timelock, stranger, router)
    fee = marketplace.MAX_BID_FEE()
    late = gov.schedule(timelock, stranger, marketplace, "setBidFee", fee)
    late_ready = timelock.getTimestamp(late.id)
    fee_before = marketplace.bidFee()

    chain.pending_timestamp = ready + gov.GRACE_PERIOD - 1  # the last second it may apply
    gov.execute(timelock, stranger, operation)
    chain.pending_timestamp = late_ready + gov.GRACE_PERIOD  # the first second it may not
    with ape.reverts(timelock.TimelockOperationExpired, id=late.id, expiredAt=late_ready + gov.GRACE_PERIOD):
        gov.execute(timelock, stranger, late)

    hour = router.MIN_DURATION_CEILING()
    assert tuple(router.durationBounds()) == (hour, hour)
    assert gov.state_of(timelock, operation.id) == "done"
    assert marketplace.bidFee() == fee_before
    print(
        f"\nexecuted at ready+{gov.GRACE_PERIOD - 1:,} s: applied; "
        f"at ready+{gov.GRACE_PERIOD:,} s: TimelockOperationExpired, bid fee stays {fee_before}"
    )


def test_expired_announcement__announced_again__waits_the_whole_delay_again(day_timelock, router, stranger):
    timelock = day_timelock
    operation, ready = _announce(timelock, stranger, router)
    before = tuple(router.durationBounds())
    chain.pending_timestamp = ready + gov.GRACE_PERIOD
    with ape.reverts(  # too late to cancel: it reads unset
        timelock.TimelockUnexpectedOperationState,
        operationId=operation.id,
        expectedStates=expected_states("waiting", "ready"),
    ):
        timelock.cancel(operation.id, sender=stranger)

    # The same call and salt, scheduled again: a fresh announcement with the whole delay.
    chain.pending_timestamp = again = ready + gov.GRACE_PERIOD + 1
    timelock.schedule(operation.target, 0, operation.data, operation.predecessor, operation.salt, DAY, sender=stranger)
    assert (gov.state_of(timelock, operation.id), timelock.getTimestamp(operation.id)) == ("waiting", again + DAY)
    chain.pending_timestamp = again + DAY - 1
    with ape.reverts(
        timelock.TimelockUnexpectedOperationState, operationId=operation.id, expectedStates=expected_states("ready")
    ):
        gov.execute(timelock, stranger, operation)
    assert tuple(router.durationBounds()) == before

    chain.pending_timestamp = again + DAY
    gov.execute(timelock, stranger, operation)
    hour = router.MIN_DURATION_CEILING()
    assert tuple(router.durationBounds()) == (hour, hour)
    print(f"\nannounced again at expiry+1 s: refused at +{DAY - 1:,} s, applied at +{DAY:,} s")
