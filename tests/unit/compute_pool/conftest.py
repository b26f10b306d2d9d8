"""Fixtures of the compute pool's unit tests: funding, crediting (as the session router) and
claiming at exact timestamps, a snapshot of the pool for "nothing changed", and the budget rule
of PROTOCOL.md §4 in plain Python."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ape import chain

from mor_market.constants import BPS, DAY

BUDGET_BPS = 100  # the FAQ's 1%, a constant of the pool (PROTOCOL.md §4)


def budget_of(closing_balance: int) -> int:
    """A day's budget: 1% of the previous day's closing balance, rounded down."""
    return closing_balance * BUDGET_BPS // BPS


@pytest.fixture
def day0() -> int:
    """The first second of a day after the pool's deployment day."""
    return (chain.pending_timestamp // DAY + 1) * DAY


@pytest.fixture
def as_router(accounts, router) -> Any:
    """The session router, impersonated: the only account the pool accepts credits from."""
    account = accounts[router.address]
    account.balance = 10**20  # gas
    return account


@pytest.fixture
def credit(pool, as_router) -> Callable[[Any, int], Any]:
    def _credit(provider_account: Any, amount: int) -> Any:
        return pool.credit(provider_account, amount, sender=as_router)

    return _credit


@pytest.fixture
def fund_at(pool, mor, funder) -> Callable[..., Any]:
    """Funds the pool at exactly `at`."""

    def _fund(amount: int, at: int, sender: Any = None) -> Any:
        sender = sender or funder
        mor.approve(pool, amount, sender=sender)
        chain.pending_timestamp = at
        tx = pool.fund(amount, sender=sender)
        assert tx.timestamp == at
        return tx

    return _fund


@pytest.fixture
def claim_at(pool, keeper) -> Callable[..., Any]:
    """Claims for `provider_account` at exactly `at` (default caller: the keeper)."""

    def _claim(provider_account: Any, at: int, sender: Any = None) -> Any:
        chain.pending_timestamp = at
        tx = pool.claim(provider_account, sender=sender or keeper)
        assert tx.timestamp == at
        return tx

    return _claim


@pytest.fixture
def observe_pool(pool, mor, provider, provider2, funder, keeper, stranger, owner) -> Callable[[], dict[str, Any]]:
    """Everything a failed pool call must leave as it was."""

    def _observe() -> dict[str, Any]:
        return {
            "balances": {
                str(a): mor.balanceOf(a) for a in (pool, provider, provider2, funder, keeper, stranger, owner)
            },
            "pool_balance": pool.poolBalance(),
            "owed": (pool.owed(provider), pool.owed(provider2)),
            "claimed": (pool.claimed(provider), pool.claimed(provider2)),
            "today": tuple(pool.today()),
            "last_close": tuple(pool.lastClose()),
        }

    return _observe
