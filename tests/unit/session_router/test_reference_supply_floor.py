"""PROTOCOL §5 and promise 3: the reference supply of stipends is `max(pinned, totalSupply - pool
ledger)`. A pin above the MOR circulating outside the pool lowers every stipend; a pin below it
has no effect, so no pin can make a stake's stipend larger than its fair share."""

from __future__ import annotations

import pytest
from ape import chain

from mor_market.constants import MOR
from tests.conftest import PRICE


@pytest.fixture(autouse=True)
def budget_day(funded_pool) -> None:
    """A block on the day after the funding, so the views quote today's 1% budget."""
    chain.mine()


def _circulating(mor, pool) -> int:
    return mor.totalSupply() - pool.poolBalance()


def test_reference_supply__unpinned__is_mor_circulating_outside_the_pool(router, mor, pool, funded_pool):
    assert router.referenceSupply() == _circulating(mor, pool)


def test_reference_supply__a_pin_below_circulating__has_no_effect(router, mor, pool, owner, funded_pool):
    fair = router.stipendDuration(1_000 * MOR, PRICE)

    router.setReferenceSupply(1, sender=owner)

    assert router.referenceSupply() == _circulating(mor, pool)
    assert router.stipendDuration(1_000 * MOR, PRICE) == fair


def test_reference_supply__a_pin_above_circulating__lowers_the_stipend(router, mor, pool, owner, funded_pool):
    pinned = 2 * _circulating(mor, pool)
    fair = router.stipendDuration(1_000 * MOR, PRICE)

    router.setReferenceSupply(pinned, sender=owner)

    assert router.referenceSupply() == pinned
    assert router.stipendDuration(1_000 * MOR, PRICE) < fair
    budget = pool.today().budget
    assert router.stipendDuration(1_000 * MOR, PRICE) == min(1_000 * MOR * budget // pinned // PRICE, 86_400)
