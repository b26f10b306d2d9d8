"""The health view under random histories (PROTOCOL.md §4): random sequences of funding, credits
by the session router, claims, plain transfers, absorbs and time passing (across
midnights, with days on which nothing happens). After every step `totalOwed()` is the sum of
every provider's `owed`, and every field of `health()` equals both the other views and a small
model of the pool's books.

Each example starts from the same funded pool: the chain is restored to a snapshot, as in
tests/properties/test_protocol_state_machine.py. A claim the model says would pay nothing is not
sent (it reverts and changes nothing; test_claim.py covers that revert); the same for an absorb
with nothing to absorb.
"""

from __future__ import annotations

import copy
from collections import Counter
from dataclasses import dataclass, field
from typing import Any

from ape import chain
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule, run_state_machine_as_test

from mor_market.constants import BPS, DAY, MOR

BUDGET_BPS = 100  # the pool's constant budget: 1% a day

FUNDING = 200_000 * MOR  # a budget of 2,000 MOR a day: one large credit may exceed it
SETTINGS = settings(
    max_examples=12,
    stateful_step_count=25,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    print_blob=True,
)
PROVIDER_NAMES = ("alice", "bob", "carol")
provider_names = st.sampled_from(PROVIDER_NAMES)
credits = st.one_of(st.integers(1, 10**9), st.integers(1, 5_000 * MOR))  # wei-sized and MOR-sized
HEALTH_FIELDS = ("ledger", "tokenBalance", "day", "budget", "paidToday", "budgetLeft", "totalOwed")


@dataclass
class Books:
    """The pool's books as PROTOCOL.md §4 states them: a day's budget is 1% of the ledger as it
    stood before the day's first fund, claim or absorb; a credit closes nothing."""

    ledger: int
    token_balance: int
    day: int
    budget: int = 0
    paid: int = 0
    owed: dict[str, int] = field(default_factory=dict)

    def close(self, at: int) -> None:
        if at // DAY > self.day:
            self.day, self.budget, self.paid = at // DAY, self.ledger * BUDGET_BPS // BPS, 0

    def today(self, at: int) -> tuple[int, int]:
        """Today's (budget, paid) at `at`, without writing: the view's closing of the books."""
        return (self.ledger * BUDGET_BPS // BPS, 0) if at // DAY > self.day else (self.budget, self.paid)

    def payable(self, provider: str, at: int) -> int:
        budget, paid = self.today(at)
        return min(self.owed.get(provider, 0), max(budget - paid, 0))

    def health(self, at: int) -> dict[str, int]:
        budget, paid = self.today(at)
        return {
            "ledger": self.ledger,
            "tokenBalance": self.token_balance,
            "day": at // DAY,
            "budget": budget,
            "paidToday": paid,
            "budgetLeft": max(budget - paid, 0),
            "totalOwed": sum(self.owed.values()),
        }


@dataclass
class World:
    pool: Any
    mor: Any
    router: Any  # the impersonated session router
    funder: Any
    keeper: Any
    stranger: Any
    providers: dict[str, Any]
    books: Books
    start: int  # the baseline's timestamp
    snapshot: Any = None
    steps: int = 0
    seen: Counter = field(default_factory=Counter)  # what the runs did, to show they did it


class PoolMachine(RuleBasedStateMachine):
    """The real pool driven at exact timestamps, its books kept beside it in `Books`."""

    world: World

    def __init__(self) -> None:
        super().__init__()
        w = self.world
        chain.restore(w.snapshot)
        w.snapshot = chain.snapshot()
        self.books = copy.deepcopy(w.books)
        self.now = w.start

    def _at_next_second(self) -> int:
        """The next transaction lands one second later, exactly then."""
        self.now += 1
        chain.pending_timestamp = self.now
        return self.now

    # ------------------------------------------------------------------ rules

    @rule(amount=st.sampled_from([1, 7 * MOR + 3, 1_000 * MOR, 20_000 * MOR]))
    def fund(self, amount: int) -> None:
        w = self.world
        w.mor.approve(w.pool, amount, sender=w.funder)
        at = self._at_next_second()
        assert w.pool.fund(amount, sender=w.funder).timestamp == at
        self.books.close(at)
        self.books.ledger += amount
        self.books.token_balance += amount

    @rule(name=provider_names, amount=credits)
    def credit(self, name: str, amount: int) -> None:
        w = self.world
        at = self._at_next_second()
        assert w.pool.credit(w.providers[name], amount, sender=w.router).timestamp == at
        self.books.owed[name] = self.books.owed.get(name, 0) + amount  # no closing: a credit moves no MOR

    @rule(name=provider_names)
    def claim(self, name: str) -> None:
        w = self.world
        expected = self.books.payable(name, self.now + 1)
        if expected == 0:
            w.seen["claim skipped"] += 1
            return
        at = self._at_next_second()
        tx = w.pool.claim(w.providers[name], sender=w.keeper)
        assert tx.timestamp == at
        assert tx.decode_logs(w.pool.Claimed)[0].amount == expected
        w.seen["claim closing a day" if tx.decode_logs(w.pool.DayClosed) else "claim"] += 1
        w.seen["claim limited by the budget" if expected < self.books.owed[name] else "claim of all owed"] += 1
        self.books.close(at)
        self.books.paid += expected
        self.books.ledger -= expected
        self.books.token_balance -= expected
        self.books.owed[name] -= expected

    @rule()
    def claim_for_everyone(self) -> None:
        """A keeper's round: a claim for each provider in turn, as far as the budget goes."""
        for name in self.world.providers:
            self.claim(name)

    @rule(amount=st.sampled_from([1, 5 * MOR]))
    def transfer_to_the_pool(self, amount: int) -> None:
        w = self.world
        at = self._at_next_second()
        assert w.mor.transfer(w.pool, amount, sender=w.stranger).timestamp == at
        self.books.token_balance += amount

    @rule()
    def absorb_surplus(self) -> None:
        w = self.world
        if self.books.token_balance == self.books.ledger:
            return
        at = self._at_next_second()
        assert w.pool.absorbSurplus(sender=w.keeper).timestamp == at
        self.books.close(at)
        self.books.ledger = self.books.token_balance

    @rule(seconds=st.one_of(st.integers(1, 3 * DAY), st.just(DAY)))
    def wait(self, seconds: int) -> None:
        """Time passes; an empty block makes the views read the new time."""
        self.now += seconds
        chain.mine(timestamp=self.now)

    @rule(after=st.integers(0, 30))
    def wait_past_midnight(self, after: int) -> None:
        """Time passes to just after the next midnight, before any transaction of that day."""
        self.now = (self.now // DAY + 1) * DAY + after
        chain.mine(timestamp=self.now)

    # ------------------------------------------------------------------ invariants

    @invariant()
    def total_owed_is_the_sum_of_owed(self) -> None:
        w = self.world
        owed = {name: w.pool.owed(account) for name, account in w.providers.items()}
        assert owed == {name: self.books.owed.get(name, 0) for name in w.providers}
        assert w.pool.totalOwed() == sum(owed.values())

    @invariant()
    def health_equals_the_other_views_and_the_books(self) -> None:
        w = self.world
        w.steps += 1
        head = chain.blocks.head.timestamp
        w.seen["view on a day not yet closed" if head // DAY > self.books.day else "view on a closed day"] += 1
        h = w.pool.health()
        shown = {name: getattr(h, name) for name in HEALTH_FIELDS}
        budget, paid, ledger = w.pool.today()
        assert shown == self.books.health(head)
        assert shown == {
            "ledger": ledger,
            "tokenBalance": w.mor.balanceOf(w.pool),
            "day": head // DAY,
            "budget": budget,
            "paidToday": paid,
            "budgetLeft": budget - paid,
            "totalOwed": w.pool.totalOwed(),
        }
        assert shown["ledger"] == w.pool.poolBalance() <= shown["tokenBalance"]


def test_total_owed_and_health__after_every_step_of_random_histories__match_the_views_and_the_books(
    pool, mor, as_router, funder, keeper, stranger, provider, provider2, consumer, day0, fund_at, credit
):
    # The baseline: a funded pool, two providers owed more than a day's budget in all, the next morning.
    fund_at(FUNDING, day0 + 100)
    credit(provider, 2_500 * MOR)
    credit(provider2, 400 * MOR + 1)
    chain.mine(timestamp=day0 + DAY + 3_600)
    head = chain.blocks.head.timestamp
    world = World(
        pool=pool,
        mor=mor,
        router=as_router,
        funder=funder,
        keeper=keeper,
        stranger=stranger,
        providers=dict(zip(PROVIDER_NAMES, (provider, provider2, consumer), strict=True)),
        books=Books(
            ledger=FUNDING,
            token_balance=mor.balanceOf(pool),
            day=day0 // DAY,
            owed={"alice": 2_500 * MOR, "bob": 400 * MOR + 1},
        ),
        start=head,
    )
    assert world.books.token_balance == FUNDING
    world.snapshot = chain.snapshot()
    PoolMachine.world = world

    run_state_machine_as_test(PoolMachine, settings=SETTINGS)

    seen = ", ".join(f"{what} {n}" for what, n in sorted(world.seen.items()))
    print(f"\ntotal owed property: {world.steps} invariant checks; {seen}")
    assert world.steps > SETTINGS.max_examples
