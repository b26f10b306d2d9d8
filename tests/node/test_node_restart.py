"""The node as a provider runs it, `python -m mor_market.node --config node.toml` with its key in
the environment: stopped with SIGTERM and started again on the same SQLite file, it has lost no
session, no measurement and no used nonce."""

from __future__ import annotations

import json
import os
import select
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from ape import chain

from mor_market import client as consumer_client
from mor_market.node.config import KEY_ENV
from tests.node.conftest import MODEL, STAKE, call, key_of, refusal

ROOT = Path(__file__).resolve().parents[2]


def toml_of(config: dict, record_path: Path) -> str:
    lines = [
        f'rpc_url = "{config["rpc_url"]}"',
        f'deployment = "{record_path}"',
        f'provider = "{config["provider"]}"',
        f'database = "{config["database"]}"',
        "housekeeping_interval = 0",
    ]
    for name, model in config["models"].items():
        lines += [
            f'[models."{name}"]',
            f'backend = "{model["backend"]}"',
            f'backend_model = "{model["backend_model"]}"',
        ]
        lines.append(f"capacity = {model['capacity']}")
    return "\n".join(lines) + "\n"


class NodeProcess:
    def __init__(self, config_path: Path, key: bytes) -> None:
        env = dict(os.environ, **{KEY_ENV: "0x" + key.hex()})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "mor_market.node", "--config", str(config_path)],
            cwd=ROOT,
            env=env,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )

    def listening(self, timeout: float = 60) -> dict:
        ready, _, _ = select.select([self.proc.stdout], [], [], timeout)
        if not ready:
            raise TimeoutError("the node did not say where it listens")
        line = self.proc.stdout.readline()
        if not line:
            raise RuntimeError(f"the node exited: {self.proc.wait()} {self.proc.stderr.read()[-2000:]}")
        return json.loads(line)

    def terminate(self) -> int:
        self.proc.send_signal(signal.SIGTERM)
        return self.proc.wait(timeout=30)

    def kill(self) -> None:
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)


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
    config_path.write_text(toml_of(node_config(provider, backend.url), record_path))

    first = NodeProcess(config_path, key_of(provider))
    node_processes.append(first)
    assert first.listening()["endpoint"] == endpoint
    client = consumer_client.Consumer(protocol, consumer, timeout=20)
    s = client.open(model, MODEL, STAKE)
    client.chat(s, [{"role": "user", "content": "one"}])
    used = client._nonce
    client.chat(s, [{"role": "user", "content": "two"}])
    before = client.receipt(s)
    started = time.monotonic()
    assert first.terminate() == 0, first.proc.stderr.read()[-2000:]
    assert time.monotonic() - started < 10

    second = NodeProcess(config_path, key_of(provider))
    node_processes.append(second)
    second.listening()
    after = client.receipt(s)
    assert before["requests"] == after["requests"] == 2
    assert (after["ttftMs"], after["tokensPerSecond"]) == (before["ttftMs"], before["tokensPerSecond"])

    request = {"model": MODEL, "messages": [{"role": "user", "content": "one"}], "stream": True}
    status, _ = refusal(
        lambda http: consumer_client.chat(
            http, endpoint, consumer, str(router.address), chain.chain_id, s.session, used, request, 20
        )
    )
    assert status == 409  # the nonce used before the restart is still spent
    call(
        lambda http: consumer_client.chat(
            http, endpoint, consumer, str(router.address), chain.chain_id, s.session, used + 100, request, 20
        )
    )
    assert client.receipt(s)["requests"] == 3
    assert second.terminate() == 0
