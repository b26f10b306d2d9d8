"""A reference model of the compute marketplace, written from PROTOCOL.md and the NatSpec of
the interfaces, in plain Python with integer arithmetic only.

Every action is a method that first checks (raising `Revert` with the custom error the
protocol documents, before it touches any state) and then applies its effects. The state
machine runs the same action on the real contracts and on this model and requires the same
outcome, so a revert here is a *prediction* of the error, and success is a prediction of the
exact balances, ledgers and statistics that follow.

The pool's budget is modelled from the promise itself, not from the contract's "close the
books" mechanism: the budget of day `d` is 1% (`BUDGET_BPS`, a constant since v3) of the ledger
balance at the end of day d-1, read from the model's history of balance changes.

Governance (v3): each pausable contract has a guardian that may pause (and only pause); a
separate `GovernanceTimelock` (delay, delay floor, 14-day expiry) is modelled by its operations'
ready times, and owns a side ModelRegistry whose one parameter it changes.

`EventReplay` at the end is the second, event-driven model: it rebuilds stakes, bids,
sessions, owed amounts, holds and statistics from nothing but the events the contracts emit.
"""

from __future__ import annotations

from bisect import bisect_left
from dataclasses import dataclass, field
from typing import Any

from eth_utils import keccak

from mor_market import names

DAY = 86_400
BPS = 10_000
BUDGET_BPS = 100  # SessionMath.BUDGET_BPS: the day's budget is 1% of yesterday's close
MAX_ENDPOINT_LENGTH = 128
MAX_PAGE = 500  # Marketplace.MAX_PAGE
MAX_TAGS = 8
STIPEND, DIRECT = 0, 1
ZERO_ADDRESS = "0x0000000000000000000000000000000000000000"
UINT32_MAX = 2**32 - 1
UINT64_MAX = 2**64 - 1
MOR_WEI = 10**18
WEEK = 7 * DAY
# The hard bounds of governance parameters (PROTOCOL.md §7), as the contracts fix them.
PRICE_FLOOR, PRICE_CEILING = 10**9, 10**17
MIN_PRICE_CEILING = 5 * 10**12  # Marketplace.MIN_PRICE_CEILING: the minimum price never above it
MAX_BID_FEE = 10 * MOR_WEI
MAX_MIN_STAKE = 100_000 * MOR_WEI
DURATION_FLOOR, DURATION_CEILING = 60, WEEK
MIN_DURATION_CEILING = 3_600  # SessionRouter.MIN_DURATION_CEILING: the minimum session never above it
MAX_REFERENCE_SUPPLY = 42_000_000 * MOR_WEI
# The promise that no in-bound parameters shut stipends (PROTOCOL.md §7) holds from this much MOR
# circulating outside the pool.
STIPEND_SCALE = 1_000_000 * MOR_WEI
# GovernanceTimelock (OpenZeppelin's TimelockController and the v3 expiry)
GRACE_PERIOD = 14 * DAY
DONE_TIMESTAMP = 1
UNSET, WAITING, READY, DONE = range(4)  # TimelockController.OperationState
VERDICTS = (None, "completed", "disputed")  # ISessionRouter.Verdict, in its order
WEIGHT_UNIT = 10**15  # a statistic's weight is floor(stake / 1e15) x seconds: milli-MOR-seconds
MIN_RATED_SECONDS = 600  # a shorter session rates nothing
MAX_SESSION_WEIGHT = 10 * 1000 * DAY  # one session's weight is capped at 10 MOR-days
VERDICT_WINDOW = DAY  # after a close by someone else, the consumer rates within a day
TTFT_BOUNDS = (1, 600_000)  # a receipt's time to first token, ms
TPS_BOUNDS = (1, 100_000)  # a receipt's tokens per second


def check_bounds(name: str, value: int, minimum: int, maximum: int) -> None:
    """`Governed._checkBounds`: ParameterOutOfBounds(name, value, minimum, maximum) outside."""
    if not minimum <= value <= maximum:
        raise Revert(
            "ParameterOutOfBounds", name=name.encode().ljust(32, b"\0"), value=value, minimum=minimum, maximum=maximum
        )


class Revert(Exception):
    """A predicted revert: the custom error's name and its arguments."""

    def __init__(self, name: str, /, **args: Any) -> None:  # an error may have a `name` argument
        super().__init__(name, args)
        self.name = name
        self.args_ = args

    def __repr__(self) -> str:
        inner = ", ".join(f"{k}={v!r}" for k, v in self.args_.items())
        return f"{self.name}({inner})"

    __str__ = __repr__


def day_of(ts: int) -> int:
    """The UTC day of a timestamp."""
    return ts // DAY


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


def bid_id(provider: str, model_id: int, version: int) -> int:
    return (int(provider, 16) << 96) | (model_id << 64) | version


def bid_parts(bid: int) -> tuple[int, int, int]:
    """(provider as int, model id, version) of a bid id."""
    return (bid >> 96) & (2**160 - 1), (bid >> 64) & UINT32_MAX, bid & UINT64_MAX


def session_id(consumer: str, nonce: int) -> int:
    return (int(consumer, 16) << 96) | nonce


def require_uint(value: int, bits: int) -> None:
    """OpenZeppelin SafeCast: a value that does not fit `bits` reverts."""
    if value >= 2**bits:
        raise Revert("SafeCastOverflowedUintDowncast", bits=bits, value=value)


# ---------------------------------------------------------------------------- MOR


@dataclass
class Token:
    """MOR (an OpenZeppelin ERC-20): balances, allowances and supply."""

    balances: dict[str, int] = field(default_factory=dict)
    allowances: dict[tuple[str, str], int] = field(default_factory=dict)
    total_supply: int = 0
    nonces: dict[str, int] = field(default_factory=dict)  # EIP-2612 permit nonces

    def balance(self, account: str) -> int:
        return self.balances.get(account, 0)

    def allowance(self, owner: str, spender: str) -> int:
        return self.allowances.get((owner, spender), 0)

    def require_transfer(self, sender: str, amount: int) -> None:
        if self.balance(sender) < amount:
            raise Revert("ERC20InsufficientBalance", sender=sender, balance=self.balance(sender), needed=amount)

    def require_transfer_from(self, owner: str, spender: str, amount: int) -> None:
        if self.allowance(owner, spender) < amount:
            raise Revert(
                "ERC20InsufficientAllowance", spender=spender, allowance=self.allowance(owner, spender), needed=amount
            )
        self.require_transfer(owner, amount)

    def transfer(self, sender: str, to: str, amount: int) -> None:
        assert self.balance(sender) >= amount, f"model: {sender} cannot pay {amount}"
        self.balances[sender] = self.balance(sender) - amount
        self.balances[to] = self.balance(to) + amount

    def transfer_from(self, owner: str, spender: str, to: str, amount: int) -> None:
        self.allowances[(owner, spender)] = self.allowance(owner, spender) - amount
        self.transfer(owner, to, amount)

    def approve(self, owner: str, spender: str, amount: int) -> None:
        self.allowances[(owner, spender)] = amount

    def permit(self, owner: str, spender: str, value: int, nonce: int, deadline: int, now: int) -> bool:
        """EIP-2612 `permit` with a signature of `owner` for `nonce`: sets the allowance and uses
        the nonce; a used nonce or a passed deadline fails (False: nothing changes)."""
        if nonce != self.nonces.get(owner, 0) or now > deadline:
            return False
        self.nonces[owner] = nonce + 1
        self.allowances[(owner, spender)] = value
        return True

    def mint(self, to: str, amount: int) -> None:
        self.balances[to] = self.balance(to) + amount
        self.total_supply += amount


# ---------------------------------------------------------------------------- records


@dataclass
class Provider:
    registered: bool = False
    stake: int = 0
    signer: str = ZERO_ADDRESS
    endpoint: str = ""


@dataclass
class Bid:
    """The bid of one (provider, model) pair: its latest version, active or not."""

    version: int = 0
    price: int = 0
    posted_at: int = 0
    active: bool = False


@dataclass
class Model:
    owner: str
    stake: int
    active: bool
    content_id: bytes
    name: str
    tags: list[bytes]


@dataclass
class Session:
    consumer: str
    provider: str
    model_id: int
    bid_id: int
    price: int
    stake: int
    opened_at: int
    ends_at: int
    mode: int
    closed_at: int = 0
    self_dealt: bool = False  # consumer was the provider or its signer at opening
    verdict: str | None = None  # the consumer's: None, "completed" or "disputed"

    def as_view(self) -> tuple:
        """The record as `SessionRouter.session` returns it (ISessionRouter.Session, in order)."""
        return (
            self.provider.lower(),
            self.price,
            self.model_id,
            self.stake,
            self.opened_at,
            self.ends_at,
            self.closed_at,
            self.mode,
            self.self_dealt,
            VERDICTS.index(self.verdict),
        )


@dataclass
class Hold:
    amount: int = 0
    day: int = 0


@dataclass
class Stats:
    """A (provider, model) pair's statistics, weighted by MOR-seconds (PROTOCOL.md §6), in the
    order of ISessionRouter.Stats."""

    weight: int = 0
    completed_weight: int = 0
    disputed_weight: int = 0
    disputed: int = 0
    closed_early_weight: int = 0
    seconds_provided: int = 0
    earnings: int = 0
    ttft_weighted: int = 0
    tps_weighted: int = 0
    completed: int = 0

    def as_tuple(self) -> tuple[int, ...]:
        return (
            self.weight,
            self.completed_weight,
            self.disputed_weight,
            self.disputed,
            self.closed_early_weight,
            self.seconds_provided,
            self.earnings,
            self.ttft_weighted,
            self.tps_weighted,
            self.completed,
        )

    def record(self, weight: int, seconds: int, pay: int) -> None:
        """What a rating session adds at its close, whoever closes it."""
        self.weight += weight
        self.seconds_provided += seconds
        self.earnings += min(pay, weight * WEIGHT_UNIT // DAY)

    def rate(self, weight: int, rating: str, early: bool, receipt: tuple | None) -> None:
        """The consumer's verdict on a session of `weight`: completed or disputed, cut short or not."""
        if rating == "completed":
            assert receipt is not None
            self.add_completed(weight, receipt[0], receipt[1])
        else:
            self.disputed_weight += weight
            self.disputed += 1
        if early:
            self.closed_early_weight += weight

    def add_completed(self, weight: int, ttft_ms: int, tokens_per_second: int) -> None:
        """A consumer's close with a receipt: completed, its measurements weighted."""
        self.completed_weight += weight
        self.completed += 1
        self.ttft_weighted += weight * ttft_ms
        self.tps_weighted += weight * tokens_per_second


@dataclass(frozen=True)
class Signature:
    """What a signature is, for the model: who signed which typed message in which domain."""

    key: str  # the EOA whose private key signed
    kind: str  # "Approval" or "Receipt"
    chain_id: int
    verifying_contract: str
    fields: tuple[int | str, ...]


@dataclass(frozen=True)
class Closed:
    """What a close did, as the SessionClosed event reports it."""

    seconds: int
    paid: int
    returned: int
    held: int
    released: int
    weight: int
    disputed: bool
    closed_early: bool


# ---------------------------------------------------------------------------- the protocol


@dataclass
class Addresses:
    mor: str
    marketplace: str
    model_registry: str
    pool: str
    router: str
    governance: str
    chain_id: int


@dataclass
class ProtocolModel:
    """The whole protocol, one object: what every contract holds and owes."""

    at: Addresses
    now: int
    token: Token
    # ---- governance parameters
    whitelist: set[str] = field(default_factory=set)
    whitelist_enabled: bool = True
    min_provider_stake: int = 0
    min_price: int = PRICE_FLOOR
    max_price: int = PRICE_CEILING
    bid_fee: int = 0
    min_model_stake: int = 0
    min_duration: int = 60
    max_duration: int = DAY
    pinned_supply: int = 0
    # contract -> (pausedUntil, nextPauseAt): a pause lifts itself; pauses cannot be chained
    pause_state: dict[str, tuple[int, int]] = field(
        default_factory=lambda: {"marketplace": (0, 0), "registry": (0, 0), "router": (0, 0)}
    )
    # contract -> its guardian (the zero address: none), who may pause and nothing else
    guardians: dict[str, str] = field(
        default_factory=lambda: {"marketplace": ZERO_ADDRESS, "registry": ZERO_ADDRESS, "router": ZERO_ADDRESS}
    )
    # ---- the separate GovernanceTimelock and the side ModelRegistry it owns
    timelock: Timelock | None = None
    # ---- marketplace
    providers: dict[str, Provider] = field(default_factory=dict)
    bids: dict[tuple[str, int], Bid] = field(default_factory=dict)
    model_bidders: dict[int, list[str]] = field(default_factory=dict)
    provider_models: dict[str, list[int]] = field(default_factory=dict)  # a provider's bids, by position
    closed_models: set[int] = field(default_factory=set)  # deregistered: their bids are unusable
    fee_balance: int = 0
    # ---- model registry
    models: dict[int, Model] = field(default_factory=dict)
    # skeleton key (mor_market.names.key) -> the model of that skeleton; never deleted: a name keeps its id
    name_keys: dict[bytes, int] = field(default_factory=dict)
    # ---- compute pool
    pool_balance: int = 0
    owed: dict[str, int] = field(default_factory=dict)
    claimed: dict[str, int] = field(default_factory=dict)  # all MOR ever paid to a provider
    balance_history: list[tuple[int, int]] = field(default_factory=list)  # (timestamp, ledger balance after)
    paid_by_day: dict[int, int] = field(default_factory=dict)
    books_day: int = 0  # the day of the pool's last state-changing call (lastClose().day)
    # ---- session router
    sessions: dict[int, Session] = field(default_factory=dict)
    holds: dict[str, Hold] = field(default_factory=dict)
    stats: dict[tuple[str, int], Stats] = field(default_factory=dict)
    # ---- signers that are ERC-1271 wallets: wallet -> [owner key, accepting]
    wallets: dict[str, list[Any]] = field(default_factory=dict)

    # ------------------------------------------------------------------ helpers

    @property
    def today(self) -> int:
        return day_of(self.now)

    def _only_governance(self, caller: str) -> None:
        if caller != self.at.governance:
            raise Revert("OwnableUnauthorizedAccount", account=caller)

    def is_paused(self, contract: str) -> bool:
        return self.now < self.pause_state[contract][0]

    def _when_not_paused(self, contract: str) -> None:
        if self.is_paused(contract):
            raise Revert("EnforcedPause", until=self.pause_state[contract][0])

    def provider(self, account: str) -> Provider:
        return self.providers.get(account, Provider())

    def signer_of(self, provider: str) -> str:
        """The account whose signature speaks for `provider`: its signer, or itself."""
        signer = self.provider(provider).signer
        return provider if signer == ZERO_ADDRESS else signer

    def accepts(self, signer: str, signature: Signature, kind: str, fields: tuple[int | str, ...]) -> bool:
        """Whether `signature` is `signer`'s valid EIP-712 signature of `kind(fields)` for this
        router on this chain; a wallet signer answers through ERC-1271 for its owner key."""
        if (signature.kind, signature.chain_id, signature.verifying_contract, signature.fields) != (
            kind,
            self.at.chain_id,
            self.at.router,
            fields,
        ):
            return False
        if signer in self.wallets:
            owner, accepting = self.wallets[signer]
            return bool(accepting) and signature.key == owner
        return signature.key == signer

    def bid_of(self, provider: str, model_id: int) -> Bid:
        return self.bids.get((provider, model_id), Bid())

    def suspended(self, provider: str) -> bool:
        return self.whitelist_enabled and provider not in self.whitelist

    def listed_bidders(self, model_id: int) -> list[str]:
        """The positions a model's listings page over: none once the model is closed."""
        return [] if model_id in self.closed_models else self.model_bidders.get(model_id, [])

    def active_bid_ids_of_model(self, model_id: int, offset: int = 0, limit: int = MAX_PAGE) -> list[int]:
        """A model's usable bids at positions [offset, offset + min(limit, MAX_PAGE))."""
        page = self.listed_bidders(model_id)[offset : offset + min(limit, MAX_PAGE)]
        return [bid_id(p, model_id, self.bids[(p, model_id)].version) for p in page if not self.suspended(p)]

    def active_bid_ids_of_provider(self, provider: str, offset: int = 0, limit: int = MAX_PAGE) -> list[int]:
        """A provider's usable bids at positions [offset, offset + min(limit, MAX_PAGE)) of its list."""
        if self.suspended(provider):
            return []
        page = self.provider_models.get(provider, [])[offset : offset + min(limit, MAX_PAGE)]
        return [bid_id(provider, m, self.bids[(provider, m)].version) for m in page if m not in self.closed_models]

    def active_bid_count(self, provider: str) -> int:
        """Positions in the provider's list: its active bids, those on closed models included."""
        return len(self.provider_models.get(provider, []))

    def total_provider_stake(self) -> int:
        return sum(p.stake for p in self.providers.values())

    def total_model_stake(self) -> int:
        return sum(m.stake for m in self.models.values() if m.active)

    def total_locked(self) -> int:
        """What the router owes: stakes of open sessions plus every hold."""
        open_stakes = sum(s.stake for s in self.sessions.values() if not s.closed_at)
        return open_stakes + sum(h.amount for h in self.holds.values())

    # ------------------------------------------------------------------ 1. providers

    def register(self, caller: str, endpoint: str, stake: int) -> None:
        self._when_not_paused("marketplace")
        length = len(endpoint.encode())
        if length == 0:
            raise Revert("EmptyEndpoint")
        if length > MAX_ENDPOINT_LENGTH:
            raise Revert("EndpointTooLong", length=length, max=MAX_ENDPOINT_LENGTH)
        if self.whitelist_enabled and caller not in self.whitelist:
            raise Revert("NotWhitelisted", account=caller)
        total = self.provider(caller).stake + stake
        if not self.whitelist_enabled and total < self.min_provider_stake:
            raise Revert("ProviderStakeBelowMinimum", stake=total, minimum=self.min_provider_stake)
        require_uint(total, 88)
        if stake:
            self.token.require_transfer_from(caller, self.at.marketplace, stake)
        # effects
        record = self.providers.setdefault(caller, Provider())
        record.registered, record.stake, record.endpoint = True, total, endpoint
        if stake:
            self.token.transfer_from(caller, self.at.marketplace, self.at.marketplace, stake)

    def add_stake(self, caller: str, amount: int) -> None:
        if amount == 0:
            raise Revert("ZeroAmount")
        if not self.provider(caller).registered:
            raise Revert("ProviderNotRegistered", account=caller)
        require_uint(self.provider(caller).stake + amount, 88)
        self.token.require_transfer_from(caller, self.at.marketplace, amount)
        self.providers[caller].stake += amount
        self.token.transfer_from(caller, self.at.marketplace, self.at.marketplace, amount)

    def set_signer(self, caller: str, signer: str) -> None:
        if not self.provider(caller).registered:
            raise Revert("ProviderNotRegistered", account=caller)
        self.providers[caller].signer = signer

    def deregister(self, caller: str) -> int:
        if not self.provider(caller).registered:
            raise Revert("ProviderNotRegistered", account=caller)
        # Bids on closed models never hold a provider: deleted first, walking from the end (a
        # revert undoes those deletions, so the model checks before it changes anything).
        own = self.provider_models.get(caller, [])
        holding = sum(1 for m in own if m not in self.closed_models)
        if holding:
            raise Revert("ProviderHasActiveBids", count=holding)
        for i in range(len(own), 0, -1):
            if own[i - 1] in self.closed_models:
                self._remove_bid(caller, own[i - 1])
        record = self.providers[caller]
        stake = record.stake
        record.registered, record.stake, record.endpoint = False, 0, ""
        self.token.transfer(self.at.marketplace, caller, stake)
        return stake

    # ------------------------------------------------------------------ 2. models

    def _require_valid_tags(self, tags: list[bytes]) -> None:
        if len(tags) > MAX_TAGS:
            raise Revert("TooManyTags", count=len(tags), max=MAX_TAGS)

    def canonical_name(self, name: str) -> str:
        """The name's canonical form, or the registry's grammar error (mor_market.names)."""
        try:
            return names.canonical(name)
        except names.InvalidModelName as e:
            fields = (
                ("length", "minimum", "maximum") if e.error == "InvalidModelNameLength" else ("position", "character")
            )
            raise Revert(e.error, **dict(zip(fields, e.args, strict=True))) from None

    def model_id_by_name(self, name: str) -> int:
        """The active model whose stored name is the canonical form of `name`; 0 for a look-alike."""
        canonical = self.canonical_name(name)
        model_id = self.name_keys.get(names.key(canonical), 0)
        model = self.models.get(model_id)
        return model_id if model is not None and model.active and model.name == canonical else 0

    def _require_owned_active_model(self, caller: str, model_id: int) -> Model:
        model = self.models.get(model_id)
        if model is None or not model.active:
            raise Revert("ModelNotActive", modelId=model_id)
        if model.owner != caller:
            raise Revert("NotModelOwner", modelId=model_id, caller=caller)
        return model

    def register_model(self, caller: str, name: str, content_id: bytes, tags: list[bytes], stake: int) -> int:
        self._when_not_paused("registry")
        canonical = self.canonical_name(name)
        holder = self.name_keys.get(names.key(canonical), 0)
        if holder:
            held = self.models[holder]
            if held.active:
                raise Revert(
                    "ModelNameTaken", name=canonical, holderName=held.name, holderId=holder, holderOwner=held.owner
                )
            if held.name != canonical:
                raise Revert("ModelNameReserved", name=canonical, reservedName=held.name, modelId=holder)
        self._require_valid_tags(tags)
        if stake < self.min_model_stake:
            raise Revert("ModelStakeBelowMinimum", stake=stake, minimum=self.min_model_stake)
        require_uint(stake, 88)
        if stake:
            self.token.require_transfer_from(caller, self.at.model_registry, stake)
        # A name keeps its id: a freed name gives its model back, and its market reopens.
        model_id = holder or len(self.models) + 1
        self.models[model_id] = Model(caller, stake, True, content_id, canonical, list(tags))
        self.name_keys[names.key(canonical)] = model_id
        self.closed_models.discard(model_id)
        if stake:
            self.token.transfer_from(caller, self.at.model_registry, self.at.model_registry, stake)
        return model_id

    def update_model(self, caller: str, model_id: int, content_id: bytes, tags: list[bytes]) -> None:
        model = self._require_owned_active_model(caller, model_id)
        self._require_valid_tags(tags)
        model.content_id, model.tags = content_id, list(tags)

    def deregister_model(self, caller: str, model_id: int) -> int:
        """The owner always leaves: the stake comes back whatever bids others have; the model's
        market closes and its name is free again (keeping the model's id)."""
        model = self._require_owned_active_model(caller, model_id)
        stake = model.stake
        model.active, model.stake = False, 0
        self.closed_models.add(model_id)
        self.token.transfer(self.at.model_registry, caller, stake)
        return stake

    def set_min_model_stake(self, caller: str, minimum: int) -> None:
        self._only_governance(caller)
        check_bounds("minModelStake", minimum, 0, MAX_MIN_STAKE)
        self.min_model_stake = minimum

    # ------------------------------------------------------------------ 3. bids

    def post_bid(self, caller: str, model_id: int, price: int) -> int:
        self._when_not_paused("marketplace")
        record = self.provider(caller)
        if not record.registered:
            raise Revert("ProviderNotRegistered", account=caller)
        if self.whitelist_enabled and caller not in self.whitelist:
            raise Revert("NotWhitelisted", account=caller)  # suspended
        if not self.whitelist_enabled and record.stake < self.min_provider_stake:
            raise Revert("ProviderStakeBelowMinimum", stake=record.stake, minimum=self.min_provider_stake)
        if not self.min_price <= price <= self.max_price:
            raise Revert("PriceOutOfRange", price=price, minimum=self.min_price, maximum=self.max_price)
        model = self.models.get(model_id)
        if model is None or not model.active:
            raise Revert("ModelNotActive", modelId=model_id)
        fee = self.bid_fee
        if fee:
            self.token.require_transfer_from(caller, self.at.marketplace, fee)
        # effects: one active bid per (provider, model); a post replaces it with a new version
        bid = self.bids.setdefault((caller, model_id), Bid())
        if not bid.active:
            bid.active = True
            self.model_bidders.setdefault(model_id, []).append(caller)
            self.provider_models.setdefault(caller, []).append(model_id)
        bid.version += 1
        bid.price, bid.posted_at = price, self.now
        if fee:
            self.fee_balance += fee
            self.token.transfer_from(caller, self.at.marketplace, self.at.marketplace, fee)
        return bid_id(caller, model_id, bid.version)

    def delete_bid(self, caller: str, bid: int) -> None:
        provider_int, model_id, version = bid_parts(bid)
        if provider_int != int(caller, 16):
            raise Revert("NotBidProvider", bidId=bid, caller=caller)
        record = self.bid_of(caller, model_id)
        if not record.active or record.version != version:
            raise Revert("BidNotActive", bidId=bid)
        self._remove_bid(caller, model_id)

    def _remove_bid(self, provider: str, model_id: int) -> None:
        self.bids[(provider, model_id)].active = False
        # Documented order of both lists: the last one takes the deleted one's place.
        _swap_and_pop(self.model_bidders[model_id], provider)
        _swap_and_pop(self.provider_models[provider], model_id)

    # ------------------------------------------------------------------ governance of the marketplace

    def set_whitelisted(self, caller: str, account: str, whitelisted: bool) -> None:
        self._only_governance(caller)
        if account == ZERO_ADDRESS:
            raise Revert("ZeroAddress")
        (self.whitelist.add if whitelisted else self.whitelist.discard)(account)

    def disable_whitelist(self, caller: str) -> None:
        self._only_governance(caller)
        if not self.whitelist_enabled:
            raise Revert("WhitelistAlreadyDisabled")
        self.whitelist_enabled = False

    def set_min_provider_stake(self, caller: str, minimum: int) -> None:
        self._only_governance(caller)
        check_bounds("minProviderStake", minimum, 0, MAX_MIN_STAKE)
        self.min_provider_stake = minimum

    def set_price_bounds(self, caller: str, minimum: int, maximum: int) -> None:
        self._only_governance(caller)
        check_bounds("minPricePerSecond", minimum, PRICE_FLOOR, MIN_PRICE_CEILING)
        check_bounds("maxPricePerSecond", maximum, minimum, PRICE_CEILING)
        self.min_price, self.max_price = minimum, maximum

    def set_bid_fee(self, caller: str, fee: int) -> None:
        self._only_governance(caller)
        check_bounds("bidFee", fee, 0, MAX_BID_FEE)
        self.bid_fee = fee

    def withdraw_fees(self, caller: str, to: str, amount: int) -> None:
        self._only_governance(caller)
        if to == ZERO_ADDRESS:
            raise Revert("ZeroAddress")
        if amount == 0:
            raise Revert("ZeroAmount")
        if amount > self.fee_balance:
            raise Revert("InsufficientFees", balance=self.fee_balance, requested=amount)
        self.fee_balance -= amount
        self.token.transfer(self.at.marketplace, to, amount)

    def set_guardian(self, caller: str, contract: str, guardian: str) -> None:
        self._only_governance(caller)
        self.guardians[contract] = guardian

    def pause(self, caller: str, contract: str) -> None:
        """Governance or the contract's guardian (`NotPauser` otherwise)."""
        if caller not in (self.guardians[contract], self.at.governance):
            raise Revert("NotPauser", account=caller)
        until, next_at = self.pause_state[contract]
        if self.now < until:
            raise Revert("EnforcedPause", until=until)
        if self.now < next_at:
            raise Revert("PauseCoolingDown", availableAt=next_at)
        self.pause_state[contract] = (self.now + WEEK, self.now + 2 * WEEK)

    def unpause(self, caller: str, contract: str) -> None:
        self._only_governance(caller)
        if not self.is_paused(contract):
            raise Revert("ExpectedPause")
        self.pause_state[contract] = (self.now, self.now + WEEK)

    # ------------------------------------------------------------------ 4. compute pool

    def closing_balance(self, day: int) -> int:
        """The pool's ledger balance at the end of day `day - 1` (after its last change)."""
        return _value_before(self.balance_history, day * DAY, 0)

    def budget(self, day: int) -> int:
        """The budget of day `day`: 1% of the previous day's closing balance (rounded down)."""
        return self.closing_balance(day) * BUDGET_BPS // BPS

    def paid(self, day: int) -> int:
        return self.paid_by_day.get(day, 0)

    def _set_pool_balance(self, balance: int) -> None:
        self.pool_balance = balance
        self.balance_history.append((self.now, balance))
        self.books_day = self.today

    def fund(self, caller: str, amount: int) -> None:
        if amount == 0:
            raise Revert("ZeroAmount")
        require_uint(self.pool_balance + amount, 96)
        self.token.require_transfer_from(caller, self.at.pool, amount)
        self._set_pool_balance(self.pool_balance + amount)
        self.token.transfer_from(caller, self.at.pool, self.at.pool, amount)

    def surplus(self) -> int:
        """MOR that reached the pool by plain transfer and is not yet on its ledger."""
        return self.token.balance(self.at.pool) - self.pool_balance

    def stray(self, contract: str) -> int:
        """MOR a marketplace, registry or router holds beyond what it owes: swept to the pool."""
        owed = {
            "marketplace": self.total_provider_stake() + self.fee_balance,
            "model_registry": self.total_model_stake(),
            "router": self.total_locked(),
        }[contract]
        return self.token.balance(getattr(self.at, contract)) - owed

    def sweep_surplus(self, caller: str, contract: str) -> int:
        """`sweepSurplus`: the contract's surplus goes to the pool, which absorbs all of its own."""
        amount = self.stray(contract)
        if amount == 0:
            raise Revert("NoSurplus")
        self.token.transfer(getattr(self.at, contract), self.at.pool, amount)
        self.absorb_surplus(caller)
        return amount

    def absorb_surplus(self, caller: str) -> int:
        surplus = self.surplus()
        if surplus == 0:
            raise Revert("NoSurplus")
        self._set_pool_balance(self.pool_balance + surplus)
        return surplus

    def credit(self, caller: str, provider: str, amount: int) -> None:
        if caller != self.at.router:
            raise Revert("NotSessionRouter", caller=caller)
        self.owed[provider] = self.owed.get(provider, 0) + amount

    def claim(self, caller: str, provider: str) -> int:
        owed = self.owed.get(provider, 0)
        left = max(self.budget(self.today) - self.paid(self.today), 0)
        paid = min(owed, left)
        if paid == 0:
            raise Revert("NothingToClaim", owed=owed, budgetLeft=left)
        self.owed[provider] = owed - paid
        self.claimed[provider] = self.claimed.get(provider, 0) + paid
        self.paid_by_day[self.today] = self.paid(self.today) + paid
        self._set_pool_balance(self.pool_balance - paid)
        self.token.transfer(self.at.pool, provider, paid)
        return paid

    def pool_today(self) -> tuple[int, int, int]:
        """What `today()` shows: (budget, paid today, ledger balance)."""
        return self.budget(self.today), self.paid(self.today), self.pool_balance

    def reference_supply(self) -> int:
        """`max(pinned, MOR circulating outside the pool)`: a pin can only lower stipends."""
        return max(self.pinned_supply, self.token.total_supply - self.pool_balance)

    # ------------------------------------------------------------------ 5. sessions

    def releasable(self, consumer: str) -> int:
        """A hold made on an earlier day, released now."""
        hold = self.holds.get(consumer, Hold())
        return hold.amount if hold.amount and self.today > hold.day else 0

    def hold_of(self, consumer: str) -> tuple[int, int]:
        """(held until tomorrow, withdrawable now)."""
        hold = self.holds.get(consumer, Hold())
        return (0, hold.amount) if self.today > hold.day else (hold.amount, 0)

    def _release(self, consumer: str) -> int:
        released = self.releasable(consumer)
        if released:
            self.holds[consumer] = Hold()
        return released

    def duration(self, stake: int, mode: int, price: int) -> int:
        """Seconds the stake buys: stipend `S * budget(today) / referenceSupply / price`, or
        direct `S / price`, at most maxSessionDuration; at least minSessionDuration or revert."""
        if mode == STIPEND:
            supply = self.reference_supply()
            if supply == 0:
                raise Revert("ZeroReferenceSupply")
            seconds = min(self.max_duration, stake * self.budget(self.today) // supply // price)
        else:
            seconds = min(self.max_duration, stake // price)
        if seconds < self.min_duration:
            raise Revert("SessionTooShort", duration=seconds, minimum=self.min_duration)
        return seconds

    def open_session(
        self, consumer: str, bid: int, nonce: int, deadline: int, stake: int, mode: int, approval: Signature
    ) -> int:
        self._when_not_paused("router")
        if stake == 0:
            raise Revert("ZeroStake")
        if mode not in (0, 1):
            raise Revert("InvalidMode", mode=mode)
        sid = session_id(consumer, nonce)
        if sid in self.sessions:
            raise Revert("ApprovalAlreadyUsed", sessionId=sid)
        if self.now > deadline:
            raise Revert("ApprovalExpired", deadline=deadline)
        provider_int, model_id, version = bid_parts(bid)
        provider = _address_of(provider_int, self.providers)
        record = self.bid_of(provider, model_id) if provider else Bid()
        if not record.active or record.version != version:
            raise Revert("BidNotActive", bidId=bid)
        if model_id in self.closed_models:
            raise Revert("ModelNotActive", modelId=model_id)  # its owner left
        if self.whitelist_enabled and provider not in self.whitelist:
            raise Revert("NotWhitelisted", account=provider)  # a suspended provider's bid
        signer = self.signer_of(provider)
        if not self.accepts(signer, approval, "Approval", (bid, consumer, nonce, deadline)):
            raise Revert("InvalidApprovalSignature", signer=signer)
        self_dealt = consumer in (provider, signer)
        if self_dealt and mode == STIPEND:
            raise Revert("SelfDealtStipend", bidId=bid, consumer=consumer)
        seconds = self.duration(stake, mode, record.price)
        require_uint(stake, 96)
        released = self.releasable(consumer)
        if stake > released:
            self.token.require_transfer_from(consumer, self.at.router, stake - released)
        # effects: the released hold counts towards the new stake
        self._release(consumer)
        self.sessions[sid] = Session(
            consumer, provider, model_id, bid, record.price, stake, self.now, self.now + seconds, mode, 0, self_dealt
        )
        if stake > released:
            self.token.transfer_from(consumer, self.at.router, self.at.router, stake - released)
        elif released > stake:
            self.token.transfer(self.at.router, consumer, released - stake)
        return sid

    def _check_receipt(self, sid: int, receipt: tuple[int, int, int, Signature]) -> None:
        session = self.sessions.get(sid)
        ttft, tps, deadline, signature = receipt
        if self.now > deadline:
            raise Revert("ReceiptExpired", deadline=deadline)
        if not (TTFT_BOUNDS[0] <= ttft <= TTFT_BOUNDS[1] and TPS_BOUNDS[0] <= tps <= TPS_BOUNDS[1]):
            raise Revert("ReceiptOutOfBounds", ttftMs=ttft, tokensPerSecond=tps)
        if session is None:
            raise Revert("UnknownSession", sessionId=sid)
        signer = self.signer_of(session.provider)
        if not self.accepts(signer, signature, "Receipt", (sid, ttft, tps, deadline)):
            raise Revert("InvalidReceiptSignature", signer=signer)

    @staticmethod
    def session_weight(session: Session, seconds: int) -> int:
        """Its weight in the statistics: 0 (rates nothing) if self-dealt or shorter than the
        rated minimum, else its milli-MOR times its seconds, capped."""
        if session.self_dealt or seconds < MIN_RATED_SECONDS:
            return 0
        return min(session.stake // WEIGHT_UNIT * seconds, MAX_SESSION_WEIGHT)

    def close_session(self, caller: str, sid: int, receipt: tuple[int, int, int, Signature] | None = None) -> Closed:
        """Closes a session, with a receipt (ttftMs, tokensPerSecond, deadline, signature) or without."""
        session = self.sessions.get(sid)
        if receipt is not None:
            self._check_receipt(sid, receipt)
        if session is None:
            raise Revert("UnknownSession", sessionId=sid)
        if session.closed_at:
            raise Revert("SessionAlreadyClosed", sessionId=sid)
        before_end = self.now < session.ends_at
        closers = (session.consumer, session.provider, self.signer_of(session.provider))
        if before_end and caller not in closers:
            raise Revert("NotAllowedToClose", sessionId=sid, caller=caller)
        # effects: exact pay for the seconds provided
        seconds = min(self.now, session.ends_at) - session.opened_at
        pay = session.price * seconds
        session.closed_at = self.now
        # Only the consumer's close is a verdict; a session of no weight records nothing.
        rating = None
        if caller == session.consumer:
            rating = "disputed" if receipt is None else "completed"
        weight = self.session_weight(session, seconds)
        if weight:
            stats = self.stats.setdefault((session.provider, session.model_id), Stats())
            stats.record(weight, seconds, pay)
            if rating is not None:
                stats.rate(weight, rating, before_end, receipt)
                session.verdict = rating
        disputed = weight > 0 and rating == "disputed"
        closed_early = weight > 0 and rating is not None and before_end
        released = self._release(session.consumer)
        if session.mode == DIRECT:
            returned, held = session.stake - pay, 0
        else:
            # The share of the stake that backed today's compute is held until tomorrow (rounded up).
            day_start = self.today * DAY
            seconds_today = max(0, min(self.now, session.ends_at) - max(session.opened_at, day_start))
            held = ceil_div(session.stake * seconds_today, session.ends_at - session.opened_at)
            returned = session.stake - held
            if held:
                hold = self.holds.setdefault(session.consumer, Hold())
                hold.amount, hold.day = hold.amount + held, self.today
        if pay:
            if session.mode == STIPEND:
                self.owed[session.provider] = self.owed.get(session.provider, 0) + pay
            else:
                self.token.transfer(self.at.router, session.provider, pay)
        self.token.transfer(self.at.router, session.consumer, returned + released)
        return Closed(seconds, pay, returned, held, released, weight, disputed, closed_early)

    def rate_session(self, caller: str, sid: int, receipt: tuple[int, int, int, Signature] | None = None) -> int:
        """The consumer's late verdict on a session someone else closed; returns its weight."""
        if receipt is not None:
            self._check_receipt(sid, receipt)
        session = self.sessions.get(sid)
        if session is None:
            raise Revert("UnknownSession", sessionId=sid)
        if caller != session.consumer:
            raise Revert("NotSessionConsumer", sessionId=sid, caller=caller)
        if not session.closed_at:
            raise Revert("SessionStillOpen", sessionId=sid)
        if session.verdict is not None:
            raise Revert("SessionAlreadyRated", sessionId=sid, verdict=VERDICTS.index(session.verdict))
        seconds = min(session.closed_at, session.ends_at) - session.opened_at
        weight = self.session_weight(session, seconds)
        if weight == 0:
            raise Revert("SessionNotRatable", sessionId=sid, secondsProvided=seconds, minimum=MIN_RATED_SECONDS)
        if self.now > session.closed_at + VERDICT_WINDOW:
            raise Revert("VerdictWindowClosed", sessionId=sid, windowEnd=session.closed_at + VERDICT_WINDOW)
        session.verdict = "disputed" if receipt is None else "completed"
        self.stats[(session.provider, session.model_id)].rate(
            weight, session.verdict, session.closed_at < session.ends_at, receipt
        )
        return weight

    def withdraw_held(self, caller: str) -> int:
        released = self.releasable(caller)
        if released == 0:
            raise Revert("NothingToWithdraw", held=self.holds.get(caller, Hold()).amount)
        self._release(caller)
        self.token.transfer(self.at.router, caller, released)
        return released

    def set_duration_bounds(self, caller: str, minimum: int, maximum: int) -> None:
        self._only_governance(caller)
        check_bounds("minSessionDuration", minimum, DURATION_FLOOR, MIN_DURATION_CEILING)
        check_bounds("maxSessionDuration", maximum, minimum, DURATION_CEILING)
        self.min_duration, self.max_duration = minimum, maximum

    def set_reference_supply(self, caller: str, supply: int) -> None:
        self._only_governance(caller)
        check_bounds("referenceSupply", supply, 0, MAX_REFERENCE_SUPPLY)
        self.pinned_supply = supply

    # ------------------------------------------------------------------ 7. stipends stay reachable

    def smallest_stipend_stake_today(self) -> int | None:
        """The smallest stake that opens a stipend session of the minimum duration at the minimum
        price today (None: no stake does, no budget or no reference supply)."""
        supply = self.reference_supply()
        return (
            smallest_stipend_stake(self.budget(self.today), supply, self.min_price, self.min_duration)
            if supply
            else None
        )

    def worst_stipend_corners(self) -> list[tuple[int, int, int, int | None]]:
        """The promise (PROTOCOL.md §7) at today's parameters, where it is hardest: the pool at
        exactly ceil(C / 100) at yesterday's close, so the day's budget is floor(ceil(C / 100) *
        100 / 10,000), and the reference supply max(pin, C). The smallest stake opening a session
        of the minimum duration at the minimum price grows against 1% of C as C shrinks (below
        the pin) and is flat above it, so the corners are C = STIPEND_SCALE, C = the pin (if
        larger), and the MOR circulating now (if at scale). Returns (C, budget, supply, smallest
        stake) for each."""
        circulating = self.token.total_supply - self.pool_balance
        corners = {STIPEND_SCALE, max(STIPEND_SCALE, self.pinned_supply)}
        if circulating >= STIPEND_SCALE:
            corners.add(circulating)
        out = []
        for c in sorted(corners):
            budget = ceil_div(c, 100) * BUDGET_BPS // BPS
            supply = max(self.pinned_supply, c)
            out.append((c, budget, supply, smallest_stipend_stake(budget, supply, self.min_price, self.min_duration)))
        return out


def smallest_stipend_stake(budget: int, supply: int, price: int, minimum: int) -> int | None:
    """The smallest stake whose stipend session at `price` lasts at least `minimum` seconds, in
    the contract's exact integer math: `min(maxDuration, mulDiv(S, budget, supply) / price) >=
    minimum` (maxDuration >= minimum always) holds exactly when S * budget >= minimum * price *
    supply, since both divisions round down. None: no stake does (a zero budget)."""
    if budget == 0:
        return None
    return ceil_div(minimum * price * supply, budget)


# ---------------------------------------------------------------------------- the timelock

PROPOSER_ROLE = keccak(text="PROPOSER_ROLE")
EXECUTOR_ROLE = keccak(text="EXECUTOR_ROLE")


def state_bitmap(*states: int) -> bytes:
    """TimelockController._encodeStateBitmap: one bit per expected OperationState."""
    return sum(1 << s for s in states).to_bytes(32, "big")


@dataclass
class TimelockCall:
    """A call the timelock runs: the side registry's `setMinModelStake(value)` or its own
    `updateDelay(value)`."""

    target: str  # "side_registry" or "timelock"
    value: int
    salt: int


@dataclass
class Timelock:
    """A GovernanceTimelock (OpenZeppelin's TimelockController, a delay floor, and operations
    that expire GRACE_PERIOD after they became ready), with governance its one proposer and
    executor, and the side ModelRegistry it owns."""

    proposer: str
    min_delay: int
    floor: int
    timestamps: dict[bytes, int] = field(default_factory=dict)  # id -> ready time (1: done)
    calls: dict[bytes, TimelockCall] = field(default_factory=dict)
    side_min_model_stake: int = 0

    def expired(self, op: bytes, now: int) -> bool:
        ready_at = self.timestamps.get(op, 0)
        return ready_at > DONE_TIMESTAMP and now >= ready_at + GRACE_PERIOD

    def state(self, op: bytes, now: int) -> int:
        """`getOperationState`: an expired operation reads unset."""
        ready_at = self.timestamps.get(op, 0)
        if ready_at == 0 or self.expired(op, now):
            return UNSET
        if ready_at == DONE_TIMESTAMP:
            return DONE
        return WAITING if ready_at > now else READY

    def schedule(self, caller: str, op: bytes, call: TimelockCall, delay: int, now: int) -> None:
        if caller != self.proposer:
            raise Revert("AccessControlUnauthorizedAccount", account=caller, neededRole=PROPOSER_ROLE)
        if self.state(op, now) != UNSET:
            raise Revert("TimelockUnexpectedOperationState", operationId=op, expectedStates=state_bitmap(UNSET))
        if delay < self.min_delay:
            raise Revert("TimelockInsufficientDelay", delay=delay, minDelay=self.min_delay)
        self.timestamps[op] = now + delay
        self.calls[op] = call

    def execute(self, caller: str, op: bytes, call: TimelockCall, now: int) -> None:
        """The expiry is checked first (GovernanceTimelock.execute, before the executor role of
        TimelockController.execute); the call's own revert bubbles up."""
        if self.expired(op, now):
            raise Revert("TimelockOperationExpired", id=op, expiredAt=self.timestamps[op] + GRACE_PERIOD)
        if caller != self.proposer:
            raise Revert("AccessControlUnauthorizedAccount", account=caller, neededRole=EXECUTOR_ROLE)
        if self.state(op, now) != READY:
            raise Revert("TimelockUnexpectedOperationState", operationId=op, expectedStates=state_bitmap(READY))
        if call.target == "side_registry":
            check_bounds("minModelStake", call.value, 0, MAX_MIN_STAKE)
            self.side_min_model_stake = call.value
        else:
            if call.value < self.floor:
                raise Revert("TimelockDelayBelowFloor", delay=call.value, floor=self.floor)
            self.min_delay = call.value
        self.timestamps[op] = DONE_TIMESTAMP


def _swap_and_pop(items: list[Any], item: Any) -> None:
    index = items.index(item)
    items[index] = items[-1]
    items.pop()


def _value_before(history: list[tuple[int, int]], ts: int, default: int) -> int:
    """The value of a (timestamp, value) history just before timestamp `ts`."""
    index = bisect_left(history, (ts, -1))
    return history[index - 1][1] if index else default


def _address_of(value: int, known: dict[str, Any]) -> str | None:
    for address in known:
        if int(address, 16) == value:
            return address
    return None


# ---------------------------------------------------------------------------- the event-driven model


@dataclass
class EventReplay:
    """Rebuilds the protocol's ledgers from its events alone, in (block, log index) order.

    Facts no event carries are taken from the log's block: the timestamp (a bid's postedAt, a
    session's openedAt and closedAt, the day of a hold). Everything else comes from event fields.
    """

    providers: dict[str, Provider] = field(default_factory=dict)
    bids: dict[tuple[str, int], Bid] = field(default_factory=dict)
    models: dict[int, Model] = field(default_factory=dict)
    fee_balance: int = 0
    pool_balance: int = 0
    owed: dict[str, int] = field(default_factory=dict)
    claimed: dict[str, int] = field(default_factory=dict)
    sessions: dict[int, Session] = field(default_factory=dict)
    holds: dict[str, Hold] = field(default_factory=dict)
    stats: dict[tuple[str, int], Stats] = field(default_factory=dict)
    total_locked: int = 0
    whitelist: set[str] = field(default_factory=set)
    closes: dict[int, int] = field(default_factory=dict)  # session -> number of SessionClosed events
    # (session, weight, closed early) of the last SessionClosed, for its ReceiptRecorded
    _pending_verdict: tuple[int, int, bool] = (0, 0, False)
    problems: list[str] = field(default_factory=list)

    def apply(self, name: str, a: dict[str, Any], ts: int) -> None:
        handler = getattr(self, f"_on_{name}", None)
        if handler is not None:
            handler(a, ts)

    def _check(self, ok: bool, message: str) -> None:
        if not ok:
            self.problems.append(message)

    # marketplace
    def _on_ProviderRegistered(self, a: dict[str, Any], ts: int) -> None:
        record = self.providers.setdefault(a["provider"], Provider())
        record.registered, record.endpoint = True, a["endpoint"]

    def _on_ProviderStakeAdded(self, a: dict[str, Any], ts: int) -> None:
        record = self.providers.setdefault(a["provider"], Provider())
        self._check(record.stake + a["amount"] == a["totalStake"], f"ProviderStakeAdded total {a}")
        record.stake = a["totalStake"]

    def _on_ProviderSignerSet(self, a: dict[str, Any], ts: int) -> None:
        self.providers.setdefault(a["provider"], Provider()).signer = a["signer"]

    def _on_ProviderDeregistered(self, a: dict[str, Any], ts: int) -> None:
        record = self.providers.setdefault(a["provider"], Provider())
        self._check(record.stake == a["stakeReturned"], f"ProviderDeregistered returned {a}, stake {record.stake}")
        record.registered, record.stake, record.endpoint = False, 0, ""

    def _on_BidPosted(self, a: dict[str, Any], ts: int) -> None:
        _, model_id, version = bid_parts(a["bidId"])
        bid = self.bids.setdefault((a["provider"], model_id), Bid())
        self._check(version == bid.version + 1, f"BidPosted version {version} after {bid.version}")
        bid.version, bid.price, bid.posted_at, bid.active = version, a["pricePerSecond"], ts, True
        self.fee_balance += a["fee"]

    def _on_BidDeleted(self, a: dict[str, Any], ts: int) -> None:
        _, model_id, version = bid_parts(a["bidId"])
        bid = self.bids.setdefault((a["provider"], model_id), Bid())
        self._check(bid.active and bid.version == version, f"BidDeleted of an inactive bid {a}")
        bid.active = False

    def _on_FeesWithdrawn(self, a: dict[str, Any], ts: int) -> None:
        self.fee_balance -= a["amount"]

    def _on_WhitelistSet(self, a: dict[str, Any], ts: int) -> None:
        (self.whitelist.add if a["whitelisted"] else self.whitelist.discard)(a["account"])

    # model registry
    def _on_ModelRegistered(self, a: dict[str, Any], ts: int) -> None:
        self.models[a["modelId"]] = Model(a["owner"], a["stake"], True, a["contentId"], a["name"], list(a["tags"]))

    def _on_ModelUpdated(self, a: dict[str, Any], ts: int) -> None:
        model = self.models[a["modelId"]]
        model.content_id, model.tags = a["contentId"], list(a["tags"])

    def _on_ModelDeregistered(self, a: dict[str, Any], ts: int) -> None:
        model = self.models[a["modelId"]]
        self._check(model.stake == a["stakeReturned"], f"ModelDeregistered returned {a}")
        model.active, model.stake = False, 0

    # compute pool
    def _on_Funded(self, a: dict[str, Any], ts: int) -> None:
        self._check(self.pool_balance + a["amount"] == a["balance"], f"Funded balance {a}")
        self.pool_balance = a["balance"]

    def _on_SurplusAbsorbed(self, a: dict[str, Any], ts: int) -> None:
        self._check(self.pool_balance + a["amount"] == a["balance"], f"SurplusAbsorbed balance {a}")
        self.pool_balance = a["balance"]

    def _on_Credited(self, a: dict[str, Any], ts: int) -> None:
        owed = self.owed.get(a["provider"], 0) + a["amount"]
        self._check(owed == a["owed"], f"Credited owed {a}, replay {owed}")
        self.owed[a["provider"]] = a["owed"]

    def _on_Claimed(self, a: dict[str, Any], ts: int) -> None:
        owed = self.owed.get(a["provider"], 0) - a["amount"]
        self._check(owed == a["owed"], f"Claimed owed {a}, replay {owed}")
        self.owed[a["provider"]] = a["owed"]
        self.claimed[a["provider"]] = self.claimed.get(a["provider"], 0) + a["amount"]
        self.pool_balance -= a["amount"]

    # session router
    def _on_SessionOpened(self, a: dict[str, Any], ts: int) -> None:
        _, model_id, _ = bid_parts(a["bidId"])
        self.sessions[a["sessionId"]] = Session(
            a["consumer"],
            a["provider"],
            model_id,
            a["bidId"],
            a["pricePerSecond"],
            a["stake"],
            ts,
            a["endsAt"],
            a["mode"],
            0,
            # Self-dealt: the consumer was the provider or the provider's signer at opening.
            a["consumer"] in (a["provider"], self.providers.get(a["provider"], Provider()).signer),
        )
        self.total_locked += a["stake"]

    def _on_HeldReleased(self, a: dict[str, Any], ts: int) -> None:
        hold = self.holds.get(a["consumer"], Hold())
        self._check(hold.amount == a["amount"] and day_of(ts) > hold.day, f"HeldReleased {a} of hold {hold}")
        self.holds[a["consumer"]] = Hold()
        self.total_locked -= a["amount"]

    def _on_SessionClosed(self, a: dict[str, Any], ts: int) -> None:
        sid = a["sessionId"]
        self.closes[sid] = self.closes.get(sid, 0) + 1
        session = self.sessions[sid]
        session.closed_at = ts
        self._check(a["paid"] == session.price * a["secondsProvided"], f"SessionClosed paid {a}")
        self._check(
            a["returned"] + a["held"] + (a["paid"] if session.mode == DIRECT else 0) == session.stake,
            f"SessionClosed split {a} of stake {session.stake}",
        )
        # The close's weight is stake x seconds in milli-MOR, capped, recorded unless self-dealt
        # or short; how it rated is in the event's flags, its measurements in ReceiptRecorded
        # (which follows).
        expected = ProtocolModel.session_weight(session, a["secondsProvided"])
        self._check(a["weight"] == expected, f"SessionClosed weight {a}, replay {expected}")
        self._pending_verdict = (sid, a["weight"], a["closedEarly"])
        if a["weight"]:
            stats = self.stats.setdefault((session.provider, session.model_id), Stats())
            stats.record(a["weight"], a["secondsProvided"], a["paid"])
            if a["disputed"]:
                stats.rate(a["weight"], "disputed", a["closedEarly"], None)
                session.verdict = "disputed"
        if a["held"]:
            hold = self.holds.setdefault(session.consumer, Hold())
            hold.amount, hold.day = hold.amount + a["held"], day_of(ts)
        self.total_locked -= session.stake - a["held"]

    def _on_SessionRated(self, a: dict[str, Any], ts: int) -> None:
        # A late verdict: the session was closed by someone else, within the window.
        session = self.sessions[a["sessionId"]]
        seconds = min(session.closed_at, session.ends_at) - session.opened_at
        expected = ProtocolModel.session_weight(session, seconds)
        self._check(
            a["weight"] == expected > 0 and ts <= session.closed_at + VERDICT_WINDOW,
            f"SessionRated {a}, replay weight {expected}, closed at {session.closed_at}",
        )
        self._check(a["closedEarly"] == (session.closed_at < session.ends_at), f"SessionRated early {a}")
        self._check(session.verdict is None, f"SessionRated {a} of a session rated {session.verdict}")
        session.verdict = VERDICTS[a["verdict"]]
        receipt = (a["ttftMs"], a["tokensPerSecond"]) if session.verdict == "completed" else None
        self._check(receipt is not None or a["ttftMs"] == a["tokensPerSecond"] == 0, f"SessionRated dispute {a}")
        self.stats[(session.provider, session.model_id)].rate(a["weight"], session.verdict, a["closedEarly"], receipt)

    def _on_ReceiptRecorded(self, a: dict[str, Any], ts: int) -> None:
        # The consumer's completed close: its SessionClosed (just before) left the rating here.
        sid, weight, early = self._pending_verdict
        self._check(sid == a["sessionId"] and weight > 0, f"ReceiptRecorded {a} after {self._pending_verdict}")
        session = self.sessions[sid]
        stats = self.stats[(session.provider, session.model_id)]
        stats.rate(weight, "completed", early, (a["ttftMs"], a["tokensPerSecond"]))
        session.verdict = "completed"
