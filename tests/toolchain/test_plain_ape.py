"""Plain Ape works here as a new user runs it: in a shell where only the virtual environment is
activated and no project variable is set, `ape compile` and `ape test <file>` succeed on the
local fork of Arbitrum Sepolia, and neither leaves anything that breaks a later command."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from mor_market.localnet import die_with_parent

ROOT = Path(__file__).resolve().parents[2]
VENV_BIN = Path(sys.executable).parent
DEPENDENCY_COPY = ROOT / "contracts" / ".cache"
PROJECT_VARIABLES = ("APE_", "SOLCX_", "MOR_", "WEB3_", "PYTHONPATH", "VIRTUAL_ENV")


def activated_venv_only() -> dict[str, str]:
    """The environment of `source .venv/bin/activate` in a shell the project never touched: no
    project variable, no project folder on PATH but the venv's bin."""
    project_dirs = {str(ROOT / "node_modules"), str(ROOT / ".solcx")}
    path = [p for p in os.environ.get("PATH", "").split(os.pathsep) if not any(p.startswith(d) for d in project_dirs)]
    env = {k: v for k, v in os.environ.items() if not k.startswith(PROJECT_VARIABLES)}
    env["PATH"] = os.pathsep.join([str(VENV_BIN), *[p for p in path if p != str(VENV_BIN)]])
    env["VIRTUAL_ENV"] = str(VENV_BIN.parent)
    return env


MARKER = "PLAIN_APE_TEST_RUN"


def plain_ape(
    *args: str, timeout: float = 300, marker: str = "", stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """`ape <args>` in that environment; `marker` tags it and every process it starts."""
    return subprocess.run(
        [str(VENV_BIN / "ape"), *args],
        cwd=ROOT,
        env={**activated_venv_only(), MARKER: marker or "1", **(env or {})},
        capture_output=True,
        text=True,
        timeout=timeout,
        input=stdin,
        stdin=None if stdin is not None else subprocess.DEVNULL,
        check=False,
        preexec_fn=die_with_parent,
    )


def test_activated_venv_only__has_no_project_variable_and_no_project_tool_on_path():
    env = activated_venv_only()
    assert not [k for k in env if k.startswith(PROJECT_VARIABLES) and k != "VIRTUAL_ENV"]
    assert "node_modules" not in env["PATH"]
    assert env["PATH"].split(os.pathsep)[0] == str(VENV_BIN)


def test_plain_ape_compile__finds_the_project_compiler_and_leaves_no_dependency_copy():
    result = plain_ape("compile")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "Traceback" not in result.stderr
    assert not DEPENDENCY_COPY.exists()


def test_plain_ape_compile__removes_a_stale_dependency_copy_that_would_hide_project_sources():
    # A copy of OpenZeppelin left in contracts/.cache by an interrupted tool: 600 files push the
    # project's own sources past Ape's 500-file listing unless the plugin clears them first.
    stale = DEPENDENCY_COPY / "openzeppelin" / "0.0.0"
    stale.mkdir(parents=True)
    try:
        for n in range(600):
            (stale / f"Stale{n}.json").write_text("{}")
        result = plain_ape("compile")
        assert result.returncode == 0, result.stdout + result.stderr
        assert not DEPENDENCY_COPY.exists()
    finally:
        shutil.rmtree(DEPENDENCY_COPY, ignore_errors=True)


@pytest.mark.parametrize("selection", [["tests/unit/compute_pool/test_fund.py"], ["tests/unit", "-k", "deregister"]])
def test_plain_ape_test__runs_the_selected_tests_on_the_local_fork_and_stops_its_nodes(selection: list[str]):
    marker = f"{os.getpid()}-{selection[-1]}"
    result = plain_ape("test", *selection, "-q", marker=marker)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert " passed" in result.stdout and "failed" not in result.stdout
    assert "INTERNALERROR" not in result.stdout + result.stderr
    assert processes_tagged(marker) == [], "a process the run started (a node) is still running"
    assert not DEPENDENCY_COPY.exists()


def processes_tagged(marker: str) -> list[str]:
    """Command lines of the running processes whose environment carries `MARKER=marker`."""
    tag = f"{MARKER}={marker}".encode()
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if tag in (entry / "environ").read_bytes().split(b"\0"):
                found.append((entry / "cmdline").read_bytes().replace(b"\0", b" ").decode())
        except OSError:
            continue
    return found


def test_plain_ape_console__is_on_the_local_fork_with_mor_in_the_test_accounts():
    commands = (
        "from mor_market.constants import MOR_SEPOLIA_ADDRESS as M\n"
        "print('FORK', chain.chain_id, chain.provider.network.name, len(chain.provider.get_code(M)) > 0)\n"
        "exit\n"
    )
    result = plain_ape("console", stdin=commands, timeout=180)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "FORK 421614 sepolia-fork True" in result.stdout


def test_plain_ape_run__deploy_script__runs_on_the_local_fork(tmp_path: Path):
    result = plain_ape("run", "deploy", env={"MOR_DEPLOYMENTS_DIR": str(tmp_path)}, timeout=240)
    assert result.returncode == 0, result.stdout[-2000:] + result.stderr[-2000:]
    assert "deployed on arbitrum-sepolia-fork (chain 421614)" in result.stdout
    assert (tmp_path / "arbitrum-sepolia-fork.json").exists()
