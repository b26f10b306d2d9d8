"""tools/mutate.py --changed-since: the lines a campaign mutates are exactly the `+` side of
`git diff -U0 REV`, and a mutant is in when any line it spans is one of them."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from tools import mutate


def _git(repo: Path, *args: str) -> str:
    return subprocess.run(["git", *args], cwd=repo, capture_output=True, text=True, check=True).stdout.strip()


@pytest.fixture
def repo(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> tuple[Path, str]:
    _git(tmp_path, "init", "-q")
    _git(tmp_path, "config", "user.email", "t@example.org")
    _git(tmp_path, "config", "user.name", "t")
    (tmp_path / "C.sol").write_text("".join(f"line {i}\n" for i in range(1, 9)))
    _git(tmp_path, "add", "C.sol")
    _git(tmp_path, "commit", "-qm", "v1")
    monkeypatch.setattr(mutate, "ROOT", tmp_path)
    return tmp_path, _git(tmp_path, "rev-parse", "HEAD")


def test_changed_lines__are_the_changed_and_added_lines_of_the_file_as_it_is_now(repo):
    root, rev = repo
    lines = (root / "C.sol").read_text().splitlines()
    lines[1] = "line 2 changed"  # line 2
    del lines[3]  # line 4 deleted: nothing of it is left to mutate
    lines.insert(5, "a new line")  # line 6 of the new file
    lines.append("another new line")  # line 9 of the new file
    (root / "C.sol").write_text("\n".join(lines) + "\n")

    assert mutate.changed_lines(rev, "C.sol") == {2, 6, 9}


def test_changed_lines__of_an_unchanged_file__are_none(repo):
    _root, rev = repo
    assert mutate.changed_lines(rev, "C.sol") == set()


def test_select_changed__takes_a_mutant_spanning_a_changed_line_and_leaves_the_others(repo):
    root, rev = repo
    source = (root / "C.sol").read_text().replace("line 3\n", "line 3 changed\n")
    (root / "C.sol").write_text(source)

    def mutant(first_line: int, last_line: int) -> mutate.Mutant:
        start = source.index(f"line {first_line}")
        end = source.index("\n", source.index(f"line {last_line}"))
        return mutate.Mutant(
            id=f"C.sol:L{first_line}",
            key=f"k{first_line}",
            file="C.sol",
            line=first_line,
            operator="DEL-write",
            start=start,
            end=end,
            original=source[start:end],
            replacement="",
            before="",
            after="",
        )

    spanning, inside, outside = mutant(2, 3), mutant(3, 3), mutant(5, 6)
    chosen, counts = mutate.select_changed([spanning, inside, outside], rev)

    assert chosen == [spanning, inside]
    assert counts == {"C.sol": 1}
