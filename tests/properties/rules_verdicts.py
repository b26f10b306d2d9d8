"""Rules of the consumer's verdict (v3 §5, §6): late verdicts, verdicts by others, renting by the second."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from tests.properties.model import (
    DIRECT,
    VERDICT_WINDOW,
)
from tests.properties.world import (
    BLOCK_SECONDS,
    GRIEFER,
    KEEPER,
    choose,
    consumer_names,
    index,
    session_stakes,
    tpss,
    ttfts,
)


class VerdictRules:
    """Rules of the consumer's verdict (v3 §5, §6): late verdicts, verdicts by others, renting by the second."""

    # ================================================================== rules: the consumer's late verdict (v3 §5)

    def _closed_sessions(self) -> list[int]:
        return [sid for sid, s in self.model.sessions.items() if s.closed_at]

    @precondition(lambda self: self._closed_sessions())
    @rule(
        pick=index,
        with_receipt=st.booleans(),
        ttft=ttfts,
        tps=tpss,
        wait=st.sampled_from([0, 0, 3_600, VERDICT_WINDOW - BLOCK_SECONDS, VERDICT_WINDOW + 1]),
    )
    def consumer_rates_a_closed_session(self, pick: int, with_receipt: bool, ttft: int, tps: int, wait: int) -> None:
        """After a close by anyone else, the consumer gives its verdict once within the window; a
        second verdict, a session its own close rated, one that rates nothing (self-dealt, short)
        and one past the window are refused."""
        unrated = [sid for sid in self._closed_sessions() if self.model.sessions[sid].verdict is None]
        sid = choose(unrated or self._closed_sessions(), pick)
        if wait:
            self.advance(wait)
        consumer = self.w.name_of(self.model.sessions[sid].consumer)
        if with_receipt:
            signer = self.model.signer_of(self.model.sessions[sid].provider)
            deadline = self.now + 3_600
            receipt = self.sign(self.signing_key(signer), "Receipt", (sid, ttft, tps, deadline))
            outcome = self.send(
                consumer, self.w.router, "rateSessionWithReceipt", sid, ttft, tps, deadline, receipt.raw
            )
            weight = self.expect(
                outcome,
                lambda: self.model.rate_session(self.addr(consumer), sid, (ttft, tps, deadline, receipt.model)),
            )
        else:
            outcome = self.send(consumer, self.w.router, "rateSession", sid)
            weight = self.expect(outcome, lambda: self.model.rate_session(self.addr(consumer), sid))
        self.w.verdict_kinds[outcome.error[0] if outcome.error else "late verdict"] += 1
        if weight is not None:
            self.verdicts.setdefault(sid, []).append(self.addr(consumer))
            (event,) = outcome.receipt.decode_logs(self.w.router.SessionRated)
            measured = (ttft, tps) if with_receipt else (0, 0)
            assert (event.weight, event.verdict, event.ttftMs, event.tokensPerSecond) == (
                weight,
                1 if with_receipt else 2,
                *measured,
            )
            assert not outcome.receipt.decode_logs(self.w.router.ReceiptRecorded)

    @precondition(lambda self: self._closed_sessions())
    @rule(pick=index, who=st.sampled_from(["provider", "signer", KEEPER, GRIEFER]))
    def someone_else_rates_a_closed_session(self, pick: int, who: str) -> None:
        """Only the consumer decides a session's verdict: the provider, its signer, a keeper or a
        griefer is refused (NotSessionConsumer) and nothing changes."""
        sid = choose(self._closed_sessions(), pick)
        caller = self._closer(who, sid)
        outcome = self.send(caller, self.w.router, "rateSession", sid)
        self.expect(outcome, lambda: self.model.rate_session(self.addr(caller), sid))

    @precondition(lambda self: self.active_bids())
    @rule(
        consumer=consumer_names,
        pick=index,
        stake=session_stakes,
        seconds=st.sampled_from([10, 599, 600, 601]),
        closer=st.sampled_from(["consumer", "provider"]),
    )
    def renter_holds_a_stake_for_seconds(self, consumer: str, pick: int, stake: int, seconds: int, closer: str) -> None:
        """Renting reputation by the second: a session closed after fewer than the rated minimum
        of seconds is paid and records nothing; from the minimum on it rates, capped."""
        self.w.attackers["renter"] += 1
        sid = self._open_session(consumer, pick, stake, DIRECT, 600)
        if sid is None:
            return
        self.advance(max(seconds - BLOCK_SECONDS, 1))
        caller = self._closer(closer, sid)
        outcome = self.send(caller, self.w.router, "closeSession", sid)
        closed = self.expect(outcome, lambda: self.model.close_session(self.addr(caller), sid))
        if closed is not None:
            self._count_close(sid, caller, closed)
            self._check_closed_event(outcome, closed, False, caller, sid)
