"""Funding the compute pool (PROTOCOL.md §4): anyone may fund it; the ledger grows by exactly
the amount funded."""

from __future__ import annotations

import ape

from mor_market.constants import DAY, MOR
from tests.utils.checks import check_conservation


def test_fund__by_anyone__adds_the_amount_to_the_ledger_and_emits_funded(protocol, pool, mor, stranger, day0, fund_at):
    amount = 12_345 * MOR + 678
    stranger_before = mor.balanceOf(stranger)

    tx = fund_at(amount, day0 + 100, sender=stranger)

    funded = tx.decode_logs(pool.Funded)
    assert len(funded) == 1
    assert (funded[0].funder, funded[0].amount, funded[0].balance) == (stranger.address, amount, amount)
    transfers = tx.decode_logs(mor.Transfer)
    assert len(transfers) == 1
    assert (transfers[0]["from"], transfers[0].to, transfers[0].value) == (stranger.address, pool.address, amount)
    assert pool.poolBalance() == amount
    assert mor.balanceOf(pool) == amount
    assert mor.balanceOf(stranger) == stranger_before - amount
    check_conservation(protocol)


def test_fund__twice_on_one_day__closes_the_books_only_once(pool, day0, fund_at):
    first = fund_at(5 * MOR, day0 + 100)
    second = fund_at(7 * MOR, day0 + 200)

    closed = first.decode_logs(pool.DayClosed)
    assert len(closed) == 1
    assert (closed[0].day, closed[0].closingBalance, closed[0].budget) == (day0 // DAY, 0, 0)
    assert second.decode_logs(pool.DayClosed) == []
    assert second.decode_logs(pool.Funded)[0].balance == 12 * MOR
    assert pool.poolBalance() == 12 * MOR


def test_fund__zero__reverts_zero_amount(pool, funder, observe_pool):
    before = observe_pool()

    with ape.reverts(pool.ZeroAmount):
        pool.fund(0, sender=funder)

    assert observe_pool() == before


def test_fund__without_allowance__reverts_with_the_tokens_insufficient_allowance(pool, mor, funder, observe_pool):
    assert mor.allowance(funder, pool) == 0
    before = observe_pool()

    with ape.reverts(mor.ERC20InsufficientAllowance, spender=pool.address, allowance=0, needed=MOR):
        pool.fund(MOR, sender=funder)

    assert observe_pool() == before
