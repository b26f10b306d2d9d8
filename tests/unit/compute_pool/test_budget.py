"""The daily budget (PROTOCOL.md §4, promise 2): MOR paid out on day d is at most 1% of the
pool's ledger balance at the end of day d-1 (a constant: nothing can change it), fixed by the
first fund, claim or absorbSurplus of day d (a credit does not close the books)."""

from __future__ import annotations

import ape
import pytest
from ape import chain
from eth_utils import keccak

from mor_market.constants import DAY, MOR
from tests.unit.compute_pool.conftest import budget_of

FUNDING = 123_456_789_123_456_789_123  # not a multiple of 100: the budget rounds down


def test_budget__on_the_day_of_the_first_funding__is_zero(pool, day0, fund_at):
    fund_at(FUNDING, day0 + 100)

    assert tuple(pool.today()) == (0, 0, FUNDING)
    assert tuple(pool.lastClose()) == (day0 // DAY, 0)


def test_budget__first_tx_of_next_day_is_a_claim__fixes_1_percent_of_the_closing_balance(
    pool, provider, day0, fund_at, credit, claim_at
):
    fund_at(FUNDING, day0 + 100)
    credit(provider, FUNDING)

    tx = claim_at(provider, day0 + DAY + 10)

    budget = budget_of(FUNDING)
    assert budget == FUNDING // 100 and FUNDING % 100 != 0
    closed = tx.decode_logs(pool.DayClosed)
    assert len(closed) == 1
    assert (closed[0].day, closed[0].closingBalance, closed[0].budget) == (day0 // DAY + 1, FUNDING, budget)
    assert tx.decode_logs(pool.Claimed)[0].amount == budget
    assert tuple(pool.today()) == (budget, budget, FUNDING - budget)
    assert tuple(pool.lastClose()) == (day0 // DAY + 1, FUNDING)


def test_budget__first_tx_of_next_day_is_a_fund__closes_with_the_balance_before_the_funding(
    pool, provider, day0, fund_at, credit, claim_at
):
    fund_at(FUNDING, day0 + 100)
    extra = 50_000 * MOR

    tx = fund_at(extra, day0 + DAY + 10)

    closed = tx.decode_logs(pool.DayClosed)
    assert len(closed) == 1
    assert (closed[0].day, closed[0].closingBalance, closed[0].budget) == (
        day0 // DAY + 1,
        FUNDING,
        budget_of(FUNDING),
    )
    assert tuple(pool.today()) == (budget_of(FUNDING), 0, FUNDING + extra)
    # Today's extra funding counts from tomorrow.
    credit(provider, 10 * FUNDING)
    assert claim_at(provider, day0 + DAY + 20).decode_logs(pool.Claimed)[0].amount == budget_of(FUNDING)
    tomorrow = claim_at(provider, day0 + 2 * DAY + 20)
    closing = FUNDING + extra - budget_of(FUNDING)
    assert tomorrow.decode_logs(pool.DayClosed)[0].closingBalance == closing
    assert tomorrow.decode_logs(pool.Claimed)[0].amount == budget_of(closing)


def test_budget__first_tx_of_next_day_is_a_credit__does_not_close_the_books(
    pool, provider, day0, fund_at, credit, claim_at
):
    fund_at(FUNDING, day0 + 100)
    chain.pending_timestamp = day0 + DAY + 10

    credited = credit(provider, MOR // 2)

    assert credited.timestamp == day0 + DAY + 10
    assert credited.decode_logs(pool.DayClosed) == []
    assert tuple(pool.lastClose()) == (day0 // DAY, 0)
    claimed = claim_at(provider, day0 + DAY + 20)
    closed = claimed.decode_logs(pool.DayClosed)
    assert len(closed) == 1
    assert (closed[0].closingBalance, closed[0].budget) == (FUNDING, budget_of(FUNDING))
    assert claimed.decode_logs(pool.Claimed)[0].amount == MOR // 2 < budget_of(FUNDING)


def test_budget__after_several_quiet_days__is_1_percent_of_the_last_balance(
    pool, provider, day0, fund_at, credit, claim_at
):
    fund_at(FUNDING, day0 + 100)
    credit(provider, FUNDING)
    quiet_day = day0 + 4 * DAY

    chain.mine(timestamp=quiet_day + 5)
    assert tuple(pool.today()) == (budget_of(FUNDING), 0, FUNDING)  # the view closes the books too
    assert tuple(pool.lastClose()) == (day0 // DAY, 0)  # but writes nothing
    tx = claim_at(provider, quiet_day + 10)

    closed = tx.decode_logs(pool.DayClosed)
    assert len(closed) == 1
    assert (closed[0].day, closed[0].closingBalance, closed[0].budget) == (
        quiet_day // DAY,
        FUNDING,
        budget_of(FUNDING),
    )
    assert tx.decode_logs(pool.Claimed)[0].amount == budget_of(FUNDING)


def test_budget__day_after_a_payout__is_1_percent_of_the_reduced_balance(
    pool, provider, day0, fund_at, credit, claim_at
):
    fund_at(FUNDING, day0 + 100)
    credit(provider, FUNDING)
    first = budget_of(FUNDING)
    claim_at(provider, day0 + DAY + 10)

    tx = claim_at(provider, day0 + 2 * DAY + 10)

    second = budget_of(FUNDING - first)
    assert tx.decode_logs(pool.DayClosed)[0].closingBalance == FUNDING - first
    assert tx.decode_logs(pool.Claimed)[0].amount == second
    assert pool.owed(provider) == FUNDING - first - second


@pytest.mark.parametrize("closing", [99, 100, 10_099, FUNDING])
def test_budget__for_any_closing_balance__is_exactly_one_percent_of_it_rounded_down(
    pool, provider, day0, fund_at, credit, claim_at, closing
):
    fund_at(closing, day0 + 100)
    credit(provider, closing)

    tx = claim_at(provider, day0 + DAY + 10) if closing >= 100 else fund_at(1, day0 + DAY + 10)

    budget = closing // 100
    closed = tx.decode_logs(pool.DayClosed)
    assert [(c.closingBalance, c.budget) for c in closed] == [(closing, budget)]
    assert pool.today().budget == budget and 100 * budget <= closing < 100 * (budget + 1)
    assert [c.amount for c in tx.decode_logs(pool.Claimed)] == ([budget] if budget else [])


def test_budget_bps__is_a_constant_1_percent__with_no_function_to_change_it(pool, owner, day0, fund_at, observe_pool):
    fund_at(FUNDING, day0 + 100)
    chain.mine(timestamp=day0 + DAY + 5)
    before = observe_pool()
    functions = {abi.name for abi in pool.contract_type.abi if abi.type == "function"}
    budget_setters = {name for name in functions if "budget" in name.lower() and name not in ("budgetBps",)}

    assert pool.budgetBps() == 100
    assert budget_setters == set()
    assert {"setBudgetBps", "MIN_BUDGET_BPS", "MAX_BUDGET_BPS", "owner"}.isdisjoint(functions)
    # The v2 setter's selector, sent anyway by the deployer (v2's owner): the pool has no such
    # function and no fallback, so the call reverts and the budget stays 1%.
    calldata = keccak(text="setBudgetBps(uint256)")[:4] + (40).to_bytes(32, "big")
    with ape.reverts():
        owner.transfer(pool, 0, data=calldata)
    assert observe_pool() == before
    assert pool.today().budget == budget_of(FUNDING) == FUNDING // 100


def test_claims__of_two_providers_on_one_day__never_exceed_the_days_budget(
    pool, mor, provider, provider2, day0, fund_at, credit, claim_at, observe_pool
):
    fund_at(FUNDING, day0 + 100)
    budget = budget_of(FUNDING)
    share = budget * 7 // 10
    credit(provider, share)
    credit(provider2, share)

    first = claim_at(provider, day0 + DAY + 10).decode_logs(pool.Claimed)[0].amount
    second = claim_at(provider2, day0 + DAY + 20).decode_logs(pool.Claimed)[0].amount

    assert (first, second) == (share, budget - share)
    assert first + second == budget
    assert pool.owed(provider2) == 2 * share - budget
    assert tuple(pool.today()) == (budget, budget, FUNDING - budget)
    before = observe_pool()
    with ape.reverts(pool.NothingToClaim, owed=2 * share - budget, budgetLeft=0):
        pool.claim(provider2, sender=provider2)
    assert observe_pool() == before


def test_books__as_constructed__are_the_deployment_days_so_a_funding_that_day_closes_nothing(pool, fund_at):
    """The constructor opens the books on its own day: a first funding later that day is no new
    day's first transaction (no DayClosed), and its MOR counts from the next day's budget."""
    day, closing = pool.lastClose()
    now = chain.pending_timestamp
    assert 0 < day <= now // DAY
    assert closing == 0
    if day < now // DAY:
        pytest.skip("the fixtures moved past the deployment day")

    tx = fund_at(FUNDING, now)

    assert tx.decode_logs(pool.DayClosed) == []
    assert tuple(pool.lastClose()) == (day, 0)
    assert tuple(pool.today()) == (0, 0, FUNDING)
