"""A longer story over four days with two providers and two consumers, stipend and direct
sessions, receipts, a dispute, a keeper, claims, a plain transfer to the pool, a bid fee paid
and withdrawn, and held stake: after every step each contract's MOR equals what it owes (promise 1), the pool
pays no more than each day's budget (promise 2), and what providers are owed and consumers
hold matches a plain-Python model to the wei (promise 4)."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from ape import chain

from mor_market.constants import BPS, DAY, MOR
from mor_market.ids import session_consumer, session_id
from tests.conftest import PRICE
from tests.utils.checks import check_conservation

STIPEND, DIRECT = 0, 1


class Story:
    """Drives the protocol at exact timestamps and keeps the model of what is owed and held."""

    def __init__(self, protocol: Any, sign_approval: Any, sign_receipt: Any) -> None:
        self.protocol, self.router, self.pool, self.mor = protocol, protocol.router, protocol.pool, protocol.mor
        self.sign_approval, self.sign_receipt = sign_approval, sign_receipt
        self.owed: dict[str, int] = defaultdict(int)
        self.held: dict[str, tuple[int, int]] = {}  # consumer -> (amount, day)
        self.paid_on: dict[int, int] = defaultdict(int)
        self.nonce = 0

    def check(self) -> None:
        check_conservation(self.protocol)
        for who, amount in self.owed.items():
            assert self.pool.owed(who) == amount
        budget, paid, _ = self.pool.today()
        assert paid == self.paid_on[chain.blocks.head.timestamp // DAY] <= budget

    def open(self, consumer: Any, provider: Any, bid: int, stake: int, at: int, mode: int = STIPEND) -> int:
        self.nonce += 1
        signature = self.sign_approval(provider, bid, consumer.address, self.nonce, at + 600)
        self.mor.approve(self.router, stake, sender=consumer)
        before = self.mor.balanceOf(consumer)
        released = self._release(consumer, at)
        chain.pending_timestamp = at
        self.router.openSession(bid, self.nonce, at + 600, stake, mode, signature, sender=consumer)
        assert self.mor.balanceOf(consumer) == before - stake + released
        self.check()
        return session_id(consumer.address, self.nonce)

    def close(self, session: int, sender: Any, at: int, receipt_by: Any = None) -> Any:
        record = self.router.session(session)
        consumer = session_consumer(session)
        if receipt_by is None:
            chain.pending_timestamp = at
            tx = self.router.closeSession(session, sender=sender)
        else:
            signature = self.sign_receipt(receipt_by, session, 200, 50, at + 600)
            chain.pending_timestamp = at
            tx = self.router.closeSessionWithReceipt(session, 200, 50, at + 600, signature, sender=sender)
        seconds = min(at, record.endsAt) - record.openedAt
        pay = record.pricePerSecond * seconds
        duration = record.endsAt - record.openedAt
        if record.mode == STIPEND:
            self.owed[record.provider] += pay
            today = at // DAY
            on_day = max(0, min(at, record.endsAt) - max(record.openedAt, today * DAY))
            held = -(-record.stake * on_day // duration)
        else:
            held = 0
        released = self._release(str(consumer), at)
        if held:
            self.held[str(consumer)] = (self.held.get(str(consumer), (0, 0))[0] + held, at // DAY)
        event = tx.decode_logs(self.router.SessionClosed)[0]
        assert (event.secondsProvided, event.paid, event.held) == (seconds, pay, held)
        expected_back = record.stake - held - (pay if record.mode == DIRECT else 0)
        assert event.returned == expected_back
        assert sum(e.amount for e in tx.decode_logs(self.router.HeldReleased)) == released
        self.check()
        return tx

    def claim(self, provider: Any, at: int) -> int:
        chain.pending_timestamp = at
        budget_before = self._budget_at(at)
        tx = self.pool.claim(provider, sender=provider)
        amount = tx.decode_logs(self.pool.Claimed)[0].amount
        assert amount == min(self.owed[provider.address], budget_before - self.paid_on[at // DAY])
        self.owed[provider.address] -= amount
        self.paid_on[at // DAY] += amount
        self.check()
        return amount

    def withdraw(self, consumer: Any, at: int) -> None:
        chain.pending_timestamp = at
        before = self.mor.balanceOf(consumer)
        released = self._release(consumer.address, at)
        self.router.withdrawHeld(sender=consumer)
        assert self.mor.balanceOf(consumer) == before + released > before
        self.check()

    def _release(self, consumer: Any, at: int) -> int:
        amount, day = self.held.get(str(consumer), (0, 0))
        if amount and at // DAY > day:
            del self.held[str(consumer)]
            return amount
        return 0

    def _budget_at(self, at: int) -> int:
        # The books of `at`'s day are closed by this claim or were closed earlier today.
        closing_day, _ = self.pool.lastClose()
        if closing_day == at // DAY:
            return self.pool.today().budget
        return self.pool.poolBalance() * self.pool.budgetBps() // BPS


def test_story__four_days_of_sessions_claims_and_holds__conserves_every_wei(
    protocol,
    pool,
    router,
    mor,
    marketplace,
    owner,
    funder,
    provider,
    provider2,
    consumer,
    consumer2,
    keeper,
    stranger,
    model_id,
    bid,
    register_provider,
    post_bid,
    fund_pool,
    sign_approval,
    sign_receipt,
):
    story = Story(protocol, sign_approval, sign_receipt)
    check_conservation(protocol)
    register_provider(provider2, 0)
    bid2 = post_bid(provider2, model_id, 2 * PRICE)
    fund_pool(100_000 * MOR)
    story.check()
    day1 = (chain.pending_timestamp // DAY + 1) * DAY

    # Day 1: three sessions on two bids, in both modes.
    a = story.open(consumer, provider, bid, 1_000 * MOR, day1 + 1_000)
    b = story.open(consumer2, provider2, bid2, 5_000 * 2 * PRICE + 99, day1 + 1_100, mode=DIRECT)
    c = story.open(consumer2, provider, bid, 2_000 * MOR, day1 + 1_200)
    story.close(b, consumer2, day1 + 1_100 + 1_800)  # a dispute, still paid from the stake
    story.close(a, consumer, day1 + 1_000 + 3_600, receipt_by=provider)
    story.claim(provider, day1 + 6_000)

    # Day 2: a plain transfer is absorbed, the keeper closes the expired session, governance
    # sets a bid fee that a provider pays to post again and then withdraws it, and a consumer's
    # hold counts towards a new stake.
    day2 = day1 + DAY
    chain.pending_timestamp = day2 + 100
    mor.transfer(pool, 333 * MOR, sender=stranger)
    pool.absorbSurplus(sender=keeper)
    story.check()
    story.close(c, keeper, day2 + 200)
    chain.pending_timestamp = day2 + 300
    marketplace.setBidFee(MOR, sender=owner)
    mor.approve(marketplace, MOR, sender=provider2)
    bid2 = post_bid(provider2, model_id, 2 * PRICE)
    assert marketplace.feeBalance() == MOR
    story.check()
    marketplace.withdrawFees(stranger, MOR, sender=owner)
    assert marketplace.feeBalance() == 0
    story.check()
    d = story.open(consumer, provider, bid, 1_500 * MOR, day2 + 1_000)
    e = story.open(consumer2, provider2, bid2, 3_000 * MOR, day2 + DAY - 3_000)  # runs past midnight
    story.close(d, provider, day2 + DAY - 600, receipt_by=provider)  # 23:50
    story.claim(provider, day2 + DAY - 500)

    # Day 3: the session opened yesterday runs past midnight; claims within each day's 1% budget.
    day3 = day2 + DAY
    story.close(e, consumer2, day3 + 900, receipt_by=provider2)
    assert story.owed[provider.address] == 0  # paid in full yesterday
    story.claim(provider2, day3 + 1_100)
    story.withdraw(consumer, day3 + 1_200)

    # Day 4: the hold of the session closed after midnight comes back; nothing is left.
    day4 = day3 + DAY
    assert tuple(router.holdOf(consumer)) == (0, 0)
    story.withdraw(consumer2, day4 + 100)
    assert router.totalLocked() == 0
    assert pool.owed(provider) == pool.owed(provider2) == 0
    check_conservation(protocol)
