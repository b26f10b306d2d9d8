"""Fixtures of the model registry unit tests: a snapshot of everything a failed call must leave
unchanged, metadata values, a second deployment wired to a token that can fail, a staked model
with two other providers' bids on it, and the ModelNames harness with exact outcomes of its
calls."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ape import chain
from eth_abi import decode, encode
from eth_utils import keccak, to_hex

from mor_market import names
from mor_market.constants import MOR
from mor_market.deploy import Params, Protocol, deploy

CONTENT_ID = b"\x11" * 32
TAGS = [b"llm".ljust(32, b"\0")]
MODEL_STAKE = 5_000 * MOR
BID_STAKE = 100 * MOR


def events(tx: Any, event: Any) -> list[dict[str, Any]]:
    """The fields of each `event` log of `tx`, in order."""
    return [dict(log.event_arguments) for log in tx.decode_logs(event)]


def model_view(model_registry: Any, model_id: int) -> tuple:
    """(owner, stake, active, contentId, name, tags) of a model."""
    m = model_registry.model(model_id)
    return (m.owner, m.stake, bool(m.active), bytes(m.contentId), m.name, [bytes(tag) for tag in m.tags])


@pytest.fixture(scope="session")
def registry_state(model_registry, mor) -> Callable[..., dict[str, Any]]:
    """Everything a reverted registry call must leave unchanged, for the given accounts and models."""

    def _state(*accounts: Any, models: tuple[int, ...] = ()) -> dict[str, Any]:
        return {
            "registry_balance": mor.balanceOf(model_registry),
            "total_stake": model_registry.totalStake(),
            "model_count": model_registry.modelCount(),
            "min_stake": model_registry.minModelStake(),
            "balances": [mor.balanceOf(account) for account in accounts],
            "models": [model_view(model_registry, model) for model in models],
        }

    return _state


@pytest.fixture
def bad_token(project, owner) -> Any:
    """A token whose transfers can be switched to return false or revert."""
    return project.ReturnsFalseToken.deploy(sender=owner)


@pytest.fixture
def bad_protocol(project, owner, provider, bad_token) -> Protocol:
    """A second deployment wired to `bad_token`."""
    return deploy(project, owner, bad_token.address, Params(whitelist=(provider.address,)))


@pytest.fixture
def frozen_model(register_model, register_provider, provider, provider2, post_bid) -> tuple[int, list[int]]:
    """The v1 freeze: a 5,000-MOR model with two other providers' bids on it."""
    model_id = register_model(stake=MODEL_STAKE)
    register_provider(provider, BID_STAKE)
    register_provider(provider2, BID_STAKE)
    return model_id, [post_bid(provider, model_id), post_bid(provider2, model_id)]


# ------------------------------------------------------------------ canonical names

Outcome = tuple[str, tuple[Any, ...]]


@pytest.fixture(scope="session")
def names_harness(project, owner) -> Any:
    """contracts/test/ModelNamesHarness.sol, deployed once: its functions are pure."""
    return project.ModelNamesHarness.deploy(sender=owner)


def on_chain(harness: Any, function: str, name: str | bytes) -> Outcome:
    """`("ok", (result,))` of `harness.<function>(name)`, or `(error name, error args)` when it
    reverts. `name` is sent as its UTF-8 bytes, or as given when `bytes` (so any byte string,
    valid UTF-8 or not, reaches the contract). A raw eth_call: with a view call, Ape leaves a
    custom error from anvil undecoded and `ape.reverts(error, **inputs)` then checks neither the
    error nor its inputs, so the revert data is decoded here against the harness's ABI."""
    raw = name.encode() if isinstance(name, str) else name
    data = keccak(text=f"{function}(string)")[:4] + encode(["bytes"], [raw])
    response = chain.provider.web3.provider.make_request(
        "eth_call", [{"to": harness.address, "data": to_hex(data)}, "latest"]
    )
    if "error" not in response:
        output = bytes.fromhex(response["result"].removeprefix("0x"))
        # A skeleton is `bytes` but ASCII, and ABI-encoded as a string is: decoded as one, it
        # compares with the `str` that mor_market.names returns.
        return "ok", decode(["bytes32" if function == "key" else "string"], output)
    revert = bytes.fromhex(response["error"]["data"].removeprefix("0x"))
    for abi in harness.contract_type.errors:
        types = [i.canonical_type for i in abi.inputs]
        if keccak(text=f"{abi.name}({','.join(types)})")[:4] == revert[:4]:
            return abi.name, decode(types, revert[4:])
    raise AssertionError(f"unknown revert data {to_hex(revert)}")


def off_chain(function: str, name: str | bytes) -> Outcome:
    """The same outcome from mor_market.names."""
    try:
        return "ok", (getattr(names, function)(name),)
    except names.InvalidModelName as err:
        return err.error, err.args
