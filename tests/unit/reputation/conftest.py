"""Fixtures of the reputation tests: a model with competing bids and a way to give a bid a
history of closed sessions."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from ape import chain

from mor_market.constants import MOR
from mor_market.ranking import Inputs
from tests.conftest import STIPEND


@pytest.fixture(scope="session")
def reputation(protocol):
    return protocol.reputation


@pytest.fixture
def history(router, open_session, sign_receipt, consumer) -> Callable[..., None]:
    """Closes `sessions` sessions of `seconds` each on `bid`, `disputed` of them by the consumer
    without a receipt, the others with a receipt of (ttft_ms, tps) signed by `provider`."""

    def _history(
        provider: Any, bid: int, sessions: int, disputed: int = 0, ttft_ms: int = 500, tps: int = 40, seconds: int = 600
    ) -> None:
        for i in range(sessions):
            session = open_session(consumer, bid, 1_000 * MOR, STIPEND)
            chain.pending_timestamp += seconds
            if i < disputed:
                router.closeSession(session, sender=consumer)
            else:
                deadline = chain.pending_timestamp + 600
                signature = sign_receipt(provider, session, ttft_ms, tps, deadline)
                router.closeSessionWithReceipt(session, ttft_ms, tps, deadline, signature, sender=consumer)

    return _history


def inputs_of(reputation: Any, bid: int) -> Inputs:
    return Inputs.from_chain(reputation.inputsOf(bid))
