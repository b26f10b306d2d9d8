"""The invariants checked after every step: every PROTOCOL.md promise."""

from __future__ import annotations

import sys
import time
from collections import Counter
from typing import Any

from hypothesis.stateful import invariant

from tests.properties.model import (
    BPS,
    BUDGET_BPS,
    EventReplay,
    Hold,
    bid_id,
    day_of,
)
from tests.properties.world import (
    CONSUMERS,
    CONTRACTS,
    EVERYONE,
    KEEPER,
    NAME_LOOKUPS,
    PAUSABLE,
    PROVIDERS,
    ZERO_STATS,
    ViewBatch,
    checksum,
    decode_event,
)


class Invariants:
    """The invariants checked after every step: every PROTOCOL.md promise."""

    # ================================================================== invariants

    def views(self) -> dict[str, Any]:
        """Every view the invariants compare, read in one batch (cached until the next transaction)."""
        if self._views is not None:
            return self._views
        w, m = self.w, self.model
        started = time.perf_counter()
        batch = ViewBatch(w.rpc)
        keys: dict[Any, int] = {"head": batch.head_timestamp()}
        holders = sorted(set(m.token.balances) | {a.address for a in w.actors.values()})
        for h in holders:
            keys[("balance", h)] = batch.view(w.mor, "balanceOf", h)
        keys["supply"] = batch.view(w.mor, "totalSupply")
        for name in (
            "totalStake",
            "feeBalance",
            "whitelistEnabled",
            "minProviderStake",
            "priceBounds",
            "bidFee",
            "paused",
        ):
            keys[("mp", name)] = batch.view(w.marketplace, name)
        for name in ("totalStake", "minModelStake", "paused", "modelCount"):
            keys[("mr", name)] = batch.view(w.model_registry, name)
        for name in ("poolBalance", "today", "lastClose", "budgetBps"):
            keys[("pool", name)] = batch.view(w.pool, name)
        keys[("pool", "totalOwed")] = batch.view(w.pool, "totalOwed")
        keys[("pool", "health")] = batch.view(w.pool, "health")
        for name in ("totalLocked", "durationBounds", "paused", "referenceSupply"):
            keys[("router", name)] = batch.view(w.router, name)
        for contract in PAUSABLE:
            keys[("guardian", contract)] = batch.view(w.contract(contract), "guardian")
            keys[("pauseState", contract)] = batch.view(w.contract(contract), "pauseState")
        # the stipend of the smallest stake that opens a minimum session at the minimum price today
        stake = m.smallest_stipend_stake_today()
        if stake is not None:
            keys["stipend at smallest stake"] = batch.view(w.router, "stipendDuration", stake, m.min_price)
            keys["stipend a wei below"] = batch.view(w.router, "stipendDuration", stake - 1, m.min_price)
        keys["timelock delay"] = batch.view(w.timelock, "getMinDelay")
        keys["side minModelStake"] = batch.view(w.side_registry, "minModelStake")
        for op in m.timelock.timestamps:
            keys[("op timestamp", op)] = batch.view(w.timelock, "getTimestamp", op)
            keys[("op state", op)] = batch.view(w.timelock, "getOperationState", op)
            keys[("op expired", op)] = batch.view(w.timelock, "isOperationExpired", op)
        keys["accepting"] = batch.view(w.wallet, "accepting")
        model_ids = range(1, len(m.models) + 2)
        for p in PROVIDERS:
            a = self.addr(p)
            keys[("provider", a)] = batch.view(w.marketplace, "providerRecord", a)
            keys[("owed", a)] = batch.view(w.pool, "owed", a)
            keys[("claimed", a)] = batch.view(w.pool, "claimed", a)
            keys[("by_provider", a)] = batch.view(w.marketplace, "activeBidsOfProvider", a, 0, 100)
            keys[("by_provider_window", a)] = batch.view(w.marketplace, "activeBidsOfProvider", a, 2, 1)
            for mid in model_ids:
                keys[("active_bid", a, mid)] = batch.view(w.marketplace, "activeBidOf", a, mid)
                keys[("stats", a, mid)] = batch.view(w.router, "stats", a, mid)
                version = m.bid_of(a, mid).version
                if version:
                    keys[("bid", a, mid)] = batch.view(w.marketplace, "bid", bid_id(a, mid, version))
        for name in EVERYONE:
            keys[("whitelisted", self.addr(name))] = batch.view(w.marketplace, "isWhitelisted", self.addr(name))
        for mid in model_ids:
            keys[("model", mid)] = batch.view(w.model_registry, "model", mid)
            keys[("closed", mid)] = batch.view(w.marketplace, "isModelClosed", mid)
            keys[("listings", mid)] = batch.view(w.marketplace, "bidListings", mid, 0, 100)
            keys[("by_model", mid)] = batch.view(w.marketplace, "activeBidsOfModel", mid, 0, 100)
            keys[("by_model_page", mid)] = batch.view(w.marketplace, "activeBidsOfModel", mid, 1, 1)
            keys[("model_bid_count", mid)] = batch.view(w.marketplace, "activeBidCountOfModel", mid)
        for c in (*CONSUMERS, KEEPER):
            keys[("hold", self.addr(c))] = batch.view(w.router, "holdOf", self.addr(c))
        for name in NAME_LOOKUPS:
            keys[("by_name", name)] = batch.view(w.model_registry, "modelIdByName", name)
        keys["models_all"] = batch.view(w.model_registry, "models", 0, 100, False)
        keys["models_active"] = batch.view(w.model_registry, "models", 0, 100, True)
        for sid in m.sessions:
            keys[("session", sid)] = batch.view(w.router, "session", sid)
        results = batch.run()
        self._views = {k: results[i] for k, i in keys.items()}
        w.seconds["views"] += time.perf_counter() - started
        assert self._views["head"] == self.now, f"chain time {self._views['head']} != model time {self.now}"
        return self._views

    def _count_step(self) -> None:
        self.w.invariant_checks += 1

    @invariant()
    def conservation(self) -> None:
        """1. Each contract's MOR balance equals, to the wei, what it owes (and what the model says)."""
        self._count_step()
        v, m = self.views(), self.model
        balance = {c: v[("balance", getattr(m.at, c))] for c in CONTRACTS}
        # Promise 1 (v2): balance = what is owed + a surplus that only a sweep moves.
        assert balance["marketplace"] == v[("mp", "totalStake")] + v[("mp", "feeBalance")] + m.stray("marketplace")
        assert v[("mp", "totalStake")] == m.total_provider_stake() and v[("mp", "feeBalance")] == m.fee_balance
        assert balance["model_registry"] == v[("mr", "totalStake")] + m.stray("model_registry")
        assert v[("mr", "totalStake")] == m.total_model_stake()
        # The pool's ledger is its balance but for MOR sent by plain transfer and not yet absorbed.
        assert balance["pool"] == v[("pool", "poolBalance")] + m.surplus()
        assert v[("pool", "poolBalance")] == m.pool_balance
        assert balance["router"] == v[("router", "totalLocked")] + m.stray("router")
        assert v[("router", "totalLocked")] == m.total_locked()

    @invariant()
    def budget(self) -> None:
        """2. Paid today <= today's budget = 1% of yesterday's closing balance (a constant since
        v3); no day in the model's history ever paid more than its budget."""
        v, m = self.views(), self.model
        budget, paid, balance = v[("pool", "today")]
        assert paid <= budget
        assert (budget, paid, balance) == m.pool_today(), f"today() {(budget, paid, balance)} != model {m.pool_today()}"
        day, closing = v[("pool", "lastClose")]
        assert (day, closing) == (m.books_day, m.closing_balance(m.books_day))
        if day == m.today:
            assert budget == closing * BUDGET_BPS // BPS
        else:  # no state-changing call today yet: yesterday closed with the current balance
            assert budget == balance * BUDGET_BPS // BPS
        assert v[("pool", "budgetBps")] == BUDGET_BPS
        for d, paid_on_day in m.paid_by_day.items():
            assert paid_on_day <= m.budget(d)

    @invariant()
    def pool_health(self) -> None:
        """§4 (v2): the pool's total owed, a running sum, equals the sum of every provider's owed;
        its health view agrees with the ledger, the token, today's books and that sum."""
        v, m = self.views(), self.model
        total = sum(m.owed.values())
        assert v[("pool", "totalOwed")] == total
        ledger, token_balance, day, budget, paid, left, owed = v[("pool", "health")]
        assert (ledger, token_balance, day, owed) == (
            m.pool_balance,
            m.token.balance(m.at.pool),
            m.today,
            total,
        )
        assert (budget, paid, ledger) == m.pool_today() and left == budget - paid

    @invariant()
    def ledgers_match_model(self) -> None:
        """Every stake, bid, model, owed amount, session, hold and statistic equals the model's."""
        v, m = self.views(), self.model
        for p in PROVIDERS:
            a = self.addr(p)
            rec = m.provider(a)
            registered, stake, signer, active_bids, endpoint = v[("provider", a)]
            assert (registered, stake, checksum(signer), endpoint) == (
                rec.registered,
                rec.stake,
                rec.signer,
                rec.endpoint,
            ), p
            assert active_bids == m.active_bid_count(a)
            assert list(v[("by_provider", a)]) == m.active_bid_ids_of_provider(a, 0, 100)
            assert list(v[("by_provider_window", a)]) == m.active_bid_ids_of_provider(a, 2, 1)
            assert (v[("owed", a)], v[("claimed", a)]) == (m.owed.get(a, 0), m.claimed.get(a, 0))
            for mid in range(1, len(m.models) + 2):
                bid = m.bid_of(a, mid)
                assert v[("active_bid", a, mid)] == (bid_id(a, mid, bid.version) if bid.active else 0)
                if bid.version:
                    _, _, version, price, posted_at, active = v[("bid", a, mid)]
                    assert (version, price, posted_at, active) == (bid.version, bid.price, bid.posted_at, bid.active)
                assert v[("stats", a, mid)] == m.stats.get((a, mid), ZERO_STATS).as_tuple(), (p, mid)
        for mid in range(1, len(m.models) + 2):
            ids = m.active_bid_ids_of_model(mid)
            assert list(v[("by_model", mid)]) == ids
            assert list(v[("by_model_page", mid)]) == m.active_bid_ids_of_model(mid, 1, 1)  # position 1
            assert v[("model_bid_count", mid)] == len(m.listed_bidders(mid))
            assert v[("closed", mid)] == (mid in m.closed_models)
            listings, total = v[("listings", mid)]
            assert [int(x[0]) for x in listings] == ids and total == len(m.listed_bidders(mid))
            for x in listings:
                bidder = checksum(x[1])
                assert (int(x[2]), int(x[4]), x[5]) == (
                    m.bids[(bidder, mid)].price,
                    m.provider(bidder).stake,
                    m.provider(bidder).endpoint,
                )
            _, owner, stake, active, content_id, name, tags = v[("model", mid)]
            if mid in m.models:
                rec = m.models[mid]
                assert (checksum(owner), stake, active, content_id, name, list(tags)) == (
                    rec.owner,
                    rec.stake,
                    rec.active,
                    rec.content_id,
                    rec.name,
                    rec.tags,
                )
            else:
                assert not active and int(owner, 16) == 0
        for lookup in NAME_LOOKUPS:
            assert v[("by_name", lookup)] == m.model_id_by_name(lookup), lookup
        every, total = v["models_all"]
        assert [int(x[0]) for x in every] == sorted(m.models) and total == len(m.models)
        assert [int(x[0]) for x in v["models_active"][0]] == sorted(k for k, x in m.models.items() if x.active)
        for sid, s in m.sessions.items():
            assert v[("session", sid)] == s.as_view(), hex(sid)
        for c in (*CONSUMERS, KEEPER):
            assert v[("hold", self.addr(c))] == m.hold_of(self.addr(c)), c
        # parameters and switches
        assert v[("mp", "whitelistEnabled")] == m.whitelist_enabled
        assert v[("mp", "minProviderStake")] == m.min_provider_stake
        assert v[("mp", "priceBounds")] == (m.min_price, m.max_price)
        assert v[("mp", "bidFee")] == m.bid_fee
        assert v[("mr", "minModelStake")] == m.min_model_stake and v[("mr", "modelCount")] == len(m.models)
        assert v[("router", "durationBounds")] == (m.min_duration, m.max_duration)
        assert v[("router", "referenceSupply")] == m.reference_supply()
        assert (v[("mp", "paused")], v[("mr", "paused")], v[("router", "paused")]) == (
            m.is_paused("marketplace"),
            m.is_paused("registry"),
            m.is_paused("router"),
        )
        for contract, key in PAUSABLE.items():  # v3: who may pause, and until when
            assert checksum(v[("guardian", contract)]) == m.guardians[key], contract
            assert v[("pauseState", contract)] == m.pause_state[key], contract
        for name in EVERYONE:
            assert v[("whitelisted", self.addr(name))] == (self.addr(name) in m.whitelist)
        assert v["accepting"] == m.wallets[self.addr("wallet")][1]

    @invariant()
    def stipends_stay_reachable(self) -> None:
        """§7 (v3), no in-bound parameters shut stipends: at every parameter state the machine
        reaches, where the promise is hardest (C = 1,000,000 MOR circulating or the pin, the pool
        at exactly ceil(C / 100) at yesterday's close, the reference supply max(pin, C)), the
        smallest stake opening a session of the minimum duration at the minimum price is at most
        1% of C. On the chain's own figures today, the router's stipendDuration of the model's
        smallest stake reaches the minimum duration and one wei less does not."""
        v, m = self.views(), self.model
        for c, budget, supply, stake in m.worst_stipend_corners():
            assert stake is not None and stake <= c * BUDGET_BPS // BPS, (
                f"C {c}, budget {budget}, supply {supply}, min price {m.min_price}, min duration "
                f"{m.min_duration}: the smallest stipend stake {stake} is over 1% of C"
            )
        if "stipend at smallest stake" in v:
            assert v["stipend at smallest stake"] >= m.min_duration > v["stipend a wei below"], (
                v["stipend at smallest stake"],
                v["stipend a wei below"],
                m.min_duration,
            )

    @invariant()
    def timelock_matches_model(self) -> None:
        """§7 (v3), announced changes: the separate timelock's delay, every operation's ready time,
        state and expiry, and the parameter of the registry it owns are the model's: an
        expired operation reads unset and applied nothing."""
        v, t = self.views(), self.model.timelock
        assert v["timelock delay"] == t.min_delay
        assert v["side minModelStake"] == t.side_min_model_stake
        for op, ready_at in t.timestamps.items():
            assert v[("op timestamp", op)] == ready_at, op.hex()
            assert v[("op state", op)] == t.state(op, self.now), op.hex()
            assert v[("op expired", op)] == t.expired(op, self.now), op.hex()

    @invariant()
    def no_slashing(self) -> None:
        """3. No stake goes to anyone but its owner, no pool MOR to anyone but a provider owed it:
        every actor's MOR balance is what the model says, and no MOR leaves the known holders."""
        v, m = self.views(), self.model
        for holder, expected in m.token.balances.items():
            actual = v[("balance", holder)]
            assert actual == expected, f"{self.w.name_of(holder) or holder}: chain {actual} != model {expected}"
        assert v["supply"] == m.token.total_supply == sum(m.token.balances.values())

    @invariant()
    def sessions_close_once(self) -> None:
        """5. A session closes once, and its record is never rewritten afterwards."""
        assert all(count == 1 for count in self.close_count.values())
        for sid, count in self.close_count.items():
            assert self.model.sessions[sid].closed_at and count == 1

    @invariant()
    def verdicts_belong_to_the_consumer(self) -> None:
        """8. A session is rated at most once, only by its consumer: by its own close or, after a
        close by anyone else, by one late verdict; the rated weights are exactly the rated
        sessions', so a session never rated is in no rate (and no rate moves without a verdict)."""
        m = self.model
        for sid, givers in self.verdicts.items():
            assert givers == [m.sessions[sid].consumer], hex(sid)
        rated: dict[tuple[str, int], list[int]] = {}
        for s in m.sessions.values():
            if s.verdict is not None:
                seconds = min(s.closed_at, s.ends_at) - s.opened_at
                pair = rated.setdefault((s.provider, s.model_id), [0, 0])
                pair[0 if s.verdict == "completed" else 1] += m.session_weight(s, seconds)
        for pair, stats in m.stats.items():
            assert [stats.completed_weight, stats.disputed_weight] == rated.get(pair, [0, 0]), pair

    @invariant()
    def liveness(self) -> None:
        """6. After a keeper acts, no open session outlives its end; a hold of an earlier day is
        always withdrawable."""
        v, m = self.views(), self.model
        if self.swept_at == self.now:
            assert all(m.sessions[sid].ends_at > self.now for sid in self.open_sessions())
            for sid in m.sessions:
                _, _, _, _, _, ends_at, closed_at, _, _, _ = v[("session", sid)]
                assert closed_at or ends_at > self.now, f"session {hex(sid)} outlived its end"
        for c in CONSUMERS:
            hold = m.holds.get(self.addr(c), Hold())
            if hold.amount and hold.day < m.today:
                assert v[("hold", self.addr(c))] == (0, hold.amount)

    # ------------------------------------------------------------------ the example's end

    def teardown(self) -> None:
        if sys.exc_info()[0] is not None:
            return  # the example already failed; its error is the report
        self.check_event_replay()

    def check_event_replay(self) -> None:
        """Replay every event since the deployment into EventReplay; it must give the views' ledgers."""
        w, m = self.w, self.model
        started = time.perf_counter()
        logs = w.rpc.request(
            "eth_getLogs",
            [
                {
                    "fromBlock": hex(w.start_block + 1),
                    "toBlock": "latest",
                    "address": [getattr(m.at, c) for c in CONTRACTS],
                }
            ],
        )
        blocks = sorted({int(log["blockNumber"], 16) for log in logs})
        stamps = dict(
            zip(
                blocks,
                (
                    int(b["timestamp"], 16)
                    for b in w.rpc.batch([("eth_getBlockByNumber", [hex(n), False]) for n in blocks])
                ),
                strict=True,
            )
        )
        replay = EventReplay()
        paid_by_day: Counter = Counter()
        budget_by_day: dict[int, int] = {}
        for log in logs:
            name, args = decode_event(log)
            ts = stamps[int(log["blockNumber"], 16)]
            replay.apply(name, args, ts)
            # Budget from the events alone: DayClosed fixes 1% of the closing balance.
            if name == "DayClosed":
                assert args["budget"] == BUDGET_BPS * args["closingBalance"] // BPS, args
                budget_by_day[args["day"]] = args["budget"]
            elif name == "Claimed":
                paid_by_day[day_of(ts)] += args["amount"]
                assert paid_by_day[day_of(ts)] <= budget_by_day[day_of(ts)], "claimed beyond the day's budget"
        assert not replay.problems, replay.problems
        assert all(count == 1 for count in replay.closes.values()), "a session closed twice"
        v = self.views()
        for p in PROVIDERS:
            a = self.addr(p)
            rec = replay.providers.get(a)
            registered, stake, signer, _, endpoint = v[("provider", a)]
            if rec is None:
                assert not registered and stake == 0
            else:
                assert (registered, stake, checksum(signer), endpoint) == (
                    rec.registered,
                    rec.stake,
                    rec.signer,
                    rec.endpoint,
                )
            assert (v[("owed", a)], v[("claimed", a)]) == (replay.owed.get(a, 0), replay.claimed.get(a, 0))
            for mid in range(1, len(m.models) + 2):
                bid = replay.bids.get((a, mid))
                assert v[("active_bid", a, mid)] == (bid_id(a, mid, bid.version) if bid and bid.active else 0)
                if bid:
                    _, _, version, price, posted_at, active = v[("bid", a, mid)]
                    assert (version, price, posted_at, active) == (bid.version, bid.price, bid.posted_at, bid.active)
                assert v[("stats", a, mid)] == replay.stats.get((a, mid), ZERO_STATS).as_tuple()
        for mid, rec in replay.models.items():
            _, owner, stake, active, content_id, name, tags = v[("model", mid)]
            assert (checksum(owner), stake, active, content_id, name, list(tags)) == (
                rec.owner,
                rec.stake,
                rec.active,
                rec.content_id,
                rec.name,
                rec.tags,
            )
        assert set(replay.sessions) == set(m.sessions)
        for sid, s in replay.sessions.items():
            assert v[("session", sid)] == s.as_view(), hex(sid)
        for c in (*CONSUMERS, KEEPER):
            hold = replay.holds.get(self.addr(c), Hold())
            assert v[("hold", self.addr(c))] == ((0, hold.amount) if m.today > hold.day else (hold.amount, 0))
        assert v[("pool", "poolBalance")] == replay.pool_balance
        assert v[("mp", "feeBalance")] == replay.fee_balance
        assert v[("mp", "totalStake")] == sum(p.stake for p in replay.providers.values())
        assert v[("router", "totalLocked")] == replay.total_locked
        w.seconds["event replay"] += time.perf_counter() - started
