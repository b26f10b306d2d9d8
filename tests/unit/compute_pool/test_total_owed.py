"""What the pool owes all providers (PROTOCOL.md §4, the health view): `totalOwed()` is the sum of
every provider's `owed`, to the wei, after credits, claims the budget limits, full claims, days
with and without transactions, and a claim that closes a new day's books. It is kept as running
sums, so it holds on a day no transaction has closed yet as well."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest
from ape import chain

from mor_market.constants import DAY, MOR
from tests.unit.compute_pool.conftest import budget_of

FUNDING = 100_000 * MOR
BUDGET = budget_of(FUNDING)  # 1,000 MOR


@pytest.fixture
def owed_in_all(pool, provider, provider2, consumer) -> Callable[[], int]:
    """The sum of `owed` over every account these tests credit."""

    def _sum() -> int:
        return sum(pool.owed(p) for p in (provider, provider2, consumer))

    return _sum


def paid_by(tx: Any, pool: Any) -> int:
    return tx.decode_logs(pool.Claimed)[0].amount


def test_total_owed__of_a_fresh_pool__is_zero(pool):
    assert pool.totalOwed() == 0


def test_total_owed__after_credits_to_several_providers__is_the_sum_of_what_each_is_owed(
    pool, provider, provider2, consumer, credit, owed_in_all
):
    credit(provider, 3 * MOR + 1)
    credit(provider2, 5)
    credit(provider, 7 * MOR)
    credit(consumer, 10**30)  # more than the pool holds: owed in full

    assert pool.totalOwed() == owed_in_all() == 10 * MOR + 6 + 10**30


def test_total_owed__after_a_claim_the_budget_limits__drops_by_exactly_what_was_paid(
    pool, provider, provider2, day0, fund_at, credit, claim_at, owed_in_all
):
    fund_at(FUNDING, day0 + 100)
    credit(provider, 2_500 * MOR + 1)
    credit(provider2, 40 * MOR)

    paid = paid_by(claim_at(provider, day0 + DAY + 10), pool)

    assert paid == BUDGET
    assert pool.owed(provider) == 1_500 * MOR + 1
    assert pool.totalOwed() == owed_in_all() == 2_540 * MOR + 1 - BUDGET


def test_total_owed__after_full_claims__is_what_the_others_are_still_owed(
    pool, provider, provider2, consumer, day0, fund_at, credit, claim_at, owed_in_all
):
    fund_at(FUNDING, day0 + 100)
    credit(provider, 300 * MOR + 7)
    credit(provider2, 200 * MOR)
    credit(consumer, 9)

    claim_at(provider, day0 + DAY + 10)
    claim_at(consumer, day0 + DAY + 20)

    assert (pool.owed(provider), pool.owed(consumer)) == (0, 0)
    assert pool.totalOwed() == owed_in_all() == 200 * MOR
    claim_at(provider2, day0 + DAY + 30)
    assert pool.totalOwed() == owed_in_all() == 0


def test_total_owed__on_a_new_day_no_transaction_has_closed__still_counts_the_last_days_payments(
    pool, provider, day0, fund_at, credit, claim_at, owed_in_all
):
    fund_at(FUNDING, day0 + 100)
    credit(provider, 2_500 * MOR)
    claim_at(provider, day0 + DAY + 10)

    chain.mine(timestamp=day0 + 3 * DAY + 5)  # two days later, the books still on day0 + DAY

    assert pool.today().paid == 0  # the view's new day has paid nothing
    assert pool.lastClose().day == (day0 + DAY) // DAY
    assert pool.totalOwed() == owed_in_all() == 2_500 * MOR - BUDGET


def test_total_owed__after_a_claim_that_closes_a_new_day__counts_both_days_payments(
    pool, provider, provider2, day0, fund_at, credit, claim_at, owed_in_all
):
    fund_at(FUNDING, day0 + 100)
    credit(provider, 1_800 * MOR)
    credit(provider2, 600 * MOR)
    first = paid_by(claim_at(provider, day0 + DAY + 10), pool)
    assert first == BUDGET

    tx = claim_at(provider2, day0 + 2 * DAY + 10)  # the first transaction of the next day

    assert len(tx.decode_logs(pool.DayClosed)) == 1
    second = paid_by(tx, pool)
    assert second == min(600 * MOR, budget_of(FUNDING - first))
    assert pool.totalOwed() == owed_in_all() == 2_400 * MOR - first - second
    third = paid_by(claim_at(provider, day0 + 2 * DAY + 20), pool)  # the rest of that day's budget
    assert third == budget_of(FUNDING - first) - second
    assert pool.totalOwed() == owed_in_all() == 2_400 * MOR - first - second - third


def test_total_owed__over_days_with_and_without_transactions__is_the_sum_of_what_is_owed_every_day(
    pool, provider, provider2, consumer, day0, fund_at, credit, claim_at, owed_in_all
):
    fund_at(FUNDING, day0 + 100)
    credit(provider, 1_700 * MOR + 1)
    credit(provider2, 900 * MOR)
    owed = 2_600 * MOR + 1
    day = day0 + DAY

    for step in range(6):
        chain.mine(timestamp=day + 5)  # the views read this day; every third day has no transaction
        if step % 3 != 2:
            if step == 3:
                fund_at(MOR, day + 8)  # a day whose books a funding closes
            for at, who in ((day + 10, provider), (day + 20, provider2)):
                budget, paid, _ = pool.today()
                if pool.owed(who) and budget > paid:
                    owed -= paid_by(claim_at(who, at), pool)
            credit(consumer, step + 1)
            owed += step + 1
        assert pool.totalOwed() == owed_in_all() == owed
        day += DAY

    assert owed < 2_600 * MOR  # it did pay


def test_total_owed__after_a_fund_or_a_surplus_closes_a_day__is_unchanged(
    pool, mor, provider, stranger, keeper, day0, fund_at, credit, claim_at, owed_in_all
):
    fund_at(FUNDING, day0 + 100)
    credit(provider, 1_500 * MOR)
    claim_at(provider, day0 + DAY + 10)
    owed = 1_500 * MOR - BUDGET

    fund_at(MOR, day0 + 2 * DAY + 10)  # closes day0 + DAY, which paid the budget
    assert pool.totalOwed() == owed_in_all() == owed
    mor.transfer(pool, MOR, sender=stranger)
    chain.pending_timestamp = day0 + 3 * DAY + 10
    pool.absorbSurplus(sender=keeper)  # closes day0 + 2 * DAY, which paid nothing
    assert pool.totalOwed() == owed_in_all() == owed


def test_credit__within_2_128_wei_in_all__is_owed_in_full(pool, provider, provider2, credit, owed_in_all):
    credit(provider, 2**128 - 2)
    credit(provider2, 1)

    assert pool.totalOwed() == owed_in_all() == 2**128 - 1


def test_credit__beyond_2_128_wei_in_all__reverts_safecast_and_changes_nothing(
    pool, provider, provider2, as_router, credit, observe_pool
):
    credit(provider, 2**128 - 1)
    before = observe_pool()

    with ape.reverts(pool.SafeCastOverflowedUintDowncast, bits=128, value=2**128):
        pool.credit(provider2, 1, sender=as_router)

    assert observe_pool() == before
    assert pool.totalOwed() == 2**128 - 1
