"""What each contract holds the moment it is constructed, before any setter runs (PROTOCOL.md §1
"Whitelist", §2, §4, §5 and §7): the whitelist on with no stake required, no bid fee, the widest
price bounds, no model stake, the pool's constant 1% budget, sessions of 60 s to a day, nothing staked or
locked; each default announced by its event where the contract has one.
The deploy script only sends the setters whose value differs from these, so a wrong default would
otherwise reach a live deployment unseen."""

from __future__ import annotations

from typing import Any

import pytest

from mor_market.deploy import WIRED, constructor_arguments, create_address

DAY = 86_400


@pytest.fixture
def constructed(project, owner, mor) -> dict[str, Any]:
    """The five contracts, wired to each other and constructed, and no setter called."""
    at = [create_address(owner.address, owner.nonce + i) for i in range(len(WIRED))]
    return {
        name: getattr(project, name).deploy(*constructor_arguments(name, mor.address, at, owner.address), sender=owner)
        for name in WIRED
    }


def test_marketplace__as_constructed__whitelist_on_no_stake_no_fee_widest_prices(constructed, owner):
    market = constructed["Marketplace"]

    assert market.whitelistEnabled() is True
    assert market.minProviderStake() == 0
    assert market.bidFee() == 0
    assert tuple(market.priceBounds()) == (market.PRICE_FLOOR(), market.PRICE_CEILING())
    assert (market.totalStake(), market.feeBalance()) == (0, 0)
    assert market.owner() == owner.address


def test_model_registry__as_constructed__requires_no_model_stake(constructed):
    assert constructed["ModelRegistry"].minModelStake() == 0


def test_compute_pool__as_constructed__budgets_its_constant_1_percent_and_has_no_owner(constructed):
    pool = constructed["ComputePool"]

    assert pool.budgetBps() == 100
    assert tuple(pool.lastClose()) == (pool.creation_metadata.receipt.timestamp // DAY, 0)
    functions = {abi.name for abi in pool.contract_type.abi if abi.type == "function"}
    assert {"owner", "setBudgetBps"}.isdisjoint(functions)
    assert pool.creation_metadata.receipt.logs == []  # no parameter to announce


def test_session_router__as_constructed__sessions_of_a_minute_to_a_day_nothing_locked(constructed):
    router = constructed["SessionRouter"]

    assert tuple(router.durationBounds()) == (60, DAY)
    assert router.totalLocked() == 0
    announced = router.creation_metadata.receipt.decode_logs(router.ParameterChanged)
    assert [(e.name.rstrip(b"\0"), e.value) for e in announced] == [
        (b"minSessionDuration", 60),
        (b"maxSessionDuration", DAY),
    ]
