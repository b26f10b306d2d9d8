"""PROTOCOL §2 (v3), look-alikes are the same name, as properties: for any valid name built by the
grammar from an alphabet rich in the folded characters, ModelNames.skeleton (through its harness)
and mor_market/names.py give the same skeleton and the same key; the skeleton is the map applied
byte by byte; spellings that differ only by look-alikes have one key; and for any string at all
the key is keccak-256 of the skeleton, or the grammar's error."""

from __future__ import annotations

import string

from eth_utils import keccak
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mor_market import names
from tests.unit.model_registry.conftest import off_chain, on_chain
from tests.unit.model_registry.test_name_grammar_property import any_name

SEPARATORS = names.SEPARATORS.decode()
FOLDED = "0o1liILmrnwvWVM"  # every character the map changes, and what it changes them into
ALPHABET = FOLDED * 3 + string.ascii_letters + string.digits
FUNCTION_SCOPED = [HealthCheck.function_scoped_fixture]

# Valid by the grammar: 1 to 7 runs of 1 to 8 letters and digits joined by single separators
# (at most 62 bytes), at least 3 bytes.
runs = st.lists(st.text(alphabet=ALPHABET, min_size=1, max_size=8), min_size=1, max_size=7)
valid_names = runs.flatmap(
    lambda parts: st.lists(st.sampled_from(SEPARATORS), min_size=len(parts) - 1, max_size=len(parts) - 1).map(
        lambda seps: parts[0] + "".join(sep + part for sep, part in zip(seps, parts[1:], strict=True))
    )
).filter(lambda name: len(name) >= names.MIN_LENGTH)
# A look-alike of a name: each character swapped, at random, for another of its class.
CLASSES = ["0oO", "1liIL", SEPARATORS]


def look_alike(name: str, picks: list[int]) -> str:
    """`name` with each look-alike character replaced by the class member `picks` chooses, and
    each `m`/`M` by `rn` or kept, and each `w`/`W` by `vv` or kept, while the length allows."""
    out = []
    for char, pick in zip(name, picks + [0] * len(name), strict=False):
        cls = next((c for c in CLASSES if char in c), None)
        if cls is not None:
            out.append(cls[pick % len(cls)])
        elif char in "mM" and pick % 2:
            out.append("rn")
        elif char in "wW" and pick % 2:
            out.append("vv")
        else:
            out.append(char)
    return "".join(out)


def reference_skeleton(canonical: str) -> str:
    """The map of ModelNames.skeleton written again, one character at a time."""
    table = {"0": "o", "1": "l", "i": "l", "m": "rn", "w": "vv"}
    return "".join("-" if c in SEPARATORS else table.get(c, c) for c in canonical)


@settings(max_examples=300, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(name=valid_names)
def test_skeleton__any_valid_name__the_contract_equals_python_and_the_map(names_harness, name):
    outcome = on_chain(names_harness, "skeleton", name)
    event("folded" if outcome[1][0] != name.lower() else "unchanged")

    assert outcome == off_chain("skeleton", name) == ("ok", (reference_skeleton(name.lower()),))
    assert on_chain(names_harness, "key", name) == ("ok", (keccak(outcome[1][0].encode()),)) == off_chain("key", name)


@settings(max_examples=150, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(name=valid_names, picks=st.lists(st.integers(0, 4), max_size=64))
def test_key__a_look_alike_spelling__has_the_same_key_on_chain_and_off(names_harness, name, picks):
    other = look_alike(name, picks)
    if len(other) > names.MAX_LENGTH:
        return
    event("same spelling" if other.lower() == name.lower() else "other spelling")

    key = on_chain(names_harness, "key", name)
    assert on_chain(names_harness, "key", other) == key == off_chain("key", other)


@settings(max_examples=100, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(name=any_name)
def test_key__any_string__is_keccak_of_the_skeleton_or_the_same_error(names_harness, name):
    outcome = on_chain(names_harness, "key", name)
    assert outcome == off_chain("key", name)
    skeleton = off_chain("skeleton", name)
    if skeleton[0] == "ok":
        assert outcome == ("ok", (keccak(skeleton[1][0].encode()),))
    else:
        assert outcome == off_chain("canonical", name) == skeleton
