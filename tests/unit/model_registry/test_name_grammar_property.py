"""PROTOCOL §2, canonical names, as properties: for any string or byte string, ModelNames (through
its harness) and mor_market/names.py give the same canonical name or the same error with the same
arguments; the canonical form is a fixed point and ignores case. (The skeleton and the key:
test_skeleton_property.py.)"""

from __future__ import annotations

import string

from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st

from mor_market import names
from tests.unit.model_registry.conftest import off_chain, on_chain

SEPARATORS = names.SEPARATORS.decode()
ALNUM = string.ascii_letters + string.digits
# Letters in both cases, digits, the separators, a space, other punctuation and control bytes, and
# non-ASCII characters of 2, 3 and 4 UTF-8 bytes (some whose Unicode lowercase is ASCII).
ALPHABET = ALNUM + SEPARATORS * 4 + " @#!,;~+=\\\t\x00\x7f" + "éÀßİ\u212a€😀"
FUNCTION_SCOPED = [HealthCheck.function_scoped_fixture]

mixed = st.text(alphabet=ALPHABET, max_size=70)
# Letters and digits in runs joined by one separator: often valid, so the folding gets exercised;
# 1 to 12 runs of 1 to 8 characters reach both length bounds.
runs = st.lists(st.text(alphabet=ALNUM, min_size=1, max_size=8), min_size=1, max_size=12)
structured = st.builds(lambda parts, sep: sep.join(parts), runs, st.sampled_from(SEPARATORS))
# A structured name with one mutation: a byte from the alphabet put at a random place.
mutated = st.builds(
    lambda name, at, char: name[: at % (len(name) + 1)] + char + name[at % (len(name) + 1) :],
    structured,
    st.integers(0, 70),
    st.sampled_from(ALPHABET),
)
any_name = st.one_of(mixed, structured, mutated, st.text(max_size=70))


@settings(max_examples=300, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(name=any_name)
def test_canonical__any_string__the_contract_equals_python(names_harness, name):
    outcome = on_chain(names_harness, "canonical", name)
    event(outcome[0])
    assert outcome == off_chain("canonical", name)


@settings(max_examples=100, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(name=st.binary(max_size=70))
def test_canonical__any_bytes__the_contract_equals_python(names_harness, name):
    assert on_chain(names_harness, "canonical", name) == off_chain("canonical", name)


@settings(max_examples=150, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(name=st.one_of(structured, mutated))
def test_canonical__a_valid_name__is_a_fixed_point_and_ignores_case(names_harness, name):
    outcome = on_chain(names_harness, "canonical", name)
    if outcome[0] != "ok":
        # The offending byte is never a letter, so changing the case of an ASCII name changes
        # neither the error nor its arguments.
        if name.isascii():
            assert on_chain(names_harness, "canonical", name.swapcase()) == outcome
        return
    (folded,) = outcome[1]
    assert folded == name.lower() == names.canonical(folded)
    for variant in (folded, name.upper(), name.swapcase()):
        assert on_chain(names_harness, "canonical", variant) == ("ok", (folded,))
