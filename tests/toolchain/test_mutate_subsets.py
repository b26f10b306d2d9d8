"""tools/mutate.py mutates only the files of its SUBSETS table: a protocol source left out of it
(as CompletedStats.sol was until the v3 campaign, and the governance pieces until issue 27) would
silently get no mutant at all."""

from __future__ import annotations

from tools import mutate


def test_every_protocol_source_with_something_to_mutate__has_a_test_subset():
    sources = sorted(
        p.relative_to(mutate.ROOT).as_posix()
        for folder in ("contracts", "contracts/libraries", "contracts/governance", "contracts/deploy")
        for p in (mutate.ROOT / folder).glob("*.sol")
    )
    left_out = [f for f in sources if f not in mutate.SUBSETS and mutate.generate(f, (mutate.ROOT / f).read_text())]

    assert left_out == []
