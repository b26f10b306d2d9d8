"""The consumer client closes with the provider's receipt when its numbers are believable, and
disputes (closes without it) when the provider claims to be far faster than the consumer measured
or stops answering. Tolerance: mor_market.client.Tolerance (a receipt is "far better" beyond 2x
and 250 ms to first token, or 2x and 5 tokens/s)."""

from __future__ import annotations

import sqlite3

from ape import chain

from tests.node.conftest import MODEL, STAKE

PROMPT = [{"role": "user", "content": "hello"}]


def ten_minutes_later() -> None:
    """A session rates only when it provided seconds (its weight is MOR-seconds)."""
    chain.pending_timestamp += 600


def test_consumer__honest_provider__closes_with_its_measured_receipt(online, client, router):
    s = client.open(online["model_id"], MODEL, STAKE)
    client.chat(s, PROMPT)
    client.chat(s, PROMPT)
    ten_minutes_later()
    result = client.finish(s)
    assert result["verdict"] == "completed" and not result["disputed"], result
    receipt = result["receipt"]
    assert result["recorded"] == {"ttftMs": receipt["ttftMs"], "tokensPerSecond": receipt["tokensPerSecond"]}
    assert router.session(s.session).closedAt > 0


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
    assert result["secondsProvided"] > 0 and result["paid"] > 0  # paid all the same: no slashing


def test_consumer__provider_that_stopped_answering__is_disputed(online, client, router):
    s = client.open(online["model_id"], MODEL, STAKE)
    client.chat(s, PROMPT)
    online["server"].stop()
    ten_minutes_later()
    result = client.finish(s)
    assert result["verdict"] == "disputed" and result["disputed"], result
    assert result["reason"].startswith("no receipt")
