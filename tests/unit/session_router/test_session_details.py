"""A session in one call (PROTOCOL.md §5 "Close", "Stake back"): its record, its consumer, the
provider's signer, the seconds provided and the pay so far as a close would count them, whether
it is open and whether anyone may close it, and its consumer's hold."""

from __future__ import annotations

from typing import Any

import ape
from ape import chain

from mor_market.constants import DAY
from mor_market.ids import session_id
from tests.conftest import PRICE
from tests.unit.session_router.conftest import HOUR, held_part
from tests.utils.views import assert_view_reverts


def details_at(router: Any, session: int, at: int) -> Any:
    """The session's details read in a block mined at `at`."""
    chain.mine(timestamp=at)
    return router.sessionDetails(session)


def test_session_details__while_open__the_record_the_parties_and_the_seconds_and_pay_so_far(
    router, marketplace, provider, signer, consumer, running
):
    marketplace.setSigner(signer, sender=provider)

    details = details_at(router, running.session_id, running.opened_at + 600)

    assert tuple(details.session) == tuple(router.session(running.session_id))
    assert details.consumer == consumer.address
    assert details.signer == signer.address  # the provider's signer now
    assert (details.secondsProvided, details.pay) == (600, PRICE * 600)
    assert details.open
    assert not details.closableByAnyone
    assert (details.consumerHeld, details.consumerWithdrawable) == (0, 0)


def test_session_details__closable_by_anyone__flips_exactly_at_the_end_time(router, keeper, running):
    duration = running.ends_at - running.opened_at

    before = details_at(router, running.session_id, running.ends_at - 1)
    assert not before.closableByAnyone
    assert (before.secondsProvided, before.pay) == (duration - 1, PRICE * (duration - 1))
    chain.pending_timestamp = running.ends_at - 1
    with ape.reverts(router.NotAllowedToClose, sessionId=running.session_id, caller=keeper.address):
        router.closeSession(running.session_id, sender=keeper)  # as the view said

    at_end = details_at(router, running.session_id, running.ends_at)
    assert at_end.open and at_end.closableByAnyone
    assert (at_end.secondsProvided, at_end.pay) == (duration, PRICE * duration)

    after = details_at(router, running.session_id, running.ends_at + HOUR)
    assert after.closableByAnyone
    assert after.secondsProvided == duration  # never beyond the end time
    chain.pending_timestamp = running.ends_at + HOUR
    closed = router.closeSession(running.session_id, sender=keeper).decode_logs(router.SessionClosed)[0]
    assert closed.paid == after.pay


def test_session_details__after_a_close__pay_equals_the_closes_pay_and_it_no_longer_grows(
    router, consumer, stake, running, close_at
):
    tx = close_at(running.session_id, consumer, running.opened_at + HOUR)
    closed = tx.decode_logs(router.SessionClosed)[0]

    details = details_at(router, running.session_id, running.opened_at + 2 * HOUR)

    assert details.session.closedAt == running.opened_at + HOUR
    assert not details.open
    assert not details.closableByAnyone
    assert details.secondsProvided == closed.secondsProvided == HOUR
    assert details.pay == closed.paid == PRICE * HOUR
    held = held_part(stake, HOUR, running.ends_at - running.opened_at)
    assert (details.consumerHeld, details.consumerWithdrawable) == (closed.held, 0) == (held, 0)
    # Past the end time a closed session is not closable by anyone either.
    assert not details_at(router, running.session_id, running.ends_at + 1).closableByAnyone


def test_session_details__the_next_day__the_consumers_hold_is_withdrawable(router, consumer, running, close_at):
    closed = close_at(running.session_id, consumer, running.opened_at + HOUR).decode_logs(router.SessionClosed)[0]
    assert closed.held > 0
    next_day = (running.opened_at // DAY + 1) * DAY

    details = details_at(router, running.session_id, next_day)

    assert (details.consumerHeld, details.consumerWithdrawable) == (0, closed.held)
    assert (details.secondsProvided, details.pay) == (HOUR, closed.paid)
    router.withdrawHeld(sender=consumer)
    after = router.sessionDetails(running.session_id)
    assert (after.consumerHeld, after.consumerWithdrawable) == (0, 0)


def test_session_details__unknown_session__reverts_unknown_session(router, consumer, running):
    unknown = session_id(consumer.address, 999)

    assert_view_reverts(router.UnknownSession, router.sessionDetails, unknown, sessionId=unknown)
