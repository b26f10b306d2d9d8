"""The Solidity coverage tool (tools/sol_coverage*.py): its bytecode and source-map helpers, and
its tracer on a real transaction of the fork, mapped back to the lines of the function that ran."""

from __future__ import annotations

from typing import Any

import pytest
from ape import chain

from mor_market.constants import MOR
from tools import sol_coverage as cov
from tools.sol_coverage_plugin import Recorder


def test_instruction_index__skips_push_data__so_pcs_map_to_instructions():
    # PUSH1 0x01, PUSH2 0x0203, ADD, PUSH32 <32 bytes>, STOP
    code = bytes([0x60, 0x01, 0x61, 0x02, 0x03, 0x01, 0x7F]) + bytes(32) + bytes([0x00])
    assert cov.instruction_index(code) == {0: 0, 2: 1, 5: 2, 6: 3, 39: 4}


def test_parse_source_map__empty_fields__repeat_the_previous_entry():
    assert cov.parse_source_map("1:2:0:-;;3::1:i;:4") == [
        (1, 2, 0, "-"),
        (1, 2, 0, "-"),
        (3, 2, 1, "i"),
        (3, 4, 1, "i"),
    ]


def test_identify__ignores_immutables_and_the_metadata_hash__and_nothing_else():
    runtime = bytes.fromhex("6080604052" + "7f" + "00" * 32 + "00") + bytes.fromhex("a1b2c3") + (3).to_bytes(2, "big")
    build = cov.Build("C", runtime, {"7": [{"start": 6, "length": 32}]}, [], b"", [])
    deployed = bytearray(runtime)
    deployed[6:38] = b"\x11" * 32  # an immutable's value
    deployed[-5:-2] = b"\xff\xee\xdd"  # another metadata hash
    assert cov.identify(bytes(deployed), [build]) is build
    deployed[0] = 0x61  # one opcode differs
    assert cov.identify(bytes(deployed), [build]) is None


@pytest.fixture(scope="module")
def compiled() -> dict[str, Any]:
    return cov.compile_project()


def test_tracer__a_fund_transaction__covers_the_pools_fund_function_and_no_other_entry_point(
    compiled, pool, mor, funder, pool_funding
):
    recorder = Recorder()
    mor.approve(pool, pool_funding, sender=funder)
    tx = pool.fund(5 * MOR, sender=funder)
    recorder.record(chain.provider.web3.provider, "eth_sendRawTransaction", [], tx.txn_hash)
    assert recorder.traces == 1 and recorder.failed == 0 and recorder.steps > 100

    results, named, _ = cov.analyse(recorder.as_raw(), compiled)
    assert "contracts/ComputePool.sol:ComputePool" in named
    assert "contracts/test/TestMOR.sol:TestMOR" in named  # the pool pulled the MOR
    pool_file = next(r for r in results if r.fm.path == "contracts/ComputePool.sol")
    ran = {fn.name for fn, hits in pool_file.functions if hits}
    assert "fund" in ran
    assert not ran & {"claim", "credit", "absorbSurplus"}
    fund_line = next(fn.line for fn, _ in pool_file.functions if fn.name == "fund")
    assert any(hits for line, hits in pool_file.lines.items() if fund_line < line < fund_line + 10)
