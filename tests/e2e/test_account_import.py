"""`ape run account import ALIAS`: a keyfile account imported without a terminal (the key from
MOR_MARKET_PRIVATE_KEY or stdin, the passphrase from APE_ACCOUNTS_<ALIAS>_PASSPHRASE), in Ape's
own keyfile format, so `--account ALIAS --yes` signs with it; every refusal is one line and writes
nothing. Each case is a separate `ape run` process with its own Ape data folder."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from eth_account import Account

ROOT = Path(__file__).resolve().parents[2]
APE = shutil.which("ape") or str(Path(sys.executable).parent / "ape")
KEY = "0x59c6995e998f97a5a0044966f0945389dc9e86dae88c7a8412f4603b6b78690d"  # TEST::1's key
PASSPHRASE = "import-test-passphrase-7!"


def import_account(home: Path, alias: str, *, key: str | None = None, stdin: str = "", passphrase: str | None = None):
    env = {k: v for k, v in os.environ.items() if not k.startswith(("APE_ACCOUNTS_", "MOR_MARKET_PRIVATE_KEY"))}
    env["APE_DATA_FOLDER"] = str(home)
    if key is not None:
        env["MOR_MARKET_PRIVATE_KEY"] = key
    if passphrase is not None:
        env[f"APE_ACCOUNTS_{alias}_PASSPHRASE"] = passphrase
    command = [APE, "run", "account", "import", alias]
    return subprocess.run(command, cwd=ROOT, env=env, input=stdin, capture_output=True, text=True, timeout=120)


def one_error_line(result: subprocess.CompletedProcess) -> str:
    assert result.returncode != 0
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.strip() and not line.startswith(("INFO:", "WARNING:"))]
    assert len(lines) == 1, result.stderr
    assert lines[0].startswith("error: ") and "Traceback" not in result.stderr
    return lines[0]


def test_import__a_key_from_the_environment__writes_a_keyfile_that_the_passphrase_unlocks(tmp_path: Path):
    result = import_account(tmp_path, "deployer", key=KEY, passphrase=PASSPHRASE)

    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    expected = Account.from_key(KEY).address
    assert shown["alias"] == "deployer" and shown["address"] == expected
    keyfile = json.loads(Path(shown["keyfile"]).read_text())
    assert Path(shown["keyfile"]) == tmp_path / "accounts" / "deployer.json"
    assert Account.from_key(Account.decrypt(keyfile, PASSPHRASE)).address == expected
    assert KEY.removeprefix("0x") not in result.stdout + result.stderr  # never printed

    # The same alias again is refused, and the keyfile is left as it was.
    before = Path(shown["keyfile"]).read_bytes()
    again = import_account(tmp_path, "deployer", key=KEY, passphrase=PASSPHRASE)
    assert "exists already" in one_error_line(again)
    assert Path(shown["keyfile"]).read_bytes() == before


def test_import__a_key_piped_on_stdin__is_imported_like_one_from_the_environment(tmp_path: Path):
    result = import_account(tmp_path, "piped", stdin=KEY + "\n", passphrase=PASSPHRASE)

    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["address"] == Account.from_key(KEY).address


@pytest.mark.parametrize(
    ("key", "passphrase", "says"),
    [
        (KEY, None, "no passphrase: set APE_ACCOUNTS_ops_PASSPHRASE"),
        (None, PASSPHRASE, "no private key"),
        ("0x1234", PASSPHRASE, "is not 64 hex digits"),
        ("zz" * 32, PASSPHRASE, "is not 64 hex digits"),
    ],
    ids=["no passphrase", "no key", "short key", "non-hex key"],
)
def test_import__without_a_passphrase_or_a_valid_key__is_one_line_and_writes_nothing(
    tmp_path: Path, key: str | None, passphrase: str | None, says: str
):
    result = import_account(tmp_path, "ops", key=key, passphrase=passphrase)

    assert says in one_error_line(result)
    assert not (tmp_path / "accounts" / "ops.json").exists()
