"""The node signs approvals only for its own active bids, only while the model has capacity, and
the approvals it signs open sessions on-chain."""

from __future__ import annotations

import pytest

from mor_market import operations as ops
from mor_market.client import request_approval
from mor_market.ids import session_id
from tests.node.conftest import STAKE, call, refusal


def test_approval__own_active_bid_within_capacity__opens_a_session_and_is_refused_beyond_capacity(
    protocol, provider, consumer, consumer2, model, provider_online, funded_pool, backend, start_node, router
):
    bid, endpoint = provider_online(provider, model)
    start_node(provider, backend, capacity=2)
    first = call(lambda http: request_approval(http, endpoint, bid, consumer.address, 1))
    again = call(lambda http: request_approval(http, endpoint, bid, consumer.address, 1))
    assert again == first  # asking again for the same session returns the same approval
    second = call(lambda http: request_approval(http, endpoint, bid, consumer2.address, 7))

    status, message = refusal(lambda http: request_approval(http, endpoint, bid, consumer.address, 2))
    assert status == 429 and "capacity (2 of 2" in message

    sid, _tx = ops.open_session(protocol, consumer, first, STAKE, permit=True)
    assert sid == session_id(consumer.address, 1) and router.session(sid).provider == provider.address
    # An open session still holds its place: capacity stays full.
    assert refusal(lambda http: request_approval(http, endpoint, bid, consumer.address, 3))[0] == 429
    # A session the consumer closes frees it.
    router.closeSession(sid, sender=consumer)
    third = call(lambda http: request_approval(http, endpoint, bid, consumer.address, 3))
    assert int(third["nonce"]) == 3 and second["consumer"] == consumer2.address
    # A nonce that already opened a session is refused.
    assert refusal(lambda http: request_approval(http, endpoint, bid, consumer.address, 1))[0] == 409


def test_approval__foreign_or_deleted_bid_or_bad_input__is_refused(
    provider, provider2, consumer, model, provider_online, funded_pool, backend, start_node, marketplace
):
    bid, endpoint = provider_online(provider, model)
    foreign, _ = provider_online(provider2, model)
    start_node(provider, backend)

    status, message = refusal(lambda http: request_approval(http, endpoint, foreign, consumer.address, 1))
    assert status == 403 and provider2.address in message

    status, message = refusal(lambda http: request_approval(http, endpoint, bid, consumer.address, 0))
    assert status == 400

    marketplace.deleteBid(bid, sender=provider)
    status, message = refusal(lambda http: request_approval(http, endpoint, bid, consumer.address, 1))
    assert status == 410 and "not active" in message


def test_node__started_with_a_key_that_does_not_sign_for_the_provider__refuses_to_start(
    provider, stranger, model, provider_online, backend, node_config
):
    from mor_market.node.app import build
    from mor_market.node.config import ConfigError, from_dict
    from tests.node.conftest import key_of

    provider_online(provider, model)
    with pytest.raises(ConfigError, match=f"signs with {provider.address}"):
        build(from_dict(node_config(provider, backend.url)), key_of(stranger))
