"""In the background the node closes its own sessions whose time has run out and claims what the
pool owes its provider when today's budget allows; /health and /metrics show it."""

from __future__ import annotations

import time

from ape import chain

from mor_market.node.config import endpoint_url
from tests.conftest import PRICE
from tests.node.conftest import MODEL, STAKE, call


def get(endpoint: str, path: str) -> tuple[int, dict]:
    async def go(http):
        async with http.get(endpoint_url(endpoint) + path) as r:
            return r.status, await r.json()

    return call(go)


def wait_for(endpoint: str, condition, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        _status, metrics = get(endpoint, "/metrics")
        if condition(metrics) or time.monotonic() > deadline:
            return metrics
        time.sleep(0.3)


def test_node__session_past_its_end__is_closed_by_the_node_and_its_pay_claimed(
    provider, model, provider_online, funded_pool, backend, start_node, protocol, consumer, router, pool
):
    from mor_market.client import Consumer

    _bid, endpoint = provider_online(provider, model)
    start_node(provider, backend, capacity=3, housekeeping_interval=0.5)
    client = Consumer(protocol, consumer, timeout=20)
    s = client.open(model, MODEL, STAKE)
    client.chat(s, [{"role": "user", "content": "hello"}])
    early = client.open(model, MODEL, STAKE)

    status, health = get(endpoint, "/health")
    assert status == 200 and health["status"] == "ok" and health["backends"][MODEL]["ok"]
    metrics = get(endpoint, "/metrics")[1]
    assert (metrics["sessionsOpen"], metrics["capacity"], metrics["requestsServed"]) == (2, 3, 1)
    assert metrics["owed"] == "0"
    chain.pending_timestamp += 60
    router.closeSession(early.session, sender=consumer)  # a close the node did not make is seen
    assert get(endpoint, "/metrics")[1]["sessionsOpen"] == 1
    closed_early = router.session(early.session)

    record = router.session(s.session)
    pay = PRICE * (record.endsAt - record.openedAt) + PRICE * (closed_early.closedAt - closed_early.openedAt)
    chain.mine(timestamp=record.endsAt + 1)
    # The node may claim the early session's pay before it closes the expired one: wait for both.
    metrics = wait_for(endpoint, lambda m: m["sessionsClosedByNode"] == 1 and m["claimedByNode"] == str(pay))
    assert metrics["sessionsClosedByNode"] == 1 and metrics["sessionsOpen"] == 0, metrics
    assert metrics["claimedByNode"] == metrics["claimed"] == str(pay), metrics
    assert metrics["owed"] == "0"
    assert router.session(s.session).closedAt > 0
    assert pool.owed(provider) == 0 and pool.claimed(provider) == pay
