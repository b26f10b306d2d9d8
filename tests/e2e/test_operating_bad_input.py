"""Bad input to the operating scripts: a malformed address, an unknown id, a negative or absurd
amount, the wrong account. Each gets exactly one line, `error: ...` on stderr, a non-zero exit
code, no traceback, and nothing on stdout (so a redirect never captures half an answer)."""

from __future__ import annotations

import importlib.util
import json
from pathlib import Path
from typing import Any

import pytest
from ape import chain
from click.testing import CliRunner

from mor_market.record import ATTRIBUTES
from mor_market.units import hex_id

SCRIPTS = Path(__file__).parents[2] / "scripts"
CONSUMER = "0x90F79bf6EB2c4f870365E785982E1f101E93b906"  # TEST::3
MALFORMED = "0x12345"
BAD_CHECKSUM = "0x90f79bf6EB2c4f870365E785982E1f101E93b906"

# {bid} is the provider's active bid, {unknown_bid} a bid never posted, {missing}/{broken} files.
CASES: list[tuple[str, list[str]]] = [
    ("provider", ["set-signer", MALFORMED]),
    ("provider", ["set-signer", BAD_CHECKSUM]),
    ("provider", ["add-stake", "-5"]),
    ("provider", ["add-stake", "1e30"]),
    ("provider", ["add-stake", "0.0000000000000000001"]),
    ("provider", ["add-stake", "lots"]),
    ("provider", ["add-stake", "5", "--account", "TEST::6"]),
    ("provider", ["register", "gpu:1", "--stake", "5", "--account", "TEST::6"]),
    ("provider", ["bid", "999", "0.00001"]),
    ("provider", ["bid", "1", "5"]),
    ("provider", ["bid", "1", "-0.00001"]),
    ("provider", ["approve", "{unknown_bid}", CONSUMER]),
    ("provider", ["approve", "{bid}", MALFORMED]),
    ("provider", ["approve", "{bid}", CONSUMER, "--account", "TEST::6"]),
    ("provider", ["approve", "0xnothex", CONSUMER]),
    ("provider", ["receipt", "0x1", "--ttft-ms", "250", "--tps", "40"]),
    ("provider", ["receipt", "0x1", "--ttft-ms", "0", "--tps", "40"]),
    ("provider", ["claim", "--account", "TEST::6"]),
    ("provider", ["show", MALFORMED]),
    ("provider", ["no-such-command"]),
    ("consumer", ["quote", "{unknown_bid}", "--stake", "1"]),
    ("consumer", ["quote", "{bid}", "--stake", "-1"]),
    ("consumer", ["session", "0x1"]),
    ("consumer", ["close", "0x1"]),
    ("consumer", ["open", "{missing}", "--stake", "1"]),
    ("consumer", ["open", "{broken}", "--stake", "1"]),
    ("consumer", ["bids", "no-such-model"]),
    ("consumer", ["bids", "1", "--weights", "1,2"]),
    ("consumer", ["withdraw"]),
    ("consumer", ["status", MALFORMED]),
    ("model", ["show", "999"]),
    ("model", ["register", "a"]),
    ("model", ["register", "ok-name", "--stake", "-3"]),
    ("model", ["deregister", "1", "--account", "TEST::6"]),
    ("governance", ["whitelist", "add", MALFORMED]),
    ("governance", ["set", "budget-bps", "0"]),
    ("governance", ["set", "bid-fee", "11"]),
    ("governance", ["set", "price-bounds", "1"]),
    ("governance", ["set", "price-bounds", "0.00001", "0.001"]),
    ("governance", ["set", "duration-bounds", "2h", "1d"]),
    ("governance", ["schedule", "pool", "setBudgetBps", "50"]),
    ("governance", ["guardian", "set", MALFORMED]),
    ("governance", ["guardian", "set", "0x0000000000000000000000000000000000000000"]),
    ("governance", ["guardian", "revoke", "--contract", "pool"]),
    ("governance", ["set", "min-provider-stake", "-1"]),
    ("governance", ["set", "no-such-parameter", "1"]),
    ("governance", ["fund", "0"]),
    ("governance", ["fund", "2000000", "--account", "TEST::6"]),
    ("governance", ["withdraw-fees", CONSUMER, "5"]),
    ("governance", ["execute", "ffff"]),
    ("governance", ["pause", "nothing"]),
    ("keeper", ["--limit", "0"]),
    ("status", ["--from-block", "-1"]),
]


def _script(name: str) -> Any:
    spec = importlib.util.spec_from_file_location(f"bad_input_{name}", SCRIPTS / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.cli


@pytest.fixture
def record(protocol, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The test deployment as the scripts find it: deployments/<network>.json."""
    monkeypatch.setattr("mor_market.cli.RECORDS", tmp_path)
    by_attribute = protocol.addresses()
    contracts = {name: {"address": by_attribute[a]} for name, a in ATTRIBUTES.items() if a in by_attribute}
    data = {"contracts": contracts, "first_block": 0, "governance": protocol.marketplace.owner()}
    (tmp_path / "arbitrum-sepolia-fork.json").write_text(json.dumps(data))
    (tmp_path / "broken.json").write_text("INFO: Connecting to a 'anvil' node.\n{")
    return tmp_path


@pytest.mark.parametrize(("script", "args"), CASES, ids=[" ".join([s, *a]) for s, a in CASES])
def test_bad_input__every_command__is_one_error_line_and_a_non_zero_exit(
    script: str, args: list[str], record: Path, bid: int
):
    values = {
        "bid": hex_id(bid),
        "unknown_bid": hex_id(bid + 7),
        "missing": str(record / "missing.json"),
        "broken": str(record / "broken.json"),
    }
    argv = [a.format(**values) for a in args]
    # The test's own fork, handed over as `--network` would hand over a new one (where the
    # recorded contracts would not exist and every command would fail for that reason alone).
    result = CliRunner(mix_stderr=False).invoke(_script(script), argv, obj={"provider": chain.provider})

    assert result.exit_code != 0, result.output
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith(("INFO:", "WARNING:"))]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: "), lines[0]
    # refused for the bad input, not because the test's deployment could not be found
    assert "not on this chain" not in lines[0] and "KeyError" not in lines[0]
    print(f"{script} {' '.join(argv)}: {lines[0]}")
    assert "Traceback" not in result.output
    assert result.stdout.strip() == ""
    assert not isinstance(result.exception, Exception) or isinstance(result.exception, SystemExit)
