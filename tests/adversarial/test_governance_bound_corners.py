"""No in-bound combination shuts stipend sessions (PROTOCOL §7, "Hard bounds", v3): an exhaustive
check of the bounds' corners. The smallest stake that opens a stipend session of the minimum
duration at the minimum price rises with the minimum price, the minimum duration and the
reference-supply pin, and falls with the pool (its share of C falls as C grows); the maximum price, the maximum duration (never
below the minimum), the bid fee and the provider's minimum stake do not enter it. So its largest
value over the bounded box is at a corner, and every corner is computed here in exact integers,
mirroring the contracts:

    budget = P * 100 // 10000, supply = max(pin, C),
    duration = min(maxDur, (stake * budget // supply) // price), opens iff duration >= minDur,

with C the MOR circulating outside the pool (at the three scales of the promise) and the pool P
at its smallest allowed, ceil(C / 100). Every corner opens with at most C // 100. The worst corner
is then played on-chain with the real setters: a token whose circulating supply is exactly
1,000,000 MOR, the pool at ceil(C / 100) at yesterday's close, the computed stake opens a session
of the minimum, one wei less reverts SessionTooShort.
"""

from __future__ import annotations

import itertools
from dataclasses import dataclass
from fractions import Fraction

import ape
from ape import chain

from mor_market.constants import BPS, DAY, MOR
from mor_market.deploy import Params, deploy
from mor_market.ids import session_id
from tests.adversarial.conftest import name32, smallest_stipend_stake, stipend_seconds
from tests.conftest import STIPEND

# The bounds, as the contracts fix them (checked against the deployed constants below).
PRICE_FLOOR, MIN_PRICE_CEILING, PRICE_CEILING = 10**9, 5 * 10**12, 10**17
MIN_DURATION_FLOOR, MIN_DURATION_CEILING, MAX_DURATION_CEILING = 60, 3_600, 7 * DAY
MAX_REFERENCE_SUPPLY = 42_000_000 * MOR
MAX_BID_FEE, MAX_MIN_PROVIDER_STAKE = 10 * MOR, 100_000 * MOR
BUDGET_BPS = 100
SCALES = (1_000_000 * MOR, 10_000_000 * MOR, 42_000_000 * MOR)  # C, MOR circulating outside the pool


@dataclass(frozen=True)
class Corner:
    circulating: int
    min_price: int
    max_price: int
    min_duration: int
    max_duration: int
    pin: int
    bid_fee: int
    min_provider_stake: int

    @property
    def pool(self) -> int:
        """The smallest pool the promise covers: ceil(C / 100)."""
        return -(-self.circulating // 100)

    @property
    def budget(self) -> int:
        return self.pool * BUDGET_BPS // BPS

    @property
    def supply(self) -> int:
        return max(self.pin, self.circulating)

    def duration(self, stake: int) -> int:
        return stipend_seconds(stake, self.budget, self.supply, self.min_price, self.max_duration)

    def opens(self, stake: int) -> bool:
        return self.duration(stake) >= self.min_duration

    def smallest_stake(self) -> int:
        """The smallest stake that opens, checked against the mirror on both sides."""
        stake = smallest_stipend_stake(self.min_duration, self.min_price, self.supply, self.budget)
        assert self.opens(stake) and not self.opens(stake - 1), self
        return stake


def corners() -> list[Corner]:
    found = []
    for c, min_price, min_duration, pin, fee, provider_stake in itertools.product(
        SCALES,
        (PRICE_FLOOR, MIN_PRICE_CEILING),
        (MIN_DURATION_FLOOR, MIN_DURATION_CEILING),
        (0, None, MAX_REFERENCE_SUPPLY),  # None: pinned at C itself
        (0, MAX_BID_FEE),
        (0, MAX_MIN_PROVIDER_STAKE),
    ):
        for max_price, max_duration in itertools.product(
            (min_price, PRICE_CEILING), (min_duration, MAX_DURATION_CEILING)
        ):
            found.append(
                Corner(
                    c, min_price, max_price, min_duration, max_duration, c if pin is None else pin, fee, provider_stake
                )
            )
    return found


def worst_corner() -> tuple[Corner, int]:
    """The corner whose smallest stake is the largest share of C, and that stake; among equals,
    the one with the highest fee and provider minimum (they do not enter the stake, but the
    on-chain check then plays them too)."""
    return max(
        ((k, k.smallest_stake()) for k in corners()),
        key=lambda pair: (Fraction(pair[1], pair[0].circulating), pair[0].bid_fee, pair[0].min_provider_stake),
    )


def test_bound_corners__every_one__opens_a_stipend_session_with_at_most_one_percent_of_circulating(
    marketplace, router, pool
):
    # The mirror's constants are the contracts'.
    assert (marketplace.PRICE_FLOOR(), marketplace.MIN_PRICE_CEILING(), marketplace.PRICE_CEILING()) == (
        PRICE_FLOOR,
        MIN_PRICE_CEILING,
        PRICE_CEILING,
    )
    assert (router.MIN_DURATION_FLOOR(), router.MIN_DURATION_CEILING(), router.MAX_DURATION_CEILING()) == (
        MIN_DURATION_FLOOR,
        MIN_DURATION_CEILING,
        MAX_DURATION_CEILING,
    )
    assert router.MAX_REFERENCE_SUPPLY() == MAX_REFERENCE_SUPPLY
    assert (marketplace.MAX_BID_FEE(), marketplace.MAX_MIN_PROVIDER_STAKE(), pool.budgetBps()) == (
        MAX_BID_FEE,
        MAX_MIN_PROVIDER_STAKE,
        BUDGET_BPS,
    )

    every = corners()
    over = [(k, s) for k in every if (s := k.smallest_stake()) > k.circulating // 100]
    worst, stake = worst_corner()

    assert len(every) == 3 * 2 * 2 * 2 * 2 * 3 * 2 * 2
    assert over == []
    print(
        f"\n{len(every)} corners, every one opens with at most 1% of C; the worst: C {worst.circulating / MOR:,.0f} MOR, "
        f"pool {worst.pool / MOR:,.0f} MOR (budget {worst.budget / MOR:,.0f} MOR), pin {worst.pin / MOR:,.0f} MOR, "
        f"min price {worst.min_price:,} wei/s (max {worst.max_price:,}), min session {worst.min_duration:,} s "
        f"(max {worst.max_duration:,}), bid fee {worst.bid_fee / MOR:,.0f} MOR, provider minimum "
        f"{worst.min_provider_stake / MOR:,.0f} MOR: smallest stake "
        f"{stake / MOR:,.2f} MOR = {100 * stake / worst.circulating:.3f}% of C "
        f"(1% is {worst.circulating // 100 / MOR:,.0f} MOR)"
    )


def test_worst_corner__on_chain__opens_with_the_computed_stake_and_not_one_wei_less(
    project, owner, provider, consumer, funder, model_owner, sign_approval
):
    worst, stake = worst_corner()
    token = project.TestMOR.deploy(sender=owner)  # a MOR of its own: the supply is exactly ours
    protocol = deploy(project, owner, token.address, Params(whitelist=(provider.address,)))
    market, pool, router = protocol.marketplace, protocol.pool, protocol.router

    # The worst corner, set with the real setters.
    market.setPriceBounds(worst.min_price, worst.max_price, sender=owner)
    router.setDurationBounds(worst.min_duration, worst.max_duration, sender=owner)
    tx = router.setReferenceSupply(worst.pin, sender=owner)
    assert (name32("referenceSupply"), worst.pin) in {
        (e.name, e.value) for e in tx.decode_logs(router.ParameterChanged)
    }
    market.setBidFee(worst.bid_fee, sender=owner)
    market.setMinProviderStake(worst.min_provider_stake, sender=owner)

    # C = 1,000,000 MOR outside the pool, ceil(C / 100) inside, funded today for tomorrow's budget.
    provider_needs = worst.min_provider_stake + worst.bid_fee
    token.mint(provider, provider_needs, sender=owner)
    token.mint(consumer, worst.circulating - provider_needs, sender=owner)
    token.mint(funder, worst.pool, sender=owner)
    token.approve(pool, worst.pool, sender=funder)
    pool.fund(worst.pool, sender=funder)
    tx = protocol.model_registry.registerModel("llama-3.1-8b", b"\x11" * 32, [], 0, sender=model_owner)
    model_id = tx.decode_logs(protocol.model_registry.ModelRegistered)[0].modelId
    token.approve(market, provider_needs, sender=provider)
    market.register("gpu.example.org:3333", worst.min_provider_stake, sender=provider)
    tx = market.postBid(model_id, worst.min_price, sender=provider)  # the cheapest bid allowed
    bid = tx.decode_logs(market.BidPosted)[0].bidId
    chain.pending_timestamp = (chain.pending_timestamp // DAY + 1) * DAY + 60
    chain.mine()

    assert token.totalSupply() - pool.poolBalance() == worst.circulating
    assert pool.today().budget == worst.budget
    assert router.referenceSupply() == worst.supply

    token.approve(router, stake, sender=consumer)
    balance = token.balanceOf(consumer)

    def open_with(amount: int, nonce: int):
        deadline = chain.pending_timestamp + 3_600
        approval = sign_approval(provider, bid, consumer.address, nonce, deadline, router=router.address)
        return router.openSession(bid, nonce, deadline, amount, STIPEND, approval, sender=consumer)

    with ape.reverts(router.SessionTooShort, duration=worst.duration(stake - 1), minimum=worst.min_duration):
        open_with(stake - 1, 1)
    assert (token.balanceOf(consumer), router.totalLocked()) == (balance, 0)
    assert router.session(session_id(consumer.address, 1)).openedAt == 0

    open_with(stake, 2)
    session = router.session(session_id(consumer.address, 2))
    assert session.endsAt - session.openedAt == worst.duration(stake) >= worst.min_duration
    assert (token.balanceOf(consumer), router.totalLocked()) == (balance - stake, stake)
    print(
        f"\nworst corner on-chain: C {worst.circulating / MOR:,.0f} MOR, pool {pool.poolBalance() / MOR:,.0f} MOR, "
        f"budget {worst.budget / MOR:,.0f} MOR, reference supply {router.referenceSupply() / MOR:,.0f} MOR; "
        f"{stake / MOR:,.4f} MOR opened {session.endsAt - session.openedAt:,} s; "
        f"{stake - 1} wei bought {worst.duration(stake - 1):,} s: SessionTooShort"
    )
