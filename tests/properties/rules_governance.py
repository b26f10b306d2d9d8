"""Rules of governance (§7): parameters, fees, pauses and the guardian (v3); and of time."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import precondition, rule

from mor_market.constants import DAY, MOR
from tests.properties.model import (
    ZERO_ADDRESS,
    Revert,
)
from tests.properties.world import (
    _MODEL_SETTERS,
    EVERYONE,
    FUNDER,
    GOVERNANCE,
    GRIEFER,
    GUARDIAN_CANDIDATES,
    IN_BOUNDS,
    KEEPER,
    PAIRS,
    PARAMETER_CHANGES,
    PAUSABLE,
    PROVIDERS,
    WALLET_OWNER,
    bound_picks,
    choose,
    index,
    pick_between,
)


class GovernanceRules:
    """Rules of governance (§7) and of time."""

    # ================================================================== rules: governance (§7)

    @rule(account=st.sampled_from([*PROVIDERS, "carol", "zero"]), whitelisted=st.booleans())
    def governance_sets_whitelisted(self, account: str, whitelisted: bool) -> None:
        address = ZERO_ADDRESS if account == "zero" else self.addr(account)
        self.act(
            GOVERNANCE,
            self.w.marketplace,
            "setWhitelisted",
            (address, whitelisted),
            lambda: self.model.set_whitelisted(self.addr(GOVERNANCE), address, whitelisted),
        )

    @rule(parameter=st.sampled_from(sorted(PARAMETER_CHANGES)), pick=index)
    def governance_changes_a_parameter(self, parameter: str, pick: int) -> None:
        """Governance sets a parameter (out-of-range values on purpose), or turns the whitelist off
        for good."""
        contract, method, candidates = PARAMETER_CHANGES[parameter]
        args = choose(candidates, pick)
        action = getattr(self.model, _MODEL_SETTERS[method])
        self.act(GOVERNANCE, self.w.contract(contract), method, args, lambda: action(self.addr(GOVERNANCE), *args))

    @rule(parameter=st.sampled_from(sorted(IN_BOUNDS)), low=bound_picks, high=bound_picks)
    def governance_sets_any_value_within_the_bounds(self, parameter: str, low: str | int, high: str | int) -> None:
        """Governance sets any value its hard bounds allow, either edge included (for a pair of
        bounds, any minimum up to its ceiling and any maximum from it): promises 1-3, and the
        stipends' reachability, must hold whatever it picks."""
        contract, method, lowest, first_highest, highest = IN_BOUNDS[parameter]
        first = pick_between(lowest, first_highest, low)
        args = (first, pick_between(first, highest, high)) if method in PAIRS else (first,)
        self.w.attackers["governance at bounds"] += 1
        action = getattr(self.model, _MODEL_SETTERS[method])
        self.act(GOVERNANCE, self.w.contract(contract), method, args, lambda: action(self.addr(GOVERNANCE), *args))

    @rule(
        parameter=st.sampled_from(sorted(IN_BOUNDS)),
        edge=st.sampled_from(
            [
                "lowest",
                "highest",
                "both at lowest",
                "both at highest",
                "maximum at its highest",
                "below",
                "above",
                "minimum above its ceiling",
            ]
        ),
    )
    def governance_sets_a_parameter_at_its_bounds(self, parameter: str, edge: str) -> None:
        """Governance at its most hostile: a parameter at the lowest or highest value its hard
        bounds allow (a pair's minimum up to the ceiling that keeps stipends reachable: a minimum
        session of an hour, a minimum price of 5e12 wei/s), or one past them, refused with
        ParameterOutOfBounds naming the parameter, the value and the bounds."""
        contract, method, lowest, first_highest, highest = IN_BOUNDS[parameter]
        if method in PAIRS:
            args: tuple[int, ...] = {
                "lowest": (lowest, lowest),
                "highest": (first_highest, highest),
                "both at lowest": (lowest, lowest),
                "both at highest": (first_highest, first_highest),
                "maximum at its highest": (lowest, highest),
                "below": (lowest - 1, highest),
                "above": (lowest, highest + 1),
                "minimum above its ceiling": (first_highest + 1, highest),
            }[edge]
        else:
            args = (
                {
                    "lowest": lowest,
                    "highest": highest,
                    "both at lowest": lowest,
                    "both at highest": highest,
                    "maximum at its highest": highest,
                    "below": max(lowest - 1, 0) if lowest else highest + 1,  # below 0 is no uint: above instead
                    "above": highest + 1,
                    "minimum above its ceiling": highest + 1,
                }[edge],
            )
        self.w.attackers["governance at bounds"] += 1
        action = getattr(self.model, _MODEL_SETTERS[method])
        self.act(GOVERNANCE, self.w.contract(contract), method, args, lambda: action(self.addr(GOVERNANCE), *args))

    @rule(to=st.sampled_from([GOVERNANCE, FUNDER, "zero"]), which=st.sampled_from(["all", "one", "too_much", "zero"]))
    def governance_withdraws_fees(self, to: str, which: str) -> None:
        """Governance may withdraw bid fees, and nothing else."""
        fees = self.model.fee_balance
        amount = {"all": fees, "one": 1, "too_much": fees + 1, "zero": 0}[which]
        receiver = ZERO_ADDRESS if to == "zero" else self.addr(to)
        self.act(
            GOVERNANCE,
            self.w.marketplace,
            "withdrawFees",
            (receiver, amount),
            lambda: self.model.withdraw_fees(self.addr(GOVERNANCE), receiver, amount),
        )

    @rule(contract=st.sampled_from(["marketplace", "model_registry", "router"]), pause=st.booleans())
    def governance_pauses_or_unpauses(self, contract: str, pause: bool) -> None:
        """Pause stops new registrations, bids and sessions; never closing, withdrawing or claiming."""
        key = PAUSABLE[contract]
        method = "pause" if pause else "unpause"
        self.act(
            GOVERNANCE,
            self.w.contract(contract),
            method,
            (),
            lambda: (self.model.pause if pause else self.model.unpause)(self.addr(GOVERNANCE), key),
        )

    @rule(
        caller=st.sampled_from([p for p in EVERYONE if p != GOVERNANCE]),
        call=st.sampled_from(
            [
                ("marketplace", "withdrawFees", "to_self"),
                ("marketplace", "disableWhitelist", None),
                ("marketplace", "setWhitelisted", "self_true"),
                ("marketplace", "pause", None),
                ("marketplace", "setGuardian", "self"),
                ("model_registry", "setMinModelStake", 0),
                ("model_registry", "unpause", None),
                ("router", "setReferenceSupply", 1),
                ("router", "setDurationBounds", "bounds"),
                ("router", "pause", None),
                ("pool", "credit", "credit_self"),
            ]
        ),
    )
    def someone_calls_what_only_governance_or_the_router_may(self, caller: str, call: tuple[str, str, Any]) -> None:
        """Only governance sets parameters, names guardians, unpauses or withdraws fees; only
        governance or the contract's guardian pauses (`NotPauser`); only the session router
        credits what a provider is owed."""
        contract, method, arg = call
        args: tuple[Any, ...] = {
            "to_self": (self.addr(caller), 1),
            "self_true": (self.addr(caller), True),
            "self": (self.addr(caller),),
            "bounds": (1, 2),
            "credit_self": (self.addr(caller), 1_000 * MOR),
            None: (),
        }.get(arg, (arg,))

        def predicted() -> None:
            if method == "credit":
                self.model.credit(self.addr(caller), self.addr(caller), 1_000 * MOR)
            if method == "pause":
                return self.model.pause(self.addr(caller), PAUSABLE[contract])  # a guardian may
            raise Revert("OwnableUnauthorizedAccount", account=self.addr(caller))

        self.act(caller, self.w.contract(contract), method, args, predicted)

    # ================================================================== rules: the guardian (§7, v3)

    @precondition(lambda self: self.extras_allowed())
    @rule(contract=st.sampled_from(sorted(PAUSABLE)), who=st.sampled_from(GUARDIAN_CANDIDATES))
    def governance_sets_or_revokes_a_guardian(self, contract: str, who: str) -> None:
        """Governance names a guardian of one pausable contract, or revokes it (the zero address)."""
        self.extra_actions += 1
        guardian = ZERO_ADDRESS if who == "zero" else self.addr(who)
        self.w.governance_kinds["guardian " + ("revoked" if who == "zero" else "set")] += 1
        self.act(
            GOVERNANCE,
            self.w.contract(contract),
            "setGuardian",
            (guardian,),
            lambda: self.model.set_guardian(self.addr(GOVERNANCE), PAUSABLE[contract], guardian),
        )

    @precondition(lambda self: self.extras_allowed())
    @rule(
        contract=st.sampled_from(sorted(PAUSABLE)),
        who=st.sampled_from(["the guardian", "the guardian", "the guardian", "another guardian", KEEPER, GRIEFER]),
        pick=index,
    )
    def guardian_pauses_a_contract(self, contract: str, who: str, pick: int) -> None:
        """The guardian (named first if the contract has none) pauses at once, exactly when
        governance could (not paused, not cooling down: `EnforcedPause`, `PauseCoolingDown`);
        anyone else, the guardian of another contract included, is refused with `NotPauser`."""
        self.extra_actions += 1
        key = PAUSABLE[contract]
        guardians = self.model.guardians
        if who == "the guardian":
            if guardians[key] == ZERO_ADDRESS:  # none yet: governance names one first
                self.governance_sets_or_revokes_a_guardian(contract, choose(GUARDIAN_CANDIDATES[:-1], pick))
            caller = self.w.name_of(guardians[key])
        elif who == "another guardian":
            others = [g for k, g in sorted(guardians.items()) if k != key and g not in (ZERO_ADDRESS, guardians[key])]
            caller = self.w.name_of(others[0]) if others else GRIEFER
        else:
            caller = who
        outcome = self.send(caller, self.w.contract(contract), "pause")
        self.expect(outcome, lambda: self.model.pause(self.addr(caller), key))
        self.w.governance_kinds[
            "guardian paused" if outcome.error is None else f"guardian pause refused: {outcome.error[0]}"
        ] += 1

    @precondition(lambda self: self.extras_allowed())
    @rule(
        contract=st.sampled_from(sorted(PAUSABLE)),
        pick=index,
        call=st.sampled_from(
            [
                ("unpause", None),
                ("setGuardian", "zero"),
                ("setGuardian", "self"),
                ("transferOwnership", "self"),
                ("marketplace", "setPriceBounds"),
                ("marketplace", "setMinProviderStake"),
                ("marketplace", "withdrawFees"),
                ("model_registry", "setMinModelStake"),
                ("router", "setDurationBounds"),
                ("router", "setReferenceSupply"),
            ]
        ),
    )
    def guardian_tries_to_unpause_or_govern(self, contract: str, pick: int, call: tuple[str, str | None]) -> None:
        """A guardian (named first if the contract has none) can only pause: its unpause, a
        guardian of its own choosing, an ownership transfer, a parameter change (even within the
        bounds) or a fee withdrawal is refused with OwnableUnauthorizedAccount, and changes nothing
        (the invariants compare every parameter, pause and guardian with the model)."""
        self.extra_actions += 1
        key = PAUSABLE[contract]
        if self.model.guardians[key] == ZERO_ADDRESS:
            self.governance_sets_or_revokes_a_guardian(contract, choose(GUARDIAN_CANDIDATES[:-1], pick))
        guardian = self.model.guardians[key]
        first, second = call
        if first == "unpause":
            method, args = "unpause", ()
        elif first in ("setGuardian", "transferOwnership"):
            method, args = first, (ZERO_ADDRESS if second == "zero" else guardian,)
        else:
            contract, method = first, str(second)
            args = {
                "setPriceBounds": (self.model.min_price, self.model.max_price),
                "setMinProviderStake": (0,),
                "withdrawFees": (guardian, 1),
                "setMinModelStake": (0,),
                "setDurationBounds": (self.model.min_duration, self.model.max_duration),
                "setReferenceSupply": (0,),
            }[method]

        def predicted() -> None:
            if method == "unpause":
                self.model.unpause(guardian, key)
            elif method == "setGuardian":
                self.model.set_guardian(guardian, key, *args)
            elif method == "withdrawFees":
                self.model.withdraw_fees(guardian, *args)
            elif method in _MODEL_SETTERS:
                getattr(self.model, _MODEL_SETTERS[method])(guardian, *args)
            raise Revert("OwnableUnauthorizedAccount", account=guardian)  # transferOwnership: onlyOwner

        self.w.governance_kinds["guardian refused: " + method] += 1
        self.act(self.w.name_of(guardian), self.w.contract(contract), method, args, predicted)

    @rule(accepting=st.booleans())
    def wallet_changes_its_erc1271_answer(self, accepting: bool) -> None:
        """The smart-contract wallet provider stops (or resumes) accepting its owner's signatures."""

        def effects() -> None:
            self.model.wallets[self.addr("wallet")][1] = accepting

        self.act(WALLET_OWNER, self.w.wallet, "setAccepting", (accepting,), effects)

    # ================================================================== rules: time

    @rule(
        seconds=st.one_of(
            st.integers(min_value=1, max_value=900),
            st.integers(min_value=1, max_value=12).map(lambda hours: hours * 3_600),
            st.tuples(st.integers(min_value=1, max_value=3), st.integers(min_value=0, max_value=DAY - 1)).map(
                lambda days: days[0] * DAY + days[1]
            ),
        )
    )
    def time_passes(self, seconds: int) -> None:
        """Seconds, hours or days pass (crossing midnights)."""
        self.advance(seconds)

    @rule(before=st.integers(min_value=0, max_value=120))
    def time_reaches_just_before_midnight(self, before: int) -> None:
        """Land on the last seconds of the day (or exactly midnight), so closes straddle days."""
        target = (self.now // DAY + 1) * DAY - before
        self.advance(max(target - self.now, 1))

    @rule(after=st.integers(min_value=0, max_value=120))
    def time_jumps_just_past_midnight(self, after: int) -> None:
        """Land on the first seconds of the next day: open sessions cross midnight, yesterday's holds
        are released, and a new day's budget applies."""
        target = (self.now // DAY + 1) * DAY + after
        self.advance(target - self.now)
