"""The daily budget (PROTOCOL.md §4, promise 2): MOR paid out on day d is at most
budgetBps / 10000 of the pool's ledger balance at the end of day d-1, fixed by the first
fund, claim, absorbSurplus or setBudgetBps of day d (a credit does not close the books)."""

from __future__ import annotations

import ape
import pytest
from ape import chain

from mor_market.constants import DAY, MOR
from tests.unit.compute_pool.conftest import budget_of

FUNDING = 123_456_789_123_456_789_123  # not a multiple of 100: the budget rounds down


def test_budget__on_the_day_of_the_first_funding__is_zero(pool, day0, fund_at):
    fund_at(FUNDING, day0 + 100)

    assert tuple(pool.today()) == (0, 0, FUNDING)
    assert tuple(pool.lastClose()) == (day0 // DAY, 0)


def test_budget__first_tx_of_next_day_is_a_claim__fixes_bps_of_the_closing_balance(
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


def test_budget__after_several_quiet_days__is_bps_of_the_last_balance(pool, provider, day0, fund_at, credit, claim_at):
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


def test_budget__day_after_a_payout__is_bps_of_the_reduced_balance(pool, provider, day0, fund_at, credit, claim_at):
    fund_at(FUNDING, day0 + 100)
    credit(provider, FUNDING)
    first = budget_of(FUNDING)
    claim_at(provider, day0 + DAY + 10)

    tx = claim_at(provider, day0 + 2 * DAY + 10)

    second = budget_of(FUNDING - first)
    assert tx.decode_logs(pool.DayClosed)[0].closingBalance == FUNDING - first
    assert tx.decode_logs(pool.Claimed)[0].amount == second
    assert pool.owed(provider) == FUNDING - first - second


def test_set_budget_bps__changed_mid_day__applies_from_the_next_day(
    pool, owner, provider, day0, fund_at, credit, claim_at
):
    fund_at(FUNDING, day0 + 100)
    credit(provider, FUNDING)
    chain.pending_timestamp = day0 + DAY + 10

    tx = pool.setBudgetBps(40, sender=owner)

    closed = tx.decode_logs(pool.DayClosed)
    assert len(closed) == 1
    assert (closed[0].closingBalance, closed[0].budget) == (FUNDING, budget_of(FUNDING, 100))
    changed = tx.decode_logs(pool.ParameterChanged)
    assert len(changed) == 1
    assert (changed[0].name, changed[0].value) == (b"budgetBps".ljust(32, b"\0"), 40)
    assert pool.budgetBps() == 40
    assert pool.today().budget == budget_of(FUNDING, 100)
    assert claim_at(provider, day0 + DAY + 20).decode_logs(pool.Claimed)[0].amount == budget_of(FUNDING, 100)
    tomorrow = claim_at(provider, day0 + 2 * DAY + 20)
    closing = FUNDING - budget_of(FUNDING, 100)
    assert tomorrow.decode_logs(pool.DayClosed)[0].budget == budget_of(closing, 40)
    assert tomorrow.decode_logs(pool.Claimed)[0].amount == budget_of(closing, 40)


@pytest.mark.parametrize("bps", [0, 101, 10_000])
def test_set_budget_bps__out_of_its_bounds__reverts_parameter_out_of_bounds(bps, pool, owner, observe_pool):
    before = observe_pool()

    with ape.reverts(pool.ParameterOutOfBounds, value=bps, minimum=1, maximum=100):
        pool.setBudgetBps(bps, sender=owner)

    assert observe_pool() == before


def test_set_budget_bps__by_stranger__reverts_ownable_unauthorized_account(pool, stranger, observe_pool):
    before = observe_pool()

    with ape.reverts(pool.OwnableUnauthorizedAccount, account=stranger.address):
        pool.setBudgetBps(200, sender=stranger)

    assert observe_pool() == before


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
