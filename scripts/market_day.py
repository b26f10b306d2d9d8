"""The main job: deploy with the deploy script's code, then play a market day (and the next)
on the local fork of Arbitrum Sepolia with the operating code, and report.

Whitelisted providers register and bid at competing prices for two models, the emission source
funds the pool, every provider runs a node (mor_market/node) in front of its model server (a paced
stand-in), consumers rank bids by reputation, fetch signed approvals from the providers' nodes,
open sessions and chat through the nodes over HTTP, time passes, sessions close with the receipts
the nodes signed with their own measurements (one disputed by the consumer because the node
overstated its speed, one closed by the keeper after expiry), providers claim
within the budget, the next day's budget is recomputed, held stakes are withdrawn, governance
turns the whitelist off and a staked newcomer joins."""

from __future__ import annotations

import contextlib
import sqlite3
import statistics
import tempfile
from collections import defaultdict
from pathlib import Path
from typing import Any

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand
from eth_account import Account

from mor_market import governance as gov
from mor_market import operations as ops
from mor_market.cli import ROOT, load_protocol, mor, one_line_errors
from mor_market.client import Consumer, OpenSession
from mor_market.constants import DAY, MOR
from mor_market.deployment import deploy_network
from mor_market.localnet import free_port
from mor_market.node import fake_backend
from mor_market.node.app import build
from mor_market.node.config import deployment_record, from_dict
from mor_market.node.measure import summarize
from mor_market.node.runner import ServerThread
from mor_market.ranking import BALANCED, Weights

REPORTS = ROOT / "reports"
PRICE_FOCUSED = Weights(reliability=2, price=4)
QUALITY_FOCUSED = Weights(reliability=6, lag=2, speed=2, price=1)
# Each provider's GPU, played by a paced model server: seconds to the first token, between tokens.
PACES = {
    "alice": fake_backend.Pace(first_token_delay=0.30, inter_token_delay=1 / 45, tokens=16),
    "bob": fake_backend.Pace(first_token_delay=0.15, inter_token_delay=1 / 70, tokens=16),
    "carol": fake_backend.Pace(first_token_delay=0.45, inter_token_delay=1 / 30, tokens=16),
    "frank": fake_backend.Pace(first_token_delay=0.25, inter_token_delay=1 / 50, tokens=16),
}
PROMPTS = ["What is MOR?", "And a compute session?"]


class Market:
    """The actors, the protocol, and a log of every transaction's gas."""

    def __init__(self) -> None:
        test = accounts.test_accounts
        self.governance, self.emission, self.model_owner, self.keeper = test[0], test[9], test[7], test[6]
        self.providers = {"alice": test[1], "bob": test[2], "carol": test[3]}
        self.bob_signer = test[8]
        self.consumers = {"dave": test[4], "erin": test[5]}
        self.gas: dict[str, list[int]] = defaultdict(list)
        self.pool_days: list[dict[str, Any]] = []
        self.pool_points: list[tuple[int, int, int, int]] = []  # (timestamp, balance, budget, paid today)
        self.sessions: dict[int, dict[str, Any]] = {}
        self.names: dict[str, str] = {}
        self.day0 = 0
        self.events: list[str] = []
        self.p: Any = None
        self.start_block = 0
        self.nonce = 0
        self.servers = contextlib.ExitStack()  # every model server and node, stopped at the end
        self.folder = Path(self.servers.enter_context(tempfile.TemporaryDirectory()))
        self.endpoints: dict[str, str] = {}
        self.model_names: dict[int, str] = {}
        self.inference: dict[int, dict[str, Any]] = {}
        self.chats: dict[int, OpenSession] = {}

    def tx(self, name: str, receipt: Any) -> Any:
        self.gas[name].append(receipt.gas_used)
        return receipt

    def say(self, text: str) -> None:
        stamp = chain.pending_timestamp
        line = f"day {stamp // DAY - self.day0} {stamp % DAY // 3600:02d}:{stamp % 3600 // 60:02d}  {text}"
        self.events.append(line)
        click.echo(line)

    def at(self, day: int, hour: float) -> None:
        """Move the clock to `hour` o'clock of simulated day `day`."""
        chain.mine(timestamp=(self.day0 + day) * DAY + int(hour * 3600))

    def snapshot_pool(self, label: str | None = None) -> None:
        """Record the pool's balance, today's budget and what it paid today (a point of the chart;
        with a label, also a row of the pool table)."""
        budget, paid, balance = self.p.pool.today()
        self.pool_points.append((chain.blocks.head.timestamp, balance, budget, paid))
        if label:
            self.pool_days.append({"label": label, "balance": balance, "budget": budget, "paid": paid})

    def name(self, address: Any) -> str:
        return self.names.get(str(address), str(address)[:10])

    def fund(self, amount: int) -> None:
        """The emission source funds the pool; the story says with how much and the new balance."""
        self.p.mor.approve(self.p.pool, amount, sender=self.emission)
        tx = self.tx("fund", self.p.pool.fund(amount, sender=self.emission))
        balance = tx.decode_logs(self.p.pool.Funded)[0].balance
        self.snapshot_pool()
        self.say(f"emission source funded the pool with {mor(amount)} (pool balance {mor(balance)})")

    def opened(self, sid: int, tx: Any, model: str, how: str) -> None:
        """Story line and session-table row of an open: price, stake, duration, what it bought, who pays."""
        s = self.p.router.session(sid)
        log = tx.decode_logs(self.p.router.SessionOpened)[0]
        consumer, provider = self.name(log.consumer), self.name(s.provider)
        duration = s.endsAt - s.openedAt
        stipend = int(s.mode) == ops.STIPEND
        self.sessions[sid] = {
            "consumer": consumer,
            "provider": provider,
            "model": model,
            "mode": "stipend" if stipend else "direct",
            "price": s.pricePerSecond,
            "stake": s.stake,
            "duration": duration,
            "worth": duration * s.pricePerSecond,
            "opened": s.openedAt,
        }
        payer = "the pool pays (stipend)" if stipend else f"{consumer} pays from the stake (direct)"
        self.say(
            f"{consumer} opened on {provider}'s {model} bid at {per_second(s.pricePerSecond)} with {mor(s.stake)}"
            f"{' ' + how if how else ''}: bought {hours(duration)} = {mor(duration * s.pricePerSecond)} of compute; {payer}"
        )

    def closed(self, sid: int, tx: Any, how: str) -> None:
        """Story line and session-table columns of a close: seconds, pay, stake back now and held."""
        log = tx.decode_logs(self.p.router.SessionClosed)[0]
        row = self.sessions[sid]
        row.update(
            closer=self.name(log.closer),
            seconds=log.secondsProvided,
            paid=log.paid,
            returned=log.returned,
            held=log.held,
            how=how,
        )
        whose = "their" if row["closer"] == row["consumer"] else f"{row['consumer']}'s"
        source = "credited by the pool" if row["mode"] == "stipend" else f"paid from {row['consumer']}'s stake"
        self.say(
            f"{row['closer']} closed {whose} {row['provider']} session ({how}) after {hours(log.secondsProvided)}: "
            f"{row['provider']} earns {mor(log.paid)} ({source}); {row['consumer']} gets {mor(log.returned)} back now, "
            f"{mor(log.held)} held until midnight"
        )

    def claim_all(self) -> None:
        """Every provider with MOR owed claims it, within what is left of today's budget."""
        for name, account in self.providers.items():
            if self.p.pool.owed(account):
                tx = self.tx("claim", self.p.pool.claim(account, sender=account))
                log = tx.decode_logs(self.p.pool.Claimed)[0]
                budget, paid, _ = self.p.pool.today()
                self.say(
                    f"{name} claimed {mor(log.amount)} from the pool ({mor(log.owed)} still owed); "
                    f"paid today {mor(paid)} of the {mor(budget)} budget"
                )
        self.snapshot_pool()

    def endpoint(self) -> str:
        """Where a provider's node will listen: a free port of 127.0.0.1."""
        return f"http://127.0.0.1:{free_port()}"

    def start_node(self, name: str, models: list[int]) -> None:
        """The provider's GPU (a paced model server) and its node, serving its bids on `models`
        at the endpoint it registered, signing with its signer (bob's separate key)."""
        from ape import chain as ape_chain

        pace = PACES[name]
        backend = ServerThread(lambda: fake_backend.app(pace, f"{name}-gpu"), "127.0.0.1", free_port())
        self.servers.enter_context(backend)
        config = from_dict(
            {
                "rpc_url": ape_chain.provider.uri,
                "deployment": deployment_record(self.p, ape_chain.chain_id),
                "provider": self.providers[name].address,
                "database": str(self.folder / f"{name}.sqlite"),
                "housekeeping_interval": 0,  # the story shows the keeper's closes and the claims
                # The story moves the chain's clock by hours in milliseconds: no cached chain time.
                "chain_cache_seconds": 0,
                "models": {
                    self.model_names[m]: {"backend": backend.url + "/v1", "backend_model": f"{name}-gpu", "capacity": 4}
                    for m in models
                },
            }
        )
        signer = self.bob_signer if name == "bob" else self.providers[name]
        node = build(config, bytes(Account.from_key(signer.private_key).key))
        self.servers.enter_context(ServerThread(node.app, config.bind, node.port))
        self.say(
            f"{name}'s node listens at {node.endpoint} ({', '.join(self.model_names[m] for m in models)}; "
            f"first token after {pace.first_token_delay * 1000:.0f} ms, {pace.tokens_per_second:.0f} tokens/s)"
        )

    def open(self, consumer: str, provider: str, bid: int, model: int, stake: int, **how: Any) -> tuple[int, Any]:
        """A consumer asks the provider's node for an approval and opens with it."""
        account = self.consumers[consumer]
        approval = Consumer(self.p, account).approval(self.endpoints[provider], bid)
        sid, tx = ops.open_session(self.p, account, approval, stake, **how)
        self.chats[sid] = OpenSession(sid, bid, provider, self.endpoints[provider], self.model_names[model])
        return sid, tx

    def chat(self, sid: int) -> None:
        """The consumer chats through the provider's node, timing every answer itself."""
        s = self.chats[sid]
        row = self.sessions[sid]
        client = Consumer(self.p, self.consumers[row["consumer"]])
        for prompt in PROMPTS:
            client.chat(s, [{"role": "user", "content": prompt}])
        own = summarize([m.row() for m in s.measured])  # the consumer's own numbers, whoever closes
        row.update(
            requests=len(s.measured),
            own_ttft=own.ttft_ms if own else None,
            own_tps=own.tokens_per_second if own else None,
        )
        self.say(f"{row['consumer']} chatted with {row['provider']}'s node: {len(s.measured)} requests answered")

    def close(self, sid: int, name: str) -> None:
        """The consumer fetches the node's receipt and closes with it, or disputes it."""
        row = self.sessions[sid]
        client = Consumer(self.p, self.consumers[row["consumer"]])
        receipt, reason, own = client.verdict(self.chats[sid])
        tx = ops.close_session(self.p, self.consumers[row["consumer"]], sid, None if reason else receipt)
        row.update(
            node_ttft=receipt["ttftMs"] if receipt else None,
            node_tps=receipt["tokensPerSecond"] if receipt else None,
            own_ttft=own.ttft_ms if own else None,
            own_tps=own.tokens_per_second if own else None,
        )
        if reason:
            how = f"disputed: {reason}"
            name = "closeSession (disputed)"
        else:
            how = f"receipt measured by the node: ttft {receipt['ttftMs']} ms, {receipt['tokensPerSecond']} tok/s"
        self.closed(sid, self.tx(name, tx), how)


def play(m: Market) -> None:
    # Start at 06:00 UTC of the next day, so the story's times (and the example report) are the
    # same on every run, whenever it is run.
    m.day0 = chain.pending_timestamp // DAY + 1
    m.at(0, 6)
    record = deploy_network(project, m.governance, force=True)
    m.p = p = load_protocol(record["network"])
    m.start_block = record["block"]
    m.names = {str(a.address): n for n, a in {**m.providers, **m.consumers, "keeper": m.keeper}.items()}
    m.names[str(m.bob_signer.address)] = "bob's signer"
    m.say(
        f"deployed and verified at block {record['block']}: "
        + ", ".join(f"{k} {v['address'][:10]}" for k, v in record["contracts"].items())
    )

    # --- governance seeds the provider set with a whitelist, through its timelock (no delay here)
    for account in m.providers.values():
        m.tx(
            "setWhitelisted (timelock)",
            gov.govern(p.timelock, m.governance, p.marketplace, "setWhitelisted", account, True),
        )
    m.say("governance whitelisted alice, bob and carol (scheduled and executed through the timelock)")

    # --- models and bids
    tags = [b"llm".ljust(32, b"\0")]
    llama = p.model_registry.registerModel("llama-3.1-8b-instruct", b"\x01" * 32, tags, 0, sender=m.model_owner)
    mistral = p.model_registry.registerModel("mistral-7b-instruct", b"\x02" * 32, tags, 0, sender=m.model_owner)
    m.tx("registerModel", llama)
    m.tx("registerModel", mistral)
    model_a = llama.decode_logs(p.model_registry.ModelRegistered)[0].modelId
    model_b = mistral.decode_logs(p.model_registry.ModelRegistered)[0].modelId
    model_names = {model_a: "llama", model_b: "mistral"}
    m.model_names = {model_a: "llama-3.1-8b-instruct", model_b: "mistral-7b-instruct"}
    stakes = {"alice": 500 * MOR, "bob": 1_000 * MOR, "carol": 200 * MOR}
    for name, account in m.providers.items():
        m.endpoints[name] = m.endpoint()
        m.tx("register", ops.register_provider(p, account, m.endpoints[name], stakes[name]))
    m.say("alice, bob and carol registered, staking " + ", ".join(f"{n} {mor(v)}" for n, v in stakes.items()))
    m.tx("setSigner", p.marketplace.setSigner(m.bob_signer, sender=m.providers["bob"]))
    prices = {
        ("alice", model_a): 10**13,
        ("bob", model_a): 15 * 10**12,
        ("carol", model_a): 8 * 10**12,
        ("alice", model_b): 2 * 10**13,
        ("bob", model_b): 12 * 10**12,
    }
    bids: dict[tuple[str, int], int] = {}
    for (name, model), price in prices.items():
        bids[(name, model)], tx = ops.post_bid(p, m.providers[name], model, price)
        m.tx("postBid", tx)
    m.say("bids: " + ", ".join(f"{n} {model_names[model]} {per_second(price)}" for (n, model), price in prices.items()))
    for name in m.providers:
        m.start_node(name, [model for (n, model) in prices if n == name])

    # --- the emission source funds the pool (day 0); day 1's budget is 1% of it
    m.fund(100_000 * MOR)
    m.snapshot_pool("day 0 (funded)")

    # --- day 1: consumers rank and open
    m.at(1, 8)
    m.fund(1_000 * MOR)
    m.snapshot_pool("day 1 08:00")
    budget = p.pool.today()[0]
    m.say(f"day 1 budget is {mor(budget)} (1% of yesterday's closing balance; today's funding counts from tomorrow)")
    dave = m.consumers["dave"]
    best_a = ops.ranked_bids(p, model_a, PRICE_FOCUSED)[0]
    owner_of = {v: k for k, v in bids.items()}
    name_a = owner_of[best_a.bid_id][0]
    quoted = ops.quote(p, best_a.bid_id, dave.address, 5_000 * MOR)
    m.say(
        f"dave ranked llama bids by price and picked {name_a} (reached at {best_a.endpoint}); quote: 5,000 MOR buys "
        f"{hours(quoted['durationSeconds'])} of compute worth {mor(quoted['worth'])}; opens: {quoted['opens']}"
    )
    s_dave, tx = m.open("dave", name_a, best_a.bid_id, model_a, 5_000 * MOR, mode=ops.STIPEND, permit=True)
    m.opened(s_dave, m.tx("openSession (stipend, permit)", tx), "llama", "(one transaction, permit)")
    m.chat(s_dave)
    best_b = ops.ranked_bids(p, model_b, QUALITY_FOCUSED)[0]
    name_b = owner_of[best_b.bid_id][0]
    s_erin_b, tx = m.open("erin", name_b, best_b.bid_id, model_b, 2_000 * MOR)
    m.opened(s_erin_b, m.tx("openSession (stipend)", tx), "mistral", "(ranked by quality)")
    m.chat(s_erin_b)
    s_erin_alice, tx = m.open("erin", "alice", bids[("alice", model_a)], model_a, 3_000 * MOR)
    m.opened(s_erin_alice, m.tx("openSession (stipend)", tx), "llama", "")
    m.chat(s_erin_alice)
    s_dave_direct, tx = m.open("dave", "alice", bids[("alice", model_b)], model_b, 50 * MOR, mode=ops.DIRECT)
    m.opened(s_dave_direct, m.tx("openSession (direct)", tx), "mistral", "(direct mode)")
    m.chat(s_dave_direct)

    # --- time passes; sessions close with the nodes' measured receipts, or disputed
    m.at(1, 10)
    m.close(s_dave, "closeSession (receipt)")
    m.at(1, 11)
    # alice's node rewrites its own records of erin's session, to sign a receipt four times faster.
    with sqlite3.connect(m.folder / "alice.sqlite") as db:
        db.execute(
            "UPDATE measurements SET generation_seconds = generation_seconds / 4 WHERE session_id = ?",
            (f"0x{s_erin_alice:064x}",),
        )
    m.say("alice's node rewrote its records of erin's session to claim four times the tokens per second")
    m.close(s_erin_alice, "closeSession (receipt)")
    m.at(1, 16)
    m.close(s_dave_direct, "closeSession (receipt)")
    ends = p.router.session(s_erin_b).endsAt
    chain.mine(timestamp=max(ends + 1_800, chain.pending_timestamp))
    for sid, tx in ops.close_expired(p, m.keeper, m.start_block, 10):
        m.closed(sid, m.tx("closeSession (keeper)", tx), "it ran out; the keeper closed it")

    # --- providers claim within today's budget
    m.claim_all()
    m.snapshot_pool("day 1 end")

    # --- day 2: budget recomputed, holds released, whitelist off, a newcomer
    m.at(2, 9)
    m.fund(1_000 * MOR)
    m.snapshot_pool("day 2 09:00")
    health = p.pool.health()
    m.say(
        f"day 2 budget recomputed: {mor(health.budget)}; pool health: ledger {mor(health.ledger)}, "
        f"owed to all providers {mor(health.totalOwed)}"
    )
    _held, withdrawable = p.router.holdOf(dave)
    if withdrawable:
        m.tx("withdrawHeld", p.router.withdrawHeld(sender=dave))
        m.say(f"dave withdrew {mor(withdrawable)} of held stake released at midnight")
    m.tx("disableWhitelist (timelock)", gov.govern(p.timelock, m.governance, p.marketplace, "disableWhitelist"))
    frank = accounts.test_accounts.generate_test_account()
    chain.provider.set_balance(frank.address, 10**18)
    p.mor.mint(frank, 1_000 * MOR, sender=m.emission)
    m.providers["frank"] = frank
    m.names[str(frank.address)] = "frank"
    m.endpoints["frank"] = m.endpoint()
    m.tx("register", ops.register_provider(p, frank, m.endpoints["frank"], 150 * MOR))
    bids[("frank", model_a)], tx = ops.post_bid(p, frank, model_a, 9 * 10**12)
    m.tx("postBid", tx)
    owner_of = {v: k for k, v in bids.items()}
    m.say(
        f"governance turned the whitelist off for good; frank staked 150 MOR (minimum 100) and bid for llama at "
        f"{per_second(9 * 10**12)}"
    )
    m.start_node("frank", [model_a])
    ranked = ops.ranked_bids(p, model_a, QUALITY_FOCUSED)
    m.say(
        "erin's quality ranking of llama: " + ", ".join(f"{owner_of[r.bid_id][0]} {r.score / 1e18:.3f}" for r in ranked)
    )
    pick = ranked[0]
    name = owner_of[pick.bid_id][0]
    s_erin2, tx = m.open("erin", name, pick.bid_id, model_a, 2_500 * MOR)
    m.opened(s_erin2, m.tx("openSession (stipend, hold released)", tx), "llama", "(her day-1 hold counted towards it)")
    m.chat(s_erin2)
    m.at(2, 12)
    m.close(s_erin2, "closeSession (receipt)")
    m.claim_all()
    m.snapshot_pool("day 2 end")

    # --- day 3: everyone's held stake comes back
    m.at(3, 9)
    m.fund(1_000 * MOR)
    m.snapshot_pool("day 3 09:00")
    for cname, account in m.consumers.items():
        held = p.router.holdOf(account)[1]
        if held:
            m.tx("withdrawHeld", p.router.withdrawHeld(sender=account))
            m.say(f"{cname} withdrew the rest of the held stake, {mor(held)}")


def per_second(price: int) -> str:
    """A price per second, with what it comes to per hour."""
    return f"{price / 10**18:.6f} MOR/s ({price * 3600 / 10**18:.4f} MOR/h)"


def hours(seconds: int) -> str:
    return f"{seconds:,} s ({seconds / 3600:.2f} h)"


def report(m: Market) -> str:
    p = m.p
    lines = ["# Market day on the local fork of Arbitrum Sepolia", ""]
    lines += ["## Story", "", "```", *m.events, "```", ""]
    lines += [
        "## Providers",
        "",
        "| provider | stake | active bids | completed | disputed | earned | owed | best score (balanced) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for name, account in m.providers.items():
        record = p.marketplace.providerRecord(account)
        bids = ops.provider_bids(p, account)
        completed = disputed = earned = 0
        best = 0
        for bid in bids:
            model = p.marketplace.bid(bid).modelId
            st = p.router.stats(account, model)
            completed, disputed, earned = completed + st.completed, disputed + st.disputed, earned + st.earnings
            best = max(best, p.reputation.scoreOf(bid, BALANCED.as_tuple()))
        lines.append(
            f"| {name} | {mor(record.stake)} | {len(bids)} | {completed} | {disputed} | {mor(earned)} | "
            f"{mor(p.pool.owed(account))} | {best / 1e18:.4f} |"
        )
    lines += [
        "",
        "## Sessions",
        "",
        "What each stake bought (duration x price) and who paid the provider: the pool in stipend mode "
        "(credited, then claimed within the day's budget), the consumer's stake in direct mode.",
        "",
        "| consumer | provider | model | mode | price (MOR/s) | stake | duration bought | worth | used | provider paid | paid by | stake back at close | held to midnight | closed by |",
        "|---|---|---|---|---:|---:|---:|---:|---:|---:|---|---:|---:|---|",
    ]
    for row in m.sessions.values():
        payer = "pool" if row["mode"] == "stipend" else row["consumer"]
        lines.append(
            f"| {row['consumer']} | {row['provider']} | {row['model']} | {row['mode']} | {row['price'] / 1e18:.6f} | "
            f"{mor(row['stake'])} | {row['duration']:,} s | {mor(row['worth'])} | {row.get('seconds', 0):,} s | "
            f"{mor(row.get('paid', 0))} | {payer} | {mor(row.get('returned', 0))} | {mor(row.get('held', 0))} | "
            f"{row.get('closer', 'open')} ({row.get('how', '')}) |"
        )
    lines += [
        "",
        "## Inference",
        "",
        "Every session's requests went through the provider's node over HTTP (each signed by the consumer). "
        "Time to first token (median, ms) and tokens per second as the provider's node measured them and signed "
        "in its receipt, and as the consumer measured them itself (its time includes the node and the network). "
        "A receipt far better than the consumer's own measurement is disputed (closed without it).",
        "",
        "| consumer | provider | requests | node: ttft | node: tok/s | consumer: ttft | consumer: tok/s | closed |",
        "|---|---|---:|---:|---:|---:|---:|---|",
    ]
    for row in m.sessions.values():

        def cell(value: Any) -> str:
            return "-" if value is None else str(value)

        verdict = "disputed" if str(row.get("how", "")).startswith("disputed") else row.get("closer", "open")
        lines.append(
            f"| {row['consumer']} | {row['provider']} | {row.get('requests', 0)} | {cell(row.get('node_ttft'))} | "
            f"{cell(row.get('node_tps'))} | {cell(row.get('own_ttft'))} | {cell(row.get('own_tps'))} | {verdict} |"
        )
    lines += [
        "",
        "## Compute pool",
        "",
        "| moment | balance | budget of the day | paid that day | budget used |",
        "|---|---:|---:|---:|---:|",
    ]
    for row in m.pool_days:
        used = f"{100 * row['paid'] / row['budget']:.4f}%" if row["budget"] else "-"
        lines.append(f"| {row['label']} | {mor(row['balance'])} | {mor(row['budget'])} | {mor(row['paid'])} | {used} |")
    lines += [
        "",
        "The budget is 1% of the previous day's closing balance; a young market uses a sliver of it (the pool "
        "can pay far more compute than these few sessions bought).",
    ]
    lines += [
        "",
        "## Consumers",
        "",
        "| consumer | MOR balance | locked in open sessions | held | withdrawable |",
        "|---|---:|---:|---:|---:|",
    ]
    for name, account in m.consumers.items():
        held, withdrawable = p.router.holdOf(account)
        locked = sum(s["stake"] for s in ops.sessions(p, m.start_block, account.address) if s["closedAt"] == 0)
        lines.append(
            f"| {name} | {mor(p.mor.balanceOf(account))} | {mor(locked)} | {mor(held)} | {mor(withdrawable)} |"
        )
    lines += ["", "## Conservation", ""]
    checks = [
        ("Marketplace", p.mor.balanceOf(p.marketplace), p.marketplace.totalStake() + p.marketplace.feeBalance()),
        ("ModelRegistry", p.mor.balanceOf(p.model_registry), p.model_registry.totalStake()),
        ("ComputePool", p.mor.balanceOf(p.pool), p.pool.poolBalance()),
        ("SessionRouter", p.mor.balanceOf(p.router), p.router.totalLocked()),
    ]
    lines += ["| contract | holds | owes | to the wei |", "|---|---:|---:|---|"]
    for name, balance, owed in checks:
        verdict = f"exact ({balance} wei)" if balance == owed else f"MISMATCH: {balance} != {owed} wei"
        lines.append(f"| {name} | {mor(balance)} | {mor(owed)} | {verdict} |")
    lines += [
        "",
        "## Gas per operation (gas_used of the receipts)",
        "",
        "A young market: most of these calls write fresh storage (a pair's first statistics, a consumer's first "
        "hold, a provider's first credit). Steady-state figures and their scaling are in benchmarks/gas.md.",
        "",
        "| operation | calls | median gas |",
        "|---|---:|---:|",
    ]
    for name, used in sorted(m.gas.items()):
        lines.append(f"| {name} | {len(used)} | {int(statistics.median(used)):,} |")
    return "\n".join(lines) + "\n"


def chart(m: Market, path: Path) -> None:
    """Pool balance (line) on the left axis; the day's budget (steps) and what the pool paid each
    day (bars) on the right; the time axis is true time, in days since the start of day 0."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    start = m.day0 * DAY
    x = [(t - start) / DAY for t, _, _, _ in m.pool_points]
    # A day's budget holds from its midnight: one point at each midnight with that day's budget.
    budget_of = {int(xi): budget for xi, (_, _, budget, _) in zip(x, m.pool_points, strict=True)}
    budget_x = sorted({*x, *(float(d) for d in budget_of)})
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(9, 6), sharex=True, height_ratios=[3, 2])
    top.step(x, [b / 1e18 for _, b, _, _ in m.pool_points], where="post", marker="o", label="pool balance")
    top.set_ylabel("pool balance (MOR)")
    right = top.twinx()
    right.step(
        budget_x,
        [budget_of.get(int(xi), 0) / 1e18 for xi in budget_x],
        where="post",
        color="tab:orange",
        label="budget of the day",
    )
    right.set_ylabel("budget of the day (MOR)")
    top.set_title("Compute pool: balance, daily budget (1% of the previous day's close) and paid", fontsize=10)
    fig.legend(loc="upper left", bbox_to_anchor=(0.1, 0.93))
    paid_by_day: dict[int, int] = {}
    for t, _, _, paid in m.pool_points:
        paid_by_day[(t - start) // DAY] = paid
    days = sorted(paid_by_day)
    bottom.bar([d + 0.5 for d in days], [paid_by_day[d] / 1e18 for d in days], width=0.6, color="tab:green")
    for d in days:
        used = f" ({100 * paid_by_day[d] / budget_of[d]:.3f}% of budget)" if budget_of.get(d) else ""
        bottom.annotate(
            f"{paid_by_day[d] / 1e18:.4f} MOR{used}", (d + 0.5, paid_by_day[d] / 1e18), ha="center", va="bottom"
        )
    bottom.set_ylabel("paid by the pool that day (MOR)")
    bottom.set_xlabel("time (days since the start of day 0, UTC)")
    bottom.set_xlim(0, max(x) + 0.5)
    bottom.set_ylim(0, max(paid_by_day.values()) / 1e18 * 1.4 or 1)
    fig.tight_layout()
    fig.savefig(path, dpi=110, metadata={"Software": None})


@click.command(cls=ConnectedProviderCommand, short_help="Deploy and play a market day, then report")
@click.option(
    "--example",
    is_flag=True,
    help="Write the committed example, reports/market-day.md and .png, instead of reports/latest/ (ignored by git).",
)
def cli(example: bool) -> None:
    """Deploy, play a market day and the next on this network, print the report and write it with
    its chart to reports/latest/ (git ignores it), or with --example to the committed example."""
    m = Market()
    with m.servers, one_line_errors("market day"):
        play(m)
        text = report(m)
    folder = REPORTS if example else REPORTS / "latest"
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "market-day.md").write_text(text)
    chart(m, folder / "market-day.png")
    click.echo("")
    click.echo(text)
    click.echo(
        f"written: {(folder / 'market-day.md').relative_to(ROOT)}, {(folder / 'market-day.png').relative_to(ROOT)}"
    )
