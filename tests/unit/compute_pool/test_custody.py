"""Custody of the pool's MOR (PROTOCOL.md §4 "Nobody can withdraw it", promise 3): the only way
out is a claim, paid to the provider it is owed to. The pool has no owner (v3): nobody, governance
included, has a call on it that others do not have."""

from __future__ import annotations

import ape
from eth_utils import keccak

from mor_market.constants import DAY, MOR
from tests.utils.checks import check_conservation


def _functions(pool) -> dict[str, str]:
    return {abi.name: abi.stateMutability for abi in pool.contract_type.abi if abi.type == "function"}


def test_pool_abi__state_changing_functions__offer_no_way_out_but_claim(pool):
    mutating = {name for name, mutability in _functions(pool).items() if mutability not in ("view", "pure")}

    assert mutating == {"fund", "absorbSurplus", "credit", "claim"}


def test_pool_abi__has_no_owner_and_no_ownership_transfer(pool):
    functions = set(_functions(pool))

    assert {"owner", "pendingOwner", "transferOwnership", "acceptOwnership", "renounceOwnership"}.isdisjoint(functions)


def test_the_deployer__calling_v2_owner_functions__is_refused_and_moves_no_pool_mor(
    protocol, pool, mor, owner, stranger, provider, day0, fund_at, credit, claim_at, observe_pool
):
    fund_at(100_000 * MOR, day0 + 100)
    credit(provider, MOR)
    before = observe_pool()

    # What the deployer could call on v2's pool: the pool has none of these functions and no
    # fallback, so each call reverts.
    for signature, argument in (
        ("setBudgetBps(uint256)", (100).to_bytes(32, "big")),
        ("transferOwnership(address)", bytes(12) + bytes.fromhex(stranger.address[2:])),
        ("renounceOwnership()", b""),
    ):
        with ape.reverts():
            owner.transfer(pool, 0, data=keccak(text=signature)[:4] + argument)

    assert observe_pool() == before
    assert mor.balanceOf(pool) == pool.poolBalance() == 100_000 * MOR
    # A claim, by anyone, still pays only the provider, only what it is owed.
    tx = claim_at(provider, day0 + DAY + 10, sender=owner)
    transfers = tx.decode_logs(mor.Transfer)
    assert [(t.to, t.value) for t in transfers] == [(provider.address, MOR)]
    check_conservation(protocol)


def test_fund_absorb_and_credit__send_no_mor_out_of_the_pool(
    pool, mor, provider, funder, stranger, keeper, day0, fund_at, credit
):
    funded = fund_at(100_000 * MOR, day0 + 100)
    mor.transfer(pool, 5 * MOR, sender=stranger)
    absorbed = pool.absorbSurplus(sender=keeper)
    credited = credit(provider, 10 * MOR)

    moves = [(t["from"], t.to, t.value) for tx in (funded, absorbed, credited) for t in tx.decode_logs(mor.Transfer)]
    assert moves == [(funder.address, pool.address, 100_000 * MOR)]  # in, never out
    assert mor.balanceOf(pool) == pool.poolBalance() == 100_005 * MOR
