"""Crediting (PROTOCOL.md §4): only the session router may credit a provider with an amount
owed; a credit moves no MOR and does not close the day's books."""

from __future__ import annotations

import ape
import pytest
from ape import chain

from mor_market.constants import DAY, MOR
from tests.utils.checks import check_conservation


def test_credit__by_the_router__adds_to_what_is_owed_without_moving_mor(
    protocol, pool, mor, provider, provider2, day0, fund_at, credit
):
    fund_at(10 * MOR, day0 + 100)
    pool_mor = mor.balanceOf(pool)

    first = credit(provider, 3 * MOR)
    second = credit(provider, 4 * MOR + 1)
    other = credit(provider2, 5)

    for tx, (who, amount, owed) in (
        (first, (provider, 3 * MOR, 3 * MOR)),
        (second, (provider, 4 * MOR + 1, 7 * MOR + 1)),
        (other, (provider2, 5, 5)),
    ):
        credited = tx.decode_logs(pool.Credited)
        assert len(credited) == 1
        assert credited[0].event_arguments["provider"] == who.address
        assert (credited[0].amount, credited[0].owed) == (amount, owed)
        assert tx.decode_logs(mor.Transfer) == []
    assert (pool.owed(provider), pool.owed(provider2)) == (7 * MOR + 1, 5)
    assert mor.balanceOf(pool) == pool_mor
    assert pool.poolBalance() == 10 * MOR
    check_conservation(protocol)


def test_credit__more_than_the_pool_holds__is_owed_in_full(pool, provider, credit):
    assert pool.poolBalance() == 0

    credit(provider, 10**30)

    assert pool.owed(provider) == 10**30


@pytest.mark.parametrize("caller", ["stranger", "owner", "provider"])
def test_credit__by_anyone_but_the_router__reverts_not_session_router(
    caller, pool, stranger, owner, provider, observe_pool
):
    account = {"stranger": stranger, "owner": owner, "provider": provider}[caller]
    before = observe_pool()

    with ape.reverts(pool.NotSessionRouter, caller=account.address):
        pool.credit(provider, MOR, sender=account)

    assert observe_pool() == before


def test_credit__first_tx_of_a_day__does_not_close_the_books(pool, provider, day0, fund_at, credit):
    fund_at(10 * MOR, day0 + 100)
    chain.pending_timestamp = day0 + DAY + 5

    tx = credit(provider, MOR)

    assert tx.decode_logs(pool.DayClosed) == []
    assert tuple(pool.lastClose()) == (day0 // DAY, 0)
