"""A local node playing Arbitrum Sepolia, for Ape's `arbitrum:sepolia-fork` to fork.

`python tools/localnet.py -- <command...>` starts anvil with chain id 421614 on a free
port of 127.0.0.1, puts there what the fork should find (the test MOR token at MOR's
Sepolia address, MOR in the test accounts), runs the command with `MOR_UPSTREAM_URI`
set, and stops the node afterwards, also when the command fails or is interrupted.
Failures to start the node are reported in one line.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ANVIL = ROOT / "node_modules/@foundry-rs/anvil-linux-amd64/bin/anvil"
ADAPTER = ROOT / "tools/solc-adapter.js"
CHAIN_ID = 421614
MOR_ADDRESS = "0x34a285A1B1C166420Df5b6630132542923B5b27E"
MOR_PER_ACCOUNT = 1_000_000 * 10**18
FUNDED_ACCOUNTS = 10
START_TIMEOUT_S = 15.0


class LocalnetError(RuntimeError):
    """A failure to start or seed the local node, reported to the user in one line."""


def free_port() -> int:
    """A TCP port of 127.0.0.1 that nothing listens on now (the OS picks it)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def rpc(uri: str, method: str, params: list | None = None) -> object:
    """One JSON-RPC call; raises LocalnetError on an RPC error."""
    body = json.dumps({"jsonrpc": "2.0", "id": 1, "method": method, "params": params or []})
    request = urllib.request.Request(uri, body.encode(), {"Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as response:
        reply = json.loads(response.read())
    if "error" in reply:
        raise LocalnetError(f"{method} failed: {reply['error'].get('message', reply['error'])}")
    return reply["result"]


def compile_test_mor() -> tuple[str, str]:
    """Creation code of TestMOR and its source path, compiled by the project adapter."""
    source = "contracts/test/TestMOR.sol"
    request = {
        "language": "Solidity",
        "sources": {source: {"content": (ROOT / source).read_text()}},
        "settings": {
            "optimizer": {"enabled": True, "runs": 1000},
            "evmVersion": "cancun",
            "outputSelection": {"*": {"TestMOR": ["evm.bytecode.object"]}},
        },
    }
    result = subprocess.run(
        [
            "node",
            str(ADAPTER),
            "--standard-json",
            "--base-path",
            str(ROOT),
            "--include-path",
            str(ROOT / "node_modules"),
        ],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=False,
    )
    if result.returncode != 0:
        raise LocalnetError(f"compiling TestMOR failed: {result.stderr.strip()}")
    output = json.loads(result.stdout)
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e["severity"] == "error"]
    if errors:
        raise LocalnetError(f"compiling TestMOR failed: {errors[0].splitlines()[0]}")
    return "0x" + output["contracts"][source]["TestMOR"]["evm"]["bytecode"]["object"], source


def wait_for_receipt(uri: str, tx_hash: str) -> dict:
    for _ in range(200):
        receipt = rpc(uri, "eth_getTransactionReceipt", [tx_hash])
        if receipt:
            return receipt  # type: ignore[return-value]
        time.sleep(0.05)
    raise LocalnetError(f"transaction {tx_hash} was not mined")


def seed(uri: str) -> None:
    """Place TestMOR's runtime code at MOR's Sepolia address and fund the test accounts."""
    creation, _ = compile_test_mor()
    accounts = rpc(uri, "eth_accounts")
    deployer = accounts[0]  # type: ignore[index]
    tx = rpc(uri, "eth_sendTransaction", [{"from": deployer, "data": creation, "gas": hex(5_000_000)}])
    receipt = wait_for_receipt(uri, tx)  # type: ignore[arg-type]
    if receipt["status"] != "0x1":
        raise LocalnetError("deploying TestMOR reverted")
    runtime = rpc(uri, "eth_getCode", [receipt["contractAddress"], "latest"])
    rpc(uri, "anvil_setCode", [MOR_ADDRESS, runtime])
    mint = "0x40c10f19"  # mint(address,uint256)
    for account in accounts[:FUNDED_ACCOUNTS]:  # type: ignore[index]
        data = mint + account[2:].lower().rjust(64, "0") + hex(MOR_PER_ACCOUNT)[2:].rjust(64, "0")
        tx = rpc(uri, "eth_sendTransaction", [{"from": deployer, "to": MOR_ADDRESS, "data": data}])
        if wait_for_receipt(uri, tx)["status"] != "0x1":  # type: ignore[arg-type]
            raise LocalnetError(f"minting test MOR to {account} reverted")


def start(port: int) -> subprocess.Popen:
    """Start anvil on 127.0.0.1:port and wait until it answers; raise LocalnetError if it cannot."""
    if not ANVIL.exists():
        raise LocalnetError(f"anvil binary missing at {ANVIL.relative_to(ROOT)}: run ./dev setup")
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        if sock.connect_ex(("127.0.0.1", port)) == 0:
            raise LocalnetError(f"port {port} of 127.0.0.1 is taken: cannot start the local Arbitrum Sepolia")
    log = open(ROOT / ".localnet.log", "w")  # noqa: SIM115 - lives as long as the node
    process = subprocess.Popen(
        [str(ANVIL), "--chain-id", str(CHAIN_ID), "--host", "127.0.0.1", "--port", str(port), "--hardfork", "cancun"],
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    uri = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + START_TIMEOUT_S
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise LocalnetError(f"anvil exited with code {process.returncode} at start (see .localnet.log)")
        try:
            if int(rpc(uri, "eth_chainId"), 16) == CHAIN_ID:  # type: ignore[arg-type]
                return process
        except (urllib.error.URLError, ConnectionError, OSError):
            time.sleep(0.1)
    stop(process)
    raise LocalnetError(f"anvil did not answer on {uri} within {START_TIMEOUT_S:.0f} s")


def stop(process: subprocess.Popen) -> None:
    """Stop the node we started, by its own PID (never by name)."""
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=5)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main(argv: list[str]) -> int:
    if argv[:1] == ["--"]:
        argv = argv[1:]
    if not argv:
        print("usage: python tools/localnet.py -- <command...>", file=sys.stderr)
        return 2
    port = int(os.environ.get("MOR_UPSTREAM_PORT") or free_port())
    try:
        node = start(port)
    except LocalnetError as err:
        print(f"local Arbitrum Sepolia: {err}", file=sys.stderr)
        return 1

    def on_signal(signum: int, _frame: object) -> None:
        stop(node)
        sys.exit(128 + signum)

    signal.signal(signal.SIGTERM, on_signal)
    signal.signal(signal.SIGINT, on_signal)
    try:
        uri = f"http://127.0.0.1:{port}"
        seed(uri)
        env = {**os.environ, "MOR_UPSTREAM_URI": uri}
        if shutil.which(argv[0], path=env.get("PATH")) is None and not Path(argv[0]).exists():
            print(f"local Arbitrum Sepolia: command not found: {argv[0]}", file=sys.stderr)
            return 127
        child = subprocess.Popen(argv, env=env)
        try:
            return child.wait()
        except BaseException:
            child.terminate()
            child.wait()
            raise
    except LocalnetError as err:
        print(f"local Arbitrum Sepolia: {err}", file=sys.stderr)
        return 1
    finally:
        stop(node)


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
