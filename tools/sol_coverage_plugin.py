"""pytest plugin: record which EVM instructions the Python suite executes, for Solidity coverage.

Loaded by `tools/sol_coverage.py run` (`ape test -p tools.sol_coverage_plugin`); inert otherwise.
Ape's own `--coverage` gives nothing for Solidity (ape-solidity builds no program-counter map),
so this records the raw material itself, right where it happens:

* every JSON-RPC request the test process sends to a node goes through web3's `HTTPProvider`;
  the plugin wraps its `make_request`;
* after a transaction is sent (`eth_sendRawTransaction`, `eth_sendTransaction`), it asks the node
  for `debug_traceTransaction`; for `eth_call` and `eth_estimateGas` (where Ape evaluates a call
  that reverts, before sending it) it asks for `debug_traceCall` with the same arguments. This has
  to happen at once: tests revert the chain to a snapshot afterwards, and the trace is gone;
* the trace's struct logs give, step by step, the program counter, the opcode and the call depth;
  a new depth after a CALL / STATICCALL / DELEGATECALL / CALLCODE runs the code of the address on
  the caller's stack. Each frame's code is fetched once (`eth_getCode`) and keyed by its hash, so
  the same contract redeployed at another address (or another contract at a reused address)
  is attributed right. Constructors run in the deployment transaction's top frame; it is keyed by
  the runtime code the deployment left at the new address.

At the end of the session it writes `coverage/raw.json`: per code hash, the code, the hit count of
every program counter, and for every JUMPI whether it fell through and/or jumped (branch data).
`tools/sol_coverage.py report` maps that to source lines and branches.

With `SOL_COVERAGE_PER_TEST=<path>` it also writes, per test, which program counters of which code
ran while that test was the current one, split by phase ("setup": its fixtures, which for a
session- or module-scoped fixture means the first test that needed it; "call": the test itself,
and its teardown), and each test's duration. `tools/mutate.py --build-testmap` runs the unit
subsets this way and maps it to source ranges, so that a mutant runs only the tests that
execute its statement.
"""

from __future__ import annotations

import hashlib
import json
import os
import time
from collections import defaultdict
from pathlib import Path
from typing import Any

import pytest
from web3.providers.rpc import HTTPProvider

TRACE_OPTIONS = {
    "disableStorage": True,
    "disableMemory": True,
    "enableMemory": False,
    "disableStack": False,
    "enableReturnData": False,
}
CALL_OPS = {"CALL", "CALLCODE", "STATICCALL", "DELEGATECALL"}
CREATE_OPS = {"CREATE", "CREATE2"}
OUTPUT = Path(os.environ.get("SOL_COVERAGE_RAW", "coverage/raw.json"))
PER_TEST = os.environ.get("SOL_COVERAGE_PER_TEST")


class Recorder:
    """Accumulates per-code program-counter hits and JUMPI outcomes across the whole session."""

    def __init__(self) -> None:
        self.codes: dict[str, str] = {}
        self.hits: dict[str, defaultdict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.jumps: dict[str, defaultdict[int, int]] = defaultdict(lambda: defaultdict(int))
        self.traces = 0
        self.failed = 0
        self.steps = 0
        self.seconds = 0.0
        self.methods: defaultdict[str, int] = defaultdict(int)
        # Per test (only with SOL_COVERAGE_PER_TEST): nodeid -> phase -> code -> pcs that ran.
        self.per_test: dict[str, dict[str, defaultdict[str, set[int]]]] = {}
        self.durations: dict[str, float] = {}
        self.current: defaultdict[str, set[int]] | None = None

    # -- node access -------------------------------------------------------------------------
    @staticmethod
    def call(provider: HTTPProvider, method: str, params: list[Any]) -> Any:
        reply = ORIGINAL_MAKE_REQUEST(provider, method, params)
        if "error" in reply:
            raise RuntimeError(f"{method}: {reply['error']}")
        return reply["result"]

    def code_key(self, provider: HTTPProvider, address: str, block: Any, cache: dict[str, str]) -> str:
        if address not in cache:
            code = self.call(provider, "eth_getCode", [address, block])
            key = "0x" + hashlib.sha256(bytes.fromhex(code[2:])).hexdigest()[:24]
            self.codes.setdefault(key, code)
            cache[address] = key
        return cache[address]

    # -- recording ---------------------------------------------------------------------------
    def record(self, provider: HTTPProvider, method: str, params: list[Any], result: Any) -> None:
        """Trace what the request just executed; never lets a tracing problem fail a test."""
        self.methods[method] += 1
        started = time.perf_counter()
        try:
            if method in ("eth_sendRawTransaction", "eth_sendTransaction"):
                self.record_transaction(provider, result)
            else:
                self.record_call(provider, params)
            self.traces += 1
        except Exception:  # a missing trace lowers coverage; it must not fail a test
            self.failed += 1
        finally:
            self.seconds += time.perf_counter() - started

    def record_transaction(self, provider: HTTPProvider, tx_hash: str) -> None:
        # The node may answer the send before it has mined the transaction (seen when a test set
        # the next block's timestamp); a trace asked for too early is empty. Wait for the receipt.
        receipt = None
        for _ in range(200):
            receipt = self.call(provider, "eth_getTransactionReceipt", [tx_hash])
            if receipt:
                break
            time.sleep(0.01)
        if not receipt:
            raise RuntimeError(f"{tx_hash} was not mined")
        tx = self.call(provider, "eth_getTransactionByHash", [tx_hash])
        trace = self.call(provider, "debug_traceTransaction", [tx_hash, TRACE_OPTIONS])
        logs = trace.get("structLogs", [])
        if not logs and tx.get("input", "0x") != "0x":
            raise RuntimeError(f"empty trace of {tx_hash}")
        cache: dict[str, str] = {}
        if tx.get("to"):
            top = self.code_key(provider, tx["to"], "latest", cache)
        else:
            if not receipt.get("contractAddress"):
                return  # a failed deployment: no runtime code to name its constructor by
            top = "init:" + self.code_key(provider, receipt["contractAddress"], "latest", cache)
        self.walk(provider, logs, top, "latest", cache)

    def record_call(self, provider: HTTPProvider, params: list[Any]) -> None:
        request = dict(params[0])
        if not request.get("to"):
            return  # a deployment's gas estimate: its constructor is traced in the transaction
        block = params[1] if len(params) > 1 else "latest"
        request.pop("gas", None)  # trace with the block gas limit, like the estimate does
        trace = self.call(provider, "debug_traceCall", [request, block, TRACE_OPTIONS])
        cache: dict[str, str] = {}
        top = self.code_key(provider, request["to"], block, cache)
        self.walk(provider, trace.get("structLogs", []), top, block, cache)

    def walk(
        self, provider: HTTPProvider, logs: list[dict[str, Any]], top: str, block: Any, cache: dict[str, str]
    ) -> None:
        frames: list[str | None] = [top]
        pending: str | None = None  # the code a CALL-like step is about to enter
        last_jumpi: tuple[str, int, int] | None = None  # (code, pc, depth) of the previous JUMPI
        for log in logs:
            depth = int(log["depth"])
            pc = int(log["pc"])
            if depth > len(frames):
                frames.append(pending)
            while depth < len(frames):
                frames.pop()
            code = frames[-1]
            if last_jumpi is not None:
                jcode, jpc, jdepth = last_jumpi
                if jdepth == depth and jcode is not None:
                    self.jumps[jcode][jpc] |= 1 if pc == jpc + 1 else 2
                last_jumpi = None
            if code is not None:
                self.hits[code][pc] += 1
                if self.current is not None:
                    self.current[code].add(pc)
            op = log["op"]
            if op == "JUMPI":
                last_jumpi = (code, pc, depth)
            elif op in CALL_OPS:
                stack = log.get("stack") or []
                target = "0x" + stack[-2][2:].rjust(64, "0")[-40:] if len(stack) >= 2 else None
                pending = self.code_key(provider, target, block, cache) if target else None
            elif op in CREATE_OPS:
                pending = None  # nested deployments: only the project's mocks do this
        self.steps += len(logs)

    def as_raw(self) -> dict[str, Any]:
        """What `tools/sol_coverage.py report` reads (coverage/raw.json)."""
        return {
            "traces": self.traces,
            "failed": self.failed,
            "steps": self.steps,
            "trace_seconds": round(self.seconds, 1),
            "methods": dict(self.methods),
            "codes": {key: code for key, code in self.codes.items() if key in self.hits or "init:" + key in self.hits},
            "hits": {key: {str(pc): n for pc, n in sorted(pcs.items())} for key, pcs in self.hits.items()},
            "jumps": {key: {str(pc): m for pc, m in sorted(pcs.items())} for key, pcs in self.jumps.items()},
        }

    def dump(self, path: Path) -> None:
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(self.as_raw()))

    # -- per test ----------------------------------------------------------------------------
    def enter(self, nodeid: str, phase: str) -> None:
        """From now on, what runs is `nodeid`'s ("setup" or "call"; teardown counts as call)."""
        phases = self.per_test.setdefault(nodeid, {})
        self.current = phases.setdefault(phase, defaultdict(set))

    def per_test_raw(self) -> dict[str, Any]:
        return {
            "codes": {key: code for key, code in self.codes.items() if key in self.hits or "init:" + key in self.hits},
            "tests": {
                nodeid: {phase: {key: sorted(pcs) for key, pcs in codes.items()} for phase, codes in phases.items()}
                for nodeid, phases in self.per_test.items()
            },
            "durations": {nodeid: round(s, 3) for nodeid, s in self.durations.items()},
        }


RECORDER = Recorder()
ORIGINAL_MAKE_REQUEST = HTTPProvider.make_request
TRACED = {"eth_sendRawTransaction", "eth_sendTransaction", "eth_call", "eth_estimateGas"}


def traced_make_request(self: HTTPProvider, method: str, params: Any) -> Any:
    """web3's HTTPProvider.make_request, followed by a trace of what it executed."""
    response = ORIGINAL_MAKE_REQUEST(self, method, params)
    if method in TRACED and isinstance(response, dict) and ("result" in response or "error" in response):
        if method.startswith("eth_send") and "result" not in response:
            return response
        RECORDER.record(self, method, list(params), response.get("result"))
    return response


def pytest_configure(config: Any) -> None:
    HTTPProvider.make_request = traced_make_request  # type: ignore[method-assign]


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_setup(item: Any) -> None:
    if PER_TEST:
        RECORDER.enter(item.nodeid, "setup")


@pytest.hookimpl(tryfirst=True)
def pytest_runtest_call(item: Any) -> None:
    if PER_TEST:
        RECORDER.enter(item.nodeid, "call")


def pytest_runtest_logreport(report: Any) -> None:
    if PER_TEST:
        RECORDER.durations[report.nodeid] = RECORDER.durations.get(report.nodeid, 0.0) + report.duration
        if report.when == "teardown":
            RECORDER.current = None


def pytest_sessionfinish(session: Any, exitstatus: int) -> None:
    HTTPProvider.make_request = ORIGINAL_MAKE_REQUEST  # type: ignore[method-assign]
    RECORDER.dump(OUTPUT)
    if PER_TEST:
        path = Path(PER_TEST)
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(json.dumps(RECORDER.per_test_raw()))


def pytest_terminal_summary(terminalreporter: Any) -> None:
    r = RECORDER
    terminalreporter.write_line(
        f"sol-coverage: {r.traces} traces ({r.failed} failed), {r.steps:,} steps, {r.seconds:.0f} s tracing -> {OUTPUT}"
    )
