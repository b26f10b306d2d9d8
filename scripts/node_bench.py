"""`ape run node_bench`: the provider node's overhead over its model server. A paced model server
(mor_market/node/fake_backend.py) is hit directly and through a provider node (every request
signed by the consumer, checked against its session on-chain, replay-checked in SQLite, measured,
proxied), by 1 and by 50 concurrent sessions; the report gives the time to first token and the
tokens per second each way and what the node adds. Writes benchmarks/node-overhead.md and .json.
A benchmark, not a test: the figures depend on the machine and its load, which it records."""

from __future__ import annotations

import asyncio
import json
import os
import platform
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

import aiohttp
import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand
from eth_account import Account

from mor_market import client as consumer_client
from mor_market import operations as ops
from mor_market.cli import ROOT
from mor_market.constants import DAY, MOR, MOR_SEPOLIA_ADDRESS
from mor_market.deploy import Params, deploy
from mor_market.localnet import free_port
from mor_market.node import fake_backend
from mor_market.node.config import deployment_record, to_toml
from mor_market.node.measure import StreamMeter, observe, sse_data
from mor_market.node.runner import NodeProcess, ServerThread

OUT = ROOT / "benchmarks"
MODEL = "bench-model"
PRICE = 10**13
STAKE = 5_000 * MOR
CONCURRENCY = (1, 50)
CHAIN_ID = [0]  # read once from Ape before the load runs


async def _direct(http: aiohttp.ClientSession, url: str, request: dict[str, Any]) -> dict[str, float]:
    meter = StreamMeter()
    async with http.post(url + "/v1/chat/completions", json=request) as r:
        async for line in r.content:
            chunk = sse_data(line)
            if chunk is not None:
                observe(meter, chunk)
    return {"ttft_ms": meter.ttft_ms or 0.0, "tps": meter.tokens_per_second or 0.0, "tokens": meter.tokens}


async def _through_node(
    http: aiohttp.ClientSession, endpoint: str, signer: Any, router: str, session: int, nonce: int, request: dict
) -> dict[str, float]:
    link = consumer_client.Link(endpoint, signer, router, CHAIN_ID[0], session, 120)
    m = await consumer_client.chat(http, link, nonce, request)
    return {"ttft_ms": m.ttft_ms, "tps": m.tokens_per_second or 0.0, "tokens": m.tokens}


async def _load(concurrency: int, requests: int, one: Any) -> dict[str, Any]:
    """`concurrency` sessions, each sending `requests` requests one after the other."""
    results: list[dict[str, float]] = []

    async def session(index: int, http: aiohttp.ClientSession) -> None:
        for r in range(requests):
            results.append(await one(http, index, r))

    started = time.perf_counter()
    async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
        await asyncio.gather(*(session(i, http) for i in range(concurrency)))
    wall = time.perf_counter() - started
    ttfts = sorted(x["ttft_ms"] for x in results)
    return {
        "requests": len(results),
        "ttft_ms_median": statistics.median(ttfts),
        "ttft_ms_p95": ttfts[min(len(ttfts) - 1, int(0.95 * len(ttfts)))],
        "tps_median": statistics.median(x["tps"] for x in results),
        "aggregate_tokens_per_second": sum(x["tokens"] for x in results) / wall,
        "wall_seconds": wall,
    }


def render(result: dict[str, Any]) -> str:
    pace = result["pace"]
    lines = [
        "# Provider node overhead",
        "",
        "`ape run node_bench` (scripts/node_bench.py): a paced OpenAI-compatible model server "
        f"(first token after {pace['first_token_delay'] * 1000:.0f} ms, then one token every "
        f"{pace['inter_token_delay'] * 1000:.0f} ms, {pace['tokens']} tokens: "
        f"{1 / pace['inter_token_delay']:.0f} tokens/s) is hit directly and through the provider node, by 1 and by "
        f"{CONCURRENCY[-1]} concurrent sessions, each sending {result['requests_per_session']} streamed requests in turn. "
        "Through the node every request is signed by the consumer (EIP-191), its session's state "
        "read on-chain at most once a second (`chain_cache_seconds`), its nonce written to SQLite, and its tokens timed on the way through. "
        "Times are the consumer's: from sending the request to its first content token. "
        f"Signatures are recovered with eth-keys' {result['signature_backend']} (coincurve, pinned in "
        "requirements.lock: eth-keys' pure-Python backend takes about 6 ms per recovery on this machine, 50 times "
        "as long, and in our runs made the node's added time to first token at 50 sessions 4 to 8 times larger).",
        "",
        f"Machine: {result['machine']}. Measured {result['date']}; the machine was shared with other work "
        f"(load average {result['load_average']}), so the figures are an upper bound of the overhead.",
        "",
        "| sessions | path | requests | TTFT median (ms) | TTFT p95 (ms) | tokens/s per stream (median) | tokens/s, all streams |",
        "|---:|---|---:|---:|---:|---:|---:|",
    ]
    for n in CONCURRENCY:
        for path in ("direct", "node"):
            r = result["runs"][str(n)][path]
            lines.append(
                f"| {n} | {'model server directly' if path == 'direct' else 'through the node'} | {r['requests']} "
                f"| {r['ttft_ms_median']:.1f} | {r['ttft_ms_p95']:.1f} | {r['tps_median']:.1f} "
                f"| {r['aggregate_tokens_per_second']:.0f} |"
            )
    lines += [
        "",
        "What the node adds:",
        "",
        "| sessions | time to first token (median) | tokens/s per stream (median) |",
    ]
    lines.append("|---:|---:|---:|")
    for n in CONCURRENCY:
        a = result["added"][str(n)]
        lines.append(f"| {n} | {a['ttft_ms']:+.1f} ms | {a['tps_percent']:+.1f}% |")
    lines.append("")
    return "\n".join(lines)


@click.command(cls=ConnectedProviderCommand, short_help="Measure the provider node's overhead over its model server")
@click.option("--requests", "requests_per_session", type=click.IntRange(1, 100), default=4, show_default=True)
@click.option("--no-write", is_flag=True, help="Print the report only.")
def cli(requests_per_session: int, no_write: bool) -> None:
    """Deploys on the connected local chain, opens 50 sessions, runs the model server and a
    provider node in this process on 127.0.0.1, and measures both paths (about a minute)."""
    test = accounts.test_accounts
    owner, provider, consumer, model_owner, funder = test[0], test[1], test[3], test[7], test[9]
    p = deploy(project, owner, MOR_SEPOLIA_ADDRESS, Params(whitelist=(provider.address,)))
    tx = p.model_registry.registerModel(MODEL, b"\x11" * 32, [], 0, sender=model_owner)
    model_id = tx.decode_logs(p.model_registry.ModelRegistered)[0].modelId
    endpoint = f"http://127.0.0.1:{free_port()}"
    ops.register_provider(p, provider, endpoint, 1_000 * MOR)
    bid, _ = ops.post_bid(p, provider, model_id, PRICE)
    p.mor.approve(p.pool, 100_000 * MOR, sender=funder)
    p.pool.fund(100_000 * MOR, sender=funder)
    chain.mine(timestamp=(chain.pending_timestamp // DAY + 1) * DAY + 60)
    sessions = []
    for nonce in range(1, CONCURRENCY[-1] + 1):
        approval = ops.sign_approval(p, provider, bid, consumer.address, nonce, chain.pending_timestamp + 3_600)
        sessions.append(ops.open_session(p, consumer, approval, STAKE, permit=True)[0])
    click.echo(f"opened {len(sessions)} sessions", err=True)

    pace = fake_backend.Pace(first_token_delay=0.2, inter_token_delay=0.01, tokens=50)
    backend = ServerThread(lambda: fake_backend.app(pace, MODEL), "127.0.0.1", free_port())
    signer = Account.from_key(consumer.private_key)
    router = str(p.router.address)
    CHAIN_ID[0] = int(chain.chain_id)
    result: dict[str, Any] = {"pace": vars(pace), "requests_per_session": requests_per_session, "runs": {}}
    with backend, tempfile.TemporaryDirectory() as folder:
        config = {
            "rpc_url": chain.provider.uri,
            "deployment": str(Path(folder) / "record.json"),
            "provider": provider.address,
            "database": str(Path(folder) / "node.sqlite"),
            "housekeeping_interval": 0,
            "models": {MODEL: {"backend": backend.url + "/v1", "backend_model": MODEL, "capacity": 64}},
        }
        (Path(folder) / "record.json").write_text(json.dumps(deployment_record(p, chain.chain_id)))
        (Path(folder) / "node.toml").write_text(to_toml(config))
        # The node in a process of its own, as a provider runs it: the load generator's signing
        # and parsing do not share its interpreter.
        node = NodeProcess(Path(folder) / "node.toml", bytes(Account.from_key(provider.private_key).key), cwd=ROOT)
        try:
            node.listening()
            request = {"model": MODEL, "messages": [{"role": "user", "content": "benchmark"}], "stream": True}
            for n in CONCURRENCY:
                direct = asyncio.run(
                    _load(n, requests_per_session, lambda http, _i, _r: _direct(http, backend.url, request))
                )
                via = asyncio.run(
                    _load(
                        n,
                        requests_per_session,
                        lambda http, i, r, n=n: _through_node(
                            http, endpoint, signer, router, sessions[i], n * 1_000 + r, request
                        ),
                    )
                )
                result["runs"][str(n)] = {"direct": direct, "node": via}
                click.echo(
                    f"{n} sessions: direct {direct['ttft_ms_median']:.1f} ms, node {via['ttft_ms_median']:.1f} ms",
                    err=True,
                )
            if node.terminate() != 0:
                raise click.ClickException(f"the node did not stop cleanly: {node.stderr()}")
        finally:
            node.kill()
    result["added"] = {
        str(n): {
            "ttft_ms": result["runs"][str(n)]["node"]["ttft_ms_median"]
            - result["runs"][str(n)]["direct"]["ttft_ms_median"],
            "tps_percent": 100
            * (result["runs"][str(n)]["node"]["tps_median"] / result["runs"][str(n)]["direct"]["tps_median"] - 1),
        }
        for n in CONCURRENCY
    }
    result["machine"] = f"{platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}"
    from eth_keys import KeyAPI

    result["signature_backend"] = type(KeyAPI().backend).__name__
    result["load_average"] = " ".join(f"{x:.2f}" for x in os.getloadavg())
    result["date"] = time.strftime("%Y-%m-%d", time.gmtime())
    text = render(result)
    if not no_write:
        OUT.mkdir(exist_ok=True)
        (OUT / "node-overhead.md").write_text(text)
        (OUT / "node-overhead.json").write_text(json.dumps(result, indent=2) + "\n")
    click.echo(text)
