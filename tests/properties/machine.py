"""The machine's plumbing: one example's state, time, transactions checked against the model,
signatures, and the baseline market every example starts from."""

from __future__ import annotations

import copy
import time
from collections import Counter
from collections.abc import Callable
from typing import Any

from ape import chain
from ape.exceptions import ContractLogicError
from hypothesis.stateful import RuleBasedStateMachine

from mor_market import eip712
from mor_market.constants import DAY, MOR
from tests.properties.model import (
    BUDGET_BPS,
    DIRECT,
    STIPEND,
    Addresses,
    ProtocolModel,
    Revert,
    Signature,
    Timelock,
    Token,
    bid_id,
    bid_parts,
)
from tests.properties.world import (
    ALLOWANCE,
    BACKLOG_BUDGETS,
    BLOCK_SECONDS,
    BOB_SIGNER,
    CONTRACTS,
    EXTRAS_PER_TRANSACTIONS,
    FUNDER,
    MODEL_OWNER,
    PAUSABLE,
    PROVIDERS,
    TIMELOCK_FLOOR,
    WALLET_OWNER,
    WHALE_STAKE,
    Outcome,
    SignedApproval,
    World,
    error_of,
    format_error,
    normalize_args,
)


class MachineBase(RuleBasedStateMachine):
    """The state machine's core: drives the real contracts and the reference model side by side."""

    def __init__(self, world: World) -> None:
        super().__init__()
        self.example_transactions = 0  # this example's transactions (extras_allowed)
        self.extra_actions = 0  # this example's guardian and side-timelock rules (extras_allowed)
        self.w = world
        self._views: dict[str, Any] | None = None
        if world.baseline_snapshot is None:
            return  # the bootstrap instance: see `initial_model` and `bootstrap`
        world.restore_baseline()
        world.examples += 1
        base = copy.deepcopy(world.baseline)
        self.model: ProtocolModel = base["model"]
        self.now: int = self.model.now
        self.nonces: dict[str, int] = base["nonces"]
        self.used_approvals: list[tuple[str, int, int, int, SignedApproval, int]] = base["used_approvals"]
        self.close_count: Counter = base["close_count"]
        self.verdicts: dict[int, list[str]] = base["verdicts"]  # session -> who gave a verdict
        self.swept_at: int | None = None
        self.exhausted = False  # a claim found this example's day budget used up
        self._pin_time()

    # ------------------------------------------------------------------ plumbing

    def addr(self, name: str) -> str:
        return self.w.address(name)

    def _pin_time(self) -> None:
        """The next block is mined at the model's clock, to the second."""
        self.w.rpc.request("evm_setNextBlockTimestamp", [self.now])

    def extras_allowed(self) -> bool:
        """The guardian's and the side timelock's rules (issue 27) run at most once per
        EXTRAS_PER_TRANSACTIONS transactions: each is cheap to reach, and uncapped they crowded
        out the money paths the run must explore (claims fell under 5% of transactions).
        The counts are this example's own (a precondition must not read state that outlives the
        example, or hypothesis cannot replay it)."""
        return self.extra_actions * EXTRAS_PER_TRANSACTIONS <= self.example_transactions + EXTRAS_PER_TRANSACTIONS

    def advance(self, seconds: int) -> None:
        self.now += seconds
        self.w.rpc.request("evm_mine", [self.now])
        self.model.now = self.now
        self._views = None
        self._pin_time()

    def send(self, sender: str, contract: Any, method: str, *args: Any, after: int = BLOCK_SECONDS) -> Outcome:
        """One transaction, `after` seconds (BLOCK_SECONDS, or 0: in the same second) after the
        previous one; a wallet's calls go through its `execute`."""
        self.now += after
        self.model.now = self.now
        self.w.transactions += 1
        self.example_transactions += 1
        self.w.rule_counts[method] += 1
        if sender in ("wallet", BOB_SIGNER):  # the provider's second wallets: its ERC-1271 wallet, bob's signer
            self.w.attackers["second wallet"] += 1
        self._views = None
        actor = self.w.actors[sender]
        self._pin_time()
        started = time.perf_counter()
        try:
            if actor.is_wallet:
                data = getattr(contract, method).encode_input(*args)
                tx = self.w.wallet.execute(contract.address, data, sender=actor.account)
            else:
                tx = getattr(contract, method)(*args, sender=actor.account)
        except ContractLogicError as err:
            return Outcome(None, error_of(err))
        finally:
            self._pin_time()
            self.w.seconds["transactions"] += time.perf_counter() - started
        return Outcome(tx, None)

    def expect(self, outcome: Outcome, action: Callable[[], Any]) -> Any:
        """Apply the model's action and justify the outcome: a revert must be the predicted error."""
        self.model.now = self.now
        try:
            result = action()
        except Revert as predicted:
            self.w.revert_counts[predicted.name] += 1
            if outcome.error is None:
                raise AssertionError(f"model predicted {predicted}; the contract succeeded") from None
            expected = (predicted.name, normalize_args(predicted.args_))
            if outcome.error != expected:
                raise AssertionError(
                    f"contract reverted with {format_error(outcome.error)}; model predicted {predicted}"
                ) from None
            return None
        if outcome.error is not None:
            raise AssertionError(f"contract reverted with {format_error(outcome.error)}; model predicted success")
        return result

    def act(self, sender: str, contract: Any, method: str, args: tuple[Any, ...], action: Callable[[], Any]) -> Any:
        """The call, then the model's effects and the justification of any failure."""
        return self.expect(self.send(sender, contract, method, *args), action)

    def signing_key(self, signer: str) -> Any | None:
        """The Ape account whose key signs for `signer` (a wallet signs with its owner's key)."""
        name = self.w.name_of(signer)
        if name is None:
            return None
        actor = self.w.actors[name]
        return actor.account

    def sign(self, key_name_or_account: Any, kind: str, fields: tuple[Any, ...], **domain: Any) -> SignedApproval:
        account = key_name_or_account
        if isinstance(account, str):
            account = self.w.actors[account].account
        chain_id = domain.get("chain_id", self.model.at.chain_id)
        verifying = domain.get("router", self.model.at.router)
        if kind == "Approval":
            message = eip712.approval_message(verifying, chain_id, *fields)
        else:
            message = eip712.receipt_message(verifying, chain_id, *fields)
        return SignedApproval(
            eip712.sign(account, message), Signature(account.address, kind, chain_id, verifying, fields)
        )

    def active_bids(self) -> list[int]:
        return sorted(bid_id(p, m, b.version) for (p, m), b in self.model.bids.items() if b.active)

    def open_sessions(self) -> list[int]:
        return sorted(sid for sid, s in self.model.sessions.items() if not s.closed_at)

    def next_nonce(self, consumer: str) -> int:
        self.nonces[consumer] = self.nonces.get(consumer, 0) + 1
        return self.nonces[consumer]

    def provider_name(self, bid: int) -> str:
        provider_int = bid_parts(bid)[0]
        return next(n for n in PROVIDERS if int(self.addr(n), 16) == provider_int)

    # ------------------------------------------------------------------ baseline

    @staticmethod
    def initial_model(world: World) -> ProtocolModel:
        """The model of the freshly deployed protocol, from its parameters and the token's balances."""
        mp, mr, pool, router, mor = world.marketplace, world.model_registry, world.pool, world.router, world.mor
        assert mp.totalStake() == 0 and mr.modelCount() == 0 and pool.poolBalance() == 0, "not a fresh deployment"
        assert pool.budgetBps() == BUDGET_BPS
        holders = [a.address for a in world.actors.values()] + [str(c.address) for c in (mp, mr, pool, router)]
        token = Token(
            balances={h: mor.balanceOf(h) for h in holders},
            total_supply=mor.totalSupply(),
            nonces={a.address: mor.nonces(a.address) for a in world.actors.values()} if world.permit_name else {},
        )
        for actor in world.actors.values():
            for spender in (mp, mr, pool, router):
                token.allowances[(actor.address, str(spender.address))] = mor.allowance(actor.address, spender)
        minimum, maximum = mp.priceBounds()
        min_duration, max_duration = router.durationBounds()
        model = ProtocolModel(
            at=Addresses(
                mor=str(mor.address),
                marketplace=str(mp.address),
                model_registry=str(mr.address),
                pool=str(pool.address),
                router=str(router.address),
                governance=str(mp.owner()),
                chain_id=chain.chain_id,
            ),
            now=chain.blocks.head.timestamp,
            token=token,
            whitelist={a.address for a in world.actors.values() if mp.isWhitelisted(a.address)},
            whitelist_enabled=mp.whitelistEnabled(),
            min_provider_stake=mp.minProviderStake(),
            min_price=minimum,
            max_price=maximum,
            bid_fee=mp.bidFee(),
            min_model_stake=mr.minModelStake(),
            min_duration=min_duration,
            max_duration=max_duration,
            books_day=pool.lastClose()[0],
        )
        model.wallets[str(world.wallet.address)] = [world.actors[WALLET_OWNER].address, True]
        for contract, key in PAUSABLE.items():
            model.guardians[key] = str(world.contract(contract).guardian())
            model.pause_state[key] = tuple(world.contract(contract).pauseState())
        timelock, side = world.timelock, world.side_registry
        assert side.owner() == timelock.address and timelock.delayFloor() == TIMELOCK_FLOOR
        model.timelock = Timelock(
            proposer=model.at.governance,
            min_delay=timelock.getMinDelay(),
            floor=TIMELOCK_FLOOR,
            side_min_model_stake=side.minModelStake(),
        )
        return model

    def bootstrap(self) -> None:
        """A small market, built through the same checked actions as the rules."""
        self.model = self.initial_model(self.w)
        self.now = self.model.now + 1
        self.model.now = self.now
        self.nonces, self.used_approvals, self.close_count, self.swept_at = {}, [], Counter(), None
        self.verdicts = {}
        self.exhausted = False
        for actor in self.w.actors.values():
            for spender in CONTRACTS:
                self.set_allowance(actor.name, spender, ALLOWANCE)
        self.governance_sets_whitelisted("wallet", True)
        self.register_model(MODEL_OWNER, "llama-3.1-8b", [b"llm".ljust(32, b"\0")], 0)
        self.register_model(MODEL_OWNER, "mistral-7b-instruct", [], 10 * MOR)
        self.register_provider("alice", "gpu.alice.example:3333", 1_000 * MOR)
        self.register_provider("bob", "https://bob.example/v1", 500 * MOR)
        self.set_provider_signer("bob", BOB_SIGNER)
        self.register_provider("wallet", "wallet.example:443", 200 * MOR)
        for provider, model_pick, price in (
            ("alice", 0, 10**13),
            ("bob", 0, 10**14),
            ("wallet", 1, 10**13),
            ("alice", 1, 10**15),
            ("bob", 1, 10**15),
        ):
            self.post_bid(provider, model_pick, price)
        self.fund_pool(FUNDER, 100_000 * MOR)
        # The backlog, every other day: whales stake most of their MOR on the dearest bids at 20:00,
        # the sessions run past midnight and the keeper closes them the next evening (part of each
        # stake is held until the day after, when the next open applies it), until alice and bob
        # are owed BACKLOG_BUDGETS days' budgets. Then the whales open once more with half of what
        # they have free (carol and dave open their ordinary sessions beside), and the examples
        # start at 01:00: those sessions have crossed midnight and are still open, and every
        # whale's hold of yesterday is released.
        whales = (("carol", "alice"), ("erin", "alice"), ("dave", "bob"))

        def at(hour: int, days: int) -> None:
            self.advance((self.now // DAY + days) * DAY + hour * 3_600 - self.now)

        def open_whales(stake: Callable[[str], int]) -> None:
            for consumer, provider in whales:
                bid = self.model.bid_of(self.addr(provider), 2)
                assert bid.active and bid.price == 10**15
                sid = self._open_session(
                    consumer, 0, stake(consumer), STIPEND, 600, bid=bid_id(self.addr(provider), 2, bid.version)
                )
                assert sid is not None

        at(20, 1)
        for _ in range(60):
            open_whales(lambda consumer: WHALE_STAKE * MOR)
            at(20, 1)
            self.advance(60)
            self.keeper_closes_expired_sessions()
            assert not self.open_sessions(), "a whale's session outlived a day"
            if sum(self.model.owed.values()) >= BACKLOG_BUDGETS * self.model.budget(self.model.today):
                break
            at(20, 1)
        else:
            raise AssertionError("the baseline's backlog never reached its size")
        open_whales(lambda consumer: self.model.token.balance(self.addr(consumer)) // 2)
        for consumer, pick, stake, mode in (("carol", 0, 5_000 * MOR, STIPEND), ("dave", 2, 100 * MOR, DIRECT)):
            self._open_session(consumer, pick, stake, mode, 600)
        at(1, 1)  # 01:00 the next day
        assert len(self.open_sessions()) == 5
        assert all(self.model.releasable(self.addr(consumer)) for consumer, _ in whales)
        self.w.baseline = copy.deepcopy(
            {
                "model": self.model,
                "nonces": self.nonces,
                "used_approvals": self.used_approvals,
                "close_count": self.close_count,
                "verdicts": self.verdicts,
            }
        )
        self.w.baseline_snapshot = chain.snapshot()
        for counter in (self.w.claim_outcomes, self.w.holds_released, self.w.attackers):
            counter.clear()  # the mix counts the examples' paths, not the baseline's
        self.w.midnight_crossings = self.w.days_late_closes = 0
