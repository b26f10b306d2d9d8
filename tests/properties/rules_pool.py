"""Rules of the compute pool (§4) and the paths where MOR leaves it (issue #20)."""

from __future__ import annotations

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from mor_market.constants import DAY, MOR
from tests.properties.model import (
    DIRECT,
    STIPEND,
    bid_parts,
)
from tests.properties.world import (
    ALLOWANCE,
    FUNDER,
    GRIEFER,
    KEEPER,
    PROVIDERS,
    amounts,
    anyone,
    choose,
    consumer_names,
    index,
    session_stakes,
)


class PoolRules:
    """Rules of the compute pool (§4) and the paths where MOR leaves it (issue #20)."""

    # ================================================================== rules: compute pool (§4)

    @rule(funder=st.sampled_from([FUNDER, FUNDER, "carol"]), amount=amounts)
    def fund_pool(self, funder: str, amount: int) -> None:
        """Anyone funds the pool (the emission source does so daily)."""
        self.act(funder, self.w.pool, "fund", (amount,), lambda: self.model.fund(self.addr(funder), amount))

    @rule(amount=st.sampled_from([1, 10**9, 5 * MOR]))
    def send_mor_to_pool_by_plain_transfer(self, amount: int) -> None:
        """MOR sent by plain transfer stays outside the ledger until absorbed."""
        pool = self.model.at.pool
        self.act(
            FUNDER,
            self.w.mor,
            "transfer",
            (pool, amount),
            lambda: self.model.token.transfer(self.addr(FUNDER), pool, amount),
        )

    @rule(contract=st.sampled_from(["marketplace", "model_registry", "router"]), amount=st.sampled_from([1, 3 * MOR]))
    def send_mor_to_a_contract_by_plain_transfer(self, contract: str, amount: int) -> None:
        """MOR sent by plain transfer to a contract that holds MOR for others is its surplus."""
        to = getattr(self.model.at, contract)
        self.act(
            FUNDER,
            self.w.mor,
            "transfer",
            (to, amount),
            lambda: self.model.token.transfer(self.addr(FUNDER), to, amount),
        )

    @rule(contract=st.sampled_from(["marketplace", "model_registry", "router"]), caller=anyone)
    def sweep_a_contracts_surplus(self, contract: str, caller: str) -> None:
        """Anyone sweeps a contract's surplus into the pool's ledger (nothing owed moves; with no
        surplus, NoSurplus)."""
        self.act(
            caller,
            self.w.contract(contract),
            "sweepSurplus",
            (),
            lambda: self.model.sweep_surplus(self.addr(caller), contract),
        )

    @precondition(lambda self: self.model.surplus())
    @rule(caller=anyone)
    def absorb_surplus(self, caller: str) -> None:
        """Anyone adds MOR that reached the pool by plain transfer to its ledger; then there is
        nothing left to absorb."""
        for _ in range(2):
            self.act(caller, self.w.pool, "absorbSurplus", (), lambda: self.model.absorb_surplus(self.addr(caller)))

    @precondition(lambda self: any(self.model.owed.values()))
    @rule(caller=st.sampled_from([*PROVIDERS, KEEPER, "carol"]), pick=index)
    def claim(self, caller: str, pick: int) -> None:
        """A provider (or anyone, to the provider) is paid min(owed, what is left of today's budget);
        nothing owed or no budget left is refused."""
        owed = sorted(self.w.name_of(p) for p, amount in self.model.owed.items() if amount)
        provider = choose([*owed, *owed, *PROVIDERS], pick)
        if caller == GRIEFER:
            self.w.attackers["griefer"] += 1  # claims for someone else, at a time it chose
        self._claim(caller, provider)

    def _claim(self, caller: str, provider: str) -> int | None:
        """One claim, checked; the mix notes whether it was paid in full, cut short by the day's
        budget, or refused, and whether the day's budget is now used up."""
        m = self.model
        owed = m.owed.get(self.addr(provider), 0)
        paid = self.act(
            caller,
            self.w.pool,
            "claim",
            (self.addr(provider),),
            lambda: m.claim(self.addr(caller), self.addr(provider)),
        )
        if paid is None:
            outcome = "refused: nothing owed" if owed == 0 else "refused: budget used up"
        else:
            outcome = "paid in full" if paid == owed else "paid less than owed (budget ran out)"
        self.w.claim_outcomes[outcome] += 1
        budget = m.budget(m.today)
        if owed and budget and m.paid(m.today) == budget and not self.exhausted:
            self.exhausted = True
            self.w.budget_exhausted_examples += 1
        return paid

    @precondition(lambda self: any(self.model.owed.values()))
    @rule(pick=index)
    def provider_claims_what_it_is_owed(self, pick: int) -> None:
        """A provider owed MOR claims it itself (its wallet through `execute`)."""
        provider = choose(sorted(self.w.name_of(p) for p, amount in self.model.owed.items() if amount), pick)
        self._claim(provider, provider)

    @precondition(lambda self: any(self.model.owed.values()))
    @rule(after=st.integers(min_value=0, max_value=600), reverse=st.booleans())
    def providers_claim_as_a_new_day_opens(self, after: int, reverse: bool) -> None:
        """Just after midnight a new day's budget opens, and every provider owed claims it itself
        (the first ones may use it up; the rest stays owed)."""
        self.advance((self.now // DAY + 1) * DAY + after - self.now)
        owed = sorted((self.w.name_of(p) for p, amount in self.model.owed.items() if amount), reverse=reverse)
        for provider in owed:
            self._claim(provider, provider)

    @precondition(lambda self: any(self.model.owed.values()))
    @rule(wait=st.integers(min_value=60, max_value=6 * 3_600), reverse=st.booleans())
    def providers_claim_periodically(self, wait: int, reverse: bool) -> None:
        """Providers claim periodically (the seed: "claim rewards periodically"): some minutes or
        hours later, every provider owed claims it itself, within what is left of the day's budget."""
        self.advance(wait)
        owed = sorted((self.w.name_of(p) for p, amount in self.model.owed.items() if amount), reverse=reverse)
        for provider in owed:
            self._claim(provider, provider)

    @precondition(lambda self: any(self.model.owed.values()))
    @rule(caller=st.sampled_from([KEEPER, FUNDER, "carol"]), reverse=st.booleans())
    def keeper_claims_for_every_provider_owed(self, caller: str, reverse: bool) -> None:
        """Anyone claims for every provider owed, one after the other: the day's budget runs out
        part-way (the rest stays owed), and later claims that day are refused."""
        owed = sorted((self.w.name_of(p) for p, amount in self.model.owed.items() if amount), reverse=reverse)
        for provider in owed:
            self._claim(caller, provider)

    # ================================================================== rules: the money paths (issue #20)

    def _bids_by_price(self) -> list[int]:
        def price(bid: int) -> int:
            _, model_id, _ = bid_parts(bid)
            return self.model.bid_of(self.addr(self.provider_name(bid)), model_id).price

        return sorted(self.active_bids(), key=lambda bid: (-price(bid), bid))

    @precondition(lambda self: self.active_bids())
    @rule(consumer=consumer_names, top=st.integers(min_value=0, max_value=1), tenths=st.sampled_from([5, 9, 10]))
    def whale_opens_a_long_stipend_session(self, consumer: str, top: int, tenths: int) -> None:
        """A consumer stakes most of its MOR on one of the dearest bids: a stipend big enough to
        owe a good share of a day's budget, so claims meet a budget that runs out."""
        free = self.model.token.balance(self.addr(consumer)) + self.model.releasable(self.addr(consumer))
        self.w.close_kinds["whale stipend open"] += 1
        self._open_session(consumer, 0, free * tenths // 10, STIPEND, 600, bid=choose(self._bids_by_price(), top))

    @precondition(lambda self: self.w.permit_name and self.active_bids())
    @rule(
        consumer=consumer_names,
        pick=index,
        stake=session_stakes,
        mode=st.sampled_from([STIPEND, DIRECT]),
        front_run=st.booleans(),
    )
    def consumer_opens_with_a_permit(self, consumer: str, pick: int, stake: int, mode: int, front_run: bool) -> None:
        """Open with an EIP-2612 permit for the stake instead of an approve. A griefer who submits
        the permit first spends its nonce; the open still succeeds on the allowance it set. (Then
        the consumer approves the router again as before.)"""
        owner, router = self.addr(consumer), self.model.at.router
        nonce, deadline = self.model.token.nonces.get(owner, 0), self.now + 600
        vrs = self.sign_permit(consumer, router, stake, nonce, deadline)
        if front_run:
            self.w.attackers["griefer"] += 1

            def permitted() -> None:
                assert self.model.token.permit(owner, router, stake, nonce, deadline, self.now)

            self.act(GRIEFER, self.w.mor, "permit", (owner, router, stake, deadline, *vrs), permitted)
        self._open_session(consumer, pick, stake, mode, 600, permit=(nonce, deadline, vrs))
        self.set_allowance(consumer, "router", ALLOWANCE)

    @rule(contract=st.sampled_from(["marketplace", "model_registry", "router", "pool"]), amount=st.sampled_from([1, 7]))
    def griefer_sends_dust_and_sweeps_it(self, contract: str, amount: int) -> None:
        """A griefer sends dust to a contract that holds others' MOR, then sweeps it: nothing owed
        moves, and the dust becomes pool funding (the pool absorbs its own)."""
        self.w.attackers["griefer"] += 1
        to = getattr(self.model.at, contract)
        griefer = self.addr(GRIEFER)

        def sent() -> bool:
            self.model.token.require_transfer(griefer, amount)
            self.model.token.transfer(griefer, to, amount)
            return True

        if not self.act(GRIEFER, self.w.mor, "transfer", (to, amount), sent):
            return  # the griefer spent all its MOR
        if contract == "pool":
            self.act(GRIEFER, self.w.pool, "absorbSurplus", (), lambda: self.model.absorb_surplus(griefer))
        else:
            sweep = self.act(
                GRIEFER,
                self.w.contract(contract),
                "sweepSurplus",
                (),
                lambda: self.model.sweep_surplus(griefer, contract),
            )
            assert sweep is not None and sweep >= amount

    @precondition(lambda self: self.open_sessions())
    @rule(pick=index)
    def griefer_closes_someone_elses_session(self, pick: int) -> None:
        """A griefer tries to cut another consumer's session short (NotAllowedToClose before its
        end; after the end anyone may close, for the same pay and no rating)."""
        self.w.attackers["griefer"] += 1
        sid = choose(self.open_sessions(), pick)
        outcome = self.send(GRIEFER, self.w.router, "closeSession", sid)
        closed = self.expect(outcome, lambda: self.model.close_session(self.addr(GRIEFER), sid))
        if closed is not None:
            self._count_close(sid, GRIEFER, closed)
            self._check_closed_event(outcome, closed, False, GRIEFER, sid)
