"""The parameter halt found by the v2 review (issue 27): two announced, in-bound changes,
`budgetBps = 1` and a minimum session of 7 days, shut stipend sessions. On the test chain the
smallest stake that could open one went from 5.94 MOR to 5,987,520 MOR, 60.5% of the MOR
circulating outside the pool, while a direct session still opened from 6.048 MOR.

v3 (PROTOCOL §4, §7): the budget is a constant 1% with no setter and the pool has no owner; the
minimum session is at most an hour and the minimum price at most 5e12 wei/s. Here governance plays
the attack again: the budget call fails, the 7-day minimum is refused, and at the most hostile
values the bounds still allow (every one of them set at once) the smallest stipend stake, computed
in exact integers as the router does, stays under 1% of circulating MOR and opens a real session.
"""

from __future__ import annotations

import ape
from ape import chain
from eth_utils import keccak

from mor_market.constants import DAY, MOR
from tests.adversarial.conftest import name32, smallest_stipend_stake, stipend_seconds
from tests.conftest import DIRECT, PRICE, STIPEND

V2_HALT_BUDGET_BPS, V2_HALT_MIN_DURATION = 1, 7 * DAY  # the review's two announced changes
V2_MIN_DURATION = 60  # the deployment's minimum session before the attack


def test_budget__v2_setter_sent_by_the_deployer__reverts_and_the_budget_stays_one_percent(pool, owner, funded_pool):
    chain.mine()  # into the day after the funding: the views read today's budget
    functions = {abi.name for abi in pool.contract_type.abi if abi.type == "function"}
    budget_before = pool.today().budget

    assert {"setBudgetBps", "MIN_BUDGET_BPS", "MAX_BUDGET_BPS", "owner", "transferOwnership"}.isdisjoint(functions)
    calldata = keccak(text="setBudgetBps(uint256)")[:4] + V2_HALT_BUDGET_BPS.to_bytes(32, "big")
    with ape.reverts():  # no such function and no fallback
        owner.transfer(pool, 0, data=calldata)

    assert pool.budgetBps() == 100
    assert pool.today().budget == budget_before == funded_pool // 100
    print(f"budgetBps: the v2 attack set it to {V2_HALT_BUDGET_BPS}; v3 has no setter, it stays {pool.budgetBps()}")


def test_minimum_session__of_seven_days__reverts_parameter_out_of_bounds_and_changes_nothing(router, owner):
    before = tuple(router.durationBounds())

    with ape.reverts(
        router.ParameterOutOfBounds,
        name=name32("minSessionDuration"),
        value=V2_HALT_MIN_DURATION,
        minimum=router.MIN_DURATION_FLOOR(),
        maximum=router.MIN_DURATION_CEILING(),
    ):
        router.setDurationBounds(V2_HALT_MIN_DURATION, V2_HALT_MIN_DURATION, sender=owner)

    assert tuple(router.durationBounds()) == before
    print(f"minimum session: the v2 attack set {V2_HALT_MIN_DURATION:,} s; v3 refuses it, bounds stay {before}")


def test_stipend__at_the_most_hostile_in_bound_values__opens_with_under_one_percent_of_circulating(
    protocol, mor, owner, provider, consumer, model_id, register_provider, post_bid, open_session, funded_pool
):
    mp, pool, router = protocol.marketplace, protocol.pool, protocol.router
    closing = funded_pool  # funded yesterday, untouched since
    circulating = mor.totalSupply() - pool.poolBalance()
    assert closing * 100 >= circulating  # the promise's condition: the pool holds 1% of circulating

    # Before: the review's figures, from this chain's supply and pool under the v2 rules.
    v2_budget, v2_halt_budget = closing * 100 // 10_000, closing * V2_HALT_BUDGET_BPS // 10_000
    v2_before = smallest_stipend_stake(V2_MIN_DURATION, PRICE, circulating, v2_budget)
    v2_halted = smallest_stipend_stake(V2_HALT_MIN_DURATION, PRICE, circulating, v2_halt_budget)
    v2_direct = V2_HALT_MIN_DURATION * PRICE
    assert v2_halted > circulating // 100  # under v2 the promise broke

    # Now: every parameter at its most hostile in-bound value, at once.
    min_price, min_duration, pin = mp.MIN_PRICE_CEILING(), router.MIN_DURATION_CEILING(), router.MAX_REFERENCE_SUPPLY()
    mp.setPriceBounds(min_price, mp.PRICE_CEILING(), sender=owner)
    router.setDurationBounds(min_duration, min_duration, sender=owner)
    router.setReferenceSupply(pin, sender=owner)
    mp.setBidFee(mp.MAX_BID_FEE(), sender=owner)
    mp.setMinProviderStake(mp.MAX_MIN_PROVIDER_STAKE(), sender=owner)
    register_provider(provider, mp.MAX_MIN_PROVIDER_STAKE())
    mor.approve(mp, mp.MAX_BID_FEE(), sender=provider)
    bid = post_bid(provider, model_id, min_price)  # the cheapest bid the bounds allow

    budget = pool.today().budget
    supply = max(pin, circulating)
    assert (budget, router.referenceSupply()) == (closing * 100 // 10_000, supply)
    stake = smallest_stipend_stake(min_duration, min_price, supply, budget)
    assert stake <= circulating // 100

    # One wei less buys a second too few; the computed stake opens a session of the minimum.
    locked, balance = router.totalLocked(), mor.balanceOf(consumer)
    short = stipend_seconds(stake - 1, budget, supply, min_price, min_duration)
    with ape.reverts(router.SessionTooShort, duration=short, minimum=min_duration):
        open_session(consumer, bid, stake - 1, STIPEND)
    assert (router.totalLocked(), mor.balanceOf(consumer)) == (locked, balance)
    session = router.session(open_session(consumer, bid, stake, STIPEND))
    assert session.endsAt - session.openedAt == min_duration
    assert router.totalLocked() == locked + stake
    direct = min_duration * min_price
    with ape.reverts(router.SessionTooShort, duration=min_duration - 1, minimum=min_duration):
        open_session(consumer, bid, direct - 1, DIRECT)
    open_session(consumer, bid, direct, DIRECT)

    print(
        f"\ncirculating {circulating / MOR:,.0f} MOR, pool {closing / MOR:,.0f} MOR\n"
        f"v2 smallest stipend stake: {v2_before / MOR:,.2f} MOR before the attack, "
        f"{v2_halted / MOR:,.0f} MOR after budgetBps=1 and a 7-day minimum "
        f"({100 * v2_halted / circulating:.1f}% of circulating); direct from {v2_direct / MOR:,.3f} MOR\n"
        f"v3 at the most hostile bounds (min price {min_price:,} wei/s, min session {min_duration:,} s, "
        f"pin {pin / MOR:,.0f} MOR): {stake / MOR:,.2f} MOR ({100 * stake / circulating:.4f}% of circulating, "
        f"1% is {circulating // 100 / MOR:,.0f} MOR), opened on-chain for {min_duration:,} s; "
        f"one wei less buys {short:,} s and is refused; direct from {direct / MOR:,.3f} MOR"
    )
