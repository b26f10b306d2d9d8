"""The main job: deploy with the deploy script's code, then play a market day (and the next)
on the local fork of Arbitrum Sepolia with the operating code, and report.

Whitelisted providers register and bid at competing prices for two models, the emission source
funds the pool, consumers rank bids by reputation and open sessions with signed approvals,
time passes, sessions close (one disputed, one by the keeper after expiry), providers claim
within the budget, the next day's budget is recomputed, held stakes are withdrawn, governance
turns the whitelist off and a staked newcomer joins."""

from __future__ import annotations

import statistics
from collections import defaultdict
from pathlib import Path
from typing import Any

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand

from mor_market import governance as gov
from mor_market import operations as ops
from mor_market.cli import ROOT, load_protocol, mor, one_line_errors
from mor_market.constants import DAY, MOR
from mor_market.deployment import deploy_network
from mor_market.ranking import BALANCED, Weights

REPORTS = ROOT / "reports"
PRICE_FOCUSED = Weights(reliability=1, disputes=1, price=4)
QUALITY_FOCUSED = Weights(reliability=3, disputes=3, lag=2, speed=2, price=1)


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
        self.events: list[str] = []
        self.p: Any = None
        self.start_block = 0
        self.nonce = 0

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

    def snapshot_pool(self, label: str) -> None:
        budget, paid, balance = self.p.pool.today()
        self.pool_days.append({"label": label, "balance": balance, "budget": budget, "paid": paid})

    def approval(self, provider: str, bid: int, consumer: Any) -> dict[str, Any]:
        self.nonce += 1
        signer = self.bob_signer if provider == "bob" else self.providers[provider]
        return ops.sign_approval(self.p, signer, bid, consumer.address, self.nonce, chain.pending_timestamp + 600)

    def receipt(self, provider: str, session: int, ttft_ms: int, tps: int) -> dict[str, Any]:
        signer = self.bob_signer if provider == "bob" else self.providers[provider]
        return ops.sign_receipt(self.p, signer, session, ttft_ms, tps, chain.pending_timestamp + 600)


def play(m: Market) -> None:
    m.day0 = chain.pending_timestamp // DAY
    record = deploy_network(project, m.governance, force=True)
    m.p = p = load_protocol(record["network"])
    m.start_block = record["block"]
    m.say(
        f"deployed and verified at block {record['block']}: {', '.join(f'{k} {v[:10]}' for k, v in record['contracts'].items())}"
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
    stakes = {"alice": 500 * MOR, "bob": 1_000 * MOR, "carol": 200 * MOR}
    for name, account in m.providers.items():
        m.tx("register", ops.register_provider(p, account, f"{name}.gpu.example:3333", stakes[name]))
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
    m.say(f"3 providers registered and posted {len(bids)} bids for 2 models")

    # --- the emission source funds the pool (day 0); day 1's budget is 1% of it
    m.tx("fund", _fund(p, m.emission, 100_000 * MOR))
    m.snapshot_pool("day 0 (funded)")
    m.say(f"emission source funded the pool with {mor(100_000 * MOR)}")

    # --- day 1: consumers rank and open
    m.at(1, 8)
    m.tx("fund", _fund(p, m.emission, 1_000 * MOR))
    m.snapshot_pool("day 1 08:00")
    budget = p.pool.today()[0]
    m.say(f"day 1 budget is {mor(budget)} (1% of yesterday's closing balance)")
    dave, erin = m.consumers["dave"], m.consumers["erin"]
    best_a = ops.ranked_bids(p, model_a, PRICE_FOCUSED)[0]
    owner_of = {v: k for k, v in bids.items()}
    name_a = owner_of[best_a.bid_id][0]
    quoted = ops.quote(p, best_a.bid_id, dave.address, 5_000 * MOR)
    m.say(
        f"dave's quote on {name_a}'s llama bid (reached at {best_a.endpoint}): 5,000 MOR buys "
        f"{quoted['durationSeconds']:,} s of compute worth {mor(quoted['worth'])}; opens: {quoted['opens']}"
    )
    s_dave, tx = ops.open_session(
        p, dave, m.approval(name_a, best_a.bid_id, dave), 5_000 * MOR, ops.STIPEND, permit=True
    )
    m.tx("openSession (stipend, permit)", tx)
    m.say(f"dave ranked llama bids by price, picked {name_a}, opened a stipend session with 5,000 MOR (one tx, permit)")
    best_b = ops.ranked_bids(p, model_b, QUALITY_FOCUSED)[0]
    name_b = owner_of[best_b.bid_id][0]
    s_erin_b, tx = ops.open_session(p, erin, m.approval(name_b, best_b.bid_id, erin), 2_000 * MOR)
    m.tx("openSession (stipend)", tx)
    s_erin_alice, tx = ops.open_session(p, erin, m.approval("alice", bids[("alice", model_a)], erin), 3_000 * MOR)
    m.tx("openSession (stipend)", tx)
    s_dave_direct, tx = ops.open_session(
        p, dave, m.approval("alice", bids[("alice", model_b)], dave), 50 * MOR, ops.DIRECT
    )
    m.tx("openSession (direct)", tx)
    m.say(f"erin opened on {name_b} (mistral) and alice (llama); dave opened a direct-mode session with alice")

    # --- time passes; sessions close
    m.at(1, 10)
    m.tx("closeSession (receipt)", ops.close_session(p, dave, s_dave, m.receipt(name_a, s_dave, 350, 45)))
    m.say(f"dave closed his {name_a} session with a receipt (ttft 350 ms, 45 tok/s)")
    m.at(1, 11)
    m.tx("closeSession (disputed)", ops.close_session(p, erin, s_erin_alice))
    m.say("erin closed her alice session without a receipt: a dispute (alice is still paid)")
    m.at(1, 16)
    m.tx(
        "closeSession (receipt)", ops.close_session(p, dave, s_dave_direct, m.receipt("alice", s_dave_direct, 420, 38))
    )
    m.say("dave closed the direct session with a receipt: alice paid from the stake")
    ends = p.router.session(s_erin_b).endsAt
    chain.mine(timestamp=max(ends + 1_800, chain.pending_timestamp))
    for _, tx in ops.close_expired(p, m.keeper, m.start_block, 10):
        m.tx("closeSession (keeper)", tx)
    m.say(f"erin's {name_b} session ran out; the keeper closed it")

    # --- providers claim within today's budget
    for name, account in m.providers.items():
        if p.pool.owed(account):
            tx = m.tx("claim", p.pool.claim(account, sender=account))
            m.say(f"{name} claimed {mor(tx.decode_logs(p.pool.Claimed)[0].amount)}")
    m.snapshot_pool("day 1 22:00")

    # --- day 2: budget recomputed, holds released, whitelist off, a newcomer
    m.at(2, 9)
    m.tx("fund", _fund(p, m.emission, 1_000 * MOR))
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
    m.tx("register", ops.register_provider(p, frank, "frank.gpu.example:3333", 150 * MOR))
    bids[("frank", model_a)], tx = ops.post_bid(p, frank, model_a, 9 * 10**12)
    m.tx("postBid", tx)
    owner_of = {v: k for k, v in bids.items()}
    m.say("governance turned the whitelist off for good; frank staked 150 MOR (minimum 100) and bid for llama")
    ranked = ops.ranked_bids(p, model_a, QUALITY_FOCUSED)
    m.say(
        "erin's quality ranking of llama: " + ", ".join(f"{owner_of[r.bid_id][0]} {r.score / 1e18:.3f}" for r in ranked)
    )
    pick = ranked[0]
    s_erin2, tx = ops.open_session(p, erin, m.approval(owner_of[pick.bid_id][0], pick.bid_id, erin), 2_500 * MOR)
    m.tx("openSession (stipend, hold released)", tx)
    m.say(f"erin opened on {owner_of[pick.bid_id][0]}; her held stake from day 1 counted towards it")
    m.at(2, 12)
    name = owner_of[pick.bid_id][0]
    m.tx("closeSession (receipt)", ops.close_session(p, erin, s_erin2, m.receipt(name, s_erin2, 300, 50)))
    for account in m.providers.values():
        if p.pool.owed(account):
            m.tx("claim", p.pool.claim(account, sender=account))
    m.snapshot_pool("day 2 12:00")

    # --- day 3: everyone's held stake comes back
    m.at(3, 9)
    m.tx("fund", _fund(p, m.emission, 1_000 * MOR))
    m.snapshot_pool("day 3 09:00")
    for cname, account in m.consumers.items():
        if p.router.holdOf(account)[1]:
            m.tx("withdrawHeld", p.router.withdrawHeld(sender=account))
            m.say(f"{cname} withdrew the rest of the held stake")


def _fund(p: Any, funder: Any, amount: int) -> Any:
    p.mor.approve(p.pool, amount, sender=funder)
    return p.pool.fund(amount, sender=funder)


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
        "## Compute pool",
        "",
        "| moment | balance | budget of the day | paid that day |",
        "|---|---:|---:|---:|",
    ]
    for row in m.pool_days:
        lines.append(f"| {row['label']} | {mor(row['balance'])} | {mor(row['budget'])} | {mor(row['paid'])} |")
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
    for name, balance, owed in checks:
        lines.append(f"- {name}: holds {balance} wei, owes {owed} wei: {'exact' if balance == owed else 'MISMATCH'}")
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
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    labels = [row["label"] for row in m.pool_days]
    fig, left = plt.subplots(figsize=(9, 4.5))
    left.plot(labels, [row["balance"] / 1e18 for row in m.pool_days], marker="o", label="pool balance")
    left.set_ylabel("pool balance (MOR)")
    right = left.twinx()
    right.bar(
        labels, [row["budget"] / 1e18 for row in m.pool_days], alpha=0.3, color="tab:orange", label="budget of the day"
    )
    right.set_ylabel("daily budget (MOR)")
    left.set_title("Compute pool: balance and daily budget (1% of the previous day's closing balance)", fontsize=10)
    left.tick_params(axis="x", rotation=20)
    left.set_zorder(right.get_zorder() + 1)
    left.patch.set_visible(False)
    fig.legend(loc="lower right", bbox_to_anchor=(0.86, 0.2))
    fig.tight_layout()
    fig.savefig(path, dpi=110)


@click.command(cls=ConnectedProviderCommand, short_help="Deploy and play a market day, then report")
def cli() -> None:
    """Deploy, play a market day and the next on this network, print and write the report."""
    m = Market()
    with one_line_errors("market day"):
        play(m)
    text = report(m)
    REPORTS.mkdir(exist_ok=True)
    (REPORTS / "market-day.md").write_text(text)
    chart(m, REPORTS / "market-day.png")
    click.echo("")
    click.echo(text)
    click.echo(
        f"written: {(REPORTS / 'market-day.md').relative_to(ROOT)}, {(REPORTS / 'market-day.png').relative_to(ROOT)}"
    )
