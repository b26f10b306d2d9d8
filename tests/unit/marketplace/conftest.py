"""Fixtures of the marketplace unit tests: views flattened to tuples, a snapshot of everything a
failed call must leave unchanged, and the market with its whitelist turned off."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mor_market.deploy import Params, Protocol, deploy
from tests.conftest import MIN_PROVIDER_STAKE

ENDPOINT = "gpu.example.org:3333"
MIN_PRICE = 10**10  # the `params` fixture's price bounds
MAX_PRICE = 10**16
ZERO = "0x0000000000000000000000000000000000000000"


def events(tx: Any, event: Any) -> list[dict[str, Any]]:
    """The fields of each `event` log of `tx`, in order (a log's `.provider` is Ape's own)."""
    return [dict(log.event_arguments) for log in tx.decode_logs(event)]


def provider_view(marketplace: Any, account: Any) -> tuple:
    """(registered, stake, signer, activeBids, endpoint) of a provider."""
    record = marketplace.providerRecord(account)
    return (bool(record.registered), record.stake, record.signer, record.activeBids, record.endpoint)


def bid_view(marketplace: Any, bid_id: int) -> tuple:
    """(provider, modelId, version, pricePerSecond, postedAt, active) of a bid."""
    record = marketplace.bid(bid_id)
    return (
        record.provider,
        record.modelId,
        record.version,
        record.pricePerSecond,
        record.postedAt,
        bool(record.active),
    )


@pytest.fixture(scope="session")
def market_state(marketplace, mor) -> Callable[..., dict[str, Any]]:
    """Everything a reverted marketplace call must leave unchanged, for the given accounts,
    bids and models."""

    def _state(*accounts: Any, bids: tuple[int, ...] = (), models: tuple[int, ...] = ()) -> dict[str, Any]:
        return {
            "marketplace_balance": mor.balanceOf(marketplace),
            "total_stake": marketplace.totalStake(),
            "fee_balance": marketplace.feeBalance(),
            "balances": [mor.balanceOf(account) for account in accounts],
            "providers": [provider_view(marketplace, account) for account in accounts],
            "bids": [bid_view(marketplace, bid_id) for bid_id in bids],
            "model_bids": [list(marketplace.activeBidsOfModel(model, 0, 100)) for model in models],
            "params": (
                bool(marketplace.whitelistEnabled()),
                marketplace.minProviderStake(),
                tuple(marketplace.priceBounds()),
                marketplace.bidFee(),
                bool(marketplace.paused()),
            ),
        }

    return _state


@pytest.fixture
def open_market(marketplace, owner) -> Any:
    """The whitelist turned off for good: anyone may register with `MIN_PROVIDER_STAKE`."""
    marketplace.disableWhitelist(sender=owner)
    assert marketplace.minProviderStake() == MIN_PROVIDER_STAKE
    return marketplace


@pytest.fixture
def model_ids(register_model) -> list[int]:
    """Three active models."""
    return [register_model(name) for name in ("llama-3.1-70b", "mistral-7b", "qwen-2.5-32b")]


@pytest.fixture
def bad_token(project, owner) -> Any:
    """A token whose transfers can be switched to return false or revert; every test account
    holds some."""
    token = project.ReturnsFalseToken.deploy(sender=owner)
    return token


@pytest.fixture
def bad_protocol(project, owner, provider, bad_token) -> Protocol:
    """A second Marketplace and ModelRegistry (and the rest) wired to `bad_token`."""
    return deploy(project, owner, bad_token.address, Params(whitelist=(provider.address,)))
