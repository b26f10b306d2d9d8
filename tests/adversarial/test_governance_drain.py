"""The governance drain found against v1 (issue 15): with setters alone, governance whitelisted its
own provider, set budgetBps to 10000, pinned the reference supply to 1 wei and raised the price
ceiling to 2^64-1; a 1-MOR session of its own was then owed 1.59 million MOR and the next day's
claim emptied a 100,000-MOR pool. Here governance plays the same attack with every parameter at
the most hostile value the v3 bounds allow (the budget is no parameter any more: a constant 1%),
for ten days running, and gets only what any staker gets: a stipend of
`stake * budget / circulating` a session, paid at most 1% of the pool a day.
(Self-dealing itself is issue 16's; here governance uses a second wallet as the consumer.)"""

from __future__ import annotations

import ape
import pytest
from ape import chain

from mor_market.constants import DAY, MOR
from tests.adversarial.conftest import name32

POOL = 100_000 * MOR
WEEK = 7 * DAY
DAYS = 10


@pytest.fixture
def hostile(protocol, owner, stranger, model_id, fund_pool):
    """Governance at its most hostile bounds, with its own whitelisted provider bidding at the
    price ceiling; the pool was funded with 100,000 MOR yesterday."""
    mp, router = protocol.marketplace, protocol.router
    fund_pool(POOL)
    chain.pending_timestamp = (chain.pending_timestamp // DAY + 1) * DAY + 60
    mp.setPriceBounds(mp.PRICE_FLOOR(), mp.PRICE_CEILING(), sender=owner)
    router.setDurationBounds(router.MIN_DURATION_FLOOR(), router.MAX_DURATION_CEILING(), sender=owner)
    router.setReferenceSupply(1, sender=owner)  # a pin below circulating: no effect
    mp.setWhitelisted(stranger, True, sender=owner)
    mp.register("gov.gpu.example:1", 0, sender=stranger)
    tx = mp.postBid(model_id, mp.PRICE_CEILING(), sender=stranger)
    return tx.decode_logs(mp.BidPosted)[0].bidId


def test_drain__v1_settings__are_out_of_bounds_or_gone_now(protocol, owner):
    mp, pool, router = protocol.marketplace, protocol.pool, protocol.router
    price_bounds, duration_bounds = tuple(mp.priceBounds()), tuple(router.durationBounds())
    # budgetBps = 10000 cannot even be asked for: the pool has no setter and no owner.
    assert not {"setBudgetBps", "owner"} & {abi.name for abi in pool.contract_type.abi if abi.type == "function"}
    with ape.reverts(
        mp.ParameterOutOfBounds,
        name=name32("maxPricePerSecond"),
        value=2**64 - 1,
        minimum=mp.PRICE_FLOOR(),
        maximum=mp.PRICE_CEILING(),
    ):
        mp.setPriceBounds(mp.PRICE_FLOOR(), 2**64 - 1, sender=owner)
    with ape.reverts(
        router.ParameterOutOfBounds,
        name=name32("minSessionDuration"),
        value=1,
        minimum=router.MIN_DURATION_FLOOR(),
        maximum=router.MIN_DURATION_CEILING(),
    ):
        router.setDurationBounds(1, 2, sender=owner)
    assert pool.budgetBps() == 100
    assert (tuple(mp.priceBounds()), tuple(router.durationBounds())) == (price_bounds, duration_bounds)


def test_drain__v1_one_mor_session__cannot_even_open(router, keeper, hostile, open_session):
    # A stipend of 1 MOR x 1% of the pool / ~10M MOR circulating buys no second at the ceiling.
    with ape.reverts(router.SessionTooShort, duration=0, minimum=60):
        open_session(keeper, hostile, MOR)


def test_drain__ten_days_at_the_hostile_bounds__pays_the_fair_share_and_at_most_one_percent_a_day(
    protocol, mor, stranger, keeper, hostile, open_session
):
    pool, router = protocol.pool, protocol.router
    stake = mor.balanceOf(keeper)  # governance's consumer wallet stakes everything it has
    closing = pool.poolBalance()  # yesterday's close: nothing has touched the pool today
    for day in range(DAYS):
        budget = pool.today().budget
        assert budget == closing * 100 // 10_000  # 1% of yesterday's close
        fair = stake * budget // (mor.totalSupply() - pool.poolBalance())
        owed_before = pool.owed(stranger)

        session = open_session(keeper, hostile, stake)
        chain.pending_timestamp = router.session(session).endsAt
        router.closeSession(session, sender=keeper)

        assert pool.owed(stranger) - owed_before <= fair
        # The next day: governance's provider claims as soon as the books close.
        chain.pending_timestamp = (chain.pending_timestamp // DAY + 1) * DAY + 60
        closing = pool.poolBalance()
        paid_before = mor.balanceOf(stranger)
        pool.claim(stranger, sender=stranger)
        paid = mor.balanceOf(stranger) - paid_before
        assert paid <= closing // 100, f"day {day}: paid {paid}, over 1% of {closing}"
        # The consumer's stake comes back (its held part on the next day): nothing else moved.
        if router.holdOf(keeper).withdrawable:
            router.withdrawHeld(sender=keeper)

    assert pool.poolBalance() >= POOL * 99**DAYS // 100**DAYS
    assert mor.balanceOf(keeper) == stake
    print(
        f"governance drain, {DAYS} days at the hostile bounds with {stake / MOR:,.0f} MOR at stake: paid "
        f"{pool.claimed(stranger) / MOR:,.4f} MOR of a {POOL / MOR:,.0f}-MOR pool, "
        f"{pool.poolBalance() / MOR:,.4f} MOR left"
    )
