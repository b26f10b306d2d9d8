"""Fixtures of the session router's unit tests: a day whose pool budget is known, opening and
closing at exact timestamps, a snapshot of everything a failed call must leave unchanged, and
the rules of PROTOCOL.md §5 written again in plain Python (the expected values never come from
the contract under test)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest
from ape import chain

from mor_market import eip712
from mor_market.constants import BPS, DAY, MOR
from mor_market.ids import session_id
from mor_market.ranking import MAX_SESSION_WEIGHT as MAX_SESSION_WEIGHT
from mor_market.ranking import MILLI_MOR, session_weight
from mor_market.ranking import MIN_RATED_SECONDS as MIN_RATED_SECONDS
from mor_market.ranking import VERDICT_WINDOW as VERDICT_WINDOW
from mor_market.ranking import counted_earnings as counted_earnings
from tests.conftest import PRICE

STIPEND, DIRECT = 0, 1
HOUR = 3_600
MIN_DURATION, MAX_DURATION = 60, DAY  # the router's defaults
BUDGET_BPS = 100  # the pool's constant budget: 1% a day (PROTOCOL.md §4)


# ------------------------------------------------------------------ the rules, in Python


def budget_of(closing_balance: int) -> int:
    """A day's budget: 1% of the previous day's closing balance, rounded down."""
    return closing_balance * BUDGET_BPS // BPS


def stipend_duration(stake: int, budget: int, supply: int, price: int = PRICE, maximum: int = MAX_DURATION) -> int:
    """min(maxDuration, (stake * budget // supply) // price)."""
    return min(maximum, stake * budget // supply // price)


def direct_duration(stake: int, price: int = PRICE, maximum: int = MAX_DURATION) -> int:
    """min(maxDuration, stake // price)."""
    return min(maximum, stake // price)


def seconds_on_day(opened_at: int, ends_at: int, closed_at: int, day: int) -> int:
    """Seconds of [openedAt, min(closedAt, endsAt)) that fall on `day`."""
    used_end = min(closed_at, ends_at)
    used_start = max(opened_at, day * DAY)
    return max(0, used_end - used_start)


def held_part(stake: int, seconds_today: int, duration: int) -> int:
    """ceil(stake * secondsToday / duration)."""
    return -(-stake * seconds_today // duration)


def start_of_next_day() -> int:
    """The first second of the day after the pending block's day."""
    return (chain.pending_timestamp // DAY + 1) * DAY


# ------------------------------------------------------------------ the rules of statistics (§6)

# The rules of a session's weight, its counted earnings, the rated minimum, the cap and the verdict
# window are mor_market.ranking's (checked against the router's constants in
# test_rated_minimum_and_cap.py), under the names these tests use.
WEIGHT_UNIT = MILLI_MOR  # a weight is milli-MOR-seconds
weight_of = session_weight
NONE, COMPLETED, DISPUTED = 0, 1, 2  # ISessionRouter.Verdict
STATS_FIELDS = (
    "weight",
    "completedWeight",
    "disputedWeight",
    "disputed",
    "closedEarlyWeight",
    "secondsProvided",
    "earnings",
    "ttftWeighted",
    "tpsWeighted",
    "completed",
)


def no_stats() -> dict[str, int]:
    """The statistics of a pair no session was recorded for."""
    return dict.fromkeys(STATS_FIELDS, 0)


def stats_of(router: Any, provider: Any, model_id: int) -> dict[str, int]:
    """A pair's statistics, field by field."""
    record = router.stats(provider, model_id)
    return {field: int(getattr(record, field)) for field in STATS_FIELDS}


# ------------------------------------------------------------------ a known day


@pytest.fixture
def day_start(funded_pool) -> int:
    """The first second of a day on which the pool's budget is 1% of its funding."""
    return start_of_next_day()


@pytest.fixture
def budget(funded_pool) -> int:
    """Today's budget once `day_start` has come: 1% of the funding (the closing balance)."""
    return budget_of(funded_pool)


@pytest.fixture
def supply(mor, funded_pool) -> Callable[[], int]:
    """The default reference supply, read from its inputs: MOR total supply less the pool's balance."""

    def _supply() -> int:
        return mor.totalSupply() - funded_pool

    return _supply


@pytest.fixture
def stake() -> int:
    """A stipend stake that buys a few hours at PRICE with the funded pool (10,101 seconds)."""
    return 1_000 * MOR


# ------------------------------------------------------------------ opening and closing


@dataclass
class Opened:
    session_id: int
    tx: Any
    opened_at: int
    ends_at: int
    stake: int


@pytest.fixture
def open_at(router, mor, provider, sign_approval) -> Callable[..., Opened]:
    """Opens a session at exactly `at` with a fresh approval (default signer: the provider).
    `approve=False` leaves the stake's allowance to the caller: sessions opened in one second
    need their allowances given beforehand, since an approve mined in between may take a later
    timestamp."""
    nonces = itertools.count(1)

    def _open(
        consumer_account: Any,
        bid: int,
        stake: int,
        at: int,
        mode: int = STIPEND,
        signed_by: Any = None,
        nonce: int | None = None,
        approve: bool = True,
    ) -> Opened:
        nonce = next(nonces) if nonce is None else nonce
        deadline = at + HOUR
        signature = sign_approval(signed_by or provider, bid, consumer_account.address, nonce, deadline)
        if approve:
            mor.approve(router, stake, sender=consumer_account)
        chain.pending_timestamp = at
        tx = router.openSession(bid, nonce, deadline, stake, mode, signature, sender=consumer_account)
        assert tx.timestamp == at
        opened = tx.decode_logs(router.SessionOpened)[0]
        return Opened(session_id(consumer_account.address, nonce), tx, at, opened.endsAt, stake)

    return _open


@pytest.fixture
def close_at(router) -> Callable[..., Any]:
    """Closes a session without a receipt at exactly `at`."""

    def _close(session: int, sender: Any, at: int) -> Any:
        chain.pending_timestamp = at
        tx = router.closeSession(session, sender=sender)
        assert tx.timestamp == at
        return tx

    return _close


@pytest.fixture
def close_with_receipt_at(router, provider, sign_receipt) -> Callable[..., Any]:
    """Closes a session with a receipt (default signer: the provider) at exactly `at`."""

    def _close(session: int, sender: Any, at: int, ttft_ms: int = 250, tps: int = 40, signed_by: Any = None) -> Any:
        deadline = at + 600
        receipt = sign_receipt(signed_by or provider, session, ttft_ms, tps, deadline)
        chain.pending_timestamp = at
        tx = router.closeSessionWithReceipt(session, ttft_ms, tps, deadline, receipt, sender=sender)
        assert tx.timestamp == at
        return tx

    return _close


@pytest.fixture
def rate_at(router) -> Callable[..., Any]:
    """The consumer's late verdict without a receipt (disputed) at exactly `at`."""

    def _rate(session: int, sender: Any, at: int) -> Any:
        chain.pending_timestamp = at
        tx = router.rateSession(session, sender=sender)
        assert tx.timestamp == at
        return tx

    return _rate


@pytest.fixture
def rate_with_receipt_at(router, provider, sign_receipt) -> Callable[..., Any]:
    """The consumer's late verdict with a receipt (completed; default signer: the provider) at
    exactly `at`."""

    def _rate(session: int, sender: Any, at: int, ttft_ms: int = 250, tps: int = 40, signed_by: Any = None) -> Any:
        deadline = at + 600
        receipt = sign_receipt(signed_by or provider, session, ttft_ms, tps, deadline)
        chain.pending_timestamp = at
        tx = router.rateSessionWithReceipt(session, ttft_ms, tps, deadline, receipt, sender=sender)
        assert tx.timestamp == at
        return tx

    return _rate


# ------------------------------------------------------------------ "nothing changed"


@pytest.fixture
def observe(
    router, pool, mor, marketplace, provider, provider2, consumer, consumer2, keeper, stranger, signer, model_id
) -> Callable[..., dict[str, Any]]:
    """Everything a failed call must leave as it was: balances, the router's and the pool's
    ledgers, holds, owed amounts, statistics and the given sessions' records."""
    people = (provider, provider2, consumer, consumer2, keeper, stranger, signer)

    def _observe(*sessions: int) -> dict[str, Any]:
        return {
            "balances": {str(a): mor.balanceOf(a) for a in (*people, router, pool, marketplace)},
            "total_locked": router.totalLocked(),
            "pool_balance": pool.poolBalance(),
            "holds": {str(a): tuple(router.holdOf(a)) for a in (consumer, consumer2, provider, signer)},
            "owed": {str(a): pool.owed(a) for a in (provider, provider2)},
            "stats": tuple(router.stats(provider, model_id)),
            "sessions": [tuple(router.session(s)) for s in sessions],
        }

    return _observe


# ------------------------------------------------------------------ EIP-2612


@pytest.fixture
def sign_permit(mor) -> Callable[..., tuple[int, bytes, bytes]]:
    """An EIP-2612 permit of the test MOR, signed by `owner_account`: (v, r, s)."""

    def _sign(owner_account: Any, spender: Any, value: int, deadline: int, nonce: int | None = None) -> tuple:
        nonce = mor.nonces(owner_account) if nonce is None else nonce
        spender_address = str(getattr(spender, "address", spender))
        message = eip712.permit_message(
            mor.address, "Test MOR", chain.chain_id, owner_account.address, spender_address, value, nonce, deadline
        )
        return eip712.sign_vrs(owner_account, message)

    return _sign


# ------------------------------------------------------------------ an ERC-1271 provider


@pytest.fixture
def wallet(project, owner, signer, marketplace) -> Any:
    """A smart-contract wallet provider (ProviderWallet) owned by the `signer` key, whitelisted
    and registered."""
    contract = project.ProviderWallet.deploy(signer, sender=owner)
    marketplace.setWhitelisted(contract, True, sender=owner)
    contract.execute(marketplace, marketplace.register.encode_input("wallet.example.org:3333", 0), sender=signer)
    return contract


@pytest.fixture
def wallet_bid(wallet, marketplace, model_id, signer) -> int:
    """The wallet provider's bid for the model, at PRICE."""
    tx = wallet.execute(marketplace, marketplace.postBid.encode_input(model_id, PRICE), sender=signer)
    return tx.decode_logs(marketplace.BidPosted)[0].bidId


# ------------------------------------------------------------------ a bid cheap enough for a tiny stake


CHEAP_PRICE = 10**12  # MOR wei per second: a thousandth of a MOR buys 1,000 s, long enough to rate


@pytest.fixture
def cheap_bid(registered_provider, register_model, post_bid) -> tuple[int, int]:
    """(model id, bid id): the provider's bid at CHEAP_PRICE for a second model, on which a direct
    stake below 0.001 MOR lasts past MIN_RATED_SECONDS."""
    cheap_model = register_model("phi-3-mini")
    return cheap_model, post_bid(registered_provider, cheap_model, CHEAP_PRICE)


# ------------------------------------------------------------------ a running session


@pytest.fixture
def running(consumer, bid, stake, day_start, open_at) -> Opened:
    """The consumer's stipend session on the bid, opened 1,000 s into a day; it lasts
    stipend_duration(stake, budget, supply) = 10,101 s, so it ends the same day."""
    return open_at(consumer, bid, stake, day_start + 1_000)
