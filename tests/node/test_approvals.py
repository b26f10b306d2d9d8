"""The node signs approvals only when the consumer asks for them itself (the request is signed
like a chat request), only for its own active bids, at most one unused approval per consumer and
model, only for a consumer whose MOR can open a session on the bid now, and only while the model
has capacity; the approvals it signs open sessions on-chain."""

from __future__ import annotations

import pytest
from ape import chain
from eth_account import Account

from mor_market import client as consumer_client
from mor_market import operations as ops
from mor_market.ids import session_id
from tests.conftest import PRICE
from tests.node.conftest import MODEL, STAKE, call, refusal


def test_approval__own_active_bid_within_capacity__opens_a_session_and_is_refused_beyond_capacity(
    protocol,
    provider,
    consumer,
    consumer2,
    stranger,
    model,
    provider_online,
    funded_pool,
    backend,
    start_node,
    router,
    ask_approval,
):
    bid, endpoint = provider_online(provider, model)
    start_node(provider, backend, capacity=2)
    first = call(ask_approval(endpoint, bid, consumer, 1))
    again = call(ask_approval(endpoint, bid, consumer, 1))
    assert again == first  # asking again for the same session returns the same approval
    second = call(ask_approval(endpoint, bid, consumer2, 7))

    status, message = refusal(ask_approval(endpoint, bid, stranger, 2))
    assert status == 429 and "capacity (2 of 2" in message

    sid, _tx = ops.open_session(protocol, consumer, first, STAKE, permit=True)
    assert sid == session_id(consumer.address, 1) and router.session(sid).provider == provider.address
    # An open session still holds its place: capacity stays full.
    assert refusal(ask_approval(endpoint, bid, stranger, 3))[0] == 429
    # A session the consumer closes frees it.
    router.closeSession(sid, sender=consumer)
    third = call(ask_approval(endpoint, bid, consumer, 3))
    assert int(third["nonce"]) == 3 and second["consumer"] == consumer2.address
    # A nonce that already opened a session is refused.
    assert refusal(ask_approval(endpoint, bid, consumer, 1))[0] == 409


def test_approval__unsigned_or_signed_by_another_key__is_refused(
    provider, consumer, stranger, model, provider_online, funded_pool, backend, start_node, ask_approval, router
):
    bid, endpoint = provider_online(provider, model)
    start_node(provider, backend)

    status, message = refusal(ask_approval(endpoint, bid, None, 1, consumer=consumer.address))
    assert status == 401 and "missing header X-Mor-Session" in message

    status, message = refusal(ask_approval(endpoint, bid, stranger, 1, consumer=consumer.address))
    assert status == 403 and f"signed by {stranger.address}, not by the consumer {consumer.address}" in message

    # Signed by the consumer for nonce 2, sent with the body of nonce 1: not signed for this session.
    body, _ = consumer_client.approval_request(consumer, str(router.address), chain.chain_id, bid, 1)
    _, headers = consumer_client.approval_request(consumer, str(router.address), chain.chain_id, bid, 2)
    status, message = refusal(lambda http: consumer_client.send_approval_request(http, endpoint, body, headers))
    assert status == 401 and "must be signed for session" in message


def test_approval__consumer_whose_mor_cannot_open_a_session__is_refused_with_402(
    provider, consumer, mor, model, provider_online, funded_pool, backend, start_node, ask_approval, router
):
    bid, endpoint = provider_online(provider, model)
    start_node(provider, backend)
    wallet = Account.create()

    status, message = refusal(ask_approval(endpoint, bid, wallet, 1))
    assert status == 402 and "stipend mode fails with ZeroStake, direct mode with ZeroStake" in message

    # Below what the shortest session costs in direct mode (price x minimum duration): still 402.
    minimum = PRICE * router.durationBounds()[0]
    mor.transfer(wallet.address, minimum - 1, sender=consumer)
    status, message = refusal(ask_approval(endpoint, bid, wallet, 1))
    assert status == 402 and "direct mode with SessionTooShort" in message
    assert f"the {minimum - 1} MOR wei it can spend" in message

    # Enough for the shortest direct session: approved.
    mor.transfer(wallet.address, 1, sender=consumer)
    approval = call(ask_approval(endpoint, bid, wallet, 1))
    assert approval["consumer"] == wallet.address and int(approval["nonce"]) == 1


def test_approval__second_unused_approval_of_a_consumer_on_the_model__is_refused_until_the_first_is_used_or_expires(
    protocol, provider, consumer, model, provider_online, funded_pool, backend, start_node, ask_approval
):
    bid, endpoint = provider_online(provider, model)
    node, _server = start_node(provider, backend, approval_ttl=120)
    first = call(ask_approval(endpoint, bid, consumer, 1))

    status, message = refusal(ask_approval(endpoint, bid, consumer, 2))
    assert status == 409 and f"nonce 1 (session {first['sessionId']})" in message
    assert call(ask_approval(endpoint, bid, consumer, 1)) == first  # the pending one, asked for again

    # Once used (its session opened), the consumer may ask for another.
    ops.open_session(protocol, consumer, first, STAKE, permit=True)
    second = call(ask_approval(endpoint, bid, consumer, 2))
    assert refusal(ask_approval(endpoint, bid, consumer, 3))[0] == 409

    # Once expired unused, too.
    chain.mine(timestamp=int(second["deadline"]) + 1)
    third = call(ask_approval(endpoint, bid, consumer, 3))
    assert int(third["nonce"]) == 3 and node.metrics_now()["models"][0]["approvalsPending"] == 1


def test_approval__nonce_is_not_a_used_request_nonce__the_session_chats_with_it(
    online, consumer, router, ask_approval, protocol
):
    approval = call(ask_approval(online["endpoint"], online["bid"], consumer, 5))
    sid, _tx = ops.open_session(protocol, consumer, approval, STAKE, permit=True)
    link = consumer_client.Link(online["endpoint"], consumer, str(router.address), chain.chain_id, sid, 20)
    request = {"model": MODEL, "messages": [{"role": "user", "content": "hi"}], "stream": True}
    assert call(lambda http: consumer_client.chat(http, link, 5, request)).tokens == 8
    assert refusal(lambda http: consumer_client.chat(http, link, 5, request))[0] == 409  # now it is used


def test_approval__foreign_or_deleted_bid_or_bad_input__is_refused(
    provider, provider2, consumer, model, provider_online, funded_pool, backend, start_node, marketplace, ask_approval
):
    bid, endpoint = provider_online(provider, model)
    foreign, _ = provider_online(provider2, model)
    start_node(provider, backend)

    status, message = refusal(ask_approval(endpoint, foreign, consumer, 1))
    assert status == 403 and provider2.address in message

    status, message = refusal(ask_approval(endpoint, bid, consumer, 0))
    assert status == 400

    marketplace.deleteBid(bid, sender=provider)
    status, message = refusal(ask_approval(endpoint, bid, consumer, 1))
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
