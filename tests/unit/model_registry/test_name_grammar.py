"""PROTOCOL §2, canonical names: 3 to 64 bytes of ASCII letters and digits with single separators
(`-` `.` `_` `/` `:`) only between them, folded to lowercase (A-Z only). Examples on
contracts/libraries/ModelNames.sol (through its harness), each checked against mor_market/names.py
too: the valid names and their canonical form, the exact error and arguments of each invalid one."""

from __future__ import annotations

import pytest

from mor_market import names
from tests.unit.model_registry.conftest import off_chain, on_chain

LENGTH = "InvalidModelNameLength"
CHARACTER = "InvalidModelNameCharacter"
UPPER = range(ord("A"), ord("Z") + 1)
ALNUM = set(b"0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ")


def both(harness, name: str | bytes, function: str = "canonical") -> tuple:
    """The contract's outcome, after checking that Python's is the same."""
    outcome = on_chain(harness, function, name)
    assert outcome == off_chain(function, name)
    return outcome


# ------------------------------------------------------------------ valid names


def test_canonical__mixed_case_hugging_face_name__is_folded_to_lowercase(names_harness):
    assert both(names_harness, "Qwen/Qwen3-8B") == ("ok", ("qwen/qwen3-8b",))


@pytest.mark.parametrize(
    "name", ["llama-3.1-8b-instruct", "a:b", "abc", "007", "mistral_7b", "org/model:v1.2-q4_k_m", "a-b.c_d/e:f"]
)
def test_canonical__an_already_canonical_name__is_returned_unchanged(names_harness, name):
    assert both(names_harness, name) == ("ok", (name,))


@pytest.mark.parametrize("separator", list(names.SEPARATORS.decode()))
def test_canonical__each_separator_between_letters_or_digits__is_valid(names_harness, separator):
    assert both(names_harness, f"a{separator}b") == ("ok", (f"a{separator}b",))
    assert both(names_harness, f"Model{separator}7B{separator}0") == ("ok", (f"model{separator}7b{separator}0",))


def test_canonical__exactly_3_and_64_bytes__are_valid(names_harness):
    assert both(names_harness, "A1b") == ("ok", ("a1b",))
    longest = "Ab-" * 21 + "C"
    assert len(longest) == names.MAX_LENGTH == 64
    assert both(names_harness, longest) == ("ok", (longest.lower(),))


def test_canonical__every_letter_and_digit__only_a_to_z_fold(names_harness):
    everything = "ABCDEFGHIJKLMNOPQRSTUVWXYZ-abcdefghijklmnopqrstuvwxyz-0123456789"
    folded = "abcdefghijklmnopqrstuvwxyz-abcdefghijklmnopqrstuvwxyz-0123456789"
    assert both(names_harness, everything) == ("ok", (folded,))


# ------------------------------------------------------------------ length


@pytest.mark.parametrize(
    "name, length",
    [("", 0), ("ab", 2), ("a" * 65, 65), ("Ab-" * 21 + "Cd", 65), ("a" * 1000, 1000), ("é", 2)],
)
def test_canonical__outside_3_to_64_bytes__reverts_with_the_length_and_bounds(names_harness, name, length):
    assert both(names_harness, name) == (LENGTH, (length, 3, 64))


def test_canonical__the_length_is_checked_before_the_characters(names_harness):
    assert both(names_harness, "-@") == (LENGTH, (2, 3, 64))
    assert both(names_harness, "@" * 65) == (LENGTH, (65, 3, 64))


# ------------------------------------------------------------------ separators


@pytest.mark.parametrize(
    "name, position, character",
    [
        ("-abc", 0, b"-"),
        ("_ab", 0, b"_"),
        ("abc-", 3, b"-"),
        ("ab:", 2, b":"),
        ("ab--c", 3, b"-"),
        ("a.:b", 2, b":"),
        ("a//b", 2, b"/"),
        ("a-b-", 3, b"-"),
        ("a-b..c", 4, b"."),
        ("ab-_", 3, b"_"),  # doubled and last: the same position either way
    ],
)
def test_canonical__a_separator_first_last_or_after_another__reverts_at_that_separator(
    names_harness, name, position, character
):
    assert both(names_harness, name) == (CHARACTER, (position, character))


# ------------------------------------------------------------------ other bytes


@pytest.mark.parametrize(
    "name, position, character",
    [
        ("ab c", 2, b" "),
        ("user@model", 4, b"@"),
        ("café-7b", 3, b"\xc3"),  # é is 0xc3 0xa9: the position of its first byte
        ("ab\x00c", 2, b"\x00"),
        ("abc\x00", 3, b"\x00"),
        ("a+b", 1, b"+"),
        ("a\tb", 1, b"\t"),
        ("abc\x7f", 3, b"\x7f"),
        ("€", 0, b"\xe2"),  # 3 bytes: the length is right, the bytes are not
        ("ÀBC", 0, b"\xc3"),  # not folded: only A-Z are letters
        ("\u212aelvin", 0, b"\xe2"),  # the Kelvin sign, whose Unicode lowercase is "k"
        ("a@--", 1, b"@"),  # the first offending byte is reported
        ("-@ab", 0, b"-"),
    ],
)
def test_canonical__a_byte_outside_the_grammar__reverts_at_its_first_position(names_harness, name, position, character):
    assert both(names_harness, name) == (CHARACTER, (position, character))


def test_canonical__every_byte_value_between_two_letters__is_valid_only_for_letters_digits_and_separators(
    names_harness,
):
    for value in range(256):
        name = bytes([ord("a"), value, ord("b")])
        if value in ALNUM or value in names.SEPARATORS:
            folded = value + 0x20 if value in UPPER else value
            expected = ("ok", (bytes([ord("a"), folded, ord("b")]).decode(),))
        else:
            expected = (CHARACTER, (1, bytes([value])))
        assert both(names_harness, name) == expected, hex(value)


def test_canonical__bytes_that_are_not_utf8__revert_at_the_first(names_harness):
    assert both(names_harness, b"ab\xffcd") == (CHARACTER, (2, b"\xff"))
    assert both(names_harness, b"\x80\x80\x80") == (CHARACTER, (0, b"\x80"))


# ------------------------------------------------------------------ gas


def test_canonical__gas__stays_small_for_12_and_64_bytes(names_harness):
    twelve, sixty_four = names_harness.canonicalGas("llama-3.1-8b"), names_harness.canonicalGas("a" * 64)
    print(f"\nModelNames.canonical gas: 12 bytes {twelve}, 64 bytes {sixty_four}")
    assert twelve < 2_500
    assert sixty_four < 8_500


# ------------------------------------------------------------------ the Python mirror


def test_python_canonical__str_and_its_utf8_bytes__agree():
    assert names.canonical("Qwen/Qwen3-8B") == names.canonical(b"Qwen/Qwen3-8B") == "qwen/qwen3-8b"
    with pytest.raises(names.InvalidModelName) as from_str:
        names.canonical("café")
    with pytest.raises(names.InvalidModelName) as from_bytes:
        names.canonical("café".encode())
    assert (from_str.value.error, from_str.value.args) == (from_bytes.value.error, from_bytes.value.args)


def test_python_invalid_model_name__is_a_value_error_naming_the_contract_error():
    with pytest.raises(ValueError, match=r"InvalidModelNameCharacter\(2, b' '\)") as raised:
        names.canonical("ab cd")
    assert raised.value.error == CHARACTER
    assert raised.value.args == (2, b" ")
