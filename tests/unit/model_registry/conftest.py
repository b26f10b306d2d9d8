"""Fixtures of the model registry unit tests: a snapshot of everything a failed call must leave
unchanged, metadata values, and a second deployment wired to a token that can fail."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from mor_market.deploy import Params, Protocol, deploy

CONTENT_ID = b"\x11" * 32
TAGS = [b"llm".ljust(32, b"\0")]


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
