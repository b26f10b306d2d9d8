"""Rules of governance (§7) and of time."""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st
from hypothesis.stateful import rule

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
    IN_BOUNDS,
    PARAMETER_CHANGES,
    PROVIDERS,
    WALLET_OWNER,
    choose,
    index,
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
        for good; a budgetBps change applies from the next day."""
        contract, method, candidates = PARAMETER_CHANGES[parameter]
        args = choose(candidates, pick)
        action = getattr(self.model, _MODEL_SETTERS[method])
        self.act(GOVERNANCE, self.w.contract(contract), method, args, lambda: action(self.addr(GOVERNANCE), *args))

    @rule(parameter=st.sampled_from(sorted(IN_BOUNDS)), low=st.integers(min_value=0), high=st.integers(min_value=0))
    def governance_sets_any_value_within_the_bounds(self, parameter: str, low: int, high: int) -> None:
        """Governance sets any value its hard bounds allow (for a pair of bounds, any minimum and
        any maximum above it): promises 1-3 must hold whatever it picks."""
        contract, method, lowest, highest = IN_BOUNDS[parameter]
        first = lowest + low % (highest - lowest + 1)
        args = (
            (first,)
            if method not in ("setPriceBounds", "setDurationBounds")
            else (first, first + high % (highest - first + 1))
        )
        action = getattr(self.model, _MODEL_SETTERS[method])
        self.act(GOVERNANCE, self.w.contract(contract), method, args, lambda: action(self.addr(GOVERNANCE), *args))

    @rule(
        parameter=st.sampled_from(sorted(IN_BOUNDS)),
        edge=st.sampled_from(["lowest", "highest", "both at lowest", "both at highest", "below", "above"]),
    )
    def governance_sets_a_parameter_at_its_bounds(self, parameter: str, edge: str) -> None:
        """Governance at its most hostile: a parameter at the lowest or highest value its hard
        bounds allow (budgetBps 1 starves claims from the next day), or one past them, refused with
        ParameterOutOfBounds naming the parameter, the value and the bounds."""
        contract, method, lowest, highest = IN_BOUNDS[parameter]
        value = {
            "lowest": lowest,
            "highest": highest,
            "both at lowest": lowest,
            "both at highest": highest,
            "below": max(lowest - 1, 0) if lowest else highest + 1,  # below 0 is no uint: above instead
            "above": highest + 1,
        }[edge]
        if method in ("setPriceBounds", "setDurationBounds"):
            args: tuple[int, ...] = {
                "lowest": (lowest, highest),
                "highest": (lowest, highest),
                "both at lowest": (lowest, lowest),
                "both at highest": (highest, highest),
                "below": (lowest - 1, highest),
                "above": (lowest, highest + 1),
            }[edge]
        else:
            args = (value,)
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
        key = "registry" if contract == "model_registry" else contract
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
                ("model_registry", "setMinModelStake", 0),
                ("pool", "setBudgetBps", 10_000),
                ("router", "setReferenceSupply", 1),
                ("router", "setDurationBounds", "bounds"),
                ("pool", "credit", "credit_self"),
            ]
        ),
    )
    def someone_calls_what_only_governance_or_the_router_may(self, caller: str, call: tuple[str, str, Any]) -> None:
        """Only governance sets parameters or withdraws fees; only the session router credits
        what a provider is owed."""
        contract, method, arg = call
        args: tuple[Any, ...] = {
            "to_self": (self.addr(caller), 1),
            "self_true": (self.addr(caller), True),
            "bounds": (1, 2),
            "credit_self": (self.addr(caller), 1_000 * MOR),
            None: (),
        }.get(arg, (arg,))

        def predicted() -> None:
            if method == "credit":
                self.model.credit(self.addr(caller), self.addr(caller), 1_000 * MOR)
            raise Revert("OwnableUnauthorizedAccount", account=self.addr(caller))

        self.act(caller, self.w.contract(contract), method, args, predicted)

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
