"""The property machine's world (tests/properties/test_protocol_state_machine.py): the mix it
must explore, the actors, batched JSON-RPC views, the World the examples share, the strategies, and
the decoding of errors and events."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, ClassVar

import requests
from ape import chain
from ape.exceptions import ContractLogicError, CustomError
from eth_abi import decode, encode
from eth_utils import keccak, to_checksum_address
from hypothesis import strategies as st

from mor_market.constants import DAY, MOR
from tests.properties.model import (
    MIN_DURATION_CEILING,
    MIN_PRICE_CEILING,
    Signature,
    Stats,
)

# ---------------------------------------------------------------------------- the mix (issue #20)

# What a ci or deep run must explore where MOR leaves (checked after the run; smoke is too short).
MIX_ENFORCED_PROFILES = ("ci", "deep")
MIN_CLAIM_SHARE = 0.05  # ComputePool claim transactions / all transactions
EXTRAS_PER_TRANSACTIONS = 20  # the guardian and side-timelock rules run at most once per 20 transactions
MIN_SUCCESSFUL_CLAIMS = 50  # claims that paid something
MIN_BUDGET_EXHAUSTED_SHARE = 0.20  # examples where a claim found the day's budget used up
MIN_MIDNIGHT_CROSSINGS = 20  # sessions still running at a midnight (counted when they close)
MIN_DAYS_LATE_CLOSES = 5  # sessions closed by someone else DAYS_LATE or more days after their end
DAYS_LATE = 2
MIN_HOLDS_RELEASED = 5  # per path: withdrawHeld, the consumer's next open, a later close
MIN_ATTACKER_ACTIONS = 10  # per attacker: governance at its bounds, second wallet, sybil, griefer
HOLD_PATHS = ("withdrawHeld", "next open", "later close")
ATTACKERS = ("governance at bounds", "second wallet", "sybil", "griefer")
# The baseline's backlog: providers are owed this many days' budgets when every example starts.
BACKLOG_BUDGETS = 2
WHALE_STAKE = 800_000  # MOR: a consumer's stipend stake in the baseline's backlog

ALLOWANCE = 10**27  # what every actor approves each contract at the start: far more than it holds
BLOCK_SECONDS = 5  # every transaction lands this many seconds after the previous one

# ---------------------------------------------------------------------------- actors

GOVERNANCE, KEEPER, FUNDER, MODEL_OWNER = "governance", "keeper", "funder", "model_owner"
GRIEFER = "outsider"  # a registered-or-not account that acts against others
BOB_SIGNER, WALLET_OWNER = "bob_signer", "wallet_owner"
PROVIDERS = ("alice", "bob", "wallet", "outsider")  # wallet: an ERC-1271 smart-contract wallet
CONSUMERS = ("carol", "dave", "erin")
EVERYONE = (GOVERNANCE, *PROVIDERS, *CONSUMERS, KEEPER, FUNDER, MODEL_OWNER, BOB_SIGNER, WALLET_OWNER)
TEST_ACCOUNT_INDEX = {
    GOVERNANCE: 0,
    "alice": 1,
    "bob": 2,
    "carol": 3,
    "dave": 4,
    KEEPER: 5,
    "outsider": 6,
    MODEL_OWNER: 7,
    BOB_SIGNER: 8,
    FUNDER: 9,
}
CONTRACTS = ("marketplace", "model_registry", "pool", "router")

# Governance's parameters: (contract, setter, candidate arguments, out-of-range ones included).
PARAMETER_CHANGES: dict[str, tuple[str, str, list[tuple[Any, ...]]]] = {
    # Values inside the hard bounds, on both edges (the most hostile ones governance can set),
    # and just outside them on purpose.
    "minProviderStake": (
        "marketplace",
        "setMinProviderStake",
        [(0,), (100 * MOR,), (600 * MOR,), (2_000 * MOR,), (100_000 * MOR,), (100_000 * MOR + 1,), (2**88,)],
    ),
    "priceBounds": (
        "marketplace",
        "setPriceBounds",
        [
            (10**10, 10**16),
            (10**9, 10**17),
            (10**12, 10**15),
            (MIN_PRICE_CEILING, 10**17),
            (MIN_PRICE_CEILING, MIN_PRICE_CEILING),
            (10**9, 10**9),
            (10**9 - 1, 10**10),
            (MIN_PRICE_CEILING + 1, 10**17),
            (10**13, 10**14),
            (10**12, 10**11),
            (10**9, 10**17 + 1),
            (1, 2**64 - 1),
        ],
    ),
    "bidFee": ("marketplace", "setBidFee", [(0,), (0,), (1,), (MOR,), (5 * MOR,), (10 * MOR,), (10 * MOR + 1,)]),
    "whitelist": ("marketplace", "disableWhitelist", [()]),
    "minModelStake": ("model_registry", "setMinModelStake", [(0,), (MOR,), (50 * MOR,), (100_000 * MOR + 1,)]),
    "durationBounds": (
        "router",
        "setDurationBounds",
        [
            (60, DAY),
            (60, 7 * DAY),
            (600, 7_200),
            (60, 3 * DAY),
            (MIN_DURATION_CEILING, 7 * DAY),
            (MIN_DURATION_CEILING, MIN_DURATION_CEILING),
            (59, 3_600),
            (MIN_DURATION_CEILING + 1, 7_200),
            (7 * DAY, 7 * DAY),
            (100, 50),
            (60, 7 * DAY + 1),
        ],
    ),
    "referenceSupply": (
        "router",
        "setReferenceSupply",
        [(0,), (0,), (1,), (1_000_000 * MOR,), (42_000_000 * MOR,), (42_000_000 * MOR + 1,)],
    ),
}
# Every parameter's hard bounds (contract, setter, lowest, highest first value, highest), for
# values drawn anywhere inside: a pair of bounds takes its minimum in [lowest, highest first
# value] (the ceilings that keep stipends reachable) and its maximum in [minimum, highest].
IN_BOUNDS: dict[str, tuple[str, str, int, int, int]] = {
    "priceBounds": ("marketplace", "setPriceBounds", 10**9, MIN_PRICE_CEILING, 10**17),
    "bidFee": ("marketplace", "setBidFee", 0, 10 * MOR, 10 * MOR),
    "minProviderStake": ("marketplace", "setMinProviderStake", 0, 100_000 * MOR, 100_000 * MOR),
    "minModelStake": ("model_registry", "setMinModelStake", 0, 100_000 * MOR, 100_000 * MOR),
    "durationBounds": ("router", "setDurationBounds", 60, MIN_DURATION_CEILING, 7 * DAY),
    "referenceSupply": ("router", "setReferenceSupply", 0, 42_000_000 * MOR, 42_000_000 * MOR),
}
PAIRS = ("setPriceBounds", "setDurationBounds")  # setters of a (minimum, maximum) pair
_MODEL_SETTERS = {
    "setMinProviderStake": "set_min_provider_stake",
    "setPriceBounds": "set_price_bounds",
    "setBidFee": "set_bid_fee",
    "disableWhitelist": "disable_whitelist",
    "setMinModelStake": "set_min_model_stake",
    "setDurationBounds": "set_duration_bounds",
    "setReferenceSupply": "set_reference_supply",
}
# The pausable contracts, by the model's names for them.
PAUSABLE = {"marketplace": "marketplace", "model_registry": "registry", "router": "router"}
# Accounts governance may name guardian (the keeper, a consumer, the griefer) or none ("zero").
GUARDIAN_CANDIDATES = (KEEPER, "carol", GRIEFER, "zero")

# The separate GovernanceTimelock (see rules_timelock.py): its delay and delay floor at creation.
TIMELOCK_DELAY = 3_600
TIMELOCK_FLOOR = 600


@dataclass
class Actor:
    name: str
    address: str
    account: Any  # the Ape account that sends its transactions (the wallet's owner for the wallet)
    is_wallet: bool = False


# ---------------------------------------------------------------------------- JSON-RPC batches


class Rpc:
    """Batched JSON-RPC: the invariants read ~150 views after every step in one round trip."""

    def __init__(self, uri: str) -> None:
        self.uri = uri
        self.http = requests.Session()
        self.http.trust_env = False  # no proxy lookup in the environment per request

    def batch(self, calls: list[tuple[str, list[Any]]]) -> list[Any]:
        payload = [{"jsonrpc": "2.0", "id": i, "method": m, "params": p} for i, (m, p) in enumerate(calls)]
        replies = {r["id"]: r for r in self.http.post(self.uri, json=payload, timeout=120).json()}
        out = []
        for i in range(len(calls)):
            if "error" in replies[i]:
                raise AssertionError(f"RPC {calls[i][0]} failed: {replies[i]['error']}")
            out.append(replies[i]["result"])
        return out

    def request(self, method: str, params: list[Any]) -> Any:
        return self.batch([(method, params)])[0]


class ViewBatch:
    """Collects view calls, runs them in one batch, decodes them with eth_abi."""

    _abis: ClassVar[dict[tuple[str, str], tuple[bytes, list[str], list[str]]]] = {}

    def __init__(self, rpc: Rpc) -> None:
        self.rpc = rpc
        self.calls: list[tuple[str, list[Any]]] = []
        self.decoders: list[Callable[[Any], Any]] = []

    def view(self, contract: Any, method: str, *args: Any) -> int:
        key = (contract.contract_type.name, method)
        if key not in self._abis:
            abi = next(m for m in contract.contract_type.view_methods if m.name == method)
            selector = keccak(text=abi.selector)[:4]
            self._abis[key] = (
                selector,
                [i.canonical_type for i in abi.inputs],
                [o.canonical_type for o in abi.outputs],
            )
        selector, inputs, outputs = self._abis[key]
        data = "0x" + (selector + encode(inputs, list(args))).hex()
        self.calls.append(("eth_call", [{"to": str(contract.address), "data": data}, "latest"]))

        def _decode(raw: str) -> Any:
            values = decode(outputs, bytes.fromhex(raw[2:]))
            return values[0] if len(values) == 1 else values

        self.decoders.append(_decode)
        return len(self.calls) - 1

    def head_timestamp(self) -> int:
        self.calls.append(("eth_getBlockByNumber", ["latest", False]))
        self.decoders.append(lambda block: int(block["timestamp"], 16))
        return len(self.calls) - 1

    def run(self) -> list[Any]:
        return [decoder(raw) for decoder, raw in zip(self.decoders, self.rpc.batch(self.calls), strict=True)]


def checksum(value: str) -> str:
    return to_checksum_address(value)


# ---------------------------------------------------------------------------- the world


@dataclass
class World:
    """The deployed protocol, the actors, and the baseline every example starts from."""

    mor: Any
    marketplace: Any
    model_registry: Any
    pool: Any
    router: Any
    wallet: Any
    timelock: Any  # the separate GovernanceTimelock (rules_timelock.py)
    side_registry: Any  # the ModelRegistry that timelock owns
    actors: dict[str, Actor]
    rpc: Rpc
    start_block: int
    baseline_snapshot: Any = None
    baseline: dict[str, Any] = field(default_factory=dict)
    # measurements over the whole run
    invariant_checks: int = 0
    examples: int = 0
    transactions: int = 0
    seconds: Counter = field(default_factory=Counter)  # where the time goes: transactions, views, replay
    rule_counts: Counter = field(default_factory=Counter)
    revert_counts: Counter = field(default_factory=Counter)
    fair_share_checks: int = 0  # stipend sessions checked against promise 3 on the chain's figures
    close_kinds: Counter = field(default_factory=Counter)  # how closes rated, and the v2 attackers' acts
    verdict_kinds: Counter = field(default_factory=Counter)  # late verdicts given, and why refused
    # the money paths (issue #20)
    claim_outcomes: Counter = field(default_factory=Counter)
    budget_exhausted_examples: int = 0
    midnight_crossings: int = 0
    days_late_closes: int = 0
    holds_released: Counter = field(default_factory=Counter)
    attackers: Counter = field(default_factory=Counter)
    permit_name: str | None = None  # the token's EIP-712 name, if it takes EIP-2612 permits
    governance_kinds: Counter = field(default_factory=Counter)  # guardian and timelock outcomes

    def address(self, name: str) -> str:
        return self.actors[name].address

    def name_of(self, address: str) -> str | None:
        return next((a.name for a in self.actors.values() if a.address == address), None)

    def contract(self, name: str) -> Any:
        return getattr(self, name)

    def restore_baseline(self) -> None:
        chain.restore(self.baseline_snapshot)
        self.baseline_snapshot = chain.snapshot()


# ---------------------------------------------------------------------------- strategies

index = st.integers(min_value=0, max_value=1023)
provider_names = st.sampled_from(PROVIDERS)
consumer_names = st.sampled_from(CONSUMERS)
anyone = st.sampled_from(EVERYONE)
uint32s = st.integers(min_value=0, max_value=2**32 - 1)
# Receipt measurements: mostly physical, the bounds' edges, and a few outside them on purpose.
ttfts = st.one_of(
    st.integers(min_value=1, max_value=600_000),
    st.integers(min_value=20, max_value=3_000),
    st.sampled_from([0, 1, 600_000, 600_001, 2**32 - 1]),
)
tpss = st.one_of(
    st.integers(min_value=1, max_value=100_000),
    st.integers(min_value=5, max_value=200),
    st.sampled_from([0, 1, 100_000, 100_001, 2**32 - 1]),
)
# MOR amounts: ordinary ones, dust, zero, and absurd ones on purpose
_whole_mor = st.integers(min_value=1, max_value=2_000).map(lambda n: n * MOR)
amounts = st.one_of(
    _whole_mor,
    _whole_mor,
    _whole_mor,
    st.integers(min_value=1, max_value=10**9),
    st.just(0),
    st.sampled_from([2**88, 2**96, 2_000_000 * MOR]),
)
_session_mor = st.integers(min_value=1, max_value=30_000).map(lambda n: n * MOR)
session_stakes = st.one_of(
    _session_mor,
    _session_mor,
    _session_mor,
    _session_mor,
    st.integers(min_value=1, max_value=10**15),
    st.just(0),
    st.sampled_from([2**96, 5_000_000 * MOR]),
)
endpoints = st.one_of(
    st.sampled_from(["gpu.example.org:3333", "https://inference.example.com/v1", "10.0.0.7:8080"]),
    st.just(""),
    st.just("h" * 129),
    st.text(min_size=1, max_size=40),
)
# Looked up by name after every step, in several cases (all valid names: a malformed one reverts).
NAME_LOOKUPS = ("llama-3.1-8b", "LLAMA-3.1-8B", "Qwen/Qwen3-8B", "mistral-7b-instruct", "llama-3-1-8b")
model_names = st.one_of(
    # Free names, names held in another case, look-alikes (v3: one skeleton, one name), and
    # names that break the grammar.
    st.sampled_from(["qwen/qwen3-8b", "Qwen/Qwen3-8B", "deepseek-r1:70b", "phi_4.mini"]),
    st.sampled_from(["LLAMA-3.1-8B", "Mistral-7B-Instruct", "llama-3.1-8b"]),
    st.sampled_from(["Ilama-3.1-8b", "llama_3-1-8b", "rnistral-7b-instruct", "qvven/qwen3-8b", "llama-3.l-8b"]),
    st.sampled_from(["", "ab", "m" * 65, "-lead", "trail.", "two--seps", "space name", "caf\u00e9"]),
    st.text(min_size=1, max_size=20),
)
tag_lists = st.lists(st.binary(min_size=32, max_size=32), max_size=9)
prices = st.one_of(
    st.sampled_from([10**10, 10**13, 10**14, 10**15, 10**16]),
    st.integers(min_value=10**10, max_value=10**16),
    st.sampled_from([0, 10**10 - 1, 10**16 + 1, 2**64 - 1, 2**64]),
)


# A value inside a parameter's bounds: either edge, or any value between them.
bound_picks = st.one_of(st.sampled_from(["lowest", "highest"]), st.integers(min_value=0))


def choose(items: list[Any], i: int) -> Any:
    return items[i % len(items)]


def pick_between(lowest: int, highest: int, pick: str | int) -> int:
    """`lowest`, `highest`, or the value `pick` lands on in between (every value can be drawn)."""
    if pick == "lowest":
        return lowest
    if pick == "highest":
        return highest
    return lowest + int(pick) % (highest - lowest + 1)


ZERO32 = b"\0" * 32


def operation_id(target: str, data: bytes, salt: bytes) -> bytes:
    """TimelockController.hashOperation(target, 0, data, no predecessor, salt)."""
    return keccak(encode(["address", "uint256", "bytes", "bytes32", "bytes32"], [target, 0, data, ZERO32, salt]))


@dataclass
class Outcome:
    receipt: Any | None
    error: tuple[str, dict[str, Any]] | None


@dataclass
class SignedApproval:
    raw: bytes
    model: Signature


ZERO_STATS = Stats()


# ---------------------------------------------------------------------------- errors and events


def normalize_args(args: dict[str, Any]) -> dict[str, Any]:
    out = {}
    for key, value in args.items():
        if isinstance(value, str) and value.startswith("0x") and len(value) == 42:
            value = checksum(value)
        elif isinstance(value, bytes | bytearray):
            value = bytes(value)
        out[key] = value
    return out


ERROR_ABIS: dict[bytes, Any] = {}


def register_errors(*contract_types: Any) -> None:
    for contract_type in contract_types:
        for abi in contract_type.errors:
            ERROR_ABIS[keccak(text=abi.selector)[:4]] = abi


def error_of(err: ContractLogicError) -> tuple[str, dict[str, Any]]:
    """The custom error of a revert as (name, arguments), decoded from its revert data with the
    ABIs of every contract involved; any other revert as `Revert(message)`."""
    if isinstance(err, CustomError):
        return type(err).__name__, normalize_args(dict(err.inputs))
    message = str(err.revert_message or "")
    data = bytes.fromhex(message[2:]) if message.startswith("0x") and len(message) >= 10 else b""
    abi = ERROR_ABIS.get(data[:4])
    if abi is None:
        return f"Revert({message})", {}
    values = decode([i.canonical_type for i in abi.inputs], data[4:])
    args = {
        i.name: (checksum(v) if i.canonical_type == "address" else v) for i, v in zip(abi.inputs, values, strict=True)
    }
    return abi.name, normalize_args(args)


def format_error(error: tuple[str, dict[str, Any]]) -> str:
    return error[0] + "(" + ", ".join(f"{k}={v!r}" for k, v in error[1].items()) + ")"


EVENT_ABIS: dict[str, Any] = {}


def register_events(*contracts: Any) -> None:
    for contract in contracts:
        for abi in contract.contract_type.events:
            EVENT_ABIS["0x" + keccak(text=abi.selector).hex()] = abi


def decode_event(log: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    abi = EVENT_ABIS[log["topics"][0]]
    indexed = [i for i in abi.inputs if i.indexed]
    plain = [i for i in abi.inputs if not i.indexed]
    args: dict[str, Any] = {}
    for inp, topic in zip(indexed, log["topics"][1:], strict=True):
        args[inp.name] = decode([inp.canonical_type], bytes.fromhex(topic[2:]))[0]
    for inp, value in zip(
        plain, decode([i.canonical_type for i in plain], bytes.fromhex(log["data"][2:])), strict=True
    ):
        args[inp.name] = value
    for inp in abi.inputs:
        if inp.canonical_type == "address":
            args[inp.name] = checksum(args[inp.name])
    return abi.name, args
