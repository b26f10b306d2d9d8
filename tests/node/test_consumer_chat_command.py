"""`ape run consumer chat`: one command ranks the bids, gets an approval from the provider's node,
opens with a permit, chats with signed requests and closes with the node's receipt; JSON on stdout.
v3: a session rates only from MIN_RATED_SECONDS (10 minutes) provided, so here each answer takes
five minutes of the test chain's time."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path

from ape import chain

from mor_market.cli import network_key
from mor_market.client import Consumer
from mor_market.ranking import MIN_RATED_SECONDS
from mor_market.record import ATTRIBUTES
from tests.node.conftest import MODEL

SCRIPTS = Path(__file__).parents[2] / "scripts"


def consumer_cli():
    spec = importlib.util.spec_from_file_location("script_consumer_chat", SCRIPTS / "consumer.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


def test_consumer_chat__through_a_running_node__prints_answers_measurements_and_verdict(
    online, protocol, consumer, router, tmp_path, monkeypatch, capsys
):
    contracts = {
        name: {"address": str(getattr(protocol, attr).address)}
        for name, attr in ATTRIBUTES.items()
        if getattr(protocol, attr) is not None
    }
    (tmp_path / f"{network_key()}.json").write_text(json.dumps({"contracts": contracts}))
    monkeypatch.setattr("mor_market.cli.RECORDS", tmp_path)
    chat = Consumer.chat

    def five_minutes_each(self, *args, **kwargs):
        answer = chat(self, *args, **kwargs)
        chain.pending_timestamp += MIN_RATED_SECONDS // 2
        return answer

    monkeypatch.setattr(Consumer, "chat", five_minutes_each)

    # The command runs on the chain this test is connected to (its callback, inside its click
    # context), not on a new fork as `ape run` would start.
    command = consumer_cli().commands["chat"]
    args = ["chat", MODEL, "--stake", "10000", "--prompt", "hello", "--prompt", "again", "--account", "TEST::3"]
    with command.make_context("chat", args[1:]) as ctx:
        for name in ("network", "provider_settings"):
            ctx.params.pop(name, None)
        ctx.invoke(command.callback, **ctx.params)
    stdout = capsys.readouterr().out
    out = json.loads(stdout[stdout.index("{") :])
    assert out["verdict"] == "completed" and out["endpoint"] == online["endpoint"]
    assert [a["prompt"] for a in out["answers"]] == ["hello", "again"] and out["answers"][0]["tokens"] == 8
    assert out["receipt"]["requests"] == 2 and out["stake"] == "10000 MOR"
    session = router.session(int(out["sessionId"], 16))
    assert session.closedAt > 0 and session.verdict == 1  # completed
    assert out["secondsProvided"] >= MIN_RATED_SECONDS and out["unrated"] is None
    assert out["recorded"] == {"ttftMs": out["receipt"]["ttftMs"], "tokensPerSecond": out["receipt"]["tokensPerSecond"]}
