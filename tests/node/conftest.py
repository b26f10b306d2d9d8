"""Fixtures of the node tests: a model server paced by the test (the fake backend), provider
nodes started on 127.0.0.1 at the endpoint their provider registered and stopped by the fixture
even when the test fails, and a consumer client. The node reads the same anvil Ape runs."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import aiohttp
import pytest
from ape import chain

from mor_market.client import Consumer, approval_request, send_approval_request
from mor_market.constants import MOR
from mor_market.localnet import free_port
from mor_market.node import fake_backend
from mor_market.node.app import Node, build
from mor_market.node.config import deployment_record, from_dict
from mor_market.node.runner import ServerThread
from tests.conftest import PRICE

MODEL = "llama-3.1-8b"
STAKE = 10_000 * MOR  # buys a day of compute at PRICE with the funded pool


@pytest.fixture
def servers() -> Iterator[list[ServerThread]]:
    """Every server a test starts, stopped at its end in reverse order, failed or not."""
    started: list[ServerThread] = []
    yield started
    for server in reversed(started):
        server.stop()


@pytest.fixture
def start_backend(servers) -> Callable[..., ServerThread]:
    def _start(pace: fake_backend.Pace | None = None) -> ServerThread:
        server = ServerThread(lambda: fake_backend.app(pace or fake_backend.Pace()), "127.0.0.1", free_port())
        servers.append(server.start())
        return server

    return _start


@pytest.fixture
def backend(start_backend) -> ServerThread:
    return start_backend(fake_backend.Pace(first_token_delay=0.05, inter_token_delay=0.005, tokens=8))


@pytest.fixture(scope="session")
def record(protocol) -> dict[str, Any]:
    return deployment_record(protocol, chain.chain_id)


@pytest.fixture
def node_config(record, tmp_path) -> Callable[..., dict[str, Any]]:
    def _config(account: Any, backend_url: str, capacity: int = 4, **extra: Any) -> dict[str, Any]:
        return {
            "rpc_url": chain.provider.uri,
            "deployment": record,
            "provider": account.address,
            "database": str(tmp_path / f"node-{account.address}.sqlite"),
            "housekeeping_interval": 0,
            "models": {MODEL: {"backend": backend_url + "/v1", "backend_model": "fake-model", "capacity": capacity}},
            **extra,
        }

    return _config


@pytest.fixture
def provider_online(register_provider, post_bid, marketplace) -> Callable[[Any, int], tuple[int, str]]:
    """Registers (or re-registers) `account` at a free port of 127.0.0.1 and posts its bid on the
    model; returns (bid, endpoint)."""

    def _online(account: Any, model_id: int, stake: int = 1_000 * MOR) -> tuple[int, str]:
        endpoint = f"http://127.0.0.1:{free_port()}"
        if marketplace.providerRecord(account).registered:
            marketplace.register(endpoint, 0, sender=account)
        else:
            register_provider(account, stake, endpoint)
        return post_bid(account, model_id, PRICE), endpoint

    return _online


@pytest.fixture
def start_node(servers, node_config) -> Callable[..., tuple[Node, ServerThread]]:
    def _start(
        account: Any, backend: ServerThread, capacity: int = 4, key: Any = None, **extra: Any
    ) -> tuple[Node, ServerThread]:
        node = build(from_dict(node_config(account, backend.url, capacity, **extra)), key_of(key or account))
        server = ServerThread(node.app, "127.0.0.1", node.port)
        servers.append(server.start())
        return node, server

    return _start


@pytest.fixture
def model(register_model) -> int:
    return register_model(MODEL)


@pytest.fixture
def online(provider, model, provider_online, funded_pool, backend, start_node) -> dict[str, Any]:
    """The provider's node up, serving its bid on the model through the paced backend."""
    bid, endpoint = provider_online(provider, model)
    node, server = start_node(provider, backend)
    return {"bid": bid, "endpoint": endpoint, "node": node, "server": server, "model_id": model}


@pytest.fixture
def ask_approval(router) -> Callable[..., Callable[[aiohttp.ClientSession], Any]]:
    """A request for the approval of session consumer|nonce on a bid, signed by `account` (None:
    unsigned); `consumer` defaults to the signer. For call() or refusal()."""

    def _ask(
        endpoint: str, bid: int, account: Any, nonce: int, consumer: str | None = None
    ) -> Callable[[aiohttp.ClientSession], Any]:
        body, headers = approval_request(account, str(router.address), chain.chain_id, bid, nonce, consumer)
        return lambda http: send_approval_request(http, endpoint, body, headers)

    return _ask


@pytest.fixture
def client(protocol, consumer) -> Consumer:
    return Consumer(protocol, consumer, timeout=20)


def key_of(account: Any) -> bytes:
    """A test account's private key."""
    from eth_account import Account

    return bytes(Account.from_key(account.private_key).key)


def call(factory: Callable[[aiohttp.ClientSession], Any]) -> Any:
    """Runs one of mor_market.client's coroutines with a fresh HTTP session."""

    async def go() -> Any:
        async with aiohttp.ClientSession() as http:
            return await factory(http)

    return asyncio.run(go())


def refusal(factory: Callable[[aiohttp.ClientSession], Any]) -> tuple[int, str]:
    """(status, message) of a request the node must refuse."""
    from mor_market.client import ProviderError

    try:
        call(factory)
    except ProviderError as err:
        return err.status, err.message
    raise AssertionError("the node served a request it should have refused")
