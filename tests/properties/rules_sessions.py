"""Rules of sessions (§5): opens, closes, receipts, holds, and the attacks on them."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from mor_market import eip712
from mor_market.constants import DAY, MOR
from tests.properties.model import (
    DIRECT,
    STIPEND,
    Closed,
    Revert,
    bid_id,
    bid_parts,
    day_of,
)
from tests.properties.world import (
    BLOCK_SECONDS,
    CONSUMERS,
    DAYS_LATE,
    FUNDER,
    GRIEFER,
    KEEPER,
    Outcome,
    SignedApproval,
    choose,
    consumer_names,
    index,
    session_stakes,
    tpss,
    ttfts,
)


class SessionRules:
    """Rules of sessions (§5): opens, closes, receipts, holds, and the attacks on them."""

    # ================================================================== rules: sessions (§5)

    def _open_session(
        self,
        consumer: str,
        pick: int,
        stake: int,
        mode: int,
        ttl: int,
        bid: int | None = None,
        permit: tuple[int, int, tuple[int, bytes, bytes]] | None = None,
    ) -> int | None:
        """Open on a bid (an active one by `pick`) with the provider's fresh approval; with `permit`
        (nonce, deadline, (v, r, s)), through `openSessionWithPermit`."""
        # preconditions: an active bid and a fresh approval signed by the provider's signer
        bid = choose(self.active_bids(), pick) if bid is None else bid
        provider = self.model.signer_of(self.addr(self.provider_name(bid)))
        nonce, deadline = self.next_nonce(consumer), self.now + ttl
        approval = self.sign(self.signing_key(provider), "Approval", (bid, self.addr(consumer), nonce, deadline))
        released = self.model.releasable(self.addr(consumer))
        if permit is None:
            # the call
            outcome = self.send(consumer, self.w.router, "openSession", bid, nonce, deadline, stake, mode, approval.raw)
            # model effects, and justify the failure
            sid = self.expect(
                outcome,
                lambda: self.model.open_session(self.addr(consumer), bid, nonce, deadline, stake, mode, approval.model),
            )
        else:
            permit_nonce, permit_deadline, (v, r, s) = permit
            outcome = self.send(
                consumer,
                self.w.router,
                "openSessionWithPermit",
                *(bid, nonce, deadline, stake, mode, approval.raw, permit_deadline, v, r, s),
            )
            sid = self.expect(
                outcome,
                lambda: self._open_with_permit(
                    consumer, bid, nonce, deadline, stake, mode, approval, permit_nonce, permit_deadline
                ),
            )
        if sid is not None:
            assert sid == (int(self.addr(consumer), 16) << 96) | nonce
            self.used_approvals.append((consumer, bid, nonce, deadline, approval, mode))
            if released:
                self.w.holds_released["next open"] += 1
            if mode == STIPEND:
                self._check_fair_stipend(sid, stake)
        return sid

    def _open_with_permit(
        self,
        consumer: str,
        bid: int,
        nonce: int,
        deadline: int,
        stake: int,
        mode: int,
        approval: SignedApproval,
        permit_nonce: int,
        permit_deadline: int,
    ) -> int:
        """`openSessionWithPermit`: the router tries the consumer's permit for the stake (a used or
        expired one is ignored), then opens as `openSession`; a revert undoes the permit too."""
        token, owner, router = self.model.token, self.addr(consumer), self.model.at.router
        saved = (dict(token.allowances), dict(token.nonces))
        try:
            token.permit(owner, router, stake, permit_nonce, permit_deadline, self.now)
            return self.model.open_session(owner, bid, nonce, deadline, stake, mode, approval.model)
        except Revert:
            token.allowances, token.nonces = saved
            raise

    def sign_permit(self, owner: str, spender: str, value: int, nonce: int, deadline: int) -> tuple[int, bytes, bytes]:
        """An EIP-2612 permit of MOR signed by `owner`: (v, r, s)."""
        message = eip712.permit_message(
            self.model.at.mor,
            self.w.permit_name,
            self.model.at.chain_id,
            self.addr(owner),
            spender,
            value,
            nonce,
            deadline,
        )
        return eip712.sign_vrs(self.w.actors[owner].account, message)

    def _check_fair_stipend(self, sid: int, stake: int) -> None:
        """Promise 3 on the chain's own figures: whatever governance pinned, a stipend session buys at
        most `stake * budget / (MOR circulating outside the pool)` of compute."""
        opened = self.w.router.session(sid)
        budget = self.w.pool.today()[0]
        circulating = self.w.mor.totalSupply() - self.w.pool.poolBalance()
        bought = opened.pricePerSecond * (opened.endsAt - opened.openedAt)
        assert bought * circulating <= stake * budget, (bought, stake, budget, circulating)
        self.w.fair_share_checks += 1

    @precondition(lambda self: self.active_bids())
    @rule(
        consumer=consumer_names,
        pick=index,
        stake=session_stakes,
        ttl=st.integers(min_value=BLOCK_SECONDS, max_value=3_600),
    )
    def open_stipend_session(self, consumer: str, pick: int, stake: int, ttl: int) -> None:
        """Open a stipend session: duration min(max, S * budget / referenceSupply / price)."""
        self._open_session(consumer, pick, stake, STIPEND, ttl)

    @precondition(lambda self: self.active_bids())
    @rule(
        consumer=consumer_names,
        pick=index,
        stake=session_stakes,
        ttl=st.integers(min_value=BLOCK_SECONDS, max_value=3_600),
    )
    def open_direct_session(self, consumer: str, pick: int, stake: int, ttl: int) -> None:
        """Open a direct session: duration min(max, S / price), paid from the stake."""
        self._open_session(consumer, pick, stake, DIRECT, ttl)

    @precondition(lambda self: self.active_bids() or self.used_approvals)
    @rule(
        kind=st.sampled_from(
            [
                "replayed",
                "expired",
                "wrong_signer",
                "wrong_chain",
                "wrong_contract",
                "for_another_consumer",
                "replaced_bid_version",
                "unknown_bid",
                "mode_out_of_range",
            ]
        ),
        consumer=consumer_names,
        pick=index,
        age=st.integers(min_value=1, max_value=2 * DAY),
    )
    def open_session_with_a_bad_approval(self, consumer: str, kind: str, pick: int, age: int) -> None:
        """Replayed, expired, wrongly signed or wrongly bound approvals open nothing."""
        stake, mode = 1_000 * MOR, STIPEND
        if kind == "replayed" or not self.active_bids():
            if not self.used_approvals:
                return
            consumer, bid, nonce, deadline, used, mode = choose(self.used_approvals, pick)
            outcome = self.send(consumer, self.w.router, "openSession", bid, nonce, deadline, stake, mode, used.raw)
            self.expect(
                outcome,
                lambda: self.model.open_session(self.addr(consumer), bid, nonce, deadline, stake, mode, used.model),
            )
            return
        bid = choose(self.active_bids(), pick)
        signer = self.model.signer_of(self.addr(self.provider_name(bid)))
        key, nonce, deadline, sender, domain = (
            self.signing_key(signer),
            self.next_nonce(consumer),
            self.now + 600,
            consumer,
            {},
        )
        if kind == "expired":
            deadline = self.now - age
        elif kind == "wrong_signer":
            key = self.w.actors[consumer].account
        elif kind == "wrong_chain":
            domain = {"chain_id": 1}
        elif kind == "wrong_contract":
            domain = {"router": self.model.at.pool}
        elif kind == "for_another_consumer":
            sender = next(c for c in CONSUMERS if c != consumer)
        elif kind == "replaced_bid_version":
            provider_int, model_id, version = bid_parts(bid)
            bid = (provider_int << 96) | (model_id << 64) | max(version - 1, 0)
        elif kind == "unknown_bid":
            bid = bid_id(self.addr("outsider"), 7, 1 + age)
        elif kind == "mode_out_of_range":
            mode = 2
        approval = self.sign(key, "Approval", (bid, self.addr(consumer), nonce, deadline), **domain)
        outcome = self.send(sender, self.w.router, "openSession", bid, nonce, deadline, stake, mode, approval.raw)
        self.expect(
            outcome,
            lambda: self.model.open_session(self.addr(sender), bid, nonce, deadline, stake, mode, approval.model),
        )

    def _closer(self, who: str, sid: int) -> str:
        session = self.model.sessions[sid]
        if who == "consumer":
            return self.w.name_of(session.consumer)
        if who == "provider":
            return self.w.name_of(session.provider)
        if who == "signer":
            return self.w.name_of(self.model.signer_of(session.provider)) or KEEPER
        return who

    def _count_close(self, sid: int, caller: str, closed: Closed) -> None:
        """A session closed (once): the mix notes midnights crossed while open, closes days late by
        someone else, and holds released by the close."""
        self.close_count[sid] += 1
        session = self.model.sessions[sid]
        if min(session.closed_at, session.ends_at) > (day_of(session.opened_at) + 1) * DAY:
            self.w.midnight_crossings += 1  # it was running at midnight
        parties = (session.consumer, session.provider, self.model.signer_of(session.provider))
        if self.addr(caller) not in parties and day_of(session.closed_at) - day_of(session.ends_at) >= DAYS_LATE:
            self.w.days_late_closes += 1
        if closed.released:
            self.w.holds_released["later close"] += 1

    def _check_closed_event(self, outcome: Outcome, closed: Closed, with_receipt: bool, caller: str, sid: int) -> None:
        """Exact pay and weight: the SessionClosed event reports what the model computed, to the
        wei; only the consumer's recorded close with a receipt records measurements."""
        (event,) = outcome.receipt.decode_logs(self.w.router.SessionClosed)
        assert (
            event.secondsProvided,
            event.paid,
            event.returned,
            event.held,
            event.weight,
            event.disputed,
            event.closedEarly,
        ) == (
            closed.seconds,
            closed.paid,
            closed.returned,
            closed.held,
            closed.weight,
            closed.disputed,
            closed.closed_early,
        )
        by_consumer = self.addr(caller) == self.model.sessions[sid].consumer
        completed = with_receipt and closed.weight > 0 and by_consumer
        if closed.weight > 0 and by_consumer:
            self.verdicts.setdefault(sid, []).append(self.addr(caller))
        assert len(outcome.receipt.decode_logs(self.w.router.ReceiptRecorded)) == int(completed)
        self.w.close_kinds["completed" if completed else "disputed" if closed.disputed else "unrated"] += 1
        if closed.weight == 0:
            self.w.close_kinds["no weight"] += 1

    @precondition(lambda self: self.open_sessions())
    @rule(
        closer=st.sampled_from(["consumer", "provider", "signer", KEEPER, FUNDER]),
        pick=index,
        ttft=ttfts,
        tps=tpss,
        ttl=st.integers(min_value=BLOCK_SECONDS, max_value=3_600),
    )
    def close_session_with_receipt(self, closer: str, pick: int, ttft: int, tps: int, ttl: int) -> None:
        """Close with the provider's signed receipt: not a dispute; before the end only the
        consumer, the provider or its signer may close."""
        sid = choose(self.open_sessions(), pick)
        caller = self._closer(closer, sid)
        signer = self.model.signer_of(self.model.sessions[sid].provider)
        deadline = self.now + ttl
        receipt = self.sign(self.signing_key(signer), "Receipt", (sid, ttft, tps, deadline))
        outcome = self.send(caller, self.w.router, "closeSessionWithReceipt", sid, ttft, tps, deadline, receipt.raw)
        closed = self.expect(
            outcome, lambda: self.model.close_session(self.addr(caller), sid, (ttft, tps, deadline, receipt.model))
        )
        if closed is not None:
            self._count_close(sid, caller, closed)
            self._check_closed_event(outcome, closed, True, caller, sid)

    @precondition(lambda self: self.open_sessions())
    @rule(closer=st.sampled_from(["consumer", "consumer", "provider", "signer", KEEPER, FUNDER]), pick=index)
    def close_session_without_receipt(self, closer: str, pick: int) -> None:
        """Close without a receipt: by the consumer it is a dispute (the provider is still paid)."""
        sid = choose(self.open_sessions(), pick)
        caller = self._closer(closer, sid)
        outcome = self.send(caller, self.w.router, "closeSession", sid)
        closed = self.expect(outcome, lambda: self.model.close_session(self.addr(caller), sid))
        if closed is not None:
            self._count_close(sid, caller, closed)
            self._check_closed_event(outcome, closed, False, caller, sid)

    @precondition(lambda self: self.active_bids())
    @rule(
        who=st.sampled_from(["provider", "signer"]),
        pick=index,
        stake=session_stakes,
        mode=st.sampled_from([STIPEND, DIRECT]),
    )
    def provider_opens_a_session_on_its_own_bid(self, who: str, pick: int, stake: int, mode: int) -> None:
        """Self-dealing (§5): the provider or its signer as the consumer. Stipend mode is refused
        (SelfDealtStipend); a direct-mode session opens, pays as any, and records no statistic."""
        bid = choose(self.active_bids(), pick)
        provider = self.provider_name(bid)
        consumer = provider if who == "provider" else self.w.name_of(self.model.signer_of(self.addr(provider)))
        if consumer is None:
            return
        self.w.close_kinds[f"self-dealt open by the {who}"] += 1
        self._open_session(consumer, pick, stake, mode, 600, bid=bid)

    @precondition(lambda self: self.active_bids())
    @rule(consumer=consumer_names, pick=index, stake=session_stakes, mode=st.sampled_from([STIPEND, DIRECT]))
    def griefer_opens_and_closes_in_the_same_second(self, consumer: str, pick: int, stake: int, mode: int) -> None:
        """A zero-second session (open and the consumer's close in one second, no receipt): nothing
        is paid, and it carries no weight, so it records no dispute and moves no statistic."""
        sid = self._open_session(consumer, pick, stake, mode, 600)
        if sid is None:
            return
        outcome = self.send(consumer, self.w.router, "closeSession", sid, after=0)
        closed = self.expect(outcome, lambda: self.model.close_session(self.addr(consumer), sid))
        assert closed is not None and closed.seconds == 0 and closed.weight == 0 and not closed.disputed
        self._count_close(sid, consumer, closed)
        self._check_closed_event(outcome, closed, False, consumer, sid)

    @precondition(lambda self: self.active_bids())
    @rule(
        pick=index,
        stake=st.integers(min_value=3, max_value=30_000).map(lambda n: n * MOR),
        mode=st.sampled_from([STIPEND, DIRECT]),
    )
    def sybil_consumers_split_one_stake(self, pick: int, stake: int, mode: int) -> None:
        """One owner's capital split across every consumer wallet on one bid: each session weighs
        its own stake, so the split buys no more weight than the whole stake would."""
        bid = choose(self.active_bids(), pick)
        self.w.close_kinds["sybil split"] += 1
        for consumer in CONSUMERS:
            self.w.attackers["sybil"] += 1
            self._open_session(consumer, pick, stake // len(CONSUMERS), mode, 600, bid=bid)

    @precondition(lambda self: self.model.sessions)
    @rule(
        kind=st.sampled_from(
            ["expired", "wrong_signer", "for_another_session", "wrong_chain", "wrong_contract", "unknown_session"]
        ),
        closer=st.sampled_from(["consumer", "provider", KEEPER]),
        pick=index,
    )
    def close_session_with_a_bad_receipt(self, kind: str, closer: str, pick: int) -> None:
        """An expired receipt, or one not signed for this session, chain and contract, is refused."""
        sid = choose(sorted(self.model.sessions), pick)
        caller = self._closer(closer, sid)
        signer = self.model.signer_of(self.model.sessions[sid].provider)
        key, signed_sid, deadline, domain = self.signing_key(signer), sid, self.now + 60, {}
        if kind == "expired":
            deadline = self.now - 1 - pick
        elif kind == "wrong_signer":
            key = self.w.actors[self.w.name_of(self.model.sessions[sid].consumer)].account
        elif kind == "for_another_session":
            signed_sid = sid + 1
        elif kind == "wrong_chain":
            domain = {"chain_id": 1}
        elif kind == "wrong_contract":
            domain = {"router": self.model.at.pool}
        elif kind == "unknown_session":
            sid = signed_sid = sid + 10**6
        receipt = self.sign(key, "Receipt", (signed_sid, 100, 30, deadline), **domain)
        outcome = self.send(caller, self.w.router, "closeSessionWithReceipt", sid, 100, 30, deadline, receipt.raw)
        closed = self.expect(
            outcome, lambda: self.model.close_session(self.addr(caller), sid, (100, 30, deadline, receipt.model))
        )
        if closed is not None:
            self._count_close(sid, caller, closed)

    @precondition(lambda self: self.model.sessions)
    @rule(caller=st.sampled_from(["consumer", KEEPER]), pick=index, unknown=st.booleans())
    def close_a_closed_or_unknown_session(self, caller: str, pick: int, unknown: bool) -> None:
        """A session closes once; an unknown id is refused."""
        closed_ids = sorted(sid for sid, s in self.model.sessions.items() if s.closed_at)
        if unknown or not closed_ids:
            sid = (int(self.addr("carol"), 16) << 96) | (10**9 + pick)
            caller = "carol" if caller == "consumer" else caller
        else:
            sid = choose(closed_ids, pick)
            caller = self._closer(caller, sid)
        closed = self.act(
            caller, self.w.router, "closeSession", (sid,), lambda: self.model.close_session(self.addr(caller), sid)
        )
        if closed is not None:
            self._count_close(sid, caller, closed)

    def _expired_sessions(self) -> list[int]:
        return [sid for sid in self.open_sessions() if self.model.sessions[sid].ends_at <= self.now + BLOCK_SECONDS]

    @precondition(lambda self: self._expired_sessions())
    @rule()
    def keeper_closes_expired_sessions(self) -> None:
        """Anyone may close a session whose time has run out: the keeper closes them all."""
        while expired := self._expired_sessions():
            sid = expired[0]
            closed = self.act(
                KEEPER,
                self.w.router,
                "closeSession",
                (sid,),
                lambda sid=sid: self.model.close_session(self.addr(KEEPER), sid),
            )
            assert closed is not None and not closed.disputed and not closed.closed_early
            self._count_close(sid, KEEPER, closed)
        self.swept_at = self.now

    @precondition(lambda self: any(h.amount for h in self.model.holds.values()))
    @rule(pick=index)
    def withdraw_held(self, pick: int) -> None:
        """Held stake released at the start of a later day is withdrawn by one O(1) call (a hold
        of today, or no hold at all, is refused)."""
        holders = sorted(self.w.name_of(c) for c, h in self.model.holds.items() if h.amount)
        consumer = choose([*holders, *holders, KEEPER], pick)
        self._withdraw_held(consumer)

    def _withdraw_held(self, consumer: str) -> None:
        released = self.act(
            consumer, self.w.router, "withdrawHeld", (), lambda: self.model.withdraw_held(self.addr(consumer))
        )
        if released:
            self.w.holds_released["withdrawHeld"] += 1

    def _released_holders(self) -> list[str]:
        return [c for c in CONSUMERS if self.model.releasable(self.addr(c))]

    @precondition(lambda self: self._released_holders())
    @rule(pick=index)
    def consumer_withdraws_a_released_hold(self, pick: int) -> None:
        """A consumer whose hold of an earlier day is released takes it back in one call."""
        self._withdraw_held(choose(self._released_holders(), pick))

    @precondition(lambda self: self._released_holders() and self.active_bids())
    @rule(
        pick=index,
        stake=session_stakes,
        mode=st.sampled_from([STIPEND, STIPEND, DIRECT]),
        part=st.sampled_from([None, 1, 2]),
    )
    def consumer_reopens_with_a_released_hold(self, pick: int, stake: int, mode: int, part: int | None) -> None:
        """A consumer with a released hold opens again: the hold counts towards the new stake (a
        stake below it returns the rest at once; `part` stakes the whole hold or half of it)."""
        consumer = choose(self._released_holders(), pick)
        if part is not None:
            stake = max(self.model.releasable(self.addr(consumer)) // part, 1)
        self._open_session(consumer, pick, stake, mode, 600)

    @precondition(lambda self: self.open_sessions())
    @rule(
        pick=index,
        days=st.integers(min_value=DAYS_LATE, max_value=DAYS_LATE + 2),
        offset=st.integers(min_value=0, max_value=DAY - 1),
        closer=st.sampled_from([KEEPER, FUNDER, GRIEFER]),
    )
    def a_forgotten_session_is_closed_days_late(self, pick: int, days: int, offset: int, closer: str) -> None:
        """Nobody closes a session for days after its end; then anyone does: the provider is paid
        for the session's seconds only, the stake comes back, nothing was lost meanwhile."""
        sid = choose(self.open_sessions(), pick)
        target = (day_of(self.model.sessions[sid].ends_at) + days) * DAY + offset
        self.advance(max(target - self.now, 1))
        outcome = self.send(closer, self.w.router, "closeSession", sid)
        closed = self.expect(outcome, lambda: self.model.close_session(self.addr(closer), sid))
        if closed is not None:
            self._count_close(sid, closer, closed)
            self._check_closed_event(outcome, closed, False, closer, sid)
