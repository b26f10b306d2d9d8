"""The stipend of a stake at the exact edge of the 512-bit guard (PROTOCOL.md §5 "Stipend"): when the
high word of stake * budget equals the reference supply, stake * budget / supply no longer fits
256 bits (mulDiv would overflow), so the stake buys the longest session, like any larger one."""

from __future__ import annotations

from tests.conftest import PRICE, STIPEND
from tests.unit.session_router.conftest import MAX_DURATION
from tests.unit.session_router.test_quote import all_mor_in_the_pool  # noqa: F401 (a fixture)

BUDGET = 500 * 10**18  # 1% of the 50,000 MOR the pool holds: all of its token's supply


def test_stipend_duration__stake_whose_high_word_equals_the_supply__is_the_longest_session(
    consumer,
    all_mor_in_the_pool,  # noqa: F811
):
    token, router, bid = all_mor_in_the_pool
    token.mint(consumer, 1, sender=consumer)  # one wei circulates: the reference supply is 1 wei
    stake = -(-(2**256) // BUDGET)  # the smallest stake whose stake * budget has a high word of 1
    assert (stake * BUDGET) >> 256 == 1

    assert router.stipendDuration(stake, PRICE) == MAX_DURATION
    assert router.quote(bid, consumer, stake, STIPEND).duration == MAX_DURATION
