"""The node as a provider runs it, `python -m mor_market.node --config node.toml` with its key in
the environment: stopped with SIGTERM and started again on the same SQLite file, it has lost no
session, no measurement and no used nonce."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from ape import chain

from mor_market import client as consumer_client
from mor_market.node.config import to_toml
from mor_market.node.runner import NodeProcess
from tests.node.conftest import MODEL, STAKE, call, key_of, refusal

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def node_processes():
    started: list[NodeProcess] = []
    yield started
    for process in started:
        process.kill()


def test_node__restarted_on_its_database__keeps_sessions_measurements_and_nonces(
    provider,
    model,
    provider_online,
    funded_pool,
    backend,
    node_config,
    record,
    tmp_path,
    protocol,
    consumer,
    router,
    node_processes,
):
    _bid, endpoint = provider_online(provider, model)
    record_path = tmp_path / "record.json"
    record_path.write_text(json.dumps(record))
    config_path = tmp_path / "node.toml"
    config_path.write_text(to_toml(dict(node_config(provider, backend.url), deployment=str(record_path))))

    first = NodeProcess(config_path, key_of(provider), cwd=ROOT)
    node_processes.append(first)
    assert first.listening()["endpoint"] == endpoint
    client = consumer_client.Consumer(protocol, consumer, timeout=20)
    s = client.open(model, MODEL, STAKE)
    client.chat(s, [{"role": "user", "content": "one"}])
    used = client._nonce
    client.chat(s, [{"role": "user", "content": "two"}])
    before = client.receipt(s)
    started = time.monotonic()
    assert first.terminate() == 0, first.stderr()
    assert time.monotonic() - started < 10

    second = NodeProcess(config_path, key_of(provider), cwd=ROOT)
    node_processes.append(second)
    second.listening()
    after = client.receipt(s)
    assert before["requests"] == after["requests"] == 2
    assert (after["ttftMs"], after["tokensPerSecond"]) == (before["ttftMs"], before["tokensPerSecond"])

    request = {"model": MODEL, "messages": [{"role": "user", "content": "one"}], "stream": True}
    link = consumer_client.Link(endpoint, consumer, str(router.address), chain.chain_id, s.session, 20)
    status, _ = refusal(lambda http: consumer_client.chat(http, link, used, request))
    assert status == 409  # the nonce used before the restart is still spent
    call(lambda http: consumer_client.chat(http, link, used + 100, request))
    assert client.receipt(s)["requests"] == 3
    assert second.terminate() == 0
