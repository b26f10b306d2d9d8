"""A local node playing Arbitrum Sepolia: anvil with chain id 421614, the test MOR at MOR's
Sepolia address and MOR in the test accounts.

Two uses share this code:
- the project's Ape plugin (`ape_mor_market`) starts a throwaway one as the upstream of
  `arbitrum:sepolia-fork` whenever a plain `ape test|console|run` needs it, and stops it when
  the process ends;
- `./dev node` (`python -m mor_market.localnet`) keeps one up for operating by hand, mining a
  block every second so that live-network confirmations arrive.

Seeding sends no transaction: TestMOR's runtime code (constructed by an `eth_call` of its
creation code, so its immutables are filled) is placed with `anvil_setCode` and balances are
written into storage, so it is instant and works whether or not the node mines on its own.
"""

from __future__ import annotations

import argparse
import ctypes
import hashlib
import json
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path
from typing import Any

from mor_market.constants import ARBITRUM_SEPOLIA_CHAIN_ID, MOR, MOR_SEPOLIA_ADDRESS

ROOT = Path(__file__).resolve().parent.parent
ANVIL = ROOT / "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
ADAPTER = ROOT / "tools/solc-adapter.js"
TEST_MOR_SOURCE = "contracts/test/TestMOR.sol"
MOR_PER_ACCOUNT = 1_000_000 * MOR
FUNDED_ACCOUNTS = 10
START_TIMEOUT_S = 15.0
DEFAULT_NODE_PORT = 8547  # `./dev node`; 8545 is left to whatever else the machine runs
DEFAULT_BLOCK_TIME_S = 1

# Where ERC-20 implementations keep balances: Solidity's layout puts `mapping(address => uint256)`
# balances at keccak(holder . slot) for a small slot number; OpenZeppelin's upgradeable ERC-20
# (v5) keeps its struct at this ERC-7201 location, balances first, total supply third.
OZ_ERC20_NAMESPACE = 0x52C63247E1F47DB19D5CE0460030C497F067CA4CEBF71BA98EEADABE20BACE00
PLAIN_SLOTS = range(0, 20)
BALANCE_OF = "0x70a08231"
TOTAL_SUPPLY = "0x18160ddd"


class LocalnetError(RuntimeError):
    """A failure to start, reach or seed the node, reported to the user in one line."""


# ------------------------------------------------------------------ JSON-RPC


def rpc(uri: str, method: str, params: list | None = None, timeout: float = 10) -> Any:
    """One JSON-RPC call; raises LocalnetError on an RPC error."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
    request = urllib.request.Request(uri, body.encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=timeout) as response:
        reply = json.loads(response.read())
    if "error" in reply:
        raise LocalnetError(f"{method} failed: {reply['error'].get('message', reply['error'])}")
    return reply["result"]


def chain_id_of(uri: str) -> int:
    """The chain id a node answers, or LocalnetError in one line if it does not answer."""
    try:
        return int(rpc(uri, "eth_chainId", timeout=5), 16)
    except (urllib.error.URLError, ConnectionError, OSError, ValueError) as err:
        reason = getattr(err, "reason", err)
        raise LocalnetError(f"no node answers at {uri} ({reason})") from err


def _word(value: int) -> str:
    return "0x" + value.to_bytes(32, "big").hex()


def _address_word(address: str) -> bytes:
    return bytes.fromhex(address[2:].lower().rjust(64, "0"))


def _mapping_slot(address: str, slot: int) -> int:
    from eth_hash.auto import keccak

    return int.from_bytes(keccak(_address_word(address) + slot.to_bytes(32, "big")), "big")


def _call_uint(uri: str, to: str, data: str) -> int:
    return int(rpc(uri, "eth_call", [{"to": to, "data": data}, "latest"]), 16)


def _storage(uri: str, address: str, slot: int) -> int:
    return int(rpc(uri, "eth_getStorageAt", [address, hex(slot), "latest"]), 16)


def _set_storage(uri: str, address: str, slot: int, value: int) -> None:
    rpc(uri, "anvil_setStorageAt", [address, _word(slot), _word(value)])


def balance_slot(uri: str, token: str, probe_holder: str) -> tuple[int, int | None]:
    """The storage slot of `probe_holder`'s balance in `token`, found by writing a marker into
    each candidate slot and reading `balanceOf` (the slot is restored after each probe), and the
    slot of the total supply beside it (None if none holds exactly `totalSupply()`)."""
    before = _call_uint(uri, token, BALANCE_OF + _address_word(probe_holder).hex())
    marker = before + 0x5EED
    # (balance slot, where the total supply would be): two slots after the balances mapping in
    # OpenZeppelin's layout (balances, allowances, total supply), plain or ERC-7201.
    bases = [*PLAIN_SLOTS, OZ_ERC20_NAMESPACE]
    candidates = [(_mapping_slot(probe_holder, base), base + 2) for base in bases]
    supply = _call_uint(uri, token, TOTAL_SUPPLY)
    for slot, supply_guess in candidates:
        saved = _storage(uri, token, slot)
        _set_storage(uri, token, slot, marker)
        found = _call_uint(uri, token, BALANCE_OF + _address_word(probe_holder).hex()) == marker
        _set_storage(uri, token, slot, saved)
        if found:
            supply_slot = supply_guess if _storage(uri, token, supply_guess) == supply else None
            if supply_slot is None:
                supply_slot = next((s for s in PLAIN_SLOTS if s and _storage(uri, token, s) == supply), None)
            return slot, supply_slot
    raise LocalnetError(f"cannot find where {token} keeps balances (not a Solidity mapping layout)")


def set_token_balance(uri: str, token: str, holder: str, amount: int) -> None:
    """Give `holder` exactly `amount` of `token` on a node that allows storage writes (anvil,
    a fork): the balance slot is written and the total supply moved by the same difference, so
    `totalSupply()` stays the sum of what the holders have been given."""
    slot, supply_slot = balance_slot(uri, token, holder)
    previous = _storage(uri, token, slot)
    _set_storage(uri, token, slot, amount)
    if supply_slot is not None:
        _set_storage(uri, token, supply_slot, _storage(uri, token, supply_slot) - previous + amount)
    if _call_uint(uri, token, BALANCE_OF + _address_word(holder).hex()) != amount:
        raise LocalnetError(f"writing the balance of {holder} in {token} did not take")


# ------------------------------------------------------------------ TestMOR


def test_mor_creation_code() -> str:
    """TestMOR's creation code, compiled by the project's adapter once per source version
    (cached in `.build/localnet/`)."""
    source = (ROOT / TEST_MOR_SOURCE).read_text()
    digest = hashlib.sha256(source.encode()).hexdigest()[:16]
    cached = ROOT / ".build" / "localnet" / f"TestMOR-{digest}.hex"
    if cached.exists():
        return cached.read_text()
    request = {
        "language": "Solidity",
        "sources": {TEST_MOR_SOURCE: {"content": source}},
        "settings": {
            "optimizer": {"enabled": True, "runs": 1000},
            "evmVersion": "cancun",
            "outputSelection": {"*": {"TestMOR": ["evm.bytecode.object"]}},
        },
    }
    command = ["node", str(ADAPTER), "--standard-json", "--base-path", str(ROOT)]
    command += ["--include-path", str(ROOT / "node_modules")]
    try:
        result = subprocess.run(command, input=json.dumps(request), capture_output=True, text=True, check=False)
    except FileNotFoundError as err:
        raise LocalnetError("node (20+) is required to compile the test MOR: run ./dev setup") from err
    if result.returncode != 0:
        raise LocalnetError(f"compiling TestMOR failed: {result.stderr.strip()}")
    output = json.loads(result.stdout)
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise LocalnetError(f"compiling TestMOR failed: {errors[0].splitlines()[0]}")
    code = "0x" + output["contracts"][TEST_MOR_SOURCE]["TestMOR"]["evm"]["bytecode"]["object"]
    cached.parent.mkdir(parents=True, exist_ok=True)
    cached.write_text(code)
    return code


def seed(uri: str, accounts: int = FUNDED_ACCOUNTS) -> None:
    """Place TestMOR at MOR's Sepolia address (if nothing is there) and give each of the first
    `accounts` test accounts 1,000,000 MOR. Sends no transaction."""
    if rpc(uri, "eth_getCode", [MOR_SEPOLIA_ADDRESS, "latest"]) in ("0x", "0x0"):
        runtime = rpc(uri, "eth_call", [{"data": test_mor_creation_code(), "gas": hex(10_000_000)}, "latest"])
        rpc(uri, "anvil_setCode", [MOR_SEPOLIA_ADDRESS, runtime])
    for account in rpc(uri, "eth_accounts")[:accounts]:
        set_token_balance(uri, MOR_SEPOLIA_ADDRESS, account, MOR_PER_ACCOUNT)


# ------------------------------------------------------------------ the node


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def die_with_parent() -> None:
    """In the child, before exec: ask Linux to SIGTERM the node when the process that started it
    dies, however it dies (a crash or SIGKILL of the test run leaves no node behind)."""
    pr_set_pdeathsig = 1
    ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class LocalSepolia:
    """One anvil process playing Arbitrum Sepolia on 127.0.0.1.

    `block_time` None mines a block per transaction (the throwaway upstream of a fork); a number
    mines on that interval too, as a live chain does. `state` is a file anvil loads at start and
    writes at exit, so a persistent node keeps its chain across restarts."""

    def __init__(
        self,
        port: int | None = None,
        block_time: int | None = None,
        state: Path | None = None,
        log: Path | None = None,
    ) -> None:
        self.port = port or free_port()
        self.block_time = block_time
        self.state = state
        self.log = log or ROOT / ".localnet.log"
        self.process: subprocess.Popen | None = None

    @property
    def uri(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def command(self) -> list[str]:
        command = [str(ANVIL), "--chain-id", str(ARBITRUM_SEPOLIA_CHAIN_ID), "--host", "127.0.0.1"]
        command += ["--port", str(self.port), "--hardfork", "cancun"]
        if self.block_time:
            command += ["--block-time", str(self.block_time)]
        if self.state:
            command += ["--state", str(self.state)]
        return command

    def start(self) -> str:
        """Start the node, wait until it answers, seed it; its URI. LocalnetError if it cannot."""
        if not ANVIL.exists():
            raise LocalnetError(f"anvil is missing at {ANVIL.relative_to(ROOT)}: run ./dev setup")
        with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
            if sock.connect_ex(("127.0.0.1", self.port)) == 0:
                raise LocalnetError(f"port {self.port} of 127.0.0.1 is taken: cannot start a local Arbitrum Sepolia")
        if self.state:
            self.state.parent.mkdir(parents=True, exist_ok=True)
        with open(self.log, "w") as log:
            self.process = subprocess.Popen(
                self.command(), stdout=log, stderr=subprocess.STDOUT, preexec_fn=die_with_parent
            )
        deadline = time.monotonic() + START_TIMEOUT_S
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise LocalnetError(f"anvil exited with code {self.process.returncode} at start (see {self.log})")
            try:
                if chain_id_of(self.uri) == ARBITRUM_SEPOLIA_CHAIN_ID:
                    break
            except LocalnetError:
                time.sleep(0.05)
        else:
            self.stop()
            raise LocalnetError(f"anvil did not answer on {self.uri} within {START_TIMEOUT_S:.0f} s")
        try:
            seed(self.uri)
        except BaseException:
            self.stop()
            raise
        return self.uri

    def stop(self) -> None:
        """Stop the node by its own PID (never by name); anvil writes its state file on SIGTERM."""
        process, self.process = self.process, None
        if process is None or process.poll() is not None:
            return
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


# ------------------------------------------------------------------ ./dev node


def serve(port: int, block_time: int, state: Path | None) -> int:
    """Run a persistent local Arbitrum Sepolia in the foreground until Ctrl-C or SIGTERM."""
    node = LocalSepolia(port=port, block_time=block_time, state=state)

    def on_signal(signum: int, _frame: object) -> None:
        raise KeyboardInterrupt

    signal.signal(signal.SIGTERM, on_signal)
    try:
        uri = node.start()
    except LocalnetError as err:
        print(f"local Arbitrum Sepolia: {err}", file=sys.stderr)
        return 1
    kept = f", chain kept in {state.relative_to(ROOT) if state.is_relative_to(ROOT) else state}" if state else ""
    print(
        f"local Arbitrum Sepolia (chain {ARBITRUM_SEPOLIA_CHAIN_ID}) at {uri}: a block every {block_time} s{kept}\n"
        f"  MOR (TestMOR) at {MOR_SEPOLIA_ADDRESS}; TEST::0..{FUNDED_ACCOUNTS - 1} hold ETH and MOR\n"
        f"  in another shell:   export WEB3_PROVIDER_URI={uri}\n"
        f"  then, for example:  ape run deploy --network arbitrum:sepolia:node --account TEST::0\n"
        f"  Ctrl-C stops it (pid {node.process.pid if node.process else '?'})",
        flush=True,
    )
    try:
        while node.process is not None and node.process.poll() is None:
            time.sleep(0.5)
        print(f"local Arbitrum Sepolia: anvil exited (see {node.log})", file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        return 0
    finally:
        node.stop()


def advance(uri: str, seconds: int) -> int:
    """Move the node's clock forward by `seconds` and mine a block at the new time (anvil's
    `evm_increaseTime` + `evm_mine`); returns the new block's timestamp. Only a node that plays
    Arbitrum Sepolia locally (chain id 421614 and anvil's methods) accepts it."""
    if chain_id_of(uri) != ARBITRUM_SEPOLIA_CHAIN_ID:
        raise LocalnetError(f"the node at {uri} is not a local Arbitrum Sepolia (chain id {ARBITRUM_SEPOLIA_CHAIN_ID})")
    rpc(uri, "evm_increaseTime", [seconds])
    rpc(uri, "evm_mine", [])
    return int(rpc(uri, "eth_getBlockByNumber", ["latest", False])["timestamp"], 16)


def advance_main(argv: list[str]) -> int:
    """`./dev node advance DURATION`: tomorrow's budget, an expired session, without waiting."""
    from mor_market.units import format_time, parse_duration

    parser = argparse.ArgumentParser(
        prog="./dev node advance",
        description="Move the clock of the running local Arbitrum Sepolia forward (anvil's evm_increaseTime, "
        "then one block at the new time): the pool's next day, a session's end, a pause's expiry.",
    )
    parser.add_argument("duration", help="how far: seconds (3600), or 5m, 2h, 1d")
    parser.add_argument("--port", type=int, default=DEFAULT_NODE_PORT, help="port of 127.0.0.1 (default 8547)")
    args = parser.parse_args(argv)
    uri = f"http://127.0.0.1:{args.port}"
    try:
        seconds = parse_duration(args.duration)
        now = advance(uri, seconds)
    except (ValueError, LocalnetError) as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    print(f"moved {seconds} s: the node's time is now {format_time(now)}")
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["advance"]:
        return advance_main(argv[1:])
    parser = argparse.ArgumentParser(
        prog="./dev node",
        description="A persistent local Arbitrum Sepolia for operating by hand: anvil with chain id 421614, "
        "the test MOR at MOR's address, 1,000,000 MOR in each test account, a block every second. "
        "`./dev node advance 1d` moves the running node's clock forward (see its --help).",
    )
    parser.add_argument("--port", type=int, default=DEFAULT_NODE_PORT, help="port of 127.0.0.1 (default 8547)")
    parser.add_argument("--block-time", type=int, default=DEFAULT_BLOCK_TIME_S, help="seconds per block (default 1)")
    parser.add_argument(
        "--state",
        type=Path,
        default=ROOT / ".localnet" / "sepolia.json",
        help="file that keeps the chain across restarts (default .localnet/sepolia.json)",
    )
    parser.add_argument("--fresh", action="store_true", help="start a new chain (delete the state file first)")
    parser.add_argument("--no-state", action="store_true", help="keep nothing: the chain ends with the node")
    args = parser.parse_args(argv)
    state = None if args.no_state else args.state.resolve()
    if args.fresh and state is not None:
        state.unlink(missing_ok=True)
    return serve(args.port, args.block_time, state)


if __name__ == "__main__":
    sys.exit(main())
