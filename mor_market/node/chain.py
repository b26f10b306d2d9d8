"""What the node reads and writes on-chain, over web3.py with the deployment record's addresses
and ABIs. Synchronous: the aiohttp handlers call it through asyncio.to_thread."""

from __future__ import annotations

import threading
from dataclasses import dataclass
from typing import Any

from eth_account import Account
from eth_account.messages import SignableMessage
from eth_utils import keccak
from web3 import Web3
from web3.exceptions import ContractLogicError
from web3.logs import DISCARD

from mor_market import eip712

WORKERS = 64  # threads that read the chain for concurrent requests (the node's default executor)
STIPEND, DIRECT = 0, 1
MAX_STAKE = 2**96 - 1  # the router stores a stake in 96 bits
_BALANCE_OF_ABI = [
    {
        "type": "function",
        "name": "balanceOf",
        "stateMutability": "view",
        "inputs": [{"name": "account", "type": "address"}],
        "outputs": [{"name": "", "type": "uint256"}],
    }
]


class ChainError(RuntimeError):
    """The chain refused or failed a call; the message names the call."""


@dataclass(frozen=True)
class OnChainSession:
    session_id: int
    provider: str
    model_id: int
    stake: int
    opened_at: int
    ends_at: int
    closed_at: int
    verdict: int = 0  # ISessionRouter.Verdict: 0 none (yet), 1 completed, 2 disputed


@dataclass(frozen=True)
class Funding:
    """Whether a consumer can open a session on a bid now with all the MOR it can spend (its MOR
    balance plus its released hold), as the router's `quote` says, in stipend mode or else direct
    mode; `reasons` names the error each mode would revert with when neither opens."""

    spendable: int
    mode: int | None
    reasons: tuple[str, ...]

    @property
    def opens(self) -> bool:
        return self.mode is not None


@dataclass(frozen=True)
class ActiveBid:
    provider: str
    model_id: int
    price_per_second: int
    signer: str


class Chain:
    def __init__(self, rpc_url: str, record: dict[str, Any], key: bytes, timeout: float = 30.0) -> None:
        import requests

        # Concurrent requests read the chain from worker threads at once: a pool as large as theirs.
        http = requests.Session()
        http.mount("http://", requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=WORKERS))
        http.mount("https://", requests.adapters.HTTPAdapter(pool_connections=4, pool_maxsize=WORKERS))
        self.w3 = Web3(Web3.HTTPProvider(rpc_url, request_kwargs={"timeout": timeout}, session=http))
        contracts = record["contracts"]

        def contract(name: str) -> Any:
            entry = contracts[name]
            return self.w3.eth.contract(address=Web3.to_checksum_address(entry["address"]), abi=entry["abi"])

        self.router = contract("SessionRouter")
        self.marketplace = contract("Marketplace")
        self.pool = contract("ComputePool")
        self.models = contract("ModelRegistry")
        self.account = Account.from_key(key)
        self.chain_id = int(self.w3.eth.chain_id)
        expected = record.get("chain_id")
        if expected is not None and int(expected) != self.chain_id:
            raise ChainError(f"the RPC serves chain {self.chain_id}, the deployment record is for chain {expected}")
        self._send_lock = threading.Lock()
        # MOR as the router uses it (only its balanceOf is read), and the name of every custom
        # error of the deployment's contracts by selector, to say why a quote does not open.
        self.mor = self.w3.eth.contract(address=self.router.functions.mor().call(), abi=_BALANCE_OF_ABI)
        self.errors = {
            selector: name for entry in contracts.values() for selector, name in error_selectors(entry["abi"]).items()
        }

    @property
    def signer(self) -> str:
        return str(self.account.address)

    @property
    def router_address(self) -> str:
        return str(self.router.address)

    # ------------------------------------------------------------ reads

    def now(self) -> int:
        """The chain's time: the latest block's timestamp (sessions end by it, not by the wall clock)."""
        return int(self.w3.eth.get_block("latest")["timestamp"])

    def model_id(self, name: str) -> int:
        model_id = int(self.models.functions.modelIdByName(name).call())
        if model_id == 0:
            raise ChainError(f"no model named {name!r} is registered")
        return model_id

    def endpoint(self, provider: str) -> str:
        registered, _stake, _signer, _bids, endpoint = self.marketplace.functions.providerRecord(provider).call()
        if not registered:
            raise ChainError(f"{provider} is not a registered provider")
        return str(endpoint)

    def signer_of(self, provider: str) -> str:
        return str(self.marketplace.functions.signerOf(provider).call())

    def active_bid(self, bid: int) -> ActiveBid | None:
        """The bid if it can open sessions now (active, model active, provider not suspended)."""
        try:
            provider, model_id, price, signer = self.marketplace.functions.activeBid(bid).call()
        except ContractLogicError:
            return None
        return ActiveBid(str(provider), int(model_id), int(price), str(signer))

    def session(self, session: int) -> OnChainSession | None:
        record = self.router.functions.session(session).call()
        # ISessionRouter.Session: provider, price, modelId, stake, openedAt, endsAt, closedAt, mode,
        # selfDealt, verdict.
        provider, _price, model_id, stake, opened_at, ends_at, closed_at, _mode, _self_dealt, verdict = record
        if int(opened_at) == 0:
            return None
        return OnChainSession(
            session,
            str(provider),
            int(model_id),
            int(stake),
            int(opened_at),
            int(ends_at),
            int(closed_at),
            int(verdict),
        )

    def spendable(self, consumer: str) -> int:
        """The MOR a consumer can stake now: its balance plus its released (withdrawable) hold."""
        balance = int(self.mor.functions.balanceOf(consumer).call())
        _held, withdrawable = self.router.functions.holdOf(consumer).call()
        return balance + int(withdrawable)

    def funding(self, bid: int, consumer: str) -> Funding:
        """Whether `consumer` can open a session on `bid` now, staking all it can spend (capped at
        the router's 96 bits): the router's `quote` in stipend mode, else in direct mode."""
        spendable = self.spendable(consumer)
        stake = min(spendable, MAX_STAKE)
        reasons = []
        for mode in (STIPEND, DIRECT):
            quote = self.router.functions.quote(bid, consumer, stake, mode).call()
            opens, reason = bool(quote[7]), bytes(quote[8])
            if opens:
                return Funding(spendable, mode, ())
            reasons.append(self.errors.get(reason, "0x" + reason.hex()))
        return Funding(spendable, None, tuple(reasons))

    def owed(self, provider: str) -> int:
        return int(self.pool.functions.owed(provider).call())

    def claimed(self, provider: str) -> int:
        return int(self.pool.functions.claimed(provider).call())

    def budget_left(self) -> int:
        health = self.pool.functions.health().call()
        return int(health[5])  # Health.budgetLeft

    # ------------------------------------------------------------ signatures

    def sign_typed(self, message: SignableMessage) -> bytes:
        return bytes(Account.sign_message(message, self.account.key).signature)

    def sign_approval(self, bid: int, consumer: str, nonce: int, deadline: int) -> bytes:
        message = eip712.approval_message(self.router_address, self.chain_id, bid, consumer, nonce, deadline)
        return self.sign_typed(message)

    def sign_receipt(self, session: int, ttft_ms: int, tps: int, deadline: int) -> bytes:
        message = eip712.receipt_message(self.router_address, self.chain_id, session, ttft_ms, tps, deadline)
        return self.sign_typed(message)

    # ------------------------------------------------------------ transactions

    def _send(self, what: str, call: Any) -> Any:
        """Sends a call signed by the node's key and waits for its receipt; one at a time, so the
        nonces follow each other."""
        with self._send_lock:
            try:
                tx = call.build_transaction(
                    {
                        "from": self.signer,
                        "nonce": self.w3.eth.get_transaction_count(self.signer, "pending"),
                        "chainId": self.chain_id,
                    }
                )
            except ContractLogicError as err:
                raise ChainError(f"{what} would revert: {err}") from None
            signed = Account.sign_transaction(tx, self.account.key)
            tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            receipt = self.w3.eth.wait_for_transaction_receipt(tx_hash, timeout=120)
        if int(receipt["status"]) != 1:
            raise ChainError(f"{what} reverted in transaction {tx_hash.hex()}")
        return receipt

    def close(self, session: int) -> str:
        return (
            "0x"
            + bytes(self._send("closeSession", self.router.functions.closeSession(session))["transactionHash"]).hex()
        )

    def claim(self, provider: str) -> tuple[int, str]:
        receipt = self._send("claim", self.pool.functions.claim(provider))
        # The claim's receipt also holds MOR's Transfer logs: only the pool's Claimed is read.
        events = self.pool.events.Claimed().process_receipt(receipt, errors=DISCARD)
        amount = int(events[0]["args"]["amount"]) if events else 0
        return amount, "0x" + bytes(receipt["transactionHash"]).hex()


def error_selectors(abi: list[dict[str, Any]]) -> dict[bytes, str]:
    """The 4-byte selector of each custom error of an ABI, to its name."""

    def canonical(param: dict[str, Any]) -> str:
        kind = str(param["type"])
        if kind.startswith("tuple"):
            return "(" + ",".join(canonical(c) for c in param.get("components", [])) + ")" + kind[len("tuple") :]
        return kind

    selectors = {}
    for entry in abi:
        if entry.get("type") == "error":
            signature = f"{entry['name']}({','.join(canonical(p) for p in entry.get('inputs', []))})"
            selectors[keccak(text=signature)[:4]] = str(entry["name"])
    return selectors
