"""The consumer client closes with the provider's receipt when its numbers are believable, and
disputes (closes without it) when the provider claims to be far faster than the consumer measured
or stops answering. Tolerance: mor_market.client.Tolerance (a receipt is "far better" beyond 2x
and 250 ms to first token, or 2x and 5 tokens/s). v3: a session rates only from
MIN_RATED_SECONDS (10 minutes) provided, so these sessions last that long on the test chain's
clock; and when the provider's node closed the session first (at its end), the client gives the
same verdict late (`rateSessionWithReceipt` / `rateSession`)."""

from __future__ import annotations

import sqlite3
from typing import Any

import pytest
from ape import chain

from mor_market.ranking import MIN_RATED_SECONDS, VERDICT_WINDOW
from tests.conftest import PRICE
from tests.node.conftest import MODEL, STAKE

PROMPT = [{"role": "user", "content": "hello"}]
NONE, COMPLETED, DISPUTED = 0, 1, 2  # ISessionRouter.Verdict


def ten_minutes_later() -> None:
    """A session rates only when it provided at least MIN_RATED_SECONDS (10 minutes): the next
    transaction (the close) comes that much later than any before it, the open included."""
    chain.pending_timestamp += MIN_RATED_SECONDS


def test_consumer__honest_provider__closes_with_its_measured_receipt(online, client, router, provider):
    s = client.open(online["model_id"], MODEL, STAKE)
    client.chat(s, PROMPT)
    client.chat(s, PROMPT)
    ten_minutes_later()
    result = client.finish(s)
    assert result["verdict"] == "completed" and not result["disputed"] and not result["late"], result
    receipt = result["receipt"]
    assert result["recorded"] == {"ttftMs": receipt["ttftMs"], "tokensPerSecond": receipt["tokensPerSecond"]}
    assert router.session(s.session).closedAt > 0
    assert router.session(s.session).verdict == COMPLETED
    stats = router.stats(provider, online["model_id"])
    assert stats.completed == 1 and stats.completedWeight == stats.weight > 0


def test_consumer__provider_lying_about_its_speed__is_disputed(online, client, router):
    s = client.open(online["model_id"], MODEL, STAKE)
    client.chat(s, PROMPT)
    client.chat(s, PROMPT)
    # The provider rewrites its own records: 1 ms to first token, ten times the speed.
    with sqlite3.connect(online["node"].store.path) as db:
        db.execute("UPDATE measurements SET ttft_ms = 1, generation_seconds = generation_seconds / 10")
    receipt = client.receipt(s)
    assert receipt["ttftMs"] == 1
    ten_minutes_later()
    result = client.finish(s)
    assert result["verdict"] == "disputed" and result["disputed"], result
    assert result["reason"].startswith(f"the receipt claims {receipt['tokensPerSecond']} tokens/s")
    assert result["secondsProvided"] >= MIN_RATED_SECONDS and result["paid"] > 0  # paid all the same: no slashing
    assert router.session(s.session).verdict == DISPUTED


def test_consumer__provider_that_stopped_answering__is_disputed(online, client, router):
    s = client.open(online["model_id"], MODEL, STAKE)
    client.chat(s, PROMPT)
    online["server"].stop()
    ten_minutes_later()
    result = client.finish(s)
    assert result["verdict"] == "disputed" and result["disputed"], result
    assert result["reason"].startswith("no receipt")
    assert router.session(s.session).verdict == DISPUTED


def test_consumer__session_closed_before_ten_minutes__is_paid_and_rates_nothing(online, client, router, provider):
    """v3: a session that provided fewer than MIN_RATED_SECONDS records nothing, whoever closes
    it; the client closes it all the same (the provider is paid) and reports no verdict."""
    s = client.open(online["model_id"], MODEL, STAKE)
    client.chat(s, PROMPT)
    result = client.finish(s)
    assert result["secondsProvided"] < MIN_RATED_SECONDS, result
    assert result["paid"] == PRICE * result["secondsProvided"]  # paid for every second all the same
    assert result["verdict"] is None and not result["disputed"] and not result["late"], result
    assert result["unrated"].startswith(f"the session provided {result['secondsProvided']} s, fewer than")
    assert router.session(s.session).closedAt > 0
    assert router.stats(provider, online["model_id"]).weight == 0


@pytest.fixture
def housekeeper(provider, model, provider_online, funded_pool, backend, start_node) -> dict[str, Any]:
    """The provider's node with no cached chain time (the test moves the clock by a day), whose
    housekeeping (closing expired sessions) the test runs itself."""
    bid, endpoint = provider_online(provider, model)
    node, server = start_node(provider, backend, chain_cache_seconds=0)
    return {"bid": bid, "endpoint": endpoint, "node": node, "server": server, "model_id": model}


def _closed_by_the_node(node: Any, router: Any, session: int) -> None:
    """The session's end comes and the node's housekeeping closes it: no verdict yet."""
    chain.mine(timestamp=router.session(session).endsAt + 1)
    assert node.housekeeping()["closed"] == [f"0x{session:064x}"]
    record = router.session(session)
    assert record.closedAt > 0 and record.verdict == NONE


def test_consumer__session_the_node_closed_first__is_completed_late_with_the_nodes_receipt(
    housekeeper, client, router, provider
):
    """v3: the provider's node closes its expired sessions, which pre-empts no verdict: the
    client fetches the node's receipt after that close and completes the session late
    (`rateSessionWithReceipt`), and the statistics show its completion and measurements."""
    model_id = housekeeper["model_id"]
    s = client.open(model_id, MODEL, STAKE)
    client.chat(s, PROMPT)
    client.chat(s, PROMPT)
    _closed_by_the_node(housekeeper["node"], router, s.session)
    served = router.stats(provider, model_id)
    assert served.weight > 0 and (served.completedWeight, served.disputedWeight) == (0, 0)

    result = client.finish(s)
    assert result["late"] and result["verdict"] == "completed" and not result["disputed"], result
    receipt = result["receipt"]
    assert result["recorded"] == {"ttftMs": receipt["ttftMs"], "tokensPerSecond": receipt["tokensPerSecond"]}
    assert router.session(s.session).verdict == COMPLETED
    stats = router.stats(provider, model_id)
    assert (stats.weight, stats.completedWeight, stats.completed, stats.disputedWeight) == (
        served.weight,
        served.weight,
        1,
        0,
    )
    assert stats.ttftWeighted == served.weight * receipt["ttftMs"]
    assert stats.tpsWeighted == served.weight * receipt["tokensPerSecond"]
    # Given once: the node now refuses a receipt (410) and the client sends nothing more.
    again = client.finish(s)
    assert again["verdict"] is None and again["transaction"] is None, again
    assert again["reason"].startswith("no receipt: 410") and "rated" in again["reason"]
    assert again["unrated"] == "the session was already rated: completed"


def test_consumer__session_the_node_closed_and_then_stopped_answering__is_disputed_late(
    housekeeper, client, router, provider
):
    """v3: the node closes the session at its end and then stops answering: the client disputes
    late (`rateSession`), and the statistics show the dispute."""
    model_id = housekeeper["model_id"]
    s = client.open(model_id, MODEL, STAKE)
    client.chat(s, PROMPT)
    _closed_by_the_node(housekeeper["node"], router, s.session)
    housekeeper["server"].stop()

    result = client.finish(s)
    assert result["late"] and result["verdict"] == "disputed" and result["disputed"], result
    assert result["reason"].startswith("no receipt") and result["recorded"] is None
    assert router.session(s.session).verdict == DISPUTED
    stats = router.stats(provider, model_id)
    assert stats.weight > 0 and (stats.disputedWeight, stats.disputed, stats.completedWeight) == (stats.weight, 1, 0)
    # The session ran to its end, so it was not cut short.
    assert stats.closedEarlyWeight == 0


def test_consumer__session_the_node_closed_over_a_day_ago__can_no_longer_be_rated(
    housekeeper, client, router, provider
):
    """v3: the consumer's late verdict has VERDICT_WINDOW (24 hours) from the node's close; after
    it, the node refuses a receipt (410) and the client sends nothing and says why."""
    model_id = housekeeper["model_id"]
    s = client.open(model_id, MODEL, STAKE)
    client.chat(s, PROMPT)
    _closed_by_the_node(housekeeper["node"], router, s.session)
    served = router.stats(provider, model_id)
    window_end = router.session(s.session).closedAt + VERDICT_WINDOW
    chain.mine(timestamp=window_end + 1)

    result = client.finish(s)
    assert result["late"] and result["verdict"] is None and result["transaction"] is None, result
    assert result["reason"].startswith("no receipt: 410") and "verdict window closed" in result["reason"]
    assert result["unrated"] == f"the verdict window closed at {window_end}, 24 hours after the close"
    assert router.session(s.session).verdict == NONE
    assert router.stats(provider, model_id) == served
