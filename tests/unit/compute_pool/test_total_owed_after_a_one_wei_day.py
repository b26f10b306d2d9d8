"""A day whose payments come to exactly one wei (PROTOCOL.md §4, the health view): the next day's
first transaction closes that day's books, and the wei joins what was paid before, so
`totalOwed()` is still the sum of what every provider is owed. Closing skips only a day that paid
nothing."""

from __future__ import annotations

from typing import Any

from mor_market.constants import DAY, MOR

FUNDING = 100_000 * MOR


def paid_by(tx: Any, pool: Any) -> int:
    return tx.decode_logs(pool.Claimed)[0].amount


def test_total_owed__after_the_books_of_a_day_that_paid_one_wei_close__is_the_sum_of_what_is_owed(
    pool, provider, provider2, day0, fund_at, credit, claim_at
):
    fund_at(FUNDING, day0 + 100)
    credit(provider, 1)
    credit(provider2, 5 * MOR)
    assert paid_by(claim_at(provider, day0 + DAY + 10), pool) == 1  # the whole day's payments: one wei

    claim_at(provider2, day0 + 2 * DAY + 10)  # the next day's first transaction closes them

    assert pool.owed(provider) == pool.owed(provider2) == 0
    assert pool.totalOwed() == 0
