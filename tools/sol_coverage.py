"""Line, branch and function coverage of the project's contracts by the Python (Ape/pytest) suite.

    ./dev coverage [pytest args]      the whole suite (or the given tests), then this report
    python tools/sol_coverage.py report [--raw coverage/raw.json] [--seconds N]

`./dev coverage` runs the suite with `tools/sol_coverage_plugin.py`, which writes
`coverage/raw.json` (executed program counters and JUMPI outcomes per deployed code, from
anvil's `debug_traceTransaction` / `debug_traceCall`). This module then:

1. compiles the project again through `tools/solc-adapter.js` with ape-config.yaml's settings
   (solc 0.8.28, cancun, optimizer 1,000 runs), asking also for what Ape does not keep: the
   runtime code's source map and the AST;
2. names each traced code by comparing it with the compiled runtime code, immutables and the
   trailing metadata hash masked (constructors: the creation code's source map);
3. maps every executed program counter to its source range, and counts, per project file
   (`contracts/*.sol`, `contracts/libraries/*.sol`, `contracts/governance/*.sol`,
   `contracts/deploy/*.sol`; mocks and interfaces are not the product):
   - statements: every AST statement that has code in the optimised build (a statement the
     optimiser compiled away has no instruction to execute and is not counted); an `if` / loop
     counts its condition. Covered when an instruction mapped inside it ran.
   - lines: the lines those statements start on; hit count = the largest of theirs.
   - branches: each `if` and each `?:` has two. A side is taken when a JUMPI that decides the
     statement was seen leaving towards it (the tracer records, per JUMPI, whether it fell through
     and whether it jumped; each exit is labelled by the source range it lands in: true body,
     else body, back into the condition, or past the statement). Where no JUMPI of its own tells
     (the optimiser made the code branch-free or shared a block between both exits), hit counts
     decide: the true side ran if its body did, the false side if the `else` body ran or the
     condition ran more often than the body.
   - functions: a function is covered when an instruction inside its body ran.
4. writes `coverage/summary.md` (per file and in total, then every uncovered line and branch with
   its source) and `coverage/lcov.info` (standard lcov: FN/FNDA, DA, BRDA).
"""

from __future__ import annotations

import argparse
import bisect
import json
import re
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ADAPTER = ROOT / "tools/solc-adapter.js"
OUT = ROOT / "coverage"
PRODUCT = re.compile(r"^contracts/(libraries/|governance/|deploy/)?[A-Za-z0-9_]+\.sol$")
STATEMENTS = {
    "ExpressionStatement",
    "VariableDeclarationStatement",
    "Return",
    "EmitStatement",
    "RevertStatement",
    "IfStatement",
    "ForStatement",
    "WhileStatement",
    "DoWhileStatement",
    "Break",
    "Continue",
    "InlineAssembly",
    "PlaceholderStatement",
    "TryStatement",
}
# node type -> (label, its true side, its false side)
BRANCHING = {"IfStatement": ("if", "trueBody", "falseBody"), "Conditional": ("?:", "trueExpression", "falseExpression")}
DECIDED: dict[str, int] = {"jumpi": 0, "hits": 0}  # how each branch's sides were decided
TARGET_LINES = 95.0
TARGET_BRANCHES = 90.0

Range = tuple[int, int]  # (start, end) byte offsets in one file


# --- compiling ---------------------------------------------------------------------------------
def compile_project() -> dict[str, Any]:
    """Standard-JSON compile of every contract with the project's settings and adapter."""
    sources = sorted(p for p in (ROOT / "contracts").rglob("*.sol") if ".cache" not in p.parts)
    request = {
        "language": "Solidity",
        "sources": {str(p.relative_to(ROOT)): {"content": p.read_text()} for p in sources},
        "settings": {
            "optimizer": {"enabled": True, "runs": 1000},
            "evmVersion": "cancun",
            "remappings": ["@openzeppelin/contracts/=node_modules/@openzeppelin/contracts/"],
            "outputSelection": {
                "*": {
                    "": ["ast"],
                    "*": [
                        "evm.bytecode.object",
                        "evm.bytecode.sourceMap",
                        "evm.deployedBytecode.object",
                        "evm.deployedBytecode.sourceMap",
                        "evm.deployedBytecode.immutableReferences",
                    ],
                }
            },
        },
    }
    done = subprocess.run(
        ["node", str(ADAPTER), "--standard-json", "--base-path", str(ROOT), "--allow-paths", str(ROOT)],
        input=json.dumps(request),
        capture_output=True,
        text=True,
        check=True,
        cwd=ROOT,
    )
    output = json.loads(done.stdout)
    errors = [e for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise SystemExit("compile failed:\n" + "\n".join(e["formattedMessage"] for e in errors))
    return output


# --- bytecode and source maps ------------------------------------------------------------------
def instruction_index(code: bytes) -> dict[int, int]:
    """pc -> index of the instruction starting there (PUSH1..PUSH32 carry 1..32 data bytes)."""
    index: dict[int, int] = {}
    pc = n = 0
    while pc < len(code):
        index[pc] = n
        op = code[pc]
        pc += 1 + (op - 0x5F if 0x60 <= op <= 0x7F else 0)
        n += 1
    return index


def parse_source_map(text: str) -> list[tuple[int, int, int, str]]:
    """solc's compressed source map -> [(start, length, file id, jump type)] per instruction."""
    entries: list[tuple[int, int, int, str]] = []
    s, ln, f, j = 0, 0, -1, "-"
    for item in text.split(";"):
        parts = item.split(":")
        if len(parts) > 0 and parts[0]:
            s = int(parts[0])
        if len(parts) > 1 and parts[1]:
            ln = int(parts[1])
        if len(parts) > 2 and parts[2]:
            f = int(parts[2])
        if len(parts) > 3 and parts[3]:
            j = parts[3]
        entries.append((s, ln, f, j))
    return entries


def strip_metadata(code: bytes) -> bytes:
    """Runtime code without the CBOR metadata solc appends (its length is in the last 2 bytes)."""
    if len(code) < 2:
        return code
    size = int.from_bytes(code[-2:], "big") + 2
    return code[:-size] if size <= len(code) else code


def mask(code: bytes, immutables: dict[str, list[dict[str, int]]]) -> bytes:
    out = bytearray(code)
    for refs in immutables.values():
        for ref in refs:
            out[ref["start"] : ref["start"] + ref["length"]] = bytes(ref["length"])
    return bytes(out)


@dataclass
class Build:
    """One compiled contract: the masked runtime code to recognise it, and both source maps."""

    name: str
    runtime: bytes
    immutables: dict[str, list[dict[str, int]]]
    runtime_map: list[tuple[int, int, int, str]]
    creation: bytes
    creation_map: list[tuple[int, int, int, str]]


def builds(output: dict[str, Any]) -> list[Build]:
    found = []
    for path, contracts in output["contracts"].items():
        for name, c in contracts.items():
            deployed = c["evm"]["deployedBytecode"]
            if not deployed["object"]:
                continue
            found.append(
                Build(
                    name=f"{path}:{name}",
                    runtime=bytes.fromhex(deployed["object"]),
                    immutables=deployed.get("immutableReferences") or {},
                    runtime_map=parse_source_map(deployed["sourceMap"]),
                    creation=bytes.fromhex(c["evm"]["bytecode"]["object"]),
                    creation_map=parse_source_map(c["evm"]["bytecode"]["sourceMap"]),
                )
            )
    return found


def identify(code: bytes, candidates: list[Build]) -> Build | None:
    body = strip_metadata(code)
    for b in candidates:
        if len(b.runtime) == len(code) and mask(body, b.immutables) == mask(strip_metadata(b.runtime), b.immutables):
            return b
    return None


# --- the AST -----------------------------------------------------------------------------------
def src_range(src: str) -> Range:
    start, length, _ = (int(x) for x in src.split(":"))
    return start, start + length


def walk(node: Any) -> Iterator[dict[str, Any]]:
    if isinstance(node, dict):
        if "nodeType" in node:
            yield node
        for value in node.values():
            yield from walk(value)
    elif isinstance(node, list):
        for item in node:
            yield from walk(item)


@dataclass
class Statement:
    own: Range  # what counts as executing the statement itself (an if's condition)
    line: int


@dataclass
class Branch:
    line: int
    kind: str  # "if" or "?:"
    whole: Range
    condition: Range
    true_body: Range
    false_body: Range | None


@dataclass
class Function:
    name: str
    line: int
    body: Range


@dataclass
class FileModel:
    path: str
    text: bytes
    line_starts: list[int]
    statements: list[Statement] = field(default_factory=list)
    branches: list[Branch] = field(default_factory=list)
    functions: list[Function] = field(default_factory=list)

    def line_of(self, offset: int) -> int:
        return bisect.bisect_right(self.line_starts, offset)

    def source_line(self, line: int) -> str:
        start = self.line_starts[line - 1]
        end = self.line_starts[line] if line < len(self.line_starts) else len(self.text)
        return self.text[start:end].decode().strip()


def model_file(path: str, ast: dict[str, Any]) -> FileModel:
    text = (ROOT / path).read_bytes()
    starts = [0] + [i + 1 for i, b in enumerate(text) if b == 0x0A]
    fm = FileModel(path, text, starts)
    for node in walk(ast):
        kind = node["nodeType"]
        if kind in ("FunctionDefinition", "ModifierDefinition") and node.get("body"):
            label = node.get("name") or node.get("kind", "")
            fm.functions.append(Function(label, fm.line_of(src_range(node["src"])[0]), src_range(node["body"]["src"])))
        if kind in STATEMENTS:
            if kind in ("IfStatement", "WhileStatement", "DoWhileStatement"):
                own = src_range(node["condition"]["src"])
            elif kind == "ForStatement":
                own = src_range(node["condition"]["src"]) if node.get("condition") else src_range(node["src"])
            else:
                own = src_range(node["src"])
            fm.statements.append(Statement(own, fm.line_of(src_range(node["src"])[0])))
        if kind in BRANCHING:
            label, yes, no = BRANCHING[kind]
            whole = src_range(node["src"])
            fm.branches.append(
                Branch(
                    fm.line_of(whole[0]),
                    label,
                    whole,
                    src_range(node["condition"]["src"]),
                    src_range(node[yes]["src"]),
                    src_range(node[no]["src"]) if node.get(no) else None,
                )
            )
    return fm


# --- hits -> source ----------------------------------------------------------------------------
class RangeHits:
    """Per file: every source range some instruction maps to, with the most hits of any of them."""

    def __init__(self) -> None:
        self.ranges: dict[str, dict[Range, int]] = defaultdict(dict)

    def add(self, path: str, r: Range, hits: int) -> None:
        known = self.ranges[path]
        known[r] = max(known.get(r, 0), hits)

    def inside(self, path: str, outer: Range) -> list[int]:
        """Hit counts of every mapped range within `outer` (empty: no code there)."""
        return [h for (s, e), h in self.ranges[path].items() if s >= outer[0] and e <= outer[1]]


def attribute(
    code: bytes, smap: list[tuple[int, int, int, str]], hits: dict[int, int], file_of: dict[int, str], into: RangeHits
) -> None:
    """Every instruction of `code` into `into`: its range with its hit count (0 when it never ran)."""
    index = instruction_index(code)
    for pc, n in index.items():
        if n >= len(smap):
            break
        s, ln, f, _ = smap[n]
        path = file_of.get(f)
        if path is not None and ln > 0:
            into.add(path, (s, s + ln), hits.get(pc, 0))


@dataclass
class Jump:
    """A JUMPI that ran: its own source range, where its two exits lead, and which it took."""

    path: str
    own: Range
    fall: tuple[str, Range] | None  # the instruction after it (condition false for solc's `ISZERO`)
    dest: tuple[str, Range] | None  # its destination (a PUSH just before it names it)
    outcomes: int  # bit 1: fell through, bit 2: jumped


def jumps_of(
    code: bytes, smap: list[tuple[int, int, int, str]], outcomes: dict[int, int], file_of: dict[int, str]
) -> list[Jump]:
    index = instruction_index(code)
    pcs = sorted(index)

    def where(pc: int | None) -> tuple[str, Range] | None:
        if pc is None or pc not in index or index[pc] >= len(smap):
            return None
        s, ln, f, _ = smap[index[pc]]
        return (file_of[f], (s, s + ln)) if f in file_of else None

    found = []
    for i, pc in enumerate(pcs):
        if code[pc] != 0x57 or pc not in outcomes or index[pc] >= len(smap):  # JUMPI that ran
            continue
        own = where(pc)
        if own is None:
            continue
        prev = pcs[i - 1] if i else None
        dest = int.from_bytes(code[prev + 1 : pc], "big") if prev is not None and 0x60 <= code[prev] <= 0x7F else None
        found.append(Jump(own[0], own[1], where(pc + 1), where(dest), outcomes[pc]))
    return found


def within(inner: Range, outer: Range) -> bool:
    return inner[0] >= outer[0] and inner[1] <= outer[1]


def sides_taken(br: Branch, path: str, jumps: list[Jump]) -> tuple[bool, bool] | None:
    """Which sides of `br` its own JUMPIs were seen to take; None when none of them tells.

    Each exit of a JUMPI that decides the branch is labelled by where it leads: into the true
    body (true), into the else body (false), back into the condition (a short-circuit: neither),
    or, for an `if` without `else`, to the end of the statement or past it (false). An exit that
    leads elsewhere (a shared block the optimiser placed under another line) takes the side
    opposite to the other exit's. The statement's own decision jump (mapped to the whole `if`)
    seen going both ways means both sides ran.
    """

    def label(exit_: tuple[str, Range] | None) -> str:
        if exit_ is None or exit_[0] != path:
            return "?"
        r = exit_[1]
        if within(r, br.true_body):
            return "T"
        if br.false_body is not None and within(r, br.false_body):
            return "F"
        if within(r, br.condition):
            return "C"
        if br.false_body is None and (r == br.whole or r[0] >= br.whole[1]):
            return "F"
        return "?"

    seen_t = seen_f = told = False
    for j in jumps:
        if j.path != path or not (j.own == br.whole or within(j.own, br.condition)):
            continue
        if j.own == br.whole and j.outcomes == 3:
            # The statement's own decision jump went both ways: both sides ran, wherever the
            # optimiser put their code.
            seen_t = seen_f = told = True
            continue
        fall, dest = label(j.fall), label(j.dest)
        opposite = {"T": "F", "F": "T"}
        if fall == "?" and dest in opposite:
            fall = opposite[dest]
        if dest == "?" and fall in opposite:
            dest = opposite[fall]
        if {fall, dest} <= {"C", "?"} or fall == dest:
            continue  # no side of its own, or both exits on one side (the optimiser shared a block)
        told = True
        for bit, side in ((1, fall), (2, dest)):
            if j.outcomes & bit:
                seen_t |= side == "T"
                seen_f |= side == "F"
    return (seen_t, seen_f) if told else None


# --- report ------------------------------------------------------------------------------------
@dataclass
class FileResult:
    fm: FileModel
    lines: dict[int, int]  # line -> hits
    branches: list[tuple[Branch, bool, bool]]
    functions: list[tuple[Function, int]]


def percent(hit: int, total: int) -> float:
    return 100.0 * hit / total if total else 100.0


def analyse(raw: dict[str, Any], output: dict[str, Any]) -> tuple[list[FileResult], list[str], list[str]]:
    file_of = {src["id"]: path for path, src in output["sources"].items() if PRODUCT.match(path)}
    models = {path: model_file(path, output["sources"][path]["ast"]) for path in file_of.values()}
    candidates = builds(output)
    DECIDED.update(jumpi=0, hits=0)

    # Which source ranges have code at all (any build of the project), and which ran how often.
    has_code = RangeHits()
    for b in candidates:
        attribute(b.runtime, b.runtime_map, {}, file_of, has_code)
        attribute(b.creation, b.creation_map, {}, file_of, has_code)
    ran = RangeHits()
    jumps: list[Jump] = []
    named, unknown = [], []
    for key, pcs in raw["hits"].items():
        runtime_key = key.removeprefix("init:")
        code = bytes.fromhex(raw["codes"].get(runtime_key, "0x")[2:])
        build = identify(code, candidates)
        if build is None:
            unknown.append(f"{key} ({len(code)} bytes)")
            continue
        named.append(f"{'constructor of ' if key.startswith('init:') else ''}{build.name}")
        counts = {int(pc): n for pc, n in pcs.items()}
        outcomes = {int(pc): m for pc, m in raw["jumps"].get(key, {}).items()}
        if key.startswith("init:"):
            attribute(build.creation, build.creation_map, counts, file_of, ran)
            jumps += jumps_of(build.creation, build.creation_map, outcomes, file_of)
        else:
            attribute(build.runtime, build.runtime_map, counts, file_of, ran)
            jumps += jumps_of(build.runtime, build.runtime_map, outcomes, file_of)

    results = []
    for path, fm in sorted(models.items()):
        lines: dict[int, int] = {}
        for st in fm.statements:
            if not has_code.inside(path, st.own):
                continue
            hits = max(ran.inside(path, st.own) or [0])
            lines[st.line] = max(lines.get(st.line, 0), hits)
        branches = []
        for br in fm.branches:
            if not has_code.inside(path, br.condition) and not has_code.inside(path, br.true_body):
                continue
            told = sides_taken(br, path, jumps)
            DECIDED["jumpi" if told is not None else "hits"] += 1
            if told is not None:
                true_taken, false_taken = told
            else:  # no JUMPI of its own tells (e.g. the optimiser made it branch-free): by hits
                body_hits = max(ran.inside(path, br.true_body) or [0])
                cond_hits = max(ran.inside(path, br.condition) or [0])
                true_taken = body_hits > 0
                if br.false_body is not None:
                    false_taken = max(ran.inside(path, br.false_body) or [0]) > 0
                else:
                    false_taken = cond_hits > body_hits
            branches.append((br, true_taken, false_taken))
        functions = [
            (fn, max(ran.inside(path, fn.body) or [0])) for fn in fm.functions if has_code.inside(path, fn.body)
        ]
        results.append(FileResult(fm, lines, branches, functions))
    return results, sorted(set(named)), unknown


def write_lcov(results: list[FileResult], path: Path) -> None:
    out = []
    for r in results:
        out.append("TN:")
        out.append(f"SF:{r.fm.path}")
        for fn, _ in r.functions:
            out.append(f"FN:{fn.line},{fn.name}")
        for fn, hits in r.functions:
            out.append(f"FNDA:{hits},{fn.name}")
        out.append(f"FNF:{len(r.functions)}")
        out.append(f"FNH:{sum(1 for _, h in r.functions if h)}")
        for n, (br, t, f) in enumerate(r.branches):
            out.append(f"BRDA:{br.line},{n},0,{1 if t else 0}")
            out.append(f"BRDA:{br.line},{n},1,{1 if f else 0}")
        out.append(f"BRF:{2 * len(r.branches)}")
        out.append(f"BRH:{sum(int(t) + int(f) for _, t, f in r.branches)}")
        for line, hits in sorted(r.lines.items()):
            out.append(f"DA:{line},{hits}")
        out.append(f"LF:{len(r.lines)}")
        out.append(f"LH:{sum(1 for h in r.lines.values() if h)}")
        out.append("end_of_record")
    path.write_text("\n".join(out) + "\n")


def write_summary(
    results: list[FileResult],
    named: list[str],
    unknown: list[str],
    raw: dict[str, Any],
    seconds: float | None,
    path: Path,
) -> tuple[float, float]:
    rows = []
    tl = th = tb = tbh = tf = tfh = 0
    for r in results:
        lh = sum(1 for h in r.lines.values() if h)
        bh = sum(int(t) + int(f) for _, t, f in r.branches)
        fh = sum(1 for _, h in r.functions if h)
        tl, th, tb, tbh, tf, tfh = (
            tl + len(r.lines),
            th + lh,
            tb + 2 * len(r.branches),
            tbh + bh,
            tf + len(r.functions),
            tfh + fh,
        )
        rows.append(
            f"| `{r.fm.path}` | {lh}/{len(r.lines)} | {percent(lh, len(r.lines)):.1f}% "
            f"| {bh}/{2 * len(r.branches)} | {percent(bh, 2 * len(r.branches)):.1f}% | {fh}/{len(r.functions)} |"
        )
    line_pct, branch_pct = percent(th, tl), percent(tbh, tb)
    met = lambda ok: "met" if ok else "NOT met"  # noqa: E731
    md = [
        "# Solidity coverage of the Python suite",
        "",
        "Produced by `./dev coverage` (the whole Ape/pytest suite, traced; see `tools/sol_coverage.py` "
        "for the method). lcov: `coverage/lcov.info`.",
        "",
        f"- traced executions: {raw['traces']:,} transactions and calls ({raw['failed']} could not be traced), "
        f"{raw['steps']:,} EVM steps, {raw['trace_seconds']:.0f} s spent tracing",
    ]
    if seconds is not None:
        md.append(f"- the traced suite took {seconds / 60:.1f} min; this report about a minute more (one compile)")
    md += [
        f"- **lines: {th}/{tl} = {line_pct:.1f}%** (target {TARGET_LINES:.0f}%: {met(line_pct >= TARGET_LINES)})",
        f"- **branches: {tbh}/{tb} = {branch_pct:.1f}%** (target {TARGET_BRANCHES:.0f}%: {met(branch_pct >= TARGET_BRANCHES)})",
        f"- functions: {tfh}/{tf} = {percent(tfh, tf):.1f}%",
        f"- branch sides decided by the statement's own JUMPI outcomes: {DECIDED['jumpi']} branches; "
        f"by hit counts (no JUMPI of its own told): {DECIDED['hits']}",
        "",
        "| file | lines | % | branches | % | functions |",
        "|---|---:|---:|---:|---:|---:|",
        *rows,
        f"| **total** | {th}/{tl} | {line_pct:.1f}% | {tbh}/{tb} | {branch_pct:.1f}% | {tfh}/{tf} |",
        "",
        "## Not covered",
        "",
    ]
    gaps = 0
    for r in results:
        for line, hits in sorted(r.lines.items()):
            if not hits:
                gaps += 1
                md.append(f"- line `{r.fm.path}:{line}`: `{r.fm.source_line(line)}`")
        for br, t, f in r.branches:
            for side, taken in (("true", t), ("false", f)):
                if not taken:
                    gaps += 1
                    md.append(
                        f"- branch `{r.fm.path}:{br.line}` ({br.kind}, {side} side never taken): `{r.fm.source_line(br.line)}`"
                    )
        for fn, hits in r.functions:
            if not hits:
                md.append(f"- function `{r.fm.path}:{fn.line}` `{fn.name}` never ran")
    if not gaps:
        md.append("Nothing: every line and both sides of every branch ran.")
    md += ["", "## Traced code", "", *[f"- {n}" for n in named]]
    if unknown:
        md += ["", "Traced code that is not the project's (mocks compiled elsewhere, the fork's TestMOR):", ""]
        md += [f"- {u}" for u in unknown]
    path.write_text("\n".join(md) + "\n")
    return line_pct, branch_pct


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    sub = parser.add_subparsers(dest="command", required=True)
    report = sub.add_parser("report", help="map coverage/raw.json to coverage/summary.md and coverage/lcov.info")
    report.add_argument("--raw", type=Path, default=OUT / "raw.json")
    report.add_argument("--seconds", type=float, default=None, help="the whole command's duration, for the summary")
    args = parser.parse_args()

    started = time.perf_counter()
    raw = json.loads(args.raw.read_text())
    output = compile_project()
    results, named, unknown = analyse(raw, output)
    OUT.mkdir(exist_ok=True)
    write_lcov(results, OUT / "lcov.info")
    line_pct, branch_pct = write_summary(results, named, unknown, raw, args.seconds, OUT / "summary.md")
    print(
        f"coverage: lines {line_pct:.1f}%, branches {branch_pct:.1f}% -> coverage/summary.md, coverage/lcov.info "
        f"[report {time.perf_counter() - started:.0f} s]"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
