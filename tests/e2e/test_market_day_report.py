"""The main job (`ape run market_day`) leaves the git tree as it found it: its report and chart go
to reports/latest/ (ignored by git), its deployment record to the ignored fork record; only
`--example` rewrites the committed example, reports/market-day.md and .png."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner

ROOT = Path(__file__).resolve().parents[2]


def git_status() -> str:
    return subprocess.run(
        ["git", "status", "--porcelain", "--untracked-files=all"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout


def test_market_day__without_example__leaves_git_status_clean_and_reports_every_table(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
):
    monkeypatch.setattr("mor_market.cli.RECORDS", tmp_path)
    spec = importlib.util.spec_from_file_location("market_day_script", ROOT / "scripts" / "market_day.py")
    module = importlib.util.module_from_spec(spec)  # type: ignore[arg-type]
    spec.loader.exec_module(module)  # type: ignore[union-attr]
    before = git_status()

    result = CliRunner().invoke(module.cli, ["--network", "arbitrum:sepolia-fork:foundry"], catch_exceptions=False)

    assert result.exit_code == 0, result.output
    assert git_status() == before
    text = (ROOT / "reports" / "latest" / "market-day.md").read_text()
    assert (ROOT / "reports" / "latest" / "market-day.png").stat().st_size > 10_000
    for heading in ("## Story", "## Sessions", "## Inference", "## Compute pool", "## Conservation"):
        assert heading in text
    # Providers ran nodes; the receipts carry what the nodes measured, and an overstated one is disputed.
    assert text.count("'s node listens at http://127.0.0.1:") == 4
    assert text.count("(receipt measured by the node: ttft ") == 2 * 3  # the story and the sessions table
    assert "(disputed: the receipt claims " in text
    assert text.count("emission source funded the pool") == 4  # every funding moves the pool's numbers
    assert text.count(" MOR still owed); paid today ") == 4 and "budget used" in text
    assert "MISMATCH" not in text and text.count("| exact (") == 4
    # The committed example has the same sections (rewrite it with `ape run market_day --example`).
    example = (ROOT / "reports" / "market-day.md").read_text()
    assert [line for line in example.splitlines() if line.startswith("## ")] == [
        line for line in text.splitlines() if line.startswith("## ")
    ]
