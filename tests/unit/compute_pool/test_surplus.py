"""MOR sent to the pool by plain transfer (PROTOCOL.md §4, STYLE "keep your own ledger"): it is
outside the ledger until anyone calls absorbSurplus, and counts towards the budget from the
next day's closing balance on."""

from __future__ import annotations

import ape

from mor_market.constants import DAY, MOR
from tests.unit.compute_pool.conftest import budget_of
from tests.utils.checks import check_conservation

FUNDING = 100_000 * MOR


def test_absorb_surplus__after_a_plain_transfer__adds_it_to_the_ledger(
    protocol, pool, mor, stranger, keeper, day0, fund_at
):
    fund_at(FUNDING, day0 + 100)
    surplus = 777 * MOR + 7
    mor.transfer(pool, surplus, sender=stranger)
    assert pool.poolBalance() == FUNDING  # the ledger does not read balanceOf

    tx = pool.absorbSurplus(sender=keeper)

    absorbed = tx.decode_logs(pool.SurplusAbsorbed)
    assert len(absorbed) == 1
    assert (absorbed[0].amount, absorbed[0].balance) == (surplus, FUNDING + surplus)
    assert tx.decode_logs(mor.Transfer) == []
    assert pool.poolBalance() == FUNDING + surplus
    check_conservation(protocol)


def test_absorb_surplus__nothing_extra__reverts_no_surplus(pool, keeper, day0, fund_at, observe_pool):
    fund_at(FUNDING, day0 + 100)
    before = observe_pool()

    with ape.reverts(pool.NoSurplus):
        pool.absorbSurplus(sender=keeper)

    assert observe_pool() == before


def test_absorb_surplus__first_tx_of_a_day__closes_with_the_balance_before_absorbing(
    pool, mor, stranger, keeper, provider, day0, fund_at, credit
):
    fund_at(FUNDING, day0 + 100)
    surplus = 5_000 * MOR
    mor.transfer(pool, surplus, sender=stranger)
    ape.chain.pending_timestamp = day0 + DAY + 10

    tx = pool.absorbSurplus(sender=keeper)

    closed = tx.decode_logs(pool.DayClosed)
    assert len(closed) == 1
    assert (closed[0].closingBalance, closed[0].budget) == (FUNDING, budget_of(FUNDING))
    assert tuple(pool.today()) == (budget_of(FUNDING), 0, FUNDING + surplus)


def test_absorb_surplus__counts_in_the_next_days_budget(
    pool, mor, stranger, keeper, provider, day0, fund_at, credit, claim_at
):
    fund_at(FUNDING, day0 + 100)
    surplus = 5_000 * MOR
    mor.transfer(pool, surplus, sender=stranger)
    pool.absorbSurplus(sender=keeper)
    credit(provider, 10 * FUNDING)

    tx = claim_at(provider, day0 + DAY + 10)

    assert tx.decode_logs(pool.DayClosed)[0].closingBalance == FUNDING + surplus
    assert tx.decode_logs(pool.Claimed)[0].amount == budget_of(FUNDING + surplus)
