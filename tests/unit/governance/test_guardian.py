"""PROTOCOL §7 "Pause", v3: a guardian, an address governance sets and revokes, may pause each of
the three pausable contracts at once (without the timelock's delay), under the same rules as
governance's pause (it lasts 7 days, and the next only as long again after); it can do nothing
else: not unpause, not name a guardian, not set a parameter, not withdraw fees, not whitelist.
A pause never stops closing a session or claiming what is owed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import ape
import pytest
from ape import chain

from mor_market.constants import DAY, MOR
from mor_market.deploy import ZERO_ADDRESS
from tests.conftest import PRICE
from tests.unit.governance.conftest import fresh_account
from tests.unit.session_router.conftest import HOUR
from tests.unit.session_router.conftest import close_at as close_at  # fixtures of a running session
from tests.unit.session_router.conftest import day_start as day_start
from tests.unit.session_router.conftest import open_at as open_at
from tests.unit.session_router.conftest import running as running
from tests.unit.session_router.conftest import stake as stake
from tests.utils.checks import check_conservation

WEEK = 7 * DAY
PAUSABLE = ["marketplace", "model_registry", "router"]


@pytest.fixture(params=PAUSABLE)
def pausable(request, protocol):
    # `protocol` first: the session's deployment must exist before this test's chain snapshot.
    return request.getfixturevalue(request.param)


@pytest.fixture
def guardian() -> Any:
    """A fresh account with gas and nothing else: no MOR, no role anywhere yet."""
    return fresh_account()


@pytest.fixture
def guarded(protocol, owner, guardian) -> Any:
    """The three pausable contracts with `guardian` set by governance."""
    for contract in (protocol.marketplace, protocol.model_registry, protocol.router):
        contract.setGuardian(guardian, sender=owner)
    return guardian


def _plain(value: Any) -> Any:
    """A view's output as nested tuples, comparable with ==."""
    if isinstance(value, (str, bytes, int)):
        return value
    if hasattr(value, "items"):
        return tuple((k, _plain(v)) for k, v in value.items())
    return tuple(_plain(v) for v in value)


def state_of(contract: Any) -> dict[str, Any]:
    """Every value the contract shows without an argument (parameters, owner, guardian, pause,
    totals): what a refused call must leave as it was."""
    names = [m.name for m in contract.contract_type.view_methods if not m.inputs and m.name != "renounceOwnership"]
    return {name: _plain(getattr(contract, name)()) for name in names}


# ------------------------------------------------------------------ governance names the guardian


def test_set_guardian__by_governance__is_announced_and_shown(pausable, owner, guardian, stranger):
    tx = pausable.setGuardian(guardian, sender=owner)

    assert [(log.previous, log.guardian) for log in tx.decode_logs(pausable.GuardianSet)] == [
        (ZERO_ADDRESS, guardian.address)
    ]
    assert pausable.guardian() == guardian.address
    tx = pausable.setGuardian(stranger, sender=owner)
    assert [(log.previous, log.guardian) for log in tx.decode_logs(pausable.GuardianSet)] == [
        (guardian.address, stranger.address)
    ]
    assert pausable.guardian() == stranger.address


def test_set_guardian__by_a_stranger__reverts_ownable_unauthorized_account_and_changes_nothing(pausable, stranger):
    before = state_of(pausable)

    with ape.reverts(pausable.OwnableUnauthorizedAccount, account=stranger.address):
        pausable.setGuardian(stranger, sender=stranger)

    assert state_of(pausable) == before
    assert pausable.guardian() == ZERO_ADDRESS


# ------------------------------------------------------------------ the guardian pauses at once


def test_pause__by_the_guardian__pauses_at_once_for_seven_days(pausable, guarded):
    start = chain.pending_timestamp
    chain.pending_timestamp = start

    tx = pausable.pause(sender=guarded)

    assert tx.timestamp == start
    assert [(log.account, log.until) for log in tx.decode_logs(pausable.Paused)] == [(guarded.address, start + WEEK)]
    assert pausable.paused()
    assert tuple(pausable.pauseState()) == (start + WEEK, start + 2 * WEEK)


def test_pause__by_the_guardian__lifts_itself_after_seven_days_and_cannot_be_chained(pausable, guarded):
    start = chain.pending_timestamp
    chain.pending_timestamp = start
    pausable.pause(sender=guarded)

    chain.mine(timestamp=start + WEEK - 1)
    assert pausable.paused()
    chain.mine(timestamp=start + WEEK)
    assert not pausable.paused()
    for at in (start + WEEK + 1, start + 2 * WEEK - 1):
        chain.pending_timestamp = at
        before = state_of(pausable)
        with ape.reverts(pausable.PauseCoolingDown, availableAt=start + 2 * WEEK):
            pausable.pause(sender=guarded)
        assert state_of(pausable) == before

    chain.pending_timestamp = start + 2 * WEEK
    tx = pausable.pause(sender=guarded)
    assert tx.decode_logs(pausable.Paused)[0].until == start + 3 * WEEK


def test_pause__by_the_guardian_while_paused__reverts_enforced_pause(pausable, guarded, owner):
    start = chain.pending_timestamp
    chain.pending_timestamp = start
    pausable.pause(sender=owner)
    chain.pending_timestamp = start + DAY
    before = state_of(pausable)

    with ape.reverts(pausable.EnforcedPause, until=start + WEEK):
        pausable.pause(sender=guarded)

    assert state_of(pausable) == before


def test_pause__by_governance_with_a_guardian_set__still_works(pausable, guarded, owner):
    tx = pausable.pause(sender=owner)

    assert [log.account for log in tx.decode_logs(pausable.Paused)] == [owner.address]
    assert pausable.paused()
    assert pausable.guardian() == guarded.address


def test_pause__by_a_stranger_with_a_guardian_set__reverts_not_pauser_and_changes_nothing(pausable, guarded, stranger):
    before = state_of(pausable)

    with ape.reverts(pausable.NotPauser, account=stranger.address):
        pausable.pause(sender=stranger)

    assert state_of(pausable) == before
    assert not pausable.paused()


def test_pause__by_a_revoked_guardian__reverts_not_pauser_and_changes_nothing(pausable, guarded, owner):
    tx = pausable.setGuardian(ZERO_ADDRESS, sender=owner)
    assert [(log.previous, log.guardian) for log in tx.decode_logs(pausable.GuardianSet)] == [
        (guarded.address, ZERO_ADDRESS)
    ]
    before = state_of(pausable)

    with ape.reverts(pausable.NotPauser, account=guarded.address):
        pausable.pause(sender=guarded)

    assert state_of(pausable) == before
    assert (pausable.guardian(), pausable.paused()) == (ZERO_ADDRESS, False)


# ------------------------------------------------------------------ and can do nothing else

# Every call only governance may make, as the guardian would try it: (contract, function, call).
GOVERNANCE_ONLY: list[tuple[str, str, Callable[[Any, Any], Any]]] = [
    *[
        (name, function, call)
        for name in PAUSABLE
        for function, call in (
            ("unpause", lambda c, g: c.unpause(sender=g)),
            ("setGuardian", lambda c, g: c.setGuardian(g, sender=g)),
            ("transferOwnership", lambda c, g: c.transferOwnership(g, sender=g)),
            ("acceptOwnership", lambda c, g: c.acceptOwnership(sender=g)),
        )
    ],
    ("marketplace", "setWhitelisted", lambda c, g: c.setWhitelisted(g, True, sender=g)),
    ("marketplace", "disableWhitelist", lambda c, g: c.disableWhitelist(sender=g)),
    ("marketplace", "setMinProviderStake", lambda c, g: c.setMinProviderStake(0, sender=g)),
    ("marketplace", "setPriceBounds", lambda c, g: c.setPriceBounds(c.PRICE_FLOOR(), c.PRICE_CEILING(), sender=g)),
    ("marketplace", "setBidFee", lambda c, g: c.setBidFee(c.MAX_BID_FEE(), sender=g)),
    ("marketplace", "withdrawFees", lambda c, g: c.withdrawFees(g, 1, sender=g)),
    ("model_registry", "setMinModelStake", lambda c, g: c.setMinModelStake(c.MAX_MIN_MODEL_STAKE(), sender=g)),
    ("router", "setDurationBounds", lambda c, g: c.setDurationBounds(60, 60, sender=g)),
    ("router", "setReferenceSupply", lambda c, g: c.setReferenceSupply(c.MAX_REFERENCE_SUPPLY(), sender=g)),
]
# What anyone may call (each with its own rules, tested elsewhere): the guardian is anyone there.
OPEN_TO_ALL = {
    "marketplace": {
        "register",
        "addStake",
        "setSigner",
        "deregister",
        "postBid",
        "deleteBid",
        "multicall",
        "closeModel",
        "reopenModel",
        "sweepSurplus",
    },
    "model_registry": {"registerModel", "updateModel", "deregisterModel", "sweepSurplus"},
    "router": {
        "openSession",
        "openSessionWithPermit",
        "closeSession",
        "closeSessionWithReceipt",
        "rateSession",
        "rateSessionWithReceipt",
        "withdrawHeld",
        "sweepSurplus",
    },
}


@pytest.fixture
def fees_to_take(marketplace, mor, owner, provider, register_provider, register_model, post_bid) -> int:
    """A bid fee paid into the marketplace, so a fee withdrawal would have something to take."""
    marketplace.setBidFee(MOR, sender=owner)
    register_provider(provider, 100 * MOR)
    mor.approve(marketplace, MOR, sender=provider)
    post_bid(provider, register_model())
    assert marketplace.feeBalance() == MOR
    return MOR


@pytest.mark.parametrize(
    ("name", "function", "call"), GOVERNANCE_ONLY, ids=[f"{name}.{function}" for name, function, _ in GOVERNANCE_ONLY]
)
def test_governance_only_call__by_the_guardian__reverts_ownable_unauthorized_account_and_changes_nothing(
    request, protocol, mor, guarded, fees_to_take, name, function, call
):
    contract = request.getfixturevalue(name)
    contract.pause(sender=guarded)  # the one thing it may do; unpause then has a pause to lift
    before = (state_of(contract), mor.balanceOf(guarded))

    with ape.reverts(contract.OwnableUnauthorizedAccount, account=guarded.address):
        call(contract, guarded)

    assert (state_of(contract), mor.balanceOf(guarded)) == before
    assert contract.paused()
    check_conservation(protocol)


@pytest.mark.parametrize("name", PAUSABLE)
def test_cases__cover_every_state_changing_function_besides_pause_and_those_open_to_all(request, protocol, name):
    contract = request.getfixturevalue(name)
    refused = {function for contract_name, function, _ in GOVERNANCE_ONLY if contract_name == name}

    mutable = {m.name for m in contract.contract_type.mutable_methods}

    assert mutable == refused | OPEN_TO_ALL[name] | {"pause"}
    assert not refused & OPEN_TO_ALL[name]


# ------------------------------------------------------------------ a pause stops no exit


def test_close_and_claim__with_all_three_contracts_paused_by_the_guardian__still_work(
    protocol, marketplace, model_registry, router, pool, consumer, provider, keeper, guarded, running, close_at
):
    for contract in (marketplace, model_registry, router):
        contract.pause(sender=guarded)

    closed = close_at(running.session_id, consumer, running.opened_at + HOUR)
    assert closed.decode_logs(router.SessionClosed)[0].paid == PRICE * HOUR
    chain.pending_timestamp = (running.opened_at // DAY + 1) * DAY + 10
    claimed = pool.claim(provider, sender=keeper)

    assert claimed.decode_logs(pool.Claimed)[0].amount == PRICE * HOUR
    assert pool.owed(provider) == 0
    assert all(c.paused() for c in (marketplace, model_registry, router))
    check_conservation(protocol)
