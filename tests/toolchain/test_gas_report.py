"""The gas benchmark's report logic (mor_market/gas_report.py): the committed report is what its
committed results render to, and `--check` names every way a result can fail."""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from mor_market import gas_report
from mor_market.cli import ROOT

RESULTS = ROOT / "benchmarks/gas.json"


@pytest.fixture
def result() -> dict[str, Any]:
    return json.loads(RESULTS.read_text())


def test_report__the_committed_results__render_to_the_committed_report(result):
    assert gas_report.render(result) == (ROOT / "benchmarks/gas.md").read_text()


def test_check__the_committed_results__pass(result):
    assert gas_report.failures(result) == []


def test_check__a_contract_over_the_size_limit__fails_naming_it(result):
    bad = copy.deepcopy(result)
    bad["sizes"]["SessionRouter"] = gas_report.SIZE_LIMIT + 1
    assert gas_report.failures(bad) == [f"SessionRouter is {gas_report.SIZE_LIMIT + 1:,} bytes (limit 24,576)"]


def test_check__an_operation_growing_with_n__fails_naming_it(result):
    bad = copy.deepcopy(result)
    bad["growth"]["claim"] = 0.0101
    assert gas_report.failures(bad) == ["claim grows 1.01% across N (limit 1%)"]


def test_check__a_missed_target__fails_naming_it_and_the_report_says_no(result):
    bad = copy.deepcopy(result)
    name = "rateSessionWithReceipt (late)"
    target = gas_report.TARGETS[name]
    bad["scales"]["100"][name]["gas"] = target + 1
    assert gas_report.failures(bad) == [f"{name} costs {target + 1:,} gas (target {target:,})"]
    assert f"| {name} | {target:,} | {target + 1:,} | NO |" in gas_report.render(bad)


def test_check__merged_windows_differing_from_python__fail(result):
    bad = copy.deepcopy(result)
    size = next(iter(bad["views"]))
    bad["views"][size]["merged equals Python"] = 0
    assert gas_report.failures(bad) == [f"merged ranking windows differ from Python at {size} bids"]
