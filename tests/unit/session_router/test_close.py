"""Who may close a session and when (PROTOCOL.md §5 "Close", promises 4, 5 and 6): the consumer,
the provider or its signer at any time, anyone after the end; a session closes once; the
provider is credited price * (min(closedAt, endsAt) - openedAt)."""

from __future__ import annotations

import ape
import pytest

from mor_market.ids import session_id
from tests.conftest import PRICE
from tests.unit.session_router.conftest import HOUR, held_part
from tests.utils.checks import check_conservation


@pytest.mark.parametrize("closer", ["consumer", "provider", "signer"])
def test_close__before_end_by_consumer_provider_or_signer__credits_price_times_seconds_provided(
    closer, protocol, router, pool, mor, marketplace, consumer, provider, signer, stake, running, close_at
):
    if closer == "signer":
        marketplace.setSigner(signer, sender=provider)
    account = {"consumer": consumer, "provider": provider, "signer": signer}[closer]
    duration = running.ends_at - running.opened_at
    consumer_before, pool_mor_before = mor.balanceOf(consumer), mor.balanceOf(pool)

    tx = close_at(running.session_id, account, running.opened_at + HOUR)

    pay = PRICE * HOUR
    held = held_part(stake, HOUR, duration)
    closed = tx.decode_logs(router.SessionClosed)
    assert len(closed) == 1
    assert closed[0].sessionId == running.session_id
    assert closed[0].closer == account.address
    assert closed[0].secondsProvided == HOUR
    assert closed[0].paid == pay
    assert closed[0].returned == stake - held
    assert closed[0].held == held
    credited = tx.decode_logs(pool.Credited)
    assert len(credited) == 1
    assert credited[0].event_arguments["provider"] == provider.address
    assert credited[0].amount == pay
    assert credited[0].owed == pay
    assert router.session(running.session_id).closedAt == running.opened_at + HOUR
    assert pool.owed(provider) == pay
    assert mor.balanceOf(pool) == pool_mor_before  # a credit moves no MOR
    assert mor.balanceOf(consumer) == consumer_before + stake - held
    assert router.totalLocked() == held
    check_conservation(protocol)


def test_close__after_end_by_keeper__credits_whole_duration(
    protocol, router, pool, mor, consumer, provider, keeper, stake, running, close_at
):
    duration = running.ends_at - running.opened_at

    tx = close_at(running.session_id, keeper, running.ends_at + 100)

    closed = tx.decode_logs(router.SessionClosed)[0]
    assert closed.closer == keeper.address
    assert closed.secondsProvided == duration
    assert closed.paid == PRICE * duration
    # All of the session's compute fell on today, so all of the stake backed today's compute.
    assert closed.held == held_part(stake, duration, duration) == stake
    assert closed.returned == 0
    assert pool.owed(provider) == PRICE * duration
    assert router.session(running.session_id).closedAt == running.ends_at + 100
    check_conservation(protocol)


def test_close__by_stranger_at_the_end_second__closes(router, stranger, running, close_at):
    tx = close_at(running.session_id, stranger, running.ends_at)

    assert tx.decode_logs(router.SessionClosed)[0].secondsProvided == running.ends_at - running.opened_at


@pytest.mark.parametrize("who", ["stranger", "keeper"])
def test_close__by_stranger_one_second_before_end__reverts_not_allowed_to_close(
    who, router, stranger, keeper, running, observe
):
    account = {"stranger": stranger, "keeper": keeper}[who]
    before = observe(running.session_id)
    ape.chain.pending_timestamp = running.ends_at - 1

    with ape.reverts(router.NotAllowedToClose, sessionId=running.session_id, caller=account.address):
        router.closeSession(running.session_id, sender=account)

    assert observe(running.session_id) == before


def test_close__by_a_former_signer_before_end__reverts_not_allowed_to_close(
    router, marketplace, provider, signer, stranger, running, observe
):
    marketplace.setSigner(signer, sender=provider)
    marketplace.setSigner(stranger, sender=provider)
    before = observe(running.session_id)

    with ape.reverts(router.NotAllowedToClose, sessionId=running.session_id, caller=signer.address):
        router.closeSession(running.session_id, sender=signer)

    assert observe(running.session_id) == before


@pytest.mark.parametrize("second_closer", ["consumer", "keeper_after_end"])
def test_close__twice__reverts_session_already_closed(
    second_closer, router, consumer, keeper, running, close_at, observe
):
    close_at(running.session_id, consumer, running.opened_at + HOUR)
    account = consumer
    if second_closer == "keeper_after_end":
        ape.chain.pending_timestamp = running.ends_at + 1
        account = keeper
    before = observe(running.session_id)

    with ape.reverts(router.SessionAlreadyClosed, sessionId=running.session_id):
        router.closeSession(running.session_id, sender=account)

    assert observe(running.session_id) == before


def test_close__unknown_session__reverts_unknown_session(router, consumer, running, observe):
    unknown = session_id(consumer.address, 999)
    before = observe(unknown, running.session_id)

    with ape.reverts(router.UnknownSession, sessionId=unknown):
        router.closeSession(unknown, sender=consumer)

    assert observe(unknown, running.session_id) == before
