"""Checks shared by the tests: conservation of MOR in every contract (PROTOCOL.md promise 1)."""

from __future__ import annotations

from mor_market.deploy import Protocol


def check_conservation(protocol: Protocol) -> None:
    """Each contract's MOR balance equals, to the wei, what it owes to others."""
    mor = protocol.mor
    mp, mr, pool, router = protocol.marketplace, protocol.model_registry, protocol.pool, protocol.router
    assert mor.balanceOf(mp) == mp.totalStake() + mp.feeBalance()
    assert mor.balanceOf(mr) == mr.totalStake()
    assert mor.balanceOf(pool) == pool.poolBalance()
    assert mor.balanceOf(router) == router.totalLocked()
