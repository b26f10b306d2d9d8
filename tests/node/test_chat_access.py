"""The chat endpoint serves only requests signed by the consumer of an open, unexpired session
on one of the node's bids for the requested model, each nonce once."""

from __future__ import annotations

import time

from ape import chain

from mor_market import client as consumer_client
from mor_market.ids import session_id
from mor_market.node.config import endpoint_url
from tests.node.conftest import MODEL, STAKE, call, refusal

REQUEST = {"model": MODEL, "messages": [{"role": "user", "content": "hello"}], "stream": True}


def ask(endpoint, account, router, session, nonce, request=REQUEST):
    link = consumer_client.Link(endpoint, account, str(router.address), chain.chain_id, session, 20)
    return lambda http: consumer_client.chat(http, link, nonce, request)


def test_chat__by_the_sessions_consumer__is_served_once_per_nonce_and_refused_to_anyone_else(
    online, client, router, consumer, consumer2
):
    s = client.open(online["model_id"], MODEL, STAKE)
    endpoint = online["endpoint"]

    served = call(ask(endpoint, consumer, router, s.session, 5))
    assert served.tokens == 8 and served.text.startswith("t0 t1")
    whole = call(ask(endpoint, consumer, router, s.session, 6, dict(REQUEST, stream=False)))
    assert whole.text == served.text

    status, message = refusal(ask(endpoint, consumer, router, s.session, 5))
    assert status == 409 and "replay" in message

    status, message = refusal(ask(endpoint, consumer2, router, s.session, 7))
    assert status == 403 and f"not by the session's consumer {consumer.address}" in message

    status, _ = refusal(ask(endpoint, consumer, router, s.session, 8, dict(REQUEST, model="other-model")))
    assert status == 403

    never_opened = session_id(consumer2.address, 99)
    status, message = refusal(ask(endpoint, consumer2, router, never_opened, 1))
    assert status == 404 and "no session" in message

    async def unsigned(http):
        async with http.post(endpoint_url(endpoint) + "/v1/chat/completions", json=REQUEST) as r:
            return r.status, await r.json()

    status, body = call(unsigned)
    assert status == 401 and "X-Mor-Session" in body["error"]["message"]

    # A signature over another body is not the consumer's.
    async def tampered(http):
        headers = consumer_client.auth.request_headers(
            consumer, str(router.address), chain.chain_id, s.session, 9, "/v1/chat/completions", b"{}"
        )
        async with http.post(endpoint_url(endpoint) + "/v1/chat/completions", json=REQUEST, headers=headers) as r:
            return r.status

    assert call(tampered) == 403


def test_chat__after_expiry_or_close__is_refused_with_410(online, client, router, consumer):
    expiring = client.open(online["model_id"], MODEL, STAKE)
    closing = client.open(online["model_id"], MODEL, STAKE)
    endpoint = online["endpoint"]
    call(ask(endpoint, consumer, router, expiring.session, 1))

    router.closeSession(closing.session, sender=consumer)
    status, message = refusal(ask(endpoint, consumer, router, closing.session, 1))
    assert status == 410 and "closed" in message

    chain.mine(timestamp=router.session(expiring.session).endsAt)
    # The node reads a busy session's state and the chain's time at most every second.
    time.sleep(online["node"].config.chain_cache_seconds + 0.1)
    status, message = refusal(ask(endpoint, consumer, router, expiring.session, 2))
    assert status == 410 and "expired" in message


def test_chat__model_server_down__is_answered_502_and_measures_nothing(
    provider, model, provider_online, funded_pool, start_node, client, router, consumer
):
    from mor_market.localnet import free_port
    from mor_market.node.runner import ServerThread

    _bid, endpoint = provider_online(provider, model)
    nowhere = ServerThread(lambda: None, "127.0.0.1", free_port())  # nothing listens at its URL
    node, _server = start_node(provider, nowhere)
    s = client.open(model, MODEL, STAKE)
    status, message = refusal(ask(endpoint, consumer, router, s.session, 1))
    assert status == 502 and "model server" in message
    assert node.store.measurements(s.session) == []
