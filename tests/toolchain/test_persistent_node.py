"""`./dev node`: a local Arbitrum Sepolia that stays up for operating by hand. It prints how to
reach it, mines on an interval so live-network confirmations arrive, keeps its chain across
restarts, and `ape run deploy --network arbitrum:sepolia:node` deploys to it without hanging."""

from __future__ import annotations

import json
import queue
import re
import subprocess
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
from eth_utils import function_signature_to_4byte_selector

from mor_market.constants import ARBITRUM_SEPOLIA_CHAIN_ID, MOR_SEPOLIA_ADDRESS
from mor_market.localnet import MOR_PER_ACCOUNT, die_with_parent, free_port, rpc
from mor_market.units import format_mor
from tests.toolchain.test_plain_ape import activated_venv_only

ROOT = Path(__file__).resolve().parents[2]
DEPLOY_TIMEOUT_S = 240  # ten transactions at a block a second take about 20 s


@dataclass
class Node:
    process: subprocess.Popen[str]
    uri: str
    banner: str

    def stop(self) -> int:
        """Stop it as Ctrl-C would, by its own PID; its exit code."""
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        return self.process.returncode


def start_node(*args: str) -> Node:
    """`./dev node <args>` in the background; returns once it has printed how to reach it."""
    process = subprocess.Popen(
        [str(ROOT / "dev"), "node", *args],
        cwd=ROOT,
        env=activated_venv_only(),
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        stdin=subprocess.DEVNULL,
        text=True,
        preexec_fn=die_with_parent,  # a killed test run leaves no node behind
    )
    lines: queue.Queue[str] = queue.Queue()
    threading.Thread(target=lambda: [lines.put(line) for line in process.stdout], daemon=True).start()  # type: ignore[union-attr]
    seen: list[str] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and (process.poll() is None or not lines.empty()):
        try:
            seen.append(lines.get(timeout=1))
        except queue.Empty:
            continue
        if "Ctrl-C stops it" in seen[-1]:
            banner = "".join(seen)
            return Node(process, re.search(r"http://127\.0\.0\.1:\d+", banner).group(0), banner)  # type: ignore[union-attr]
    node = Node(process, "", "".join(seen))
    node.stop()
    raise AssertionError(f"./dev node did not come up:\n{node.banner}")


@pytest.fixture
def node() -> Iterator[Node]:
    started = start_node("--port", str(free_port()), "--no-state")
    try:
        yield started
    finally:
        started.stop()


def ape_on_node(node: Node, records: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**activated_venv_only(), "WEB3_PROVIDER_URI": node.uri, "MOR_DEPLOYMENTS_DIR": str(records)}
    return subprocess.run(
        [str(Path(activated_venv_only()["VIRTUAL_ENV"]) / "bin" / "ape"), *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=DEPLOY_TIMEOUT_S,
        stdin=subprocess.DEVNULL,
        check=False,
        preexec_fn=die_with_parent,
    )


def _block(uri: str) -> int:
    return int(rpc(uri, "eth_blockNumber"), 16)


def _mor_balance(uri: str, holder: str) -> int:
    data = "0x70a08231" + holder[2:].lower().rjust(64, "0")
    return int(rpc(uri, "eth_call", [{"to": MOR_SEPOLIA_ADDRESS, "data": data}, "latest"]), 16)


def test_dev_node__prints_how_to_reach_it_and_plays_arbitrum_sepolia_with_mor(node: Node):
    assert f"export WEB3_PROVIDER_URI={node.uri}" in node.banner
    assert "--network arbitrum:sepolia:node" in node.banner
    assert node.uri.startswith("http://127.0.0.1:")
    assert int(rpc(node.uri, "eth_chainId"), 16) == ARBITRUM_SEPOLIA_CHAIN_ID
    assert len(rpc(node.uri, "eth_getCode", [MOR_SEPOLIA_ADDRESS, "latest"])) > 2
    for account in rpc(node.uri, "eth_accounts")[:10]:
        assert _mor_balance(node.uri, account) == MOR_PER_ACCOUNT


def test_dev_node__mines_on_an_interval_without_transactions(node: Node):
    first = _block(node.uri)
    time.sleep(2.5)
    assert _block(node.uri) >= first + 2


def test_dev_node__ape_run_deploy_on_arbitrum_sepolia_node__deploys_and_reads_back(node: Node, tmp_path: Path):
    started = time.monotonic()
    deployed = ape_on_node(
        node, tmp_path, "run", "deploy", "--network", "arbitrum:sepolia:node", "--account", "TEST::0"
    )
    assert deployed.returncode == 0, deployed.stdout[-2000:] + deployed.stderr[-2000:]
    assert time.monotonic() - started < DEPLOY_TIMEOUT_S
    assert "deployed on arbitrum-sepolia-local (chain 421614)" in deployed.stdout
    # The record is the local node's, never the real network's.
    assert not (tmp_path / "arbitrum-sepolia.json").exists()
    record = json.loads((tmp_path / "arbitrum-sepolia-local.json").read_text())
    assert record["chain_id"] == ARBITRUM_SEPOLIA_CHAIN_ID and record["verified"] is True
    for entry in record["contracts"].values():
        assert len(rpc(node.uri, "eth_getCode", [entry["address"], "latest"])) > 2
    status = ape_on_node(node, tmp_path, "run", "status", "--network", "arbitrum:sepolia:node")
    assert status.returncode == 0, status.stdout[-2000:] + status.stderr[-2000:]
    state = json.loads(status.stdout)  # stdout holds the JSON alone (Ape's logs go to stderr)
    assert "budget_bps" not in state["params"]  # the 1% budget is a constant, not a parameter
    assert state["params"]["min_provider_stake"] == format_mor(int(record["config"]["min_provider_stake"]))

    # Governance across commands, through the deployment's timelock (no delay on a local node).
    network = ["--network", "arbitrum:sepolia:node", "--account", "TEST::0"]
    scheduled = ape_on_node(
        node, tmp_path, "run", "governance", "schedule", "router", "setDurationBounds", "600", "86400", *network
    )
    assert scheduled.returncode == 0, scheduled.stdout[-2000:] + scheduled.stderr[-2000:]
    op_id = re.search(
        r"scheduled ([0-9a-f]{64}): SessionRouter.setDurationBounds\(600, 86400\)", scheduled.stdout
    ).group(1)  # type: ignore[union-attr]
    shown = ape_on_node(node, tmp_path, "run", "governance", "show", "--network", "arbitrum:sepolia:node")
    assert f"{op_id[:16]}  ready" in shown.stdout and "expires at" in shown.stdout, (
        shown.stdout[-2000:] + shown.stderr[-2000:]
    )
    executed = ape_on_node(node, tmp_path, "run", "governance", "execute", op_id[:12], *network)
    assert executed.returncode == 0, executed.stdout[-2000:] + executed.stderr[-2000:]
    assert f"executed {op_id}: SessionRouter.setDurationBounds(600, 86400)" in executed.stdout
    selector = "0x" + function_signature_to_4byte_selector("durationBounds()").hex()  # read straight from the node
    answer = rpc(
        node.uri, "eth_call", [{"to": record["contracts"]["SessionRouter"]["address"], "data": selector}, "latest"]
    )
    assert (int(answer[2:66], 16), int(answer[66:130], 16)) == (600, 86_400)


def test_dev_node__keeps_its_chain_across_a_restart(tmp_path: Path):
    state = tmp_path / "chain.json"
    port = str(free_port())
    first = start_node("--port", port, "--state", str(state))
    try:
        sender = rpc(first.uri, "eth_accounts")[0]
        receiver = "0x" + "ab" * 20
        tx = rpc(first.uri, "eth_sendTransaction", [{"from": sender, "to": receiver, "value": hex(12345)}])
        deadline = time.monotonic() + 10
        while rpc(first.uri, "eth_getTransactionReceipt", [tx]) is None and time.monotonic() < deadline:
            time.sleep(0.2)
        mined_at = _block(first.uri)
    finally:
        assert first.stop() == 0
    assert state.exists()
    second = start_node("--port", port, "--state", str(state))
    try:
        assert int(rpc(second.uri, "eth_getBalance", [receiver, "latest"]), 16) == 12345
        assert _block(second.uri) >= mined_at
        assert _mor_balance(second.uri, sender) == MOR_PER_ACCOUNT
    finally:
        second.stop()


def dev_node(*args: str) -> subprocess.CompletedProcess[str]:
    """`./dev node <args>` run to its end (a refusal, or `advance`), its output captured."""
    return subprocess.run(
        [str(ROOT / "dev"), "node", *args],
        cwd=ROOT,
        env=activated_venv_only(),
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
        check=False,
        preexec_fn=die_with_parent,
    )


def test_dev_node__a_taken_port__is_refused_in_one_line(node: Node):
    port = node.uri.rsplit(":", 1)[1]
    result = dev_node("--port", port, "--no-state")
    assert result.returncode == 1
    assert result.stderr.strip().splitlines()[-1] == (
        f"local Arbitrum Sepolia: port {port} of 127.0.0.1 is taken: cannot start a local Arbitrum Sepolia"
    )


def _timestamp(uri: str) -> int:
    return int(rpc(uri, "eth_getBlockByNumber", ["latest", False])["timestamp"], 16)


def test_dev_node_advance__moves_the_running_nodes_clock_by_a_day_and_says_when_it_is(node: Node):
    port = node.uri.rsplit(":", 1)[1]
    before = _timestamp(node.uri)

    result = dev_node("advance", "1d", "--port", port)

    assert result.returncode == 0, result.stderr
    after = _timestamp(node.uri)
    assert 86_400 <= after - before <= 86_400 + 10  # a day, and the blocks mined meanwhile
    assert result.stdout.startswith("moved 86400 s: the node's time is now ") and "UTC" in result.stdout


@pytest.mark.parametrize(
    ("args", "says"),
    [(["lots"], "is not a number of seconds"), (["1d", "--port", "1"], "no node answers at http://127.0.0.1:1")],
    ids=["a bad duration", "no node"],
)
def test_dev_node_advance__a_bad_duration_or_no_node__is_one_line(args: list[str], says: str):
    result = dev_node("advance", *args)

    assert result.returncode == 1
    lines = [line for line in result.stderr.splitlines() if not line.startswith("\x1b[1m==>")]
    assert len(lines) == 1 and lines[0].startswith("error: ") and says in lines[0], result.stderr
