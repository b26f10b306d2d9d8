"""Mutation campaign against the contracts (issue #10): `./dev mutate [options]`.

The project's own mutator. It generates mutants deterministically from the source text of the
protocol contracts and libraries (only inside function, constructor and modifier bodies; never in
comments, strings, imports, pragmas or declarations), writes each one IN PLACE over the real
contract, compiles incrementally, and runs the fast unit-test subset of the mutated file with
`-x`: a failing test kills the mutant, a passing subset lets it survive, a timeout counts as
killed, and a mutant that does not compile is invalid (not counted). The original bytes are always
restored (try/finally and SIGINT/SIGTERM handlers) and checked by sha256; `.build/.sources` is
removed at the end so the next `./dev` command recompiles the real contracts from scratch.

Results go to audit/mutation.json (machine-readable) and audit/mutation.md (the report).
Verdicts on survivors ("equivalent", "accepted", "killed by new test ...") live in
audit/mutation-verdicts.json, keyed by a line-independent mutant key, so reruns keep them.

    ./dev mutate --list                      print the selected mutants, run nothing
    ./dev mutate                             the campaign (default selection; about an hour)
    ./dev mutate --only ID [--only ID ...]   rerun some mutants, merged into the last results
    ./dev mutate --resume                    run the selected mutants that have no result yet
    ./dev mutate --report                    re-render audit/mutation.md from the results

What changed (issue #20): `--changed-since REV` selects every mutant whose text touches a line added
or changed since REV (`git diff -U0 REV -- <file>`; no sampling) and writes audit/mutation-v2.json
and audit/mutation-v2.md instead (the verdicts file is shared: its keys do not name lines). Pass it
with every command of that campaign (`--resume`, `--only`, `--report`, `--list`).

    ./dev mutate --build-testmap             the unit subsets once, traced per test -> .build/testmap/
    ./dev mutate --changed-since ca9ec6b --resume --no-baseline   start or continue the v2 campaign
    ./dev mutate --changed-since ca9ec6b --only ID --full [--with-test NODEID]   recheck a survivor

The v3 campaign (issue #26) is the same with `--changed-since 606e63f --name mutation-v3`:
audit/mutation-v3.{json,md}; `--name` must be passed with every command of that campaign too.
Issue #27's (governance) is `--changed-since d0b6271 --name mutation-v3-governance`.

With a test map of the current sources (`--build-testmap`; its traced run is the unmutated
baseline), a mutant runs only the tests of its file's subset that execute the innermost statement
around it (in the test or its fixtures), with `-x`, cheapest module first; a mutant in a
constructor or in a statement no test executes runs the whole subset, and so does every mutant
with `--full` or without a map. A kill is always a real test failing against the mutated build.

Not part of CI: it takes long.
"""

from __future__ import annotations

import argparse
import contextlib
import datetime as dt
import hashlib
import json
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import time
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from types import FrameType

from tools.sol_coverage import strip_metadata

ROOT = Path(__file__).resolve().parent.parent
AUDIT = ROOT / "audit"
RESULTS = AUDIT / "mutation.json"
REPORT = AUDIT / "mutation.md"
VERDICTS = AUDIT / "mutation-verdicts.json"
BUILD = ROOT / ".build"
MANIFEST = BUILD / "__local__.json"
# The per-test coverage map (`--build-testmap`): the traced unit subsets, then what each test ran.
TESTMAP_DIR = BUILD / "testmap"
TESTMAP = TESTMAP_DIR / "map.json"


def use_outputs(name: str) -> None:
    """Results and report under another name (`--changed-since` campaigns: audit/mutation-v2.*)."""
    global RESULTS, REPORT
    RESULTS, REPORT = AUDIT / f"{name}.json", AUDIT / f"{name}.md"


# The mutated files and the fast test subset each one runs (most relevant folder first: `-x`
# stops at the first failure, so a killed mutant usually costs a few tests).
SUBSETS: dict[str, list[str]] = {
    "contracts/ComputePool.sol": ["tests/unit/compute_pool"],
    "contracts/SessionRouter.sol": ["tests/unit/session_router"],
    "contracts/Marketplace.sol": ["tests/unit/marketplace", "tests/unit/governance", "tests/unit/model_registry"],
    "contracts/ModelRegistry.sol": ["tests/unit/model_registry"],
    "contracts/Reputation.sol": ["tests/unit/reputation"],
    "contracts/libraries/ModelNames.sol": ["tests/unit/model_registry"],
    "contracts/libraries/SessionMath.sol": ["tests/unit/session_router", "tests/unit/compute_pool"],
    "contracts/libraries/SessionIds.sol": ["tests/unit/session_router"],
    "contracts/libraries/BidIds.sol": ["tests/unit/marketplace", "tests/unit/governance"],
    "contracts/libraries/ReputationMath.sol": ["tests/unit/reputation"],
    "contracts/libraries/Days.sol": ["tests/unit/compute_pool", "tests/unit/session_router"],
    "contracts/libraries/CompletedStats.sol": ["tests/unit/session_router"],
    "contracts/governance/ExpiringPause.sol": ["tests/unit/governance"],
    "contracts/governance/Governed.sol": ["tests/unit/governance"],
    "contracts/governance/SurplusSweep.sol": ["tests/unit/governance"],
    # the timelock's and the probe's own tests (the rest of tests/unit/governance never deploys them)
    "contracts/GovernanceTimelock.sol": [
        "tests/unit/governance/test_timelock_floor.py",
        "tests/unit/governance/test_timelock_expiry.py",
    ],
    "contracts/deploy/TokenProbe.sol": ["tests/unit/governance/test_token_probe.py"],
}
PYTEST_FLAGS = ["-x", "-q", "--tb=no", "-p", "no:cacheprovider", "-rfE"]

# The default campaign: a deterministic sample spread over files and operators (see `select`),
# sized for about 45 minutes on the project's 2-core machine (42 s per mutant + the baseline).
DEFAULT_LIMIT = 52
DEFAULT_TIMEOUT_S = 420

OPERATORS: dict[str, str] = {
    "ROR": "relational operator negated (== <-> !=, < -> >=, <= -> >, > -> <=, >= -> <)",
    "BND": "boundary off-by-one (< <-> <=, > <-> >=)",
    "AOR": "arithmetic operator replaced (+ <-> -, * <-> /, % -> *)",
    "ASOR": "assignment operator replaced (+= <-> -=, *= <-> /=, |= <-> &=)",
    "INC": "increment <-> decrement (++ <-> --)",
    "LOR": "logical operator replaced (&& <-> ||)",
    "NOT-del": "logical negation removed (!x -> x)",
    "COND": "if-condition negated (if (c) -> if (!(c)))",
    "CONST": "constant swapped (0 <-> 1, true <-> false)",
    "BOR": "bitwise/shift operator replaced (| <-> &, << <-> >>)",
    "MINMAX": "Math.min <-> Math.max",
    "ROUND": "Math.Rounding.Ceil <-> Floor",
    "XFER-to": "token transfer recipient replaced (-> msg.sender, or address(this) when it was msg.sender)",
    "XFER-amt": "token transfer amount off by one (amount -> amount - 1)",
    "DEL-emit": "event emission deleted",
    "DEL-guard": "revert guard deleted (if (c) revert E() -> if (c) {})",
    "DEL-write": "assignment / state write / delete / ++ statement deleted",
    "DEL-call": "call statement deleted (transfers, internal calls)",
}


# ------------------------------------------------------------------ mutants


@dataclass(frozen=True)
class Mutant:
    id: str  # File.sol:L<line>:<OP>:<hash>; unique and deterministic
    key: str  # the id without the line: survives edits elsewhere in the file
    file: str
    line: int
    operator: str
    start: int
    end: int
    original: str
    replacement: str
    before: str  # the original line(s), whitespace collapsed
    after: str  # the mutated line(s), whitespace collapsed

    def apply(self, source: str) -> str:
        return source[: self.start] + self.replacement + source[self.end :]


def mask(source: str) -> str:
    """The source with comments and string contents blanked (same length, newlines kept)."""
    out = list(source)
    n, i = len(source), 0

    def blank(a: int, b: int) -> None:
        for k in range(a, min(b, n)):
            if out[k] != "\n":
                out[k] = " "

    while i < n:
        if source.startswith("//", i):
            j = source.find("\n", i)
            j = n if j < 0 else j
            blank(i, j)
            i = j
        elif source.startswith("/*", i):
            j = source.find("*/", i + 2)
            j = n if j < 0 else j + 2
            blank(i, j)
            i = j
        elif source[i] in "\"'":
            quote, j = source[i], i + 1
            while j < n and source[j] != quote:
                j += 2 if source[j] == "\\" else 1
            blank(i + 1, j)
            i = j + 1
        else:
            i += 1
    return "".join(out)


def _match(text: str, i: int, open_: str, close: str) -> int:
    """Index of the bracket closing the one at `i`."""
    depth = 0
    for k in range(i, len(text)):
        if text[k] == open_:
            depth += 1
        elif text[k] == close:
            depth -= 1
            if depth == 0:
                return k
    raise ValueError(f"unbalanced {open_} at {i}")


def bodies(masked: str) -> list[tuple[int, int]]:
    """(start, end) of every function, constructor and modifier body, braces excluded."""
    found = []
    for m in re.finditer(r"\b(function|constructor|modifier)\b", masked):
        depth, k = 0, m.end()
        while k < len(masked):
            c = masked[k]
            if c == "(":
                depth += 1
            elif c == ")":
                depth -= 1
            elif depth == 0 and c == ";":
                break  # no body: an interface or abstract declaration
            elif depth == 0 and c == "{":
                found.append((k + 1, _match(masked, k, "{", "}")))
                break
            k += 1
    return found


def statements(masked: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """(start, end) of each simple statement of a body: text ending in `;` at paren depth 0
    that contains no block (blocks, loops and try/catch are entered, not taken whole)."""
    depth, begin = 0, None
    for k in range(start, end):
        c = masked[k]
        if c == "(":
            depth += 1
        elif c == ")":
            depth -= 1
        if depth:
            if begin is None and not c.isspace():
                begin = k
            continue
        if c in "{}":
            begin = None
        elif c == ";":
            if begin is not None:
                yield begin, k + 1
            begin = None
        elif begin is None and not c.isspace():
            begin = k


_DECLARATION = re.compile(r"^\(?\s*[\w.]+(\[\])*\s+(memory\s+|storage\s+|calldata\s+)?\w+")
_TYPE_WORDS = re.compile(r"^(uint\d*|int\d*|address|bool|bytes\d*|string|[A-Z]\w*(\.\w+)?)(\[\])*$")


def _top_level_assignment(text: str) -> int | None:
    """Index of the statement's top-level `=` / `op=` (not ==, <=, >=, !=, =>), or None."""
    depth = 0
    for k, c in enumerate(text):
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "=" and depth == 0:
            prev = text[k - 1] if k else ""
            nxt = text[k + 1] if k + 1 < len(text) else ""
            if nxt in "=>" or prev in "=!":
                continue
            if prev in "<>" and (k < 2 or text[k - 2] != prev):
                continue
            return k
    return None


def _is_declaration(lhs: str) -> bool:
    """`uint256 x`, `Session memory s`, `(uint256 a,, uint256 b)`: declares, cannot be deleted."""
    parts = [p.strip() for p in lhs.strip().strip("()").split(",")]
    for part in parts:
        words = part.split()
        if len(words) >= 2 and _TYPE_WORDS.match(words[0]):
            return True
    return False


def _simple_tail(masked: str, a: int, b: int) -> tuple[int, str]:
    """Start and kind of the simple statement inside `if (c) S;`, `else S;` or plain `S;`."""
    text = masked[a:b]
    k = 0
    while True:
        rest = text[k:]
        if rest.startswith("else") and (len(rest) == 4 or not (rest[4].isalnum() or rest[4] == "_")):
            k += 4
        elif re.match(r"if\s*\(", rest):
            paren = text.index("(", k)
            k = _match(text, paren, "(", ")") + 1
        else:
            break
        while k < len(text) and text[k].isspace():
            k += 1
    return a + k, text[k:]


def _collapse(text: str) -> str:
    return " ".join(text.split())


def generate(file: str, source: str) -> list[Mutant]:
    """Every mutant of one source file, in source order."""
    masked = mask(source)
    raw: list[tuple[str, int, int, str]] = []  # operator, start, end, replacement

    def sub(op: str, pattern: str, table: dict[str, str] | None, a: int, b: int, group: int = 0) -> None:
        for m in re.finditer(pattern, masked[a:b]):
            s, e = a + m.start(group), a + m.end(group)
            text = masked[s:e]
            repl = table[text] if table is not None else ""
            raw.append((op, s, e, repl))

    ror = {"==": "!=", "!=": "==", "<": ">=", "<=": ">", ">": "<=", ">=": "<"}
    bnd = {"<": "<=", "<=": "<", ">": ">=", ">=": ">"}
    for a, b in bodies(masked):
        rel = r"(?<![<>=!])(<=|>=|==|!=|<|>)(?![<>=])"
        sub("ROR", rel, ror, a, b, 1)
        for m in re.finditer(rel, masked[a:b]):
            if m.group(1) in bnd:
                raw.append(("BND", a + m.start(1), a + m.end(1), bnd[m.group(1)]))
        # binary arithmetic: the previous non-space character ends an operand
        for m in re.finditer(r"(?<![+\-*/%=<>!&|^])([+\-*/%])(?![+\-*/%=])", masked[a:b]):
            s = a + m.start(1)
            prev = masked[:s].rstrip()[-1:]
            if prev and (prev.isalnum() or prev in "_)]"):
                raw.append(("AOR", s, s + 1, {"+": "-", "-": "+", "*": "/", "/": "*", "%": "*"}[m.group(1)]))
        sub(
            "ASOR",
            r"(\+=|-=|\*=|/=|\|=|&=)",
            {"+=": "-=", "-=": "+=", "*=": "/=", "/=": "*=", "|=": "&=", "&=": "|="},
            a,
            b,
        )
        sub("INC", r"\+\+|--", {"++": "--", "--": "++"}, a, b)
        sub("LOR", r"&&|\|\|", {"&&": "||", "||": "&&"}, a, b)
        sub("NOT-del", r"!(?!=)", None, a, b)
        for m in re.finditer(r"\bif\s*\(", masked[a:b]):
            paren = a + m.end() - 1
            close = _match(masked, paren, "(", ")")
            inner = source[paren + 1 : close]
            raw.append(("COND", paren, close + 1, f"(!({inner}))"))
        sub("CONST", r"(?<![\w.])([01])(?![\w.])", {"0": "1", "1": "0"}, a, b, 1)
        sub("CONST", r"\b(true|false)\b", {"true": "false", "false": "true"}, a, b, 1)
        sub("BOR", r"(?<![|&<>])(\||&|<<|>>)(?![|&=<>])", {"|": "&", "&": "|", "<<": ">>", ">>": "<<"}, a, b, 1)
        sub("MINMAX", r"\bMath\.(min|max)\b", {"min": "max", "max": "min"}, a, b, 1)
        sub("ROUND", r"\bRounding\.(Ceil|Floor)\b", {"Ceil": "Floor", "Floor": "Ceil"}, a, b, 1)
        for m in re.finditer(r"\.safeTransfer(From)?\s*\(", masked[a:b]):
            paren = a + m.end() - 1
            close = _match(masked, paren, "(", ")")
            args = _split_args(masked, paren + 1, close)
            recipient = args[1] if m.group(1) else args[0]
            amount = args[-1]
            if not m.group(1):
                text = source[recipient[0] : recipient[1]]
                raw.append(("XFER-to", *recipient, "address(this)" if text == "msg.sender" else "msg.sender"))
            raw.append(("XFER-amt", *amount, f"({source[amount[0] : amount[1]]}) - 1"))
        for s, e in statements(masked, a, b):
            tail_start, tail = _simple_tail(masked, s, e)
            if not tail.strip() or tail.startswith("return") or tail.startswith("revert"):
                if tail.startswith("revert") and tail_start != s and not masked[s:e].startswith("else"):
                    raw.append(("DEL-guard", tail_start, e, "{}"))
                continue
            if tail.startswith("emit"):
                raw.append(("DEL-emit", tail_start, e, "{}"))
                continue
            eq = _top_level_assignment(tail)
            if eq is not None:
                if not _is_declaration(tail[: eq - (1 if tail[eq - 1] in "+-*/|&^" else 0)]):
                    raw.append(("DEL-write", tail_start, e, "{}"))
            elif re.match(r"(delete\b|\+\+|--)", tail) or re.search(r"(\+\+|--)\s*;$", tail):
                raw.append(("DEL-write", tail_start, e, "{}"))
            elif re.search(r"\)\s*;$", tail) and not _DECLARATION.match(tail):
                raw.append(("DEL-call", tail_start, e, "{}"))

    mutants: dict[str, Mutant] = {}
    seen: dict[tuple[str, str], int] = {}
    for op, s, e, repl in sorted(set(raw), key=lambda r: (r[1], r[2], r[0], r[3])):
        line = source.count("\n", 0, s) + 1
        line_start = source.rfind("\n", 0, s) + 1
        line_end = source.find("\n", e)
        line_end = len(source) if line_end < 0 else line_end
        before = _collapse(source[line_start:line_end])
        after = _collapse(source[line_start:s] + repl + source[e:line_end])
        digest = hashlib.sha256(f"{before}\0{after}".encode()).hexdigest()[:8]
        name = Path(file).name
        mid = f"{name}:L{line}:{op}:{digest}"
        if mid in mutants:
            continue
        # The same change of the same line text elsewhere in the file: number the occurrences.
        nth = seen[(op, digest)] = seen.get((op, digest), 0) + 1
        key = f"{name}:{op}:{digest}" + (f"#{nth}" if nth > 1 else "")
        mutants[mid] = Mutant(mid, key, file, line, op, s, e, source[s:e], repl, before, after)
    return list(mutants.values())


def _split_args(masked: str, a: int, b: int) -> list[tuple[int, int]]:
    """(start, end) of each top-level argument in masked[a:b], whitespace trimmed."""
    args, depth, begin = [], 0, a
    for k in range(a, b + 1):
        c = masked[k] if k < b else ","
        if c in "([{":
            depth += 1
        elif c in ")]}":
            depth -= 1
        elif c == "," and depth == 0:
            s, e = begin, k
            while masked[s].isspace():
                s += 1
            while masked[e - 1].isspace():
                e -= 1
            args.append((s, e))
            begin = k + 1
    return args


def all_mutants(files: list[str]) -> list[Mutant]:
    out: list[Mutant] = []
    for file in files:
        out.extend(generate(file, (ROOT / file).read_text()))
    return out


def _round_robin(queues: list[list[Mutant]]) -> list[Mutant]:
    out: list[Mutant] = []
    for rnd in range(max((len(q) for q in queues), default=0)):
        out.extend(q[rnd] for q in queues if rnd < len(q))
    return out


def select(mutants: list[Mutant], limit: int | None) -> list[Mutant]:
    """A deterministic sample spread over files and operators. Within a file, the mutants are
    grouped by operator, each group ordered by the sha256 of the mutant id, and the groups (in the
    order of the sha256 of file and operator) are interleaved: one of each operator, then a
    second... Each file's share of `limit` grows with the square root of its mutant count
    (Sainte-Lague apportionment) and takes the head of its interleaved sequence."""
    if limit is None or limit >= len(mutants):
        return mutants
    per_file: list[list[Mutant]] = []
    for file in SUBSETS:
        groups: dict[str, list[Mutant]] = defaultdict(list)
        for m in mutants:
            if m.file == file:
                groups[m.operator].append(m)
        queues = [
            sorted(groups[op], key=lambda m: hashlib.sha256(m.id.encode()).hexdigest())
            for op in sorted(groups, key=lambda op: hashlib.sha256(f"{file}:{op}".encode()).hexdigest())
        ]
        per_file.append(_round_robin(queues))
    # Sainte-Lague apportionment with weight sqrt(size): a file's k-th pick comes at
    # (k + 0.5) / sqrt(n); big files get more, small libraries are not drowned out.
    ranked = sorted(((k + 0.5) / math.sqrt(len(seq)), i, k) for i, seq in enumerate(per_file) for k in range(len(seq)))
    keep = {per_file[i][k].id for _, i, k in ranked[:limit]}
    return [m for m in mutants if m.id in keep]


def changed_lines(rev: str, file: str) -> set[int]:
    """Lines of `file` (as it is now) added or changed since `rev`: the `+` side of every hunk of
    `git diff -U0 rev -- file` (a file that did not exist at `rev` is all new)."""
    out = subprocess.run(
        ["git", "diff", "-U0", "--no-color", "--no-ext-diff", rev, "--", file],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    lines: set[int] = set()
    for m in re.finditer(r"^@@ -\S+ \+(\d+)(?:,(\d+))? @@", out, re.M):
        start, count = int(m.group(1)), int(m.group(2) if m.group(2) is not None else 1)
        lines.update(range(start, start + count))
    return lines


def span_lines(m: Mutant, source: str) -> range:
    """The lines the mutated text spans (a COND or a deleted statement can span several)."""
    return range(m.line, m.line + source.count("\n", m.start, m.end) + 1)


def select_changed(mutants: list[Mutant], rev: str) -> tuple[list[Mutant], dict[str, int]]:
    """Every mutant touching a line added or changed since `rev` (no sampling), and the number of
    changed lines per file (all lines of the diff, comments included)."""
    changed = {f: changed_lines(rev, f) for f in sorted({m.file for m in mutants})}
    sources = {f: (ROOT / f).read_text() for f in changed}
    chosen = [m for m in mutants if changed[m.file].intersection(span_lines(m, sources[m.file]))]
    return chosen, {f: len(lines) for f, lines in changed.items()}


# ------------------------------------------------------------------ the per-test coverage map


def build_testmap(timeout: float) -> int:
    """Runs every unit subset once, traced per test (tools/sol_coverage_plugin.py with
    SOL_COVERAGE_PER_TEST), then maps each test's executed program counters to source ranges
    of the project's files: .build/testmap/map.json. The run doubles as the unmutated baseline:
    it must pass."""
    TESTMAP_DIR.mkdir(parents=True, exist_ok=True)
    per_test = TESTMAP_DIR / "per-test.json"
    folders = list(dict.fromkeys(folder for paths in SUBSETS.values() for folder in paths))
    env = {
        **os.environ,
        "SOL_COVERAGE_RAW": str(TESTMAP_DIR / "raw.json"),
        "SOL_COVERAGE_PER_TEST": str(per_test),
        # `-p` loads the plugin before pytest puts the project on sys.path.
        "PYTHONPATH": os.pathsep.join(p for p in (str(ROOT), os.environ.get("PYTHONPATH", "")) if p),
    }
    print(f"testmap: the traced run of {' '.join(folders)}", file=sys.stderr)
    began = time.monotonic()
    proc = subprocess.run(
        [_ape(), "test", "-p", "tools.sol_coverage_plugin", *folders, "-q", "--tb=short", "-p", "no:cacheprovider"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=timeout,
    )
    print(f"  {_summary(proc.stdout)} ({time.monotonic() - began:.0f}s)", file=sys.stderr)
    if proc.returncode != 0:
        print(proc.stdout[-3000:], file=sys.stderr)
        print("error: the unmutated suite fails; fix it first", file=sys.stderr)
        return 1
    map_testmap(per_test)
    return 0


def map_testmap(per_test: Path) -> None:
    """per-test.json (program counters per code, per test and phase) -> map.json: for every
    source range of a project file, the tests that ran an instruction mapped to it; the AST
    statements and constructor bodies of every file; the sha256 of every source mapped."""
    from tools.sol_coverage import PRODUCT, builds, compile_project, identify, instruction_index, src_range, walk

    raw = json.loads(per_test.read_text())
    output = compile_project()
    file_of = {src["id"]: path for path, src in output["sources"].items() if PRODUCT.match(path)}
    candidates = builds(output)
    # code key -> pc -> (path, start, end) of its instruction
    where: dict[str, dict[int, tuple[str, int, int]]] = {}
    for key in {k for t in raw["tests"].values() for codes in t.values() for k in codes}:
        code = bytes.fromhex(raw["codes"].get(key.removeprefix("init:"), "0x")[2:])
        build = identify(code, candidates)
        if build is None:
            continue
        body, smap = (
            (build.creation, build.creation_map) if key.startswith("init:") else (build.runtime, build.runtime_map)
        )
        pcs: dict[int, tuple[str, int, int]] = {}
        for pc, n in instruction_index(body).items():
            if n >= len(smap):
                break
            s, ln, f, _ = smap[n]
            if f in file_of and ln > 0:
                pcs[pc] = (file_of[f], s, s + ln)
        where[key] = pcs
    tests = list(raw["tests"])
    ranges: dict[str, dict[str, dict[str, set[int]]]] = defaultdict(lambda: defaultdict(lambda: defaultdict(set)))
    for i, nodeid in enumerate(tests):
        for phase, codes in raw["tests"][nodeid].items():
            for key, pcs in codes.items():
                table = where.get(key, {})
                for pc in pcs:
                    if pc in table:
                        path, a, b = table[pc]
                        ranges[path][f"{a},{b}"][phase].add(i)
    statements: dict[str, list[list[int]]] = defaultdict(list)
    constructors: dict[str, list[list[int]]] = defaultdict(list)
    for path in file_of.values():
        for node in walk(output["sources"][path]["ast"]):
            kind = node["nodeType"]
            if kind == "FunctionDefinition" and node.get("kind") == "constructor" and node.get("body"):
                constructors[path].append(list(src_range(node["body"]["src"])))
            elif kind.endswith("Statement") or kind in ("Return", "Break", "Continue", "InlineAssembly"):
                statements[path].append(list(src_range(node["src"])))
    data = {
        "sources": {p: sha256((ROOT / p).read_bytes()) for p in file_of.values()},
        "tests": tests,
        "durations": [raw["durations"].get(t, 0.0) for t in tests],
        "ranges": {
            p: {r: {ph: sorted(ix) for ph, ix in phases.items()} for r, phases in rs.items()}
            for p, rs in ranges.items()
        },
        "statements": statements,
        "constructors": constructors,
    }
    TESTMAP.write_text(json.dumps(data))
    print(f"wrote {TESTMAP.relative_to(ROOT)}: {len(tests)} tests, {len(where)} traced codes named", file=sys.stderr)


class TestMap:
    """Which tests execute a mutant's statement (from .build/testmap/map.json)."""

    def __init__(self, data: dict[str, object]) -> None:
        self.tests: list[str] = data["tests"]  # type: ignore[assignment]
        self.durations: list[float] = data["durations"]  # type: ignore[assignment]
        self.sources: dict[str, str] = data["sources"]  # type: ignore[assignment]
        self.ranges = {
            p: [(*map(int, r.split(",")), phases) for r, phases in rs.items()]
            for p, rs in data["ranges"].items()  # type: ignore[union-attr]
        }
        self.statements: dict[str, list[list[int]]] = data["statements"]  # type: ignore[assignment]
        self.constructors: dict[str, list[list[int]]] = data["constructors"]  # type: ignore[assignment]

    @classmethod
    def load(cls) -> TestMap | None:
        return cls(json.loads(TESTMAP.read_text())) if TESTMAP.exists() else None

    def stale(self, files: list[str]) -> list[str]:
        return [f for f in files if self.sources.get(f) != sha256((ROOT / f).read_bytes())]

    def select(self, m: Mutant, source: str) -> tuple[list[str] | None, str]:
        """(the covering tests of the file's subset, fastest modules first; or None: run the
        whole subset) and why."""
        # solc's statement ranges leave out the closing `;` that a deleted statement's span ends with.
        end = m.end - 1 if source[m.end - 1] == ";" else m.end
        a = len(source[: m.start].encode())
        b = max(a + 1, len(source[:end].encode()))
        if any(s <= a and b <= e for s, e in self.constructors.get(m.file, [])):
            return None, "constructor: whole subset"
        around = [(s, e) for s, e in self.statements.get(m.file, []) if s <= a and b <= e]
        if not around:
            return None, "no statement around it: whole subset"
        # The innermost statement some test of the subset executes: a statement with no code of
        # its own in the optimised build (e.g. `reason = X.selector;` folded into its `if`) or no
        # test's run counts through the statement around it, which every run of it executes.
        prefixes = tuple(folder.rstrip("/") + "/" for folder in SUBSETS[m.file])
        chosen: list[int] = []
        nested = sorted(around, key=lambda r: r[1] - r[0])
        depth = 0
        for depth in range(len(nested)):
            s0, e0 = nested[depth]
            covering: set[int] = set()
            for s, e, phases in self.ranges.get(m.file, []):
                if s >= s0 and e <= e0:
                    for ix in phases.values():
                        covering.update(ix)
            chosen = [i for i in sorted(covering) if self.tests[i].startswith(prefixes)]
            if chosen:
                break
        if not chosen:
            return None, "no test runs its statement: whole subset"
        where = "its statement" if depth == 0 else f"the statement {depth} level(s) around it"
        modules: dict[str, list[int]] = defaultdict(list)
        for i in chosen:
            modules[self.tests[i].split("::")[0]].append(i)
        order = sorted(modules.values(), key=lambda ix: sum(self.durations[i] for i in ix))
        return [self.tests[i] for ix in order for i in ix], f"{len(chosen)} tests executing {where}"


# ------------------------------------------------------------------ running


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


class Workspace:
    """The contracts, mutated in place and always restored."""

    def __init__(self, files: list[str]) -> None:
        self.originals = {f: (ROOT / f).read_bytes() for f in files}
        self.digests = {f: sha256(b) for f, b in self.originals.items()}
        self._old_handlers: dict[int, object] = {}

    def __enter__(self) -> Workspace:
        for sig in (signal.SIGINT, signal.SIGTERM):
            self._old_handlers[sig] = signal.signal(sig, self._on_signal)
        return self

    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        raise KeyboardInterrupt(f"signal {signum}")

    def write(self, file: str, text: str) -> None:
        (ROOT / file).write_text(text)

    def restore(self) -> None:
        for f, data in self.originals.items():
            path = ROOT / f
            if path.read_bytes() != data:
                path.write_bytes(data)

    def __exit__(self, *_exc: object) -> None:
        # Ignore further signals until the originals are back.
        for sig in self._old_handlers:
            signal.signal(sig, signal.SIG_IGN)
        try:
            self.restore()
            bad = [f for f, d in self.digests.items() if sha256((ROOT / f).read_bytes()) != d]
            if bad:
                raise SystemExit(f"error: could not restore {bad}; run `git checkout -- contracts`")
            # The build now holds a mutant: make the next ./dev command recompile from scratch.
            (BUILD / ".sources").unlink(missing_ok=True)
            print(f"restored {len(self.originals)} contract files (sha256 verified)", file=sys.stderr)
        finally:
            for sig, handler in self._old_handlers.items():
                signal.signal(sig, handler)  # type: ignore[arg-type]


def _run(cmd: list[str], timeout: float) -> tuple[int | None, str, float]:
    """Runs `cmd` in its own process group; (returncode or None on timeout, output, seconds)."""
    began = time.monotonic()
    proc = subprocess.Popen(
        cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, start_new_session=True
    )
    try:
        out, _ = proc.communicate(timeout=timeout)
        return proc.returncode, out, time.monotonic() - began
    except subprocess.TimeoutExpired:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        try:
            out, _ = proc.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGKILL)
            out, _ = proc.communicate()
        return None, out or "", time.monotonic() - began
    except BaseException:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            proc.wait(timeout=20)
        raise


def _ape() -> str:
    return shutil.which("ape") or str(ROOT / ".venv/bin/ape")


def dependents(file: str) -> list[str]:
    """`file` and every project source that imports it, directly or not. Ape's incremental
    compile rebuilds only the changed file, but a library's internal functions are inlined into
    the contracts that import it, so those must be rebuilt too."""
    sources = [
        p.relative_to(ROOT).as_posix()
        for p in (ROOT / "contracts").rglob("*.sol")
        if ".cache" not in p.relative_to(ROOT).parts
    ]
    imports: dict[str, set[str]] = {}
    for src in sources:
        found = re.findall(r'^\s*import\s[^;]*?"(\.{1,2}/[^"]+)"', (ROOT / src).read_text(), re.M)
        imports[src] = {os.path.normpath(str(Path(src).parent / rel)) for rel in found}
    closure, changed = {file}, True
    while changed:
        changed = False
        for src, deps in imports.items():
            if src not in closure and deps & closure:
                closure.add(src)
                changed = True
    return sorted(closure)


def compile_contracts(files: list[str], timeout: float) -> tuple[bool, str, float]:
    """`ape compile --force` of the given files (a body-only mutant keeps every ABI, so nothing
    else changes)."""
    code, out, secs = _run([_ape(), "compile", "--force", *files], timeout)
    return code == 0, out, secs


def run_subset(paths: list[str], timeout: float) -> tuple[int | None, str, float]:
    """Plain `ape test` of the subset (the project's plugin starts and stops the local chain)."""
    return _run([_ape(), "test", *paths, *PYTEST_FLAGS], timeout)


def build_fingerprint() -> tuple[dict[str, str], dict[str, str]]:
    """(source content by path, metadata-free bytecode by contract) of the current build."""
    manifest = json.loads(MANIFEST.read_text())
    sources = {p: s.get("content", "") for p, s in manifest.get("sources", {}).items()}
    codes = {}
    for name, ct in manifest.get("contractTypes", {}).items():
        runtime = ((ct.get("runtimeBytecode") or {}).get("bytecode") or "").removeprefix("0x")
        deploy = ((ct.get("deploymentBytecode") or {}).get("bytecode") or "").removeprefix("0x")
        tail = runtime[len(strip_metadata(bytes.fromhex(runtime)).hex()) :]
        if tail:
            runtime, deploy = runtime.replace(tail, ""), deploy.replace(tail, "")
        codes[name] = sha256(f"{runtime}:{deploy}".encode())
    return sources, codes


def _failed_test(output: str) -> str | None:
    m = re.search(r"^FAILED (\S+)", output, re.M)
    if m:
        return m.group(1)
    m = re.search(r"^ERROR (\S+)", output, re.M)
    return f"{m.group(1)} (error in setup)" if m else None


def _summary(output: str) -> str:
    lines = [ln for ln in output.strip().splitlines() if re.search(r"\b\d+ (passed|failed|errors?)\b.* in [\d.]+s", ln)]
    return lines[-1].strip("= ") if lines else ""


def run_mutant(
    ws: Workspace,
    m: Mutant,
    base_codes: dict[str, str],
    timeout: float,
    testmap: TestMap | None = None,
    extra_tests: list[str] | None = None,
) -> dict[str, object]:
    """One mutant: written, compiled, and tested (with a test map: only the tests that execute
    its statement, else the file's whole subset; `extra_tests` first), then restored."""
    source = ws.originals[m.file].decode()
    mutated = m.apply(source)
    ws.write(m.file, mutated)
    began = time.monotonic()
    try:
        # The build still holds the previous mutant of another file (restoring a source does not
        # rebuild it): rebuild those restored files and their importers too.
        built, _ = build_fingerprint()
        stale = [f for f, data in ws.originals.items() if f != m.file and built.get(f) != data.decode()]
        targets = sorted({d for f in [m.file, *stale] for d in dependents(f)})
        ok, out, compile_s = compile_contracts(targets, timeout)
        result: dict[str, object] = {**asdict(m), "compile_s": round(compile_s, 1)}
        if not ok:
            err = [ln for ln in out.splitlines() if "Error" in ln]
            return {**result, "status": "invalid", "detail": (err[0] if err else out.strip()[-300:])[:300]}
        sources, codes = build_fingerprint()
        wrong = [f for f, data in ws.originals.items() if sources.get(f) != (mutated if f == m.file else data.decode())]
        if wrong:
            raise SystemExit(f"error: the build of {wrong} is not this mutant's ({m.id}); aborting")
        if codes == base_codes:
            return {**result, "status": "equivalent", "detail": "identical bytecode (metadata aside)"}
        tests, why = testmap.select(m, source) if testmap else (None, "whole subset")
        result["tests"] = why
        code, out, test_s = run_subset([*(extra_tests or []), *(tests or SUBSETS[m.file])], timeout)
        if code not in (None, 0) and _failed_test(out) is None and not _summary(out):
            # No pytest outcome: the run itself broke (seen: anvil not answering within Ape's 20 s
            # on a loaded machine). Once more before calling it an error.
            print("  no test outcome (the node?): once more", file=sys.stderr)
            code, out, test_s = run_subset([*(extra_tests or []), *(tests or SUBSETS[m.file])], timeout)
        result["test_s"] = round(test_s, 1)
        if code is None:
            return {**result, "status": "killed", "detail": f"timeout after {timeout:.0f}s (counts as killed)"}
        if code == 0:
            return {**result, "status": "survived", "detail": _summary(out)}
        killer, summary = _failed_test(out), _summary(out)
        if killer is None and not summary:
            # No pytest outcome: the run itself broke (the node). Reported, not counted.
            return {**result, "status": "error", "detail": out.strip()[-400:]}
        # A failure, or an error in a fixture (e.g. the mutant breaks the deployment): killed.
        return {**result, "status": "killed", "detail": killer or summary}
    finally:
        ws.restore()
        print(f"  ({time.monotonic() - began:.0f}s)", file=sys.stderr)


# ------------------------------------------------------------------ results and report


def load_results() -> dict[str, object]:
    if RESULTS.exists():
        return json.loads(RESULTS.read_text())
    return {"campaign": {}, "mutants": {}}


def save_results(data: dict[str, object]) -> None:
    AUDIT.mkdir(exist_ok=True)
    # Atomically: a commit taken while the campaign runs never sees half a file.
    tmp = RESULTS.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(data, indent=1, sort_keys=False) + "\n")
    os.replace(tmp, RESULTS)


def write_report(data: dict[str, object]) -> None:
    tmp = REPORT.with_suffix(".md.tmp")
    tmp.write_text(render(data))
    os.replace(tmp, REPORT)


def load_verdicts() -> dict[str, dict[str, str]]:
    return json.loads(VERDICTS.read_text()) if VERDICTS.exists() else {}


def final_status(r: dict[str, object], verdicts: dict[str, dict[str, str]]) -> tuple[str, str]:
    """(status counted in the score, verdict text) of one result."""
    status = str(r["status"])
    v = verdicts.get(str(r["key"]))
    if status == "survived" and v:
        if v["verdict"] == "equivalent":
            return "equivalent", f"equivalent: {v['reason']}"
        return "survived", f"{v['verdict']}: {v['reason']}" if v.get("reason") else v["verdict"]
    if status == "equivalent":
        why = f"{r.get('detail', '')}" + (f"; {v['reason']}" if v and v.get("reason") else "")
        return "equivalent", f"equivalent: {why}"
    if status == "killed" and v and v["verdict"].startswith("killed by new test"):
        return "killed", f"{v['verdict']}" + (f": {v['reason']}" if v.get("reason") else "")
    return status, ""


def render(data: dict[str, object]) -> str:
    verdicts = load_verdicts()
    camp: dict[str, object] = data["campaign"]  # type: ignore[assignment]
    results: dict[str, dict[str, object]] = data["mutants"]  # type: ignore[assignment]
    rows = sorted(results.values(), key=lambda r: (list(SUBSETS).index(str(r["file"])), int(r["line"]), str(r["id"])))
    counts: dict[str, int] = defaultdict(int)
    per_file: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    per_op: dict[str, dict[str, int]] = defaultdict(lambda: defaultdict(int))
    for r in rows:
        st, _ = final_status(r, verdicts)
        counts[st] += 1
        per_file[Path(str(r["file"])).name][st] += 1
        per_op[str(r["operator"])][st] += 1

    def score(c: dict[str, int]) -> str:
        k, s = c.get("killed", 0), c.get("survived", 0)
        return f"{100 * k / (k + s):.1f}%" if k + s else "n/a"

    selected = int(camp.get("selected", len(rows)))  # type: ignore[arg-type]
    partial = len(rows) < selected
    rev = camp.get("changed_since")
    if rev:
        out = [
            f"# Mutation score of what changed since {rev}",
            "",
            "Issue #20, part 2. Generated by `tools/mutate.py --changed-since` (`./dev mutate`); verdicts on",
            "survivors live in `audit/mutation-verdicts.json` (shared with the v1 campaign: keys are",
            "line-independent). The v1 sample is `audit/mutation.md`. Not part of CI: it takes long.",
            "",
        ]
        if REPORT.stem != "mutation-v2":
            out[2:5] = [
                f"Generated by `tools/mutate.py --changed-since {rev} --name {REPORT.stem}` (`./dev mutate`);",
                "verdicts on survivors live in `audit/mutation-verdicts.json` (shared by every campaign: keys are",
                "line-independent). Earlier campaigns: `audit/mutation.md` (v1, a sample), `audit/mutation-v2.md`",
                "(every line v2 changed). Not part of CI: it takes long.",
            ]
    else:
        out = [
            "# Mutation score",
            "",
            "Issue #10, part 4. Generated by `tools/mutate.py` (`./dev mutate`); verdicts on survivors",
            "live in `audit/mutation-verdicts.json`. Not part of CI: it takes long.",
            "",
        ]
    if partial:
        out += [f"**PARTIAL**: {len(rows)} of {selected} selected mutants have a result.", ""]
    tests_how = camp.get("test_selection", "the whole subset")
    out += [
        f"- Command: {camp.get('command', '`./dev mutate`')}",
        f"- Date: {camp.get('date', '?')}; elapsed: {camp.get('elapsed_min', '?')} min in all"
        + (
            f": the unmutated baseline of the subsets ({camp['baseline_min']} min), then"
            if camp.get("baseline_min")
            else ":"
        )
        + f" {camp.get('ran', '?')} mutants at {camp.get('per_mutant_s', '?')} s each on average "
        f"(incremental compile + {tests_how})",
    ]
    if rev:
        timed = [r for r in rows if "total_s" in r]
        if timed:

            def mean(k: str) -> float:
                return sum(float(r.get(k, 0)) for r in timed) / len(timed)  # type: ignore[arg-type]

            by_new = sum(1 for r in rows if final_status(r, verdicts)[1].startswith("killed by new test"))
            out += [
                f"- Time per mutant ({len(timed)} timed): {mean('total_s'):.0f} s on average, of which compile "
                f"{mean('compile_s'):.0f} s and tests {mean('test_s'):.0f} s (v1, every mutant against its whole "
                "subset: 42 s, compile 10 s and tests 33 s); the machine's 2 cores were shared with other jobs",
                f"- Killed by the suite as it stood: {counts['killed'] - by_new}; by a test written for a survivor "
                f"(rerun with `--only ID --with-test NODEID`): {by_new}",
            ]
        lines = camp.get("changed_lines") or {}
        sel_file = camp.get("selected_per_file") or {}
        per_op_sel = camp.get("selected_per_op") or {}
        out += [
            f"- Mutants generated: {camp.get('generated', '?')} in {len(SUBSETS)} files; selected: {selected}, every "
            f"mutant whose text touches a line added or changed since `{rev}` (`git diff -U0 {rev} -- <file>`, the "
            "`+` side of every hunk; a mutant spanning several lines is in when any of them is); no sampling",
            "- Lines added or changed since the REV, and the mutants on them, per file: "
            + ", ".join(f"{f} {n} lines / {sel_file.get(f, 0)} mutants" for f, n in lines.items() if n),  # type: ignore[union-attr]
            "- Mutants selected per operator: "
            + ", ".join(f"{op} {n}" for op, n in sorted(per_op_sel.items(), key=lambda x: -x[1])),  # type: ignore[union-attr]
            "- Tests per mutant: a per-test coverage map (`./dev mutate --build-testmap`: the unit subsets run once",
            "  traced by `tools/sol_coverage_plugin.py`, each test's executed instructions mapped to source ranges;",
            "  that run is also the unmutated baseline) gives the tests of the file's subset that execute the",
            "  innermost statement around the mutant (in a fixture or in the test itself); only those run, with",
            "  `-x`, cheapest test module first. A mutant in a constructor, or in a statement no test executes,",
            "  runs the file's whole subset. A kill is always a real test failing against the mutated build; a",
            "  survivor ran every covering test (and `--only ID --full` reruns it against the whole subset).",
            "  The map knows the tests of its build only: a test written since runs for a mutant only through",
            "  `--with-test`, until `--build-testmap` is run again.",
        ]
    else:
        out += [
            f"- Mutants generated: {camp.get('generated', '?')} in {len(SUBSETS)} files; selected: {selected} "
            f"(`--limit {camp.get('limit', '?')}`)",
            "- Selection: every mutant is generated from the source text (function, constructor and modifier",
            "  bodies only; comments, strings, imports, pragmas and declarations are never touched). The sample is",
            "  deterministic: within a file, mutants are grouped by operator, each group is ordered by the sha256",
            "  of the mutant id, and the groups (ordered by the sha256 of file and operator) are interleaved: one",
            "  of each operator, then a second of each, and so on;",
            "  each file's share of the limit grows with the square root of its number of mutants (Sainte-Lague",
            "  apportionment; big contracts get more, small libraries still get some) and takes the head of its",
            "  interleaved sequence. `--list` prints the sample.",
        ]
    out += [
        "- Per mutant: the file is mutated in place, `ape compile --force` rebuilds it and the sources that",
        "  import it (libraries are inlined; a plain incremental compile left them stale), and the tests run",
        "  with `-x -q --tb=no`: a failing test kills it, a pass lets it survive, a",
        "  timeout counts as killed. Does not compile: invalid (not counted). Compiles to the same bytecode",
        "  as the original (metadata aside): equivalent, without running tests.",
        "",
        "## Totals",
        "",
        "| generated | selected | run | invalid | killed | survived | equivalent | error | score |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {camp.get('generated', '?')} | {selected} | {len(rows)} | {counts['invalid']} | {counts['killed']} | "
        f"{counts['survived']} | {counts['equivalent']} | {counts['error']} | **{score(counts)}** |",
        "",
        f"Score = killed / (killed + surviving non-equivalent mutants). Target: >= {95 if rev else 90}%.",
        "",
        "## Per contract",
        "",
        "| file | test subset | killed | survived | equivalent | invalid | score |",
        "|---|---|---|---|---|---|---|",
    ]
    for f in SUBSETS:
        name = Path(f).name
        c = per_file.get(name)
        if c:
            out.append(
                f"| {name} | {', '.join(SUBSETS[f])} | {c['killed']} | {c['survived']} | {c['equivalent']} | "
                f"{c['invalid']} | {score(c)} |"
            )
    out += ["", "## Per operator", "", "| operator | meaning | killed | survived | equivalent | invalid | score |"]
    out.append("|---|---|---|---|---|---|---|")
    for op, meaning in OPERATORS.items():
        c = per_op.get(op)
        if c:
            out.append(
                f"| {op} | {meaning.replace('|', chr(92) + '|')} | {c['killed']} | {c['survived']} | {c['equivalent']} | {c['invalid']} | {score(c)} |"
            )
    out += ["", "## Survivors and verdicts", ""]
    notable = [
        r
        for r in rows
        if r["status"] in ("survived", "equivalent", "error")
        or (r["status"] == "killed" and final_status(r, verdicts)[1])
    ]
    if not notable:
        out.append("None.")
    for r in notable:
        st, verdict = final_status(r, verdicts)
        shown = "killed by a new test" if st == "killed" else st
        out += [
            f"### `{r['id']}` ({shown})",
            "",
            "```diff",
            f"- {r['before']}",
            f"+ {r['after']}",
            "```",
            "",
            f"Verdict: {verdict or 'none yet'}",
            "",
        ]
    reruns = camp.get("reruns") or []
    if reruns:
        out += ["## Later runs (`--resume`, `--only`)", ""]
        out += [f"- {x}" for x in reruns]  # type: ignore[union-attr]
        out.append("")
    notes = camp.get("notes") or []
    if notes:
        k = out.index("## Totals")
        out[k:k] = ["Notes:", "", *[f"- {n}" for n in notes], ""]  # type: ignore[union-attr]
    out += ["## All results", "", "| id | status | detail |", "|---|---|---|"]
    for r in rows:
        detail = str(r.get("detail", "")).replace("|", "\\|").replace("\n", " ")[:140]
        out.append(f"| `{r['id']}` | {r['status']} | {detail} |")
    return "\n".join(out) + "\n"


# ------------------------------------------------------------------ main


def _git_clean() -> bool:
    out = subprocess.run(
        ["git", "status", "--porcelain", "contracts"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout
    return out.strip() == ""


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(prog="./dev mutate", description=__doc__.split("\n\n")[0])
    ap.add_argument("--contracts", nargs="+", metavar="NAME", help="only these files (e.g. ComputePool Days)")
    ap.add_argument("--operators", nargs="+", metavar="OP", help="only these operators")
    ap.add_argument("--limit", type=int, default=DEFAULT_LIMIT, help=f"sample size (default {DEFAULT_LIMIT}; 0 = all)")
    ap.add_argument("--list", action="store_true", help="print the selected mutants and exit")
    ap.add_argument("--timeout", type=float, default=DEFAULT_TIMEOUT_S, help="seconds per compile / test run")
    ap.add_argument("--only", action="append", metavar="ID", help="run only this mutant id (repeatable; merged)")
    ap.add_argument("--resume", action="store_true", help="skip selected mutants that already have a result")
    ap.add_argument("--report", action="store_true", help="only re-render audit/mutation.md from the results")
    ap.add_argument("--no-baseline", action="store_true", help="skip the unmutated baseline run of the subsets")
    ap.add_argument(
        "--changed-since",
        metavar="REV",
        help="every mutant on a line added or changed since REV (git diff -U0; no sampling); "
        "results in audit/mutation-v2.{json,md}",
    )
    ap.add_argument("--name", help="results and report as audit/NAME.{json,md} (default mutation, or mutation-v2)")
    ap.add_argument(
        "--build-testmap",
        action="store_true",
        help="run the unit subsets traced per test and write .build/testmap/map.json, then exit",
    )
    ap.add_argument("--full", action="store_true", help="ignore the test map: every mutant runs its whole subset")
    ap.add_argument("--with-test", action="append", metavar="NODEID", help="run this test first (e.g. a new one)")
    args = ap.parse_args(argv)
    use_outputs(args.name or ("mutation-v2" if args.changed_since else "mutation"))

    if args.build_testmap:
        if not _git_clean():
            print("error: contracts/ has uncommitted changes", file=sys.stderr)
            return 2
        return build_testmap(8 * args.timeout)

    if args.report:
        REPORT.write_text(render(load_results()))
        print(f"wrote {REPORT.relative_to(ROOT)}")
        return 0

    files = list(SUBSETS)
    if args.contracts:
        files = [f for f in files if Path(f).stem in args.contracts or Path(f).name in args.contracts]
        if not files:
            ap.error(f"no such contract among {[Path(f).stem for f in SUBSETS]}")
    mutants = all_mutants(files)
    if args.operators:
        mutants = [m for m in mutants if m.operator in args.operators]
    generated = len(mutants)
    if args.only:
        wanted = set(args.only)
        chosen = [m for m in mutants if m.id in wanted or m.key in wanted]
        missing = wanted - {m.id for m in chosen} - {m.key for m in chosen}
        if missing:
            ap.error(f"unknown mutant ids: {sorted(missing)}")
    elif args.changed_since:
        chosen, changed = select_changed(mutants, args.changed_since)
    else:
        chosen = select(mutants, args.limit or None)

    if args.list:
        by_op: dict[str, int] = defaultdict(int)
        for m in chosen:
            by_op[m.operator] += 1
            print(f"{m.id}\n    - {m.before}\n    + {m.after}")
        print(f"{len(chosen)} selected of {generated} generated; by operator: {dict(by_op)}")
        return 0

    if not _git_clean():
        print(
            "error: contracts/ has uncommitted changes; mutants are written in place, so commit first", file=sys.stderr
        )
        return 2
    if not MANIFEST.exists():
        print("error: no build; run through ./dev mutate (it compiles first)", file=sys.stderr)
        return 2

    testmap = None if args.full else TestMap.load()
    if testmap is None and not args.full:
        print("note: no test map (--build-testmap): every mutant runs its whole subset", file=sys.stderr)
    elif testmap is not None and (stale := testmap.stale(sorted({m.file for m in chosen}))):
        print(f"note: the test map is older than {stale} (--build-testmap): whole subsets", file=sys.stderr)
        testmap = None

    data = load_results()
    # `--resume` of a campaign that has no result yet starts it.
    merge = bool(args.only or (args.resume and data["mutants"]))
    if not merge:
        data = {"campaign": {}, "mutants": {}}
    results: dict[str, dict[str, object]] = data["mutants"]  # type: ignore[assignment]
    if merge and args.resume:
        # Continue (or extend, with a larger --limit) the campaign: the sample of a larger limit
        # contains the sample of a smaller one.
        camp0: dict[str, object] = data["campaign"]  # type: ignore[assignment]
        camp0.update(selected=len(chosen), limit=args.limit, generated=generated)
        camp0["command"] = f"{camp0.get('command', '')}, then `{command_line(argv)}`"
        chosen = [m for m in chosen if m.id not in results]
    command = command_line(argv)
    camp: dict[str, object] = data["campaign"]  # type: ignore[assignment]
    if not merge:
        camp.update(
            command=f"`{command}`",
            date=dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
            generated=generated,
            selected=len(chosen),
            limit=0 if args.changed_since else args.limit,
            timeout_s=args.timeout,
        )
    if args.changed_since and not args.only:
        by_file: dict[str, int] = defaultdict(int)
        by_op: dict[str, int] = defaultdict(int)
        for m in select_changed(mutants, args.changed_since)[0]:
            by_file[Path(m.file).name] += 1
            by_op[m.operator] += 1
        camp.update(
            changed_since=args.changed_since,
            changed_lines={Path(f).name: n for f, n in changed.items()},
            selected_per_file=dict(by_file),
            selected_per_op=dict(by_op),
            limit=0,
        )
    if not args.only:
        camp["test_selection"] = (
            "the tests that execute the mutant's statement (per-test coverage map)" if testmap else "the whole subset"
        )

    began = time.monotonic()
    files_touched = sorted({m.file for m in chosen} | set(files))
    with Workspace(files_touched) as ws:
        built, _ = build_fingerprint()
        stale = [f for f, data in ws.originals.items() if built.get(f) != data.decode()]
        if stale:
            # A run stopped after a mutant leaves that mutant in the build (restoring the source
            # does not rebuild it): rebuild those files and their importers first.
            targets = sorted({d for f in stale for d in dependents(f)})
            print(f"rebuilding the restored {' '.join(targets)}", file=sys.stderr)
            compile_contracts(targets, args.timeout)
        if not ws_compiled_matches(ws):
            print("error: the build is not of the current sources; run through ./dev mutate", file=sys.stderr)
            return 2
        _, base_codes = build_fingerprint()
        if not args.no_baseline:
            # Every test folder the selected mutants will run, once, in one run.
            folders = sorted({folder for m in chosen for folder in SUBSETS[m.file]})
            print(f"baseline: {' '.join(folders)}", file=sys.stderr)
            code, out, secs = run_subset(folders, 4 * args.timeout)
            print(f"  {_summary(out)} ({secs:.0f}s)", file=sys.stderr)
            if code != 0:
                print(out[-2000:], file=sys.stderr)
                print("error: the unmutated baseline fails; fix the suite first", file=sys.stderr)
                return 1
        if not merge:
            camp["baseline_min"] = round((time.monotonic() - began) / 60, 1)
            camp["mutant_s_total"] = 0.0
        elif args.resume and "mutant_s_total" not in camp:
            camp["mutant_s_total"] = float(camp.get("per_mutant_s", 0)) * int(camp.get("ran", 0))  # type: ignore[arg-type]
        camp_elapsed = float(camp.get("elapsed_min", 0)) * 60  # type: ignore[arg-type]
        for i, m in enumerate(chosen, 1):
            print(f"[{i}/{len(chosen)}] {m.id}: {m.before}  ->  {m.after}", file=sys.stderr)
            started = time.monotonic()
            r = run_mutant(ws, m, base_codes, args.timeout, testmap, args.with_test)
            r["_s"] = time.monotonic() - started
            r["total_s"] = round(r["_s"], 1)
            print(f"  {r['status']}: {r.get('detail', '')}", file=sys.stderr)
            results[m.id] = r
            if not args.only:
                # Campaign time: this run's so far plus what earlier (resumed) runs took.
                camp["mutant_s_total"] = float(camp["mutant_s_total"]) + float(r.pop("_s"))  # type: ignore[arg-type]
                ran = sum(1 for x in results.values() if x.get("campaign", True))
                camp.update(
                    elapsed_min=round((camp_elapsed + time.monotonic() - began) / 60, 1),
                    ran=ran,
                    per_mutant_s=round(float(camp["mutant_s_total"]) / ran),  # type: ignore[arg-type]
                )
            else:
                r.pop("_s")
            save_results(data)
            write_report(data)
    if merge:
        stamp = dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
        if args.only:
            outcome = ", ".join(f"{m.id} {results[m.id]['status']}" for m in chosen)
        else:
            tally: dict[str, int] = defaultdict(int)
            for m in chosen:
                tally[str(results[m.id]["status"])] += 1
            outcome = ", ".join(f"{n} {st}" for st, n in sorted(tally.items())) or "nothing left to run"
        camp.setdefault("reruns", []).append(  # type: ignore[union-attr]
            f"{stamp}: `{command}` ({len(chosen)} mutants, {(time.monotonic() - began) / 60:.1f} min): {outcome}"
        )
    save_results(data)
    REPORT.write_text(render(data))
    print(f"wrote {REPORT.relative_to(ROOT)} and {RESULTS.relative_to(ROOT)}", file=sys.stderr)
    return 0


def command_line(argv: list[str] | None) -> str:
    return " ".join(["./dev mutate", *(sys.argv[1:] if argv is None else argv)])


def ws_compiled_matches(ws: Workspace) -> bool:
    """The build holds the unmutated sources (./dev compiled them just before)."""
    sources, _ = build_fingerprint()
    return all(sources.get(f) == data.decode() for f, data in ws.originals.items())


if __name__ == "__main__":
    try:
        sys.exit(main())
    except KeyboardInterrupt as exc:
        print(f"interrupted ({exc}); the contracts were restored", file=sys.stderr)
        sys.exit(130)
