"""PROTOCOL §7 "Stray MOR" and promises 1 and 6: MOR sent by plain transfer to the marketplace, the
model registry or the session router is not stuck. Anyone sweeps a contract's surplus (balance
minus what it owes) into the compute pool's ledger as funding of that day, counted in the budget
from the next day on; the caller gets nothing, and nothing owed moves."""

from __future__ import annotations

import ape
import pytest
from ape import chain

from mor_market.constants import DAY, MOR
from tests.utils.checks import check_conservation

SWEEPERS = ["marketplace", "model_registry", "router"]
STRAY = 7 * MOR + 3


@pytest.fixture
def owing(registered_provider, bid, model_owner, register_model, open_session, consumer, funded_pool) -> None:
    """Each contract owes something: a provider stake, a model stake, an open session's stake."""
    register_model("staked-model", stake=40 * MOR)
    open_session(consumer, bid, 1_000 * MOR)


@pytest.mark.parametrize("name", SWEEPERS)
def test_sweep_surplus__of_stray_mor__funds_the_pool_and_moves_nothing_owed(
    request, name, protocol, mor, pool, stranger, owing
):
    contract = request.getfixturevalue(name)
    balance, ledger = mor.balanceOf(contract), pool.poolBalance()
    mor.transfer(contract, STRAY, sender=stranger)
    assert contract.surplus() == STRAY
    stranger_before = mor.balanceOf(stranger)

    tx = contract.sweepSurplus(sender=stranger)

    assert [(log.caller, log.amount) for log in tx.decode_logs(contract.SurplusSwept)] == [(stranger.address, STRAY)]
    assert [log.amount for log in tx.decode_logs(pool.SurplusAbsorbed)] == [STRAY]
    assert mor.balanceOf(contract) == balance
    assert pool.poolBalance() == ledger + STRAY
    assert mor.balanceOf(stranger) == stranger_before
    assert contract.surplus() == 0
    check_conservation(protocol)


@pytest.mark.parametrize("name", SWEEPERS)
def test_sweep_surplus__with_none__reverts_no_surplus_and_changes_nothing(
    request, protocol, name, mor, pool, stranger, owing
):
    contract = request.getfixturevalue(name)
    before = (mor.balanceOf(contract), pool.poolBalance())

    with ape.reverts(contract.NoSurplus):
        contract.sweepSurplus(sender=stranger)

    assert (mor.balanceOf(contract), pool.poolBalance()) == before


def test_sweep_surplus__counts_in_the_budget_from_the_next_day(router, mor, pool, stranger, owing):
    today_budget = pool.today().budget
    mor.transfer(router, 100_000 * MOR, sender=stranger)

    router.sweepSurplus(sender=stranger)

    assert pool.today().budget == today_budget
    chain.pending_timestamp += DAY
    chain.mine()
    assert pool.today().budget == pool.poolBalance() * pool.budgetBps() // 10_000


@pytest.mark.parametrize("name", SWEEPERS)
def test_sweep_surplus__while_paused__still_works(request, protocol, name, mor, owner, stranger, owing):
    contract = request.getfixturevalue(name)
    contract.pause(sender=owner)
    mor.transfer(contract, STRAY, sender=stranger)

    contract.sweepSurplus(sender=stranger)

    assert contract.surplus() == 0
