"""The node's own measurements agree with the model server's configured pace: the receipt's time
to first token lies within [delay, delay + 150 ms] (the node cannot see a token before the server
sends it; 150 ms covers the node, the loopback and this loaded 2-core machine) and its tokens per
second within 25% of 1 / inter-token delay."""

from __future__ import annotations

from mor_market.node.fake_backend import Pace
from tests.node.conftest import MODEL, STAKE

FIRST_TOKEN, INTER_TOKEN, TOKENS = 0.3, 0.02, 26  # 300 ms, 50 tokens/s, half a second of tokens
TTFT_SLACK_MS = 150
TPS_TOLERANCE = 0.25


def test_receipt__measured_by_the_node__matches_the_backends_pace_within_tolerance(
    provider, model, provider_online, funded_pool, start_backend, start_node, protocol, consumer
):
    from mor_market.client import Consumer

    pace = Pace(first_token_delay=FIRST_TOKEN, inter_token_delay=INTER_TOKEN, tokens=TOKENS)
    backend = start_backend(pace)
    _bid, _endpoint = provider_online(provider, model)
    node, _server = start_node(provider, backend)
    client = Consumer(protocol, consumer, timeout=20)
    s = client.open(model, MODEL, STAKE)
    for prompt in ("one", "two"):
        client.chat(s, [{"role": "user", "content": prompt}])
    client.chat(s, [{"role": "user", "content": "three"}], stream=False)  # measured by the node all the same

    rows = node.store.measurements(s.session)
    assert len(rows) == 3 and all(tokens == TOKENS for _ttft, tokens, _seconds in rows)
    receipt = client.receipt(s)
    assert receipt["requests"] == 3
    assert FIRST_TOKEN * 1000 <= receipt["ttftMs"] <= FIRST_TOKEN * 1000 + TTFT_SLACK_MS, receipt
    expected_tps = pace.tokens_per_second
    assert abs(receipt["tokensPerSecond"] - expected_tps) <= TPS_TOLERANCE * expected_tps, receipt
    # The consumer's own view of the same requests is no better than the node's.
    for measured in s.measured:
        assert measured.ttft_ms >= FIRST_TOKEN * 1000
