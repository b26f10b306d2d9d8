"""PROTOCOL §3: a provider may delete its bid; open sessions on a deleted bid run on unchanged."""

from __future__ import annotations

import ape
from ape import chain

from mor_market.constants import MOR
from mor_market.ids import bid_id
from tests.conftest import PRICE
from tests.unit.marketplace.conftest import events, provider_view
from tests.utils.checks import check_conservation
from tests.utils.views import assert_view_reverts


def _session_view(router, session: int) -> tuple:
    s = router.session(session)
    return (s.provider, s.pricePerSecond, s.modelId, s.stake, s.openedAt, s.endsAt, s.closedAt, s.mode)


def test_delete_bid__by_its_provider__deactivates_it_everywhere(
    protocol, marketplace, registered_provider, provider_stake, model_id, bid
):
    tx = marketplace.deleteBid(bid, sender=registered_provider)

    assert events(tx, marketplace.BidDeleted) == [
        {"bidId": bid, "provider": registered_provider.address, "modelId": model_id}
    ]
    record = marketplace.bid(bid)
    assert (bool(record.active), record.version, record.pricePerSecond) == (False, 1, PRICE)
    assert marketplace.activeBidOf(registered_provider, model_id) == 0
    assert list(marketplace.activeBidsOfModel(model_id, 0, 10)) == []
    assert list(marketplace.activeBidsOfProvider(registered_provider, 0, 10)) == []
    assert marketplace.activeBidCountOfModel(model_id) == 0
    assert provider_view(marketplace, registered_provider)[:2] == (True, provider_stake)
    assert provider_view(marketplace, registered_provider)[3] == 0
    assert_view_reverts(marketplace.BidNotActive, marketplace.activeBid, bid, bidId=bid)
    check_conservation(protocol)


def test_delete_bid__twice__reverts_bid_not_active_and_changes_nothing(
    marketplace, registered_provider, model_id, bid, market_state
):
    marketplace.deleteBid(bid, sender=registered_provider)
    before = market_state(registered_provider, bids=(bid,), models=(model_id,))

    with ape.reverts(marketplace.BidNotActive, bidId=bid):
        marketplace.deleteBid(bid, sender=registered_provider)

    assert market_state(registered_provider, bids=(bid,), models=(model_id,)) == before


def test_delete_bid__by_another_account__reverts_not_bid_provider_and_changes_nothing(
    marketplace, registered_provider, provider2, stranger, owner, model_id, bid, market_state
):
    before = market_state(registered_provider, bids=(bid,), models=(model_id,))

    for caller in (stranger, provider2, owner):
        with ape.reverts(marketplace.NotBidProvider, bidId=bid, caller=caller.address):
            marketplace.deleteBid(bid, sender=caller)

    assert market_state(registered_provider, bids=(bid,), models=(model_id,)) == before
    assert marketplace.activeBidOf(registered_provider, model_id) == bid


def test_delete_bid__unknown_bid_of_the_caller__reverts_bid_not_active(
    marketplace, registered_provider, model_id, bid, market_state
):
    unknown = [
        bid_id(registered_provider.address, model_id + 1, 1),  # a model it never bid for
        bid_id(registered_provider.address, model_id, 2),  # a version not posted yet
        bid_id(registered_provider.address, model_id, 0),  # version 0 is never posted
    ]
    before = market_state(registered_provider, bids=(bid,), models=(model_id,))

    for unknown_id in unknown:
        with ape.reverts(marketplace.BidNotActive, bidId=unknown_id):
            marketplace.deleteBid(unknown_id, sender=registered_provider)

    assert market_state(registered_provider, bids=(bid,), models=(model_id,)) == before


def test_delete_bid__with_an_open_session__leaves_the_session_running_and_paid_in_full(
    protocol, marketplace, router, pool, registered_provider, consumer, model_id, bid, funded_pool, open_session
):
    session = open_session(consumer, bid, 10_000 * MOR)
    opened = _session_view(router, session)

    marketplace.deleteBid(bid, sender=registered_provider)

    assert _session_view(router, session) == opened
    chain.pending_timestamp = opened[4] + 600
    tx = router.closeSession(session, sender=registered_provider)
    closed = tx.decode_logs(router.SessionClosed)
    assert len(closed) == 1
    assert closed[0].secondsProvided == 600
    assert closed[0].paid == PRICE * 600
    assert pool.owed(registered_provider) == PRICE * 600
    check_conservation(protocol)
