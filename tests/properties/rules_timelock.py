"""Rules of the announced changes (§7, v3): a GovernanceTimelock's operations, executed in time or
after they expired.

The choice: a second, separate GovernanceTimelock (delay TIMELOCK_DELAY, floor TIMELOCK_FLOOR,
governance its only proposer and executor) that owns a side ModelRegistry deployed for it and
nothing of the protocol the other rules drive. Putting the protocol's own contracts behind it
would turn every governance rule into schedule, wait an hour, execute, and make every parameter
rule depend on the timelock's clock; here the timelock's own rules are exact (each schedule and
execution predicted to the error and its arguments by `model.Timelock`), its target is the same
code and the same bound checks governance meets on a public network, and the rest of the machine
is untouched. The scheduled calls are the side registry's `setMinModelStake` (within its bounds,
at an edge, or past one: the error bubbles up at execution) and the timelock's own `updateDelay`
(under the floor: `TimelockDelayBelowFloor`). Time is the machine's own: an execution may first
let the clock run to just before or at the operation's ready time, or to just before, at or long
after its expiry (ready + 14 days), so the same operation is executed, refused as not ready, or
refused as expired (`TimelockOperationExpired(id, expiredAt)`, and nothing changes).
"""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from mor_market.constants import MOR
from tests.properties.model import GRACE_PERIOD, READY, WAITING, TimelockCall
from tests.properties.world import (
    BLOCK_SECONDS,
    GOVERNANCE,
    GRIEFER,
    TIMELOCK_DELAY,
    TIMELOCK_FLOOR,
    ZERO32,
    choose,
    index,
    operation_id,
)

# (target, value): the side registry's minimum model stake (the last past its bound), or the
# timelock's own delay (the first two under its floor).
TIMELOCK_CHANGES = [
    ("side_registry", 0),
    ("side_registry", 50 * MOR),
    ("side_registry", 100_000 * MOR),
    ("side_registry", 100_000 * MOR + 1),
    ("timelock", 0),
    ("timelock", TIMELOCK_FLOOR - 1),
    ("timelock", TIMELOCK_FLOOR),
    ("timelock", TIMELOCK_DELAY),
    ("timelock", 2 * TIMELOCK_DELAY),
]
# When an execution lands, relative to the operation's ready time or its expiry.
WHEN = ("now", "just before ready", "at ready", "just before expiry", "at expiry", "long after expiry")


class TimelockRules:
    """Rules of the announced changes (§7, v3): schedule, then execute in time or too late."""

    def _timelock_call(self, call: TimelockCall) -> tuple[str, bytes, bytes, bytes]:
        """(target address, calldata, salt, operation id) of a call."""
        if call.target == "side_registry":
            target, data = self.w.side_registry.address, self.w.side_registry.setMinModelStake.encode_input(call.value)
        else:
            target, data = self.w.timelock.address, self.w.timelock.updateDelay.encode_input(call.value)
        salt = call.salt.to_bytes(32, "big")
        return str(target), bytes(data), salt, operation_id(str(target), bytes(data), salt)

    @precondition(lambda self: self.extras_allowed())
    @rule(
        change=st.sampled_from(TIMELOCK_CHANGES),
        salt=st.integers(min_value=0, max_value=1),
        again=st.sampled_from([False, False, True]),
        delay=st.sampled_from(["the delay", "the delay", "one second short", "an hour more"]),
        proposer=st.sampled_from([GOVERNANCE, GOVERNANCE, GOVERNANCE, GRIEFER]),
    )
    def governance_schedules_a_timelocked_change(
        self, change: tuple[str, int], salt: int, again: bool, delay: str, proposer: str
    ) -> None:
        """Governance announces a change through the timelock; the same change (same salt, or
        `again`: one announced before) is refused while it waits, is ready or is done, and can be
        announced again once expired; a delay under the timelock's is refused, and so is anyone
        but the proposer."""
        self.extra_actions += 1
        timelock = self.model.timelock
        if again and timelock.calls:
            call = timelock.calls[choose(sorted(timelock.calls), change[1] + salt)]
        else:
            call = TimelockCall(change[0], change[1], salt)
        target, data, salt_bytes, op = self._timelock_call(call)
        seconds = {
            "the delay": timelock.min_delay,
            "one second short": max(timelock.min_delay - 1, 0),
            "an hour more": timelock.min_delay + 3_600,
        }[delay]
        outcome = self.send(proposer, self.w.timelock, "schedule", target, 0, data, ZERO32, salt_bytes, seconds)
        self.expect(outcome, lambda: timelock.schedule(self.addr(proposer), op, call, seconds, self.now))
        self.w.governance_kinds[
            "timelock scheduled" if outcome.error is None else f"timelock schedule refused: {outcome.error[0]}"
        ] += 1

    @precondition(lambda self: self.extras_allowed())
    @rule(
        pick=index,
        which=st.sampled_from(["the latest pending", "the latest pending", "any"]),
        when=st.sampled_from(WHEN),
        executor=st.sampled_from([GOVERNANCE] * 5 + [GRIEFER]),
    )
    def someone_executes_a_timelocked_change(self, pick: int, which: str, when: str, executor: str) -> None:
        """An announced change (announced first if there is none) is executed, after the clock
        ran (forward only) to when the execution lands: before its ready time it is refused as
        not ready; from it and until 14 days later it applies (the side registry's parameter or
        the timelock's delay changes, with the target's own bound checks); from then on it is
        refused with TimelockOperationExpired(id, ready + 14 days), for anyone, and nothing
        changes. A done one is refused as not ready. Mostly the latest announcement still pending
        is executed (one that keeps failing, a delay under the floor, would hog an index)."""
        self.extra_actions += 1
        timelock = self.model.timelock
        if not timelock.calls:
            self.governance_schedules_a_timelocked_change(
                choose(TIMELOCK_CHANGES, pick), 0, False, "the delay", GOVERNANCE
            )
        pending = [op for op in timelock.calls if timelock.state(op, self.now + BLOCK_SECONDS) in (WAITING, READY)]
        if pending and which == "the latest pending":
            op = max(pending, key=lambda op: timelock.timestamps[op])
        else:
            op = choose(sorted(timelock.calls), pick)
        self._execute_at(op, when, executor)

    @precondition(lambda self: self.extras_allowed())
    @rule(change=st.sampled_from(TIMELOCK_CHANGES), when=st.sampled_from(WHEN[1:]))
    def governance_announces_a_change_and_executes_it_in_time_or_too_late(
        self, change: tuple[str, int], when: str
    ) -> None:
        """The whole story of one announcement, so that every run has both ends: governance
        announces a fresh change with the timelock's delay, lets the clock run to just before
        its ready time (refused as not ready), to it or to the last second of its 14 days (it
        applies), or to its expiry or past it (TimelockOperationExpired(id, ready + 14 days), and
        nothing changes), and executes it."""
        self.extra_actions += 1
        timelock = self.model.timelock
        call = TimelockCall(change[0], change[1], 2 + len(timelock.calls))  # a salt never used before
        op = self._timelock_call(call)[3]
        self.governance_schedules_a_timelocked_change(change, call.salt, False, "the delay", GOVERNANCE)
        assert timelock.state(op, self.now) == WAITING
        self._execute_at(op, when, GOVERNANCE)

    def _execute_at(self, op: bytes, when: str, executor: str) -> None:
        """Run the clock (forward only) to when the execution of `op` lands, then execute it."""
        timelock = self.model.timelock
        call = timelock.calls[op]
        target, data, salt, _ = self._timelock_call(call)
        ready_at = timelock.timestamps[op]
        if ready_at > 1:  # scheduled, not done
            lands = {
                "now": self.now + BLOCK_SECONDS,
                "just before ready": ready_at - 1,
                "at ready": ready_at,
                "just before expiry": ready_at + GRACE_PERIOD - 1,
                "at expiry": ready_at + GRACE_PERIOD,
                "long after expiry": ready_at + GRACE_PERIOD + 3 * 3_600,
            }[when]
            if lands - BLOCK_SECONDS > self.now:
                self.advance(lands - BLOCK_SECONDS - self.now)  # the execution lands BLOCK_SECONDS later
        expired = timelock.expired(op, self.now + BLOCK_SECONDS)
        outcome = self.send(executor, self.w.timelock, "execute", target, 0, data, ZERO32, salt)
        self.expect(outcome, lambda: timelock.execute(self.addr(executor), op, call, self.now))
        self.w.governance_kinds[
            ("timelock executed" if outcome.error is None else f"timelock execution refused: {outcome.error[0]}")
            + (" (expired)" if expired else "")
        ] += 1
