"""Attacks on a provider's node (mor_market/node/), each the attacker's best move, asserting how
far it gets in figures. The node serves capacity 4 on one model; approvals last approval_ttl s.

- Capacity squatting. Before (the node up to 9c427f7): `POST /v1/approvals` took any `consumer`
  without proof and every unused approval held one of the model's slots for approval_ttl
  (300 s), so anyone with no wallet and no MOR filled the model's 4 slots with 4 requests for
  random addresses, again every 300 s: the provider served nobody. Now the request is signed by
  the consumer (403 for another key), a consumer holds at most one unused approval per model
  (409) and its MOR must open a session on the bid now (402, the router's `quote` with its whole
  balance plus released hold, stipend mode else direct mode). Measured: 10 unfunded wallets and
  forged requests for 10 random addresses hold 0 of 4 slots; one funded wallet asking for 4
  nonces holds 1; 4 wallets funded with the least that opens (price x minimum session duration,
  direct mode: 60 s x 10^13 wei = 0.0006 MOR each, 0.0024 MOR in all) hold 4 of 4 slots for
  approval_ttl s, an honest consumer meanwhile gets 429, and right after the approvals expire it
  gets a slot. What is left: the MOR is shown, not locked (the same wallets can hold one slot per
  model on every node at once and renew every approval_ttl s), so the floor per slot is one
  wallet holding the cheapest session's stake; a provider that wants more raises its price or
  the minimum duration on-chain, or lowers approval_ttl.
- Session hijack: a stranger who learned a session id signs chat requests with its own key: 403.
- Replay: a captured signed chat request sent again, byte for byte: 409, nothing forwarded.
- Approval replay: a captured approval request sent again by someone else returns the same
  approval and holds no second slot; after it expires a replay renews it in the consumer's name
  (one slot, usable only by that consumer, and only while it is funded).
- Cross-provider: a node asked to approve another provider's bid: 403.
"""

# ruff: noqa: F811 (the node tests' fixtures, imported below, are the tests' parameters)
from __future__ import annotations

from typing import Any

import aiohttp
from ape import chain
from eth_account import Account

from mor_market import client as consumer_client
from mor_market.client import approval_request, send_approval_request
from mor_market.constants import MOR
from mor_market.node.config import endpoint_url
from tests.conftest import PRICE
from tests.node.conftest import (  # noqa: F401 (fixtures)
    MODEL,
    STAKE,
    ask_approval,
    backend,
    call,
    client,
    model,
    node_config,
    online,
    provider_online,
    record,
    refusal,
    servers,
    start_backend,
    start_node,
)

CAPACITY = 4
TTL = 300


def _post(endpoint: str, path: str, body: bytes, headers: dict[str, str]) -> tuple[int, Any]:
    """A raw POST (as an eavesdropper re-sends what it captured): (status, JSON answer)."""

    async def go(http: aiohttp.ClientSession) -> tuple[int, Any]:
        async with http.post(endpoint_url(endpoint) + path, data=body, headers=headers) as r:
            return r.status, await r.json(content_type=None)

    return call(go)


def _slots(node: Any) -> int:
    """The model's slots held: unused approvals plus open sessions."""
    m = node.metrics_now()["models"][0]
    return int(m["approvalsPending"]) + int(m["sessionsOpen"])


def test_griefer__squatting_the_models_capacity__needs_one_funded_wallet_per_slot_and_loses_it_at_expiry(
    provider, consumer, consumer2, mor, model, provider_online, funded_pool, backend, start_node, router, ask_approval
):
    bid, endpoint = provider_online(provider, model)
    node, _server = start_node(provider, backend, capacity=CAPACITY, approval_ttl=TTL)
    griefer = Account.create()

    # The old attack: approvals for random addresses, no key of theirs: forged (403) or unsigned (401).
    statuses = []
    for _ in range(10):
        victim = Account.create().address
        statuses.append(refusal(ask_approval(endpoint, bid, griefer, 1, consumer=victim))[0])
        statuses.append(refusal(ask_approval(endpoint, bid, None, 1, consumer=victim))[0])
    assert statuses == [403, 401] * 10 and _slots(node) == 0

    # 10 wallets of its own, signing properly, but without MOR: 402, 0 of 4 slots.
    wallets = [Account.create() for _ in range(10)]
    assert [refusal(ask_approval(endpoint, bid, w, 1))[0] for w in wallets] == [402] * 10
    assert _slots(node) == 0

    # One funded wallet asking for 4 nonces: 1 slot.
    cheapest = PRICE * router.durationBounds()[0]  # direct mode, the shortest session
    assert cheapest == 6 * 10**14 and cheapest * CAPACITY == MOR * 24 // 10_000  # 0.0006 MOR each
    for w in wallets[:CAPACITY]:
        mor.transfer(w.address, cheapest, sender=consumer)
    first = call(ask_approval(endpoint, bid, wallets[0], 1))
    assert [refusal(ask_approval(endpoint, bid, wallets[0], n))[0] for n in (2, 3, 4)] == [409] * 3
    assert _slots(node) == 1

    # 4 funded wallets: 4 of 4 slots; the honest consumer is turned away while they last.
    held = [first] + [call(ask_approval(endpoint, bid, w, 1)) for w in wallets[1:CAPACITY]]
    assert _slots(node) == CAPACITY
    assert refusal(ask_approval(endpoint, bid, consumer2, 1))[0] == 429
    assert {int(a["deadline"]) - chain.blocks.head.timestamp for a in held} <= set(range(TTL - 5, TTL + 1))

    # Right after the approvals expire, the slots are free and the honest consumer gets one.
    chain.mine(timestamp=max(int(a["deadline"]) for a in held) + 1)
    honest = call(ask_approval(endpoint, bid, consumer2, 1))
    assert honest["consumer"] == consumer2.address and _slots(node) == 1


def test_stranger__chat_requests_signed_with_its_own_key_on_a_learned_session__are_refused(
    online, client, router, stranger, consumer
):
    s = client.open(online["model_id"], MODEL, STAKE)
    link = consumer_client.Link(online["endpoint"], stranger, str(router.address), chain.chain_id, s.session, 20)
    request = {"model": MODEL, "messages": [{"role": "user", "content": "free compute?"}], "stream": True}
    status, message = refusal(lambda http: consumer_client.chat(http, link, 1, request))
    assert status == 403 and f"not by the session's consumer {consumer.address}" in message
    assert online["node"].store.request_count() == 0


def test_eavesdropper__replaying_a_captured_chat_request__is_refused_and_nothing_is_forwarded(
    online, client, router, consumer
):
    s = client.open(online["model_id"], MODEL, STAKE)
    link = client.link(s)
    body = b'{"model": "%s", "messages": [{"role": "user", "content": "hi"}]}' % MODEL.encode()
    headers = {**link.headers(42, consumer_client.CHAT_PATH, body), "Content-Type": "application/json"}
    assert _post(online["endpoint"], consumer_client.CHAT_PATH, body, headers)[0] == 200
    status, answer = _post(online["endpoint"], consumer_client.CHAT_PATH, body, headers)
    assert status == 409 and "replay" in answer["error"]["message"]
    assert online["node"].store.request_count() == 1


def test_eavesdropper__replaying_a_captured_approval_request__gets_the_same_approval_and_no_second_slot(
    online, router, consumer
):
    node, endpoint = online["node"], online["endpoint"]
    body, headers = approval_request(consumer, str(router.address), chain.chain_id, online["bid"], 9)
    original = call(lambda http: send_approval_request(http, endpoint, body, headers))
    replays = [_post(endpoint, "/v1/approvals", body, headers) for _ in range(5)]
    assert all(status == 200 and answer == original for status, answer in replays)
    assert _slots(node) == 1

    # After it expires, a replay renews it, in the consumer's name only: still one slot.
    chain.mine(timestamp=int(original["deadline"]) + 1)
    status, renewed = _post(endpoint, "/v1/approvals", body, headers)
    assert status == 200 and renewed["consumer"] == consumer.address and renewed["nonce"] == original["nonce"]
    assert int(renewed["deadline"]) > int(original["deadline"]) and _slots(node) == 1


def test_provider__asking_its_node_to_approve_another_providers_bid__is_refused(
    provider, provider2, consumer, model, provider_online, funded_pool, backend, start_node, ask_approval
):
    _bid, endpoint = provider_online(provider, model)
    foreign, _ = provider_online(provider2, model)
    node, _server = start_node(provider, backend)
    status, message = refusal(ask_approval(endpoint, foreign, consumer, 1))
    assert status == 403 and f"belongs to provider {provider2.address}" in message
    assert _slots(node) == 0
