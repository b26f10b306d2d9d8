"""The pool's health in one call (PROTOCOL.md §4): `health()` shows the ledger, the token balance,
today's budget, what was paid and what is left of it, and the total owed to all providers, each
equal to what the other views show on the same block, and as it stands now: on a new day no
transaction has closed yet, the view closes the books as `today()` does."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from ape import chain

from mor_market.constants import DAY, MOR
from tests.unit.compute_pool.conftest import budget_of

FUNDING = 100_000 * MOR
BUDGET = budget_of(FUNDING)  # 1,000 MOR
FIELDS = ("ledger", "tokenBalance", "day", "budget", "paidToday", "budgetLeft", "totalOwed")


@pytest.fixture
def health(pool) -> Callable[[], dict[str, int]]:
    """`health()` as a dict of its fields."""

    def _health() -> dict[str, int]:
        h = pool.health()
        return {name: getattr(h, name) for name in FIELDS}

    return _health


@pytest.fixture
def other_views(pool, mor, provider, provider2, consumer) -> Callable[[], dict[str, int]]:
    """What the other views show on the latest block, under the names of `health()`'s fields."""

    def _views() -> dict[str, int]:
        budget, paid, ledger = pool.today()
        return {
            "ledger": pool.poolBalance(),
            "tokenBalance": mor.balanceOf(pool),
            "day": chain.blocks.head.timestamp // DAY,
            "budget": budget,
            "paidToday": paid,
            "budgetLeft": budget - paid,
            "totalOwed": sum(pool.owed(p) for p in (provider, provider2, consumer)),
        } | ({} if ledger == pool.poolBalance() else {"ledger": -1})

    return _views


def test_health__of_a_fresh_pool__shows_only_the_day(health, other_views):
    assert health() == other_views()
    assert health() == {name: 0 for name in FIELDS} | {"day": chain.blocks.head.timestamp // DAY}


def test_health__after_a_partial_payment__shows_what_is_left_of_the_budget(
    pool, provider, provider2, day0, fund_at, credit, claim_at, health, other_views
):
    fund_at(FUNDING, day0 + 100)
    credit(provider, 300 * MOR + 1)
    credit(provider2, 2_000 * MOR)
    claim_at(provider, day0 + DAY + 10)

    shown = health()

    assert shown == other_views()
    assert shown == {
        "ledger": FUNDING - 300 * MOR - 1,
        "tokenBalance": FUNDING - 300 * MOR - 1,
        "day": (day0 + DAY) // DAY,
        "budget": BUDGET,
        "paidToday": 300 * MOR + 1,
        "budgetLeft": BUDGET - 300 * MOR - 1,
        "totalOwed": 2_000 * MOR,
    }


def test_health__with_the_budget_exhausted__shows_nothing_left(
    pool, provider, provider2, day0, fund_at, credit, claim_at, health, other_views
):
    fund_at(FUNDING, day0 + 100)
    credit(provider, 700 * MOR)
    credit(provider2, 700 * MOR)
    claim_at(provider, day0 + DAY + 10)
    claim_at(provider2, day0 + DAY + 20)  # gets the last 300 MOR of the day's budget

    shown = health()

    assert shown == other_views()
    assert (shown["budget"], shown["paidToday"], shown["budgetLeft"]) == (BUDGET, BUDGET, 0)
    assert shown["totalOwed"] == 1_400 * MOR - BUDGET


def test_health__before_any_transaction_of_a_new_day__closes_the_books_in_the_view(
    pool, provider, day0, fund_at, credit, claim_at, health, other_views
):
    fund_at(FUNDING, day0 + 100)
    credit(provider, 2_500 * MOR)  # more than two days' budgets
    claim_at(provider, day0 + DAY + 10)  # pays the whole budget of day0 + DAY
    last_close = tuple(pool.lastClose())

    chain.mine(timestamp=day0 + 3 * DAY + 5)  # no transaction on day0 + 2 * DAY nor yet today

    shown = health()
    assert shown == other_views()
    assert shown == {
        "ledger": FUNDING - BUDGET,
        "tokenBalance": FUNDING - BUDGET,
        "day": (day0 + 3 * DAY) // DAY,
        "budget": budget_of(FUNDING - BUDGET),
        "paidToday": 0,
        "budgetLeft": budget_of(FUNDING - BUDGET),
        "totalOwed": 2_500 * MOR - BUDGET,
    }
    assert tuple(pool.lastClose()) == last_close  # the view wrote nothing
    # The first transaction of the day closes the books to what the view showed.
    tx = claim_at(provider, day0 + 3 * DAY + 10)
    assert tx.decode_logs(pool.Claimed)[0].amount == shown["budgetLeft"]
    assert health() == other_views()


def test_health__after_a_plain_transfer__shows_a_token_balance_above_the_ledger(
    pool, mor, stranger, keeper, day0, fund_at, health, other_views
):
    fund_at(FUNDING, day0 + 100)
    surplus = 42 * MOR + 1

    mor.transfer(pool, surplus, sender=stranger)

    shown = health()
    assert shown == other_views()
    assert (shown["ledger"], shown["tokenBalance"]) == (FUNDING, FUNDING + surplus)
    pool.absorbSurplus(sender=keeper)
    assert (health()["ledger"], health()["tokenBalance"]) == (FUNDING + surplus, FUNDING + surplus)
