"""PROTOCOL §7 "Pause": a pause lifts itself after at most 7 days, and a new pause is possible
only after as long again without one, so pauses cannot be chained. (What a pause stops and never
stops is tested per contract, in each contract's test_pause.py.)"""

from __future__ import annotations

import ape
import pytest
from ape import chain

from mor_market.constants import DAY
from tests.unit.marketplace.conftest import ENDPOINT

WEEK = 7 * DAY
PAUSABLE = ["marketplace", "model_registry", "router"]


@pytest.fixture(params=PAUSABLE)
def pausable(request, protocol):
    # `protocol` first: the session's deployment must exist before this test's chain snapshot.
    return request.getfixturevalue(request.param)


def _pause_at(contract, owner, timestamp: int):
    chain.pending_timestamp = timestamp
    return contract.pause(sender=owner)


def test_pause__lasts_seven_days__and_says_until_when(pausable, owner):
    start = chain.pending_timestamp
    tx = _pause_at(pausable, owner, start)

    until = start + WEEK
    assert [(log.account, log.until) for log in tx.decode_logs(pausable.Paused)] == [(owner.address, until)]
    assert tuple(pausable.pauseState()) == (until, until + WEEK)
    chain.mine(timestamp=until - 1)
    assert pausable.paused()
    chain.mine(timestamp=until)
    assert not pausable.paused()


def test_pause__expired__lets_registrations_through_without_any_unpause(marketplace, owner, provider):
    start = chain.pending_timestamp
    _pause_at(marketplace, owner, start)
    marketplace.setWhitelisted(provider, True, sender=owner)

    chain.pending_timestamp = start + WEEK - 1
    with ape.reverts(marketplace.EnforcedPause, until=start + WEEK):
        marketplace.register(ENDPOINT, 0, sender=provider)

    chain.pending_timestamp = start + WEEK
    marketplace.register(ENDPOINT, 0, sender=provider)
    assert marketplace.providerRecord(provider).registered


def test_pause__again_before_as_long_again_without_one__reverts_pause_cooling_down(pausable, owner):
    start = chain.pending_timestamp
    _pause_at(pausable, owner, start)
    chain.pending_timestamp = start + 2 * WEEK - 1
    before = tuple(pausable.pauseState())

    with ape.reverts(pausable.PauseCoolingDown, availableAt=start + 2 * WEEK):
        pausable.pause(sender=owner)

    assert tuple(pausable.pauseState()) == before
    tx = _pause_at(pausable, owner, start + 2 * WEEK)
    assert tx.decode_logs(pausable.Paused)[0].until == start + 3 * WEEK


def test_unpause__early__lifts_the_pause_and_the_next_may_start_a_week_later(pausable, owner):
    start = chain.pending_timestamp
    _pause_at(pausable, owner, start)
    chain.pending_timestamp = start + DAY

    tx = pausable.unpause(sender=owner)

    assert [log.account for log in tx.decode_logs(pausable.Unpaused)] == [owner.address]
    assert tuple(pausable.pauseState()) == (start + DAY, start + DAY + WEEK)
    assert not pausable.paused()
    chain.pending_timestamp = start + DAY + WEEK - 1
    with ape.reverts(pausable.PauseCoolingDown, availableAt=start + DAY + WEEK):
        pausable.pause(sender=owner)


def test_pause__while_paused__reverts_enforced_pause_with_its_end(pausable, owner):
    start = chain.pending_timestamp
    _pause_at(pausable, owner, start)
    chain.pending_timestamp = start + 10

    with ape.reverts(pausable.EnforcedPause, until=start + WEEK):
        pausable.pause(sender=owner)


def test_unpause__when_not_paused__reverts_expected_pause(pausable, owner):
    with ape.reverts(pausable.ExpectedPause):
        pausable.unpause(sender=owner)
    assert tuple(pausable.pauseState()) == (0, 0)


def test_pause__by_a_stranger__reverts_not_pauser_and_changes_nothing(pausable, stranger):
    with ape.reverts(pausable.NotPauser, account=stranger.address):
        pausable.pause(sender=stranger)
    assert tuple(pausable.pauseState()) == (0, 0)
    assert not pausable.paused()


def test_unpause__by_a_stranger__reverts_ownable_unauthorized_account_and_the_pause_stays(pausable, owner, stranger):
    pausable.pause(sender=owner)
    before = tuple(pausable.pauseState())

    with ape.reverts(pausable.OwnableUnauthorizedAccount, account=stranger.address):
        pausable.unpause(sender=stranger)

    assert pausable.paused()
    assert tuple(pausable.pauseState()) == before


def test_unpause__in_the_very_second_the_pause_expires__reverts_expected_pause_and_changes_nothing(pausable, owner):
    start = chain.pending_timestamp + 100
    _pause_at(pausable, owner, start)
    before = tuple(pausable.pauseState())
    chain.pending_timestamp = start + WEEK  # the pause's own end: it is already over

    with ape.reverts(pausable.ExpectedPause):
        pausable.unpause(sender=owner)

    assert tuple(pausable.pauseState()) == before
