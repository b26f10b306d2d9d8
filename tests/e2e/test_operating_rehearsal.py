"""A real deployment, rehearsed as a newcomer would run it: separate `ape run` processes against
a persistent local Arbitrum Sepolia (its own node, on a free port of 127.0.0.1, mining a block a
second), a keyfile account imported and used without a single prompt, and every amount typed in
MOR. The provider's approval and receipt travel as files written by shell redirection."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from mor_market.localnet import LocalSepolia, rpc

ROOT = Path(__file__).resolve().parents[2]
APE = shutil.which("ape") or str(Path(sys.executable).parent / "ape")
NETWORK = ["--network", "arbitrum:sepolia:node"]
DEPLOYER_KEY = "0xac0974bec39a17e36ba4a6b4d238ff944bacb478cbed5efcae784d7bf4f2ff80"  # TEST::0's key
PASSPHRASE = "rehearsal-passphrase-1!"
PROVIDER, CONSUMER, KEEPER = "TEST::1", "TEST::2", "TEST::4"
PROVIDER_ADDRESS = "0x70997970C51812dc3A010C7d01b50e0d17dc79C8"
CONSUMER_ADDRESS = "0x3C44CdDdB6a900fa2b585dd299e03d12FA4293BC"


@pytest.fixture(scope="module")
def node() -> Iterator[LocalSepolia]:
    started = LocalSepolia(block_time=1)
    started.start()
    try:
        yield started
    finally:
        started.stop()


@pytest.fixture(scope="module")
def env(node: LocalSepolia, tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    home = tmp_path_factory.mktemp("operator")
    environment = dict(os.environ)
    environment.update(
        WEB3_PROVIDER_URI=node.uri,
        APE_DATA_FOLDER=str(home / "ape"),
        MOR_DEPLOYMENTS_DIR=str(home / "records"),
        APE_ACCOUNTS_deployer_PASSPHRASE=PASSPHRASE,
    )
    (home / "records").mkdir()
    environment.pop("MOR_MARKET_YES", None)
    return environment


def ape(
    env: dict[str, str], *args: str, stdin: str = "", stdout: Path | None = None, key: str | None = None
) -> subprocess.CompletedProcess:
    """One `ape ...` process, as typed in a shell; stdout optionally redirected to a file."""
    command = [APE, *args]
    if args[0] == "run" and args[1] != "account":
        command += NETWORK
    if key is not None:
        env = {**env, "MOR_MARKET_PRIVATE_KEY": key}
    if stdout is None:
        return subprocess.run(command, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=300)
    with stdout.open("w") as out:
        return subprocess.run(
            command, cwd=ROOT, env=env, input=stdin, stdout=out, stderr=subprocess.PIPE, text=True, timeout=300
        )


def ok(result: subprocess.CompletedProcess) -> str:
    assert result.returncode == 0, f"{result.args}: {result.stderr[-2000:]}"
    assert "Traceback" not in result.stderr
    return result.stdout or ""


def move_a_day(node: LocalSepolia) -> None:
    """`./dev node advance 1d`, as the README has it."""
    port = node.uri.rsplit(":", 1)[1]
    moved = subprocess.run(
        [str(ROOT / "dev"), "node", "advance", "1d", "--port", port],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        stdin=subprocess.DEVNULL,
    )
    assert moved.returncode == 0 and moved.stdout.startswith("moved 86400 s"), moved.stderr


def test_rehearsal__a_newcomer_with_a_keyfile__deploys_and_runs_a_market_day_in_separate_processes(
    node: LocalSepolia, env: dict[str, str], tmp_path: Path
):
    # A keyfile account, imported without a terminal: the key and the passphrase from the environment.
    imported = json.loads(ok(ape(env, "run", "account", "import", "deployer", key=DEPLOYER_KEY)))
    assert imported["address"] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"
    deployer = ["--account", "deployer", "--yes"]

    # Without --yes the keyfile account would ask "Sign: [y/N]": refused at once, in one line.
    refused = ape(env, "run", "deploy", "--account", "deployer")
    assert refused.returncode != 0
    assert refused.stderr.strip().splitlines()[-1].startswith("error: account 'deployer' asks 'Sign: [y/N]'")

    deployed = ok(ape(env, "run", "deploy", *deployer))
    assert "deployed on arbitrum-sepolia-local (chain 421614)" in deployed
    assert "INFO" not in deployed  # Ape's logs went to stderr

    # The whitelist is on and empty: registering is refused before any transaction.
    early = ape(env, "run", "provider", "register", "gpu.example.org:3333", "--stake", "500", "--account", PROVIDER)
    assert early.returncode == 1 and "is not whitelisted" in early.stderr
    assert "Submitted" not in early.stderr  # not even the MOR approve was sent

    ok(ape(env, "run", "governance", "whitelist", "add", PROVIDER_ADDRESS, *deployer))
    assert "qwen/qwen3-8b" in ok(ape(env, "run", "model", "register", "Qwen/Qwen3-8B", "--tag", "llm", *deployer))
    models = json.loads(ok(ape(env, "run", "model", "list")))
    assert [(m["modelId"], m["name"]) for m in models] == [(1, "qwen/qwen3-8b")]

    registered = ok(
        ape(env, "run", "provider", "register", "gpu.example.org:3333", "--stake", "500", "--account", PROVIDER)
    )
    assert "stake 500 MOR" in registered
    assert "stake now 600.5 MOR" in ok(ape(env, "run", "provider", "add-stake", "100.5", "--account", PROVIDER))
    posted = ok(ape(env, "run", "provider", "bid", "qwen/qwen3-8b", "0.00001", "--account", PROVIDER))
    bid = posted.split()[1]
    assert bid.startswith("0x") and len(bid) == 66 and "0.00001 MOR/s" in posted

    funded = ok(ape(env, "run", "governance", "fund", "100000", *deployer))
    assert "the pool holds 100000 MOR" in funded
    move_a_day(node)  # the funding counts in the next day's budget

    shown = json.loads(ok(ape(env, "run", "provider", "show", PROVIDER_ADDRESS)))
    assert (shown["endpoint"], shown["stake"], shown["bids"][0]["bidId"]) == ("gpu.example.org:3333", "600.5 MOR", bid)
    ranked = ok(ape(env, "run", "consumer", "bids", "qwen/qwen3-8b", "--stake", "1000"))
    assert "gpu.example.org:3333" in ranked and "buys" in ranked

    # The handoff: approve > file, open with it; close with a receipt > file.
    approval = tmp_path / "approval.json"
    ok(ape(env, "run", "provider", "approve", bid, CONSUMER_ADDRESS, "--account", PROVIDER, stdout=approval))
    session = json.loads(approval.read_text())["sessionId"]
    opened = ok(ape(env, "run", "consumer", "open", str(approval), "--stake", "1000", "--account", CONSUMER))
    assert f"session {session} open until" in opened and "UTC" in opened
    receipt = tmp_path / "receipt.json"
    ok(
        ape(
            env,
            "run",
            "provider",
            "receipt",
            session,
            "--ttft-ms",
            "250",
            "--tps",
            "40",
            "--account",
            PROVIDER,
            stdout=receipt,
        )
    )
    closed = ok(ape(env, "run", "consumer", "close", session, "--receipt", str(receipt), "--account", CONSUMER))
    assert closed.startswith(f"closed {session}") and "provider paid" in closed

    # A second session outlives its end: the keeper closes it.
    second = tmp_path / "second.json"
    ok(ape(env, "run", "provider", "approve", bid, CONSUMER_ADDRESS, "--account", PROVIDER, stdout=second))
    ok(ape(env, "run", "consumer", "open", str(second), "--stake", "1000", "--account", CONSUMER))
    move_a_day(node)
    kept = ok(ape(env, "run", "keeper", "--account", KEEPER))
    assert "1 expired session(s) closed" in kept
    # v3: the keeper's close left the verdict to the consumer, who gives it late, once.
    second_session = json.loads(second.read_text())["sessionId"]
    rated = ok(ape(env, "run", "consumer", "close", second_session, "--account", CONSUMER))
    assert rated.startswith(f"rated {second_session}, closed at ") and rated.rstrip().endswith(
        "by someone else: disputed"
    )
    again = ape(env, "run", "consumer", "close", second_session, "--account", CONSUMER)
    assert again.returncode == 1 and "the session was already rated: disputed" in again.stderr

    claimed = ok(ape(env, "run", "provider", "claim", "--account", PROVIDER))
    assert claimed.startswith("claimed ") and "still owed 0 MOR" in claimed

    status = json.loads(ok(ape(env, "run", "status")))
    assert status["open_sessions"] == [] and status["pool"]["total_owed"] == "0 MOR"
    assert status["params"]["whitelist_enabled"] is True and "UTC" in status["now"]
    consumer = json.loads(ok(ape(env, "run", "consumer", "status", CONSUMER_ADDRESS)))
    assert consumer["sessions"][0]["sessionId"] == session
    assert all(s["closedAt"] != "never" for s in consumer["sessions"])

    # Weeks of blocks later, a scan spans several pages of 5,000 blocks: a progress bar on
    # stderr, the same answer on stdout.
    rpc(node.uri, "anvil_mine", [hex(6_000), hex(1)], timeout=180)
    later = ape(env, "run", "consumer", "status", CONSUMER_ADDRESS)
    ok(later)
    assert "scanning 6," in later.stderr and "blocks for SessionOpened" in later.stderr
    assert "scanning" not in later.stdout
    assert [s["sessionId"] for s in json.loads(later.stdout)["sessions"]] == [
        s["sessionId"] for s in consumer["sessions"]
    ]
