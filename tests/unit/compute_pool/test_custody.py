"""Custody of the pool's MOR (PROTOCOL.md §4 "Nobody can withdraw it", promise 3): the only way
out is a claim, paid to the provider it is owed to; governance's functions move no MOR."""

from __future__ import annotations

from mor_market.constants import DAY, MOR
from tests.utils.checks import check_conservation


def test_pool_abi__state_changing_functions__offer_no_way_out_but_claim(pool):
    mutating = {
        abi.name
        for abi in pool.contract_type.abi
        if abi.type == "function" and abi.stateMutability not in ("view", "pure")
    }

    assert mutating == {
        "fund",
        "absorbSurplus",
        "credit",
        "claim",
        "setBudgetBps",
        "transferOwnership",
        "acceptOwnership",
    }


def test_governance__every_owner_call__moves_no_pool_mor(
    protocol, pool, mor, owner, stranger, provider, day0, fund_at, credit, claim_at
):
    fund_at(100_000 * MOR, day0 + 100)
    credit(provider, MOR)
    balance = mor.balanceOf(pool)

    for tx in (
        pool.setBudgetBps(100, sender=owner),
        pool.transferOwnership(stranger, sender=owner),
        pool.acceptOwnership(sender=stranger),
    ):
        assert tx.decode_logs(mor.Transfer) == []
    assert mor.balanceOf(pool) == balance == pool.poolBalance()

    # A claim still pays only the provider, only what it is owed.
    tx = claim_at(provider, day0 + DAY + 10, sender=owner)
    transfers = tx.decode_logs(mor.Transfer)
    assert [(t.to, t.value) for t in transfers] == [(provider.address, MOR)]
    check_conservation(protocol)
