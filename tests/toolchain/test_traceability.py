"""TRACEABILITY.md stays true: every test file, test name, property-machine rule or invariant and
Halmos proof it cites exists. A renamed or deleted test makes this fail, so the map an auditor
reads first cannot point at nothing.

Reading conventions of TRACEABILITY.md: `u/` is tests/unit/; a bare `file.py` is in the folder of
the last path cited in the same row; `::name` is a test of the last file cited; `…` elides part
of a name (`…__x__…` is a test of the last file whose name holds `__x__`); after `P`, the
backticked names up to the next `;` are rules or invariants of the property machine."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
TRACE = ROOT / "TRACEABILITY.md"
MACHINE = ROOT / "tests/properties"  # the machine, its rules and invariants by family
HALMOS = ROOT / "halmos/test"
PREFIXES = {"u/": "tests/unit/", "adversarial/": "tests/adversarial/", "e2e/": "tests/e2e/", "tests/": "tests/"}
TOKEN = re.compile(r"`([^`]+)`")


def _functions(path: Path) -> set[str]:
    """The functions and classes defined in a Python file."""
    return set(re.findall(r"^\s*(?:def|class) (\w+)\b", path.read_text(), re.M))


def _matches(name: str, functions: set[str]) -> bool:
    """`name`, where `…` stands for anything, names at least one function: its visible parts
    occur in it in order (underscores at the cuts are not counted)."""
    parts = [part.strip("_:") for part in name.split("…")]
    pattern = ".*".join(re.escape(part) for part in parts if part)
    anchored = not name.startswith("…") and not name.endswith("…")
    return any((re.fullmatch if anchored else re.search)(pattern, f) for f in functions)


def _resolve(path: str, folder: Path | None) -> Path | None:
    for short, long in PREFIXES.items():
        if path.startswith(short):
            return ROOT / (long + path[len(short) :])
    return folder / path if folder is not None and "/" not in path else None


def _rows() -> list[str]:
    return [line for line in TRACE.read_text().splitlines() if line.startswith("| ") and not line.startswith("|---")]


def _citations(row: str) -> list[tuple[Path, str | None]]:
    """(file, test name or None) for every test citation of a row."""
    cited: list[tuple[Path, str | None]] = []
    folder: Path | None = None
    current: Path | None = None
    for token in TOKEN.findall(row):
        file_part, _, name = token.partition("::")
        if file_part.endswith(".py"):
            resolved = _resolve(file_part, folder)
            if resolved is None:
                continue
            current, folder = resolved, resolved.parent
            cited.append((current, name or None))
        elif token.startswith(("::", "…")) and current is not None:
            cited.append((current, token.removeprefix("::")))
    return cited


def _machine_names(row: str) -> list[str]:
    names: list[str] = []
    for segment in re.findall(r"\bP ([^;|(]*)", row):
        names += [t for t in TOKEN.findall(segment) if re.fullmatch(r"[a-z_]+", t)]
    return names


ROWS = _rows()


def test_traceability__cites_tests_in_every_row():
    assert len(ROWS) > 60
    assert sum(len(_citations(r)) for r in ROWS) > 150


@pytest.mark.parametrize("row", ROWS, ids=[r.split("|")[1].strip()[:50] for r in ROWS])
def test_traceability__every_cited_file_and_test_exists(row: str):
    for path, name in _citations(row):
        assert path.exists(), f"{path.relative_to(ROOT)} does not exist"
        if name:
            assert _matches(name, _functions(path)), f"no test {name!r} in {path.relative_to(ROOT)}"


def test_traceability__every_cited_machine_rule_or_invariant_exists():
    functions = set().union(*(_functions(path) for path in MACHINE.glob("*.py")))
    cited = {name for row in ROWS for name in _machine_names(row)}
    assert len(cited) > 15
    assert sorted(cited - functions) == []


def test_traceability__every_cited_halmos_proof_exists():
    proofs = {f for path in HALMOS.rglob("*.sol") for f in re.findall(r"function (check_\w+)\(", path.read_text())}
    cited = {t for row in ROWS for t in TOKEN.findall(row) if t.startswith("check_")}
    assert cited and sorted(cited - proofs) == []
