"""Claiming (PROTOCOL.md §4, promises 3 and 6): anyone may claim for a provider; the pool pays
the provider min(owed, what is left of today's budget) and the rest stays owed, so everything
owed is paid in the end."""

from __future__ import annotations

import ape

from mor_market.constants import DAY, MOR
from tests.unit.compute_pool.conftest import budget_of
from tests.utils.checks import check_conservation

FUNDING = 100_000 * MOR
BUDGET = budget_of(FUNDING)  # 1,000 MOR


def test_claim__owed_less_than_budget_by_a_stranger__pays_the_provider_everything_owed(
    protocol, pool, mor, provider, stranger, day0, fund_at, credit, claim_at
):
    fund_at(FUNDING, day0 + 100)
    owed = 3 * MOR + 17
    credit(provider, owed)
    provider_before, stranger_before = mor.balanceOf(provider), mor.balanceOf(stranger)

    tx = claim_at(provider, day0 + DAY + 10, sender=stranger)

    claimed = tx.decode_logs(pool.Claimed)
    assert len(claimed) == 1
    assert claimed[0].event_arguments["provider"] == provider.address
    assert (claimed[0].caller, claimed[0].amount, claimed[0].owed) == (stranger.address, owed, 0)
    transfers = tx.decode_logs(mor.Transfer)
    assert len(transfers) == 1
    assert (transfers[0]["from"], transfers[0].to, transfers[0].value) == (pool.address, provider.address, owed)
    assert mor.balanceOf(provider) == provider_before + owed
    assert mor.balanceOf(stranger) == stranger_before
    assert pool.owed(provider) == 0
    assert pool.poolBalance() == FUNDING - owed
    check_conservation(protocol)


def test_claim__owed_more_than_budget__pays_the_budget_and_keeps_the_rest_owed(
    protocol, pool, mor, provider, day0, fund_at, credit, claim_at
):
    fund_at(FUNDING, day0 + 100)
    owed = 2_500 * MOR
    credit(provider, owed)

    tx = claim_at(provider, day0 + DAY + 10, sender=provider)

    claimed = tx.decode_logs(pool.Claimed)[0]
    assert (claimed.amount, claimed.owed) == (BUDGET, owed - BUDGET)
    assert pool.owed(provider) == owed - BUDGET
    assert pool.claimed(provider) == BUDGET
    check_conservation(protocol)


def test_claim__over_following_days__pays_everything_owed_and_loses_nothing(
    protocol, pool, mor, provider, day0, fund_at, credit, claim_at
):
    fund_at(FUNDING, day0 + 100)
    owed = 2_500 * MOR + 1
    credit(provider, owed)
    provider_before = mor.balanceOf(provider)
    balance, paid, day = FUNDING, [], day0 + DAY

    while sum(paid) < owed:
        amount = claim_at(provider, day + 10).decode_logs(pool.Claimed)[0].amount
        assert amount == min(owed - sum(paid), budget_of(balance))
        paid.append(amount)
        balance -= amount
        day += DAY

    assert len(paid) == 3
    assert sum(paid) == owed
    assert pool.owed(provider) == 0
    assert pool.claimed(provider) == owed
    assert mor.balanceOf(provider) == provider_before + owed
    assert pool.poolBalance() == FUNDING - owed
    check_conservation(protocol)


def test_claim__nothing_owed__reverts_nothing_to_claim(pool, provider, day0, fund_at, observe_pool):
    fund_at(FUNDING, day0 + 100)
    ape.chain.mine(timestamp=day0 + DAY + 10)  # the views then read the new day
    before = observe_pool()

    with ape.reverts(pool.NothingToClaim, owed=0, budgetLeft=BUDGET):
        pool.claim(provider, sender=provider)

    assert observe_pool() == before


def test_claim__on_the_day_of_the_first_funding__reverts_nothing_to_claim_with_no_budget(
    pool, provider, day0, fund_at, credit, observe_pool
):
    fund_at(FUNDING, day0 + 100)
    credit(provider, MOR)
    before = observe_pool()

    with ape.reverts(pool.NothingToClaim, owed=MOR, budgetLeft=0):
        pool.claim(provider, sender=provider)

    assert observe_pool() == before
