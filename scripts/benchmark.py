"""`ape run benchmark`: gas of every user-facing transaction (gas_used of its receipt, and its
calldata size), measured with N = 1, 100 and 1,000 existing providers, bids, sessions of the
same consumer and provider, and elapsed days; the bounded views (ranking windows, listings) at 10 to 10,000 bids and the catalog at 10 to 1,000 models;
bytecode sizes and the gas of a full deployment. Writes benchmarks/gas.md and gas.json and,
with --check, fails if a contract exceeds the size limit, an operation misses its target (TARGETS,
from the issues) or grows with N by more than 1%."""

from __future__ import annotations

import json
import time
from typing import Any

import click
from ape import accounts, chain, project
from ape.cli import ConnectedProviderCommand

from mor_market import eip712, gas_report
from mor_market.cli import ROOT
from mor_market.constants import DAY, MOR
from mor_market.deploy import Params, Protocol, deploy
from mor_market.gas_report import SCALES, TARGETS, VIEW_GAS_LIMIT
from mor_market.ids import session_id
from mor_market.ranking import BALANCED, Inputs, merge_windows, rank

VIEW_SIZES = (10, 100, 1_000, 10_000)  # bids of one model, for the bounded views (issue 17)
CHECK_VIEW_SIZES = (10, 100, 1_000)
CATALOG_SIZES = (10, 100, 1_000)
CHECK_CATALOG_SIZES = (10, 100)  # --check stops here: 10,000 bids take minutes to create
PRICE = 10**13
OUT = ROOT / "benchmarks"


class Bench:
    def __init__(self) -> None:
        test = accounts.test_accounts
        self.owner, self.provider, self.consumer = test[0], test[1], test[3]
        self.keeper, self.model_owner, self.funder = test[5], test[7], test[9]
        self.newcomer = test.generate_test_account()
        self.p: Protocol | None = None
        self.model = 0
        self.bid = 0
        self.deploy_gas: dict[str, int] = {}

    # ------------------------------------------------------------- setup

    def setup(self) -> None:
        params = Params(min_provider_stake=0, max_session_duration=4 * 3_600, min_session_duration=60)
        start = chain.blocks.head.number
        self.p = p = deploy(project, self.owner, str(_mor_address()), params)
        for block in range(start + 1, chain.blocks.head.number + 1):
            for tx in chain.blocks[block].transactions:
                receipt = chain.get_receipt(tx.txn_hash.hex() if hasattr(tx.txn_hash, "hex") else tx.txn_hash)
                name = _name_of(p, receipt.contract_address) if receipt.contract_address else receipt.method_called.name
                self.deploy_gas[name] = self.deploy_gas.get(name, 0) + receipt.gas_used
        p.marketplace.disableWhitelist(sender=self.owner)
        chain.provider.set_balance(self.newcomer.address, 10**20)
        p.mor.mint(self.newcomer, 10_000 * MOR, sender=self.funder)
        tags = [b"llm".ljust(32, b"\0")]
        tx = p.model_registry.registerModel("bench-model", b"\x01" * 32, tags, 0, sender=self.model_owner)
        self.model = tx.decode_logs(p.model_registry.ModelRegistered)[0].modelId
        p.mor.approve(p.marketplace, 10**30, sender=self.provider)
        p.mor.approve(p.marketplace, 10**30, sender=self.newcomer)
        p.mor.approve(p.router, 10**30, sender=self.consumer)
        p.mor.approve(p.pool, 10**30, sender=self.funder)
        p.marketplace.register("bench.gpu.example:3333", 1_000 * MOR, sender=self.provider)
        tx = p.marketplace.postBid(self.model, PRICE, sender=self.provider)
        self.bid = tx.decode_logs(p.marketplace.BidPosted)[0].bidId
        p.pool.fund(500_000 * MOR, sender=self.funder)
        self.crowd = project.Crowd.deploy(sender=self.owner)
        # Another consumer's open session: the router holds MOR, as it does in a live market.
        other = accounts.test_accounts[4]
        p.mor.approve(p.router, 100 * MOR, sender=other)
        deadline = chain.pending_timestamp + 3_600
        message = eip712.approval_message(p.router.address, chain.chain_id, self.bid, other.address, 1, deadline)
        p.router.openSession(self.bid, 1, deadline, 100 * MOR, 1, eip712.sign(self.provider, message), sender=other)

    def grow(self, n: int) -> None:
        """n providers and bids in all, n earlier completed sessions of the consumer with the
        provider, n days."""
        p = self.p
        self.join(n - 1)
        chain.mine(timestamp=(chain.pending_timestamp // DAY + 1) * DAY + 3_600)
        for i in range(n):
            # The steady state: earlier sessions the consumer closed with the provider's receipt,
            # early, so every statistics slot of the pair is already in use (the first completed
            # close of a pair pays once for a fresh slot). Each lasts the rated minimum: a shorter
            # one would record nothing.
            session = self.open(1 + i, 0)
            chain.pending_timestamp += int(p.router.MIN_RATED_SECONDS())
            deadline = chain.pending_timestamp + 600
            message = eip712.receipt_message(p.router.address, chain.chain_id, session, 250, 40, deadline)
            signature = eip712.sign(self.provider, message)
            tx = p.router.closeSessionWithReceipt(session, 250, 40, deadline, signature, sender=self.consumer)
            assert tx.decode_logs(p.router.SessionClosed)[0].weight > 0, "the history must rate"
            if i == 0:  # and a dispute, so that the disputes slot is in use too
                disputed = self.open(10**6 + 1 + i, 0)
                chain.pending_timestamp += int(p.router.MIN_RATED_SECONDS())
                p.router.closeSession(disputed, sender=self.consumer)
        chain.mine(timestamp=(chain.pending_timestamp // DAY + n) * DAY + 8 * 3_600)
        if p.router.holdOf(self.consumer)[1]:
            p.router.withdrawHeld(sender=self.consumer)
        p.pool.fund(MOR, sender=self.funder)  # closes the books of the new day for every N alike
        if p.pool.owed(self.provider):
            p.pool.claim(self.provider, sender=self.provider)

    def join(self, count: int) -> None:
        while count > 0:
            batch = min(count, 40)
            self.crowd.join(self.p.marketplace, self.model, PRICE * 2, batch, sender=self.owner)
            count -= batch

    def open(self, nonce: int, mode: int, bid: int | None = None) -> int:
        p, bid = self.p, bid or self.bid
        deadline = chain.pending_timestamp + 3_600
        message = eip712.approval_message(p.router.address, chain.chain_id, bid, self.consumer.address, nonce, deadline)
        signature = eip712.sign(self.provider, message)
        self.last = p.router.openSession(bid, nonce, deadline, 1_000 * MOR, mode, signature, sender=self.consumer)
        return session_id(self.consumer.address, nonce)

    # ------------------------------------------------------------- measurement

    def measure(self) -> dict[str, dict[str, int]]:
        p, gas = self.p, {}

        def rec(name: str, receipt: Any) -> Any:
            gas[name] = {"gas": receipt.gas_used, "calldata": len(bytes(receipt.transaction.data))}
            return receipt

        q = self.newcomer
        rec("register", p.marketplace.register("newcomer.gpu.example:3333", 200 * MOR, sender=q))
        rec("addStake", p.marketplace.addStake(10 * MOR, sender=self.provider))
        tags = [b"llm".ljust(32, b"\0")]
        tx = rec(
            "registerModel",
            p.model_registry.registerModel("second-model", b"\x02" * 32, tags, 0, sender=self.model_owner),
        )
        second = tx.decode_logs(p.model_registry.ModelRegistered)[0].modelId
        rec("postBid (new pair)", p.marketplace.postBid(second, PRICE, sender=self.provider))
        tx = rec("postBid (provider's first)", p.marketplace.postBid(self.model, PRICE, sender=q))
        q_bid = tx.decode_logs(p.marketplace.BidPosted)[0].bidId
        tx = rec("replaceBid", p.marketplace.postBid(self.model, PRICE, sender=self.provider))
        self.bid = tx.decode_logs(p.marketplace.BidPosted)[0].bidId
        rec("deleteBid", p.marketplace.deleteBid(q_bid, sender=q))
        rec("deregister", p.marketplace.deregister(sender=q))
        rec("fund", p.pool.fund(1_000 * MOR, sender=self.funder))
        base = 10**9
        stipend = self.open(base + 1, 0)
        rec("openSession (stipend)", self.last)
        direct = self.open(base + 2, 1)
        rec("openSession (direct)", self.last)
        expiring = self.open(base + 3, 0)
        chain.pending_timestamp += 3_600
        deadline = chain.pending_timestamp + 600
        message = eip712.receipt_message(p.router.address, chain.chain_id, stipend, 300, 42, deadline)
        signature = eip712.sign(self.provider, message)
        rec(
            "closeSession (receipt)",
            p.router.closeSessionWithReceipt(stipend, 300, 42, deadline, signature, sender=self.consumer),
        )
        rec("closeSession (disputed)", p.router.closeSession(direct, sender=self.consumer))
        rec("claim", p.pool.claim(self.provider, sender=self.provider))
        chain.pending_timestamp = p.router.session(expiring).endsAt + 60
        rec("closeSession (keeper)", p.router.closeSession(expiring, sender=self.keeper))
        chain.pending_timestamp += 3_600
        deadline = chain.pending_timestamp + 600
        message = eip712.receipt_message(p.router.address, chain.chain_id, expiring, 280, 45, deadline)
        signature = eip712.sign(self.provider, message)
        rec(
            "rateSessionWithReceipt (late)",
            p.router.rateSessionWithReceipt(expiring, 280, 45, deadline, signature, sender=self.consumer),
        )
        chain.mine(timestamp=(chain.pending_timestamp // DAY + 1) * DAY + 9 * 3_600)
        rec("withdrawHeld", p.router.withdrawHeld(sender=self.consumer))
        o = self.owner
        rec("setWhitelisted", p.marketplace.setWhitelisted(self.keeper, True, sender=o))
        rec("setMinProviderStake", p.marketplace.setMinProviderStake(100 * MOR, sender=o))
        rec("setPriceBounds", p.marketplace.setPriceBounds(10**9, 10**17, sender=o))
        rec("setBidFee", p.marketplace.setBidFee(MOR, sender=o))
        rec("setMinModelStake", p.model_registry.setMinModelStake(MOR, sender=o))
        rec("setGuardian", p.router.setGuardian(self.keeper, sender=o))
        rec("setDurationBounds", p.router.setDurationBounds(120, 2 * DAY, sender=o))
        rec("setReferenceSupply", p.router.setReferenceSupply(10**25, sender=o))
        rec("pause (router, by its guardian)", p.router.pause(sender=self.keeper))
        rec("unpause (router)", p.router.unpause(sender=o))
        return gas

    def view_gas(self, sizes: tuple[int, ...]) -> dict[str, dict[str, int]]:
        """Gas of every bounded view at each market size: the largest single call, the calls to
        read everything, and the proof that the merged ranking windows equal the Python ranking."""
        p, result, have = self.p, {}, 1
        weights = BALANCED.as_tuple()
        window = int(p.reputation.MAX_WINDOW())
        for size in sizes:
            self.join(size - have)
            have = size
            block = chain.blocks.head.number
            calls, windows = [], []
            for offset in range(0, size, window):
                calls.append(self._estimate(p.reputation.rankWindow, self.model, weights, offset, window))
                ranked, _ = p.reputation.rankWindow(self.model, weights, offset, window, block_id=block)
                windows.append([(int(r[0]), int(r[2])) for r in ranked])
            bids = [
                int(b)
                for offset in range(0, size, 500)
                for b in p.marketplace.activeBidsOfModel(self.model, offset, 500)
            ]
            expected = rank({b: Inputs.from_chain(p.reputation.inputsOf(b, block_id=block)) for b in bids}, BALANCED)
            listing_page = min(size, 500)
            result[str(size)] = {
                "rankWindow max": max(calls),
                "rankWindow calls": len(calls),
                "rankWindow total": sum(calls),
                "merged equals Python": int(merge_windows(windows) == expected and len(expected) == size),
                "bidListings (one page)": self._estimate(p.marketplace.bidListings, self.model, 0, listing_page),
                "activeBidsOfModel (one page)": self._estimate(
                    p.marketplace.activeBidsOfModel, self.model, 0, listing_page
                ),
            }
            click.echo(f"views at {size:,} bids: rankWindow max {max(calls):,} gas in {len(calls)} calls")
        return result

    def catalog_gas(self, sizes: tuple[int, ...]) -> dict[str, dict[str, int]]:
        """Gas of the model listing and the one-call views at 10 to 1,000 models."""
        p, result = self.p, {}
        have = int(p.model_registry.modelCount())
        tags = [b"llm".ljust(32, b"\0")]
        for size in sizes:
            for i in range(have, size):
                p.model_registry.registerModel(f"catalog-model-{i}", b"\x03" * 32, tags, 0, sender=self.model_owner)
            have = max(have, size)
            result[str(size)] = {
                "models (page of 100)": self._estimate(p.model_registry.models, 0, 100, False),
                "models (page of 100, active only)": self._estimate(p.model_registry.models, 0, 100, True),
                "modelIdByName": self._estimate(p.model_registry.modelIdByName, "Bench-Model"),
                "pool health": self._estimate(p.pool.health),
                "quote (stipend)": self._estimate(p.router.quote, self.bid, self.consumer.address, 1_000 * MOR, 0),
                "activeBidsOfProvider (page)": self._estimate(
                    p.marketplace.activeBidsOfProvider, self.provider, 0, 500
                ),
            }
        return result

    @staticmethod
    def _estimate(method: Any, *args: Any) -> int:
        data = method.as_transaction(*args).data
        to = method.contract.address
        used = chain.provider.web3.eth.estimate_gas({"to": str(to), "data": data})
        if used > VIEW_GAS_LIMIT:
            raise click.ClickException(f"{method.abis[0].name} needs {used:,} gas (limit {VIEW_GAS_LIMIT:,})")
        return used

    def sizes(self) -> dict[str, int]:
        p = self.p
        named = {
            "ModelRegistry": p.model_registry,
            "Marketplace": p.marketplace,
            "ComputePool": p.pool,
            "SessionRouter": p.router,
            "Reputation": p.reputation,
        }
        return {name: len(bytes(chain.provider.get_code(c.address))) for name, c in named.items()}


def _mor_address() -> str:
    from mor_market.constants import MOR_SEPOLIA_ADDRESS

    return MOR_SEPOLIA_ADDRESS


def _name_of(p: Protocol, address: str) -> str:
    for name, contract in p.addresses().items():
        if contract == address:
            return f"deploy {name}"
    return f"deploy {address}"


@click.command(cls=ConnectedProviderCommand, short_help="Measure gas and write benchmarks/gas.md")
@click.option("--check", is_flag=True, help="Fail on a size over the limit, a missed target or growth with N over 1%.")
@click.option("--no-write", is_flag=True, help="Do not rewrite benchmarks/gas.md and gas.json.")
def cli(check: bool, no_write: bool) -> None:
    """Run the gas and scale benchmark."""
    started = time.monotonic()
    bench = Bench()
    bench.setup()
    base = chain.snapshot()
    scales: dict[str, dict[str, dict[str, int]]] = {}
    for n in SCALES:
        chain.restore(base)
        base = chain.snapshot()
        bench.bid = bench.p.marketplace.activeBidOf(bench.provider, bench.model)
        bench.grow(n)
        scales[str(n)] = bench.measure()
        click.echo(f"N = {n}: measured {len(scales[str(n)])} operations")
    chain.restore(base)
    catalog = bench.catalog_gas(CHECK_CATALOG_SIZES if check else CATALOG_SIZES)
    views = bench.view_gas(CHECK_VIEW_SIZES if check else VIEW_SIZES)
    growth = {}
    for name in scales[str(SCALES[0])]:
        figures = [scales[str(n)][name]["gas"] for n in SCALES]
        growth[name] = (max(figures) - min(figures)) / min(figures)
    result = {
        "seconds": time.monotonic() - started,
        "scales": scales,
        "growth": growth,
        "views": views,
        "catalog": catalog,
        "sizes": bench.sizes(),
        "deploy_gas": bench.deploy_gas,
        "targets": TARGETS,
    }
    text = gas_report.render(result)
    if not no_write:
        OUT.mkdir(exist_ok=True)
        (OUT / "gas.md").write_text(text)
        (OUT / "gas.json").write_text(json.dumps(result, indent=2) + "\n")
    click.echo(text)
    failures = gas_report.failures(result)
    if check and failures:
        raise click.ClickException("benchmark check failed: " + "; ".join(failures))
    if check:
        click.echo(
            "benchmark check passed: every contract under the size limit, every target met, "
            "no operation grows with N by over 1%"
        )
