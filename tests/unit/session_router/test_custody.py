"""Custody of stakes (PROTOCOL.md §1 "no slashing", §7, promise 3): the router's MOR leaves only
to a session's consumer or, in direct mode, its provider; governance's functions move none."""

from __future__ import annotations

from ape import chain

from mor_market.constants import DAY, MOR
from tests.unit.session_router.conftest import HOUR, held_part
from tests.utils.checks import check_conservation


def test_router_abi__state_changing_functions__are_sessions_holds_and_parameters_only(router):
    mutating = {
        abi.name
        for abi in router.contract_type.abi
        if abi.type == "function" and abi.stateMutability not in ("view", "pure")
    }

    assert mutating == {
        "openSession",
        "openSessionWithPermit",
        "closeSession",
        "closeSessionWithReceipt",
        "rateSession",
        "rateSessionWithReceipt",
        "withdrawHeld",
        "setDurationBounds",
        "setReferenceSupply",
        "setGuardian",
        "pause",
        "unpause",
        "sweepSurplus",
        "transferOwnership",
        "acceptOwnership",
    }


def test_governance__every_owner_call_with_stakes_locked__moves_no_mor_and_stakes_go_back_to_consumers(
    protocol, router, mor, owner, stranger, consumer, consumer2, bid, stake, running, open_at, close_at
):
    other = open_at(consumer2, bid, 2 * stake, running.opened_at + 10)
    close_at(running.session_id, consumer, running.opened_at + HOUR)
    locked = router.totalLocked()
    assert mor.balanceOf(router) == locked

    for tx in (
        router.setDurationBounds(60, 120, sender=owner),
        router.setReferenceSupply(42_000_000 * MOR, sender=owner),
        router.setGuardian(stranger, sender=owner),
        router.pause(sender=stranger),  # the guardian's pause
        router.transferOwnership(stranger, sender=owner),
        router.acceptOwnership(sender=stranger),
    ):
        assert tx.decode_logs(mor.Transfer) == []
    assert mor.balanceOf(router) == locked == router.totalLocked()

    consumer2_before = mor.balanceOf(consumer2)
    tx = close_at(other.session_id, stranger, other.ends_at)
    # Every second of it was today's, so the whole stake is held for the consumer until tomorrow.
    duration = other.ends_at - other.opened_at
    assert held_part(2 * stake, duration, duration) == 2 * stake
    assert tx.decode_logs(mor.Transfer) == []
    assert router.holdOf(consumer2).held == 2 * stake
    chain.pending_timestamp = (running.opened_at // DAY + 1) * DAY
    router.withdrawHeld(sender=consumer)
    router.withdrawHeld(sender=consumer2)
    assert mor.balanceOf(consumer2) == consumer2_before + 2 * stake
    assert router.totalLocked() == 0 == mor.balanceOf(router)
    check_conservation(protocol)
