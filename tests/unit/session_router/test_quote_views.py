"""The router's quote views (PROTOCOL.md §5 "Stipend"): what a consumer reads before opening is
what an open at that moment gets: the reference supply and the stipend duration of a stake."""

from __future__ import annotations

from tests.conftest import PRICE
from tests.unit.session_router.conftest import stipend_duration


def test_stipend_duration_view__equals_the_duration_the_open_got_and_the_formula(
    router, consumer, bid, stake, day_start, budget, supply, open_at
):
    opened = open_at(consumer, bid, stake, day_start + 1_000)

    quoted = router.stipendDuration(stake, PRICE)  # read in the open's block: same day, same pool

    assert quoted == opened.ends_at - opened.opened_at == stipend_duration(stake, budget, supply())
    assert router.stipendDuration(2 * stake, PRICE) == stipend_duration(2 * stake, budget, supply())
    assert router.stipendDuration(stake, 2 * PRICE) == stipend_duration(stake, budget, supply(), 2 * PRICE)


def test_reference_supply_view__is_total_supply_less_the_pool_balance_unless_pinned_higher(
    router, pool, mor, owner, funded_pool
):
    circulating = mor.totalSupply() - pool.poolBalance()
    assert router.referenceSupply() == circulating
    router.setReferenceSupply(12_345, sender=owner)
    assert router.referenceSupply() == circulating
    router.setReferenceSupply(circulating + 12_345, sender=owner)
    assert router.referenceSupply() == circulating + 12_345
