"""PROTOCOL §2 (v3), look-alikes are the same name: a canonical name is folded to its skeleton by
the stated, documented map (`0` -> `o`; `1`, `i` -> `l`; `m` -> `rn`; `w` -> `vv`; every
separator -> `-`), and the uniqueness key is keccak-256 of the skeleton. Examples on
contracts/libraries/ModelNames.sol (through its harness), each checked against mor_market/names.py
too."""

from __future__ import annotations

import pytest
from eth_utils import keccak

from mor_market import names
from tests.unit.model_registry.conftest import off_chain, on_chain

CHARACTER = "InvalidModelNameCharacter"
LENGTH = "InvalidModelNameLength"


def both(harness, name: str | bytes, function: str = "skeleton") -> tuple:
    """The contract's outcome, after checking that Python's is the same."""
    outcome = on_chain(harness, function, name)
    assert outcome == off_chain(function, name)
    return outcome


# ------------------------------------------------------------------ the map


@pytest.mark.parametrize(
    ("name", "skeleton"),
    [
        ("o0o", "ooo"),  # 0 -> o
        ("l1iIL", "lllll"),  # 1, i -> l; I and L are i and l once canonical
        ("mrn", "rnrn"),  # m -> rn
        ("wvv", "vvvv"),  # w -> vv
        ("a-b.c_d/e:f", "a-b-c-d-e-f"),  # every separator -> -
        ("abcdefghjknpqrstuvxyz", "abcdefghjknpqrstuvxyz"),  # the other letters are themselves
        ("23456789", "23456789"),  # and so are the other digits
    ],
)
def test_skeleton__each_look_alike__folds_as_the_map_states(names_harness, name, skeleton):
    assert both(names_harness, name) == ("ok", (skeleton,))


@pytest.mark.parametrize(
    ("spellings", "skeleton"),
    [(("arnn", "amn"), "arnn"), (("amm", "arnm", "amrn", "arnrn"), "arnrn"), (("avw", "awv", "avvv"), "avvv")],
)
def test_skeleton__m_and_w_are_expanded__so_every_spelling_with_rn_or_vv_agrees(names_harness, spellings, skeleton):
    # Expanding is canonical: `m` is always `rn` and `w` always `vv`, whatever stands beside them,
    # where merging pairs would have to choose between overlapping ones (`vvv` is `wv` and `vw`).
    assert {both(names_harness, name) for name in spellings} == {("ok", (skeleton,))}


def test_skeleton__the_issues_llama_look_alikes__all_fold_to_one_skeleton(names_harness):
    spellings = [
        "meta-llama/llama-3.1-8b",
        "meta-llama/llama-3.l-8b",
        "meta-Ilama/llama-3.1-8b",
        "meta-lIama/llama-3.1-8b",
        "rneta-llama/llama-3.1-8b",
        "meta_llama/llama_3.1_8b",
        "meta-llama/llama-3-1-8b",
        "META-LLAMA/LLAMA-3.1-8B",
    ]

    assert {both(names_harness, name) for name in spellings} == {("ok", ("rneta-llarna-llarna-3-l-8b",))}
    assert both(names_harness, "meta-llama/llama-3.1-8bb") == ("ok", ("rneta-llarna-llarna-3-l-8bb",))


def test_skeleton__of_64_bytes_of_m__is_128_bytes(names_harness):
    assert both(names_harness, "m" * 64) == ("ok", ("rn" * 64,))
    assert both(names_harness, "W" * 64) == ("ok", ("vv" * 64,))


def test_skeleton__of_an_invalid_name__reverts_as_canonical_does(names_harness):
    assert both(names_harness, "rn m") == (CHARACTER, (2, b" "))
    assert both(names_harness, "m0") == (LENGTH, (2, 3, 64))


# ------------------------------------------------------------------ the key


def test_key__is_keccak_of_the_skeleton__the_same_for_every_look_alike(names_harness):
    expected = keccak(b"qvven-qvven3-8b")
    for name in ("Qwen/Qwen3-8B", "qwen/qwen3-8b", "QWEN_QWEN3.8B", "qvven/qvven3-8b", "QVVEN:QWEN3-8B"):
        assert both(names_harness, name, "key") == ("ok", (expected,))
    assert names.key(b"Qwen/Qwen3-8B") == expected


def test_key__of_a_name_differing_by_a_real_character__differs(names_harness):
    assert both(names_harness, "llama-3.1-8b", "key") != both(names_harness, "llama-3.1-8bb", "key")
    assert both(names_harness, "qwen2.5-7b", "key") != both(names_harness, "qwen2.5-72b", "key")


def test_key__of_an_invalid_name__reverts_as_canonical_does(names_harness):
    assert both(names_harness, "a b c", "key") == (CHARACTER, (1, b" "))
    assert both(names_harness, "ab", "key") == (LENGTH, (2, 3, 64))


# ------------------------------------------------------------------ gas


def test_skeleton__gas__stays_small_for_12_and_64_bytes(names_harness):
    twelve, sixty_four = names_harness.skeletonGas("llama-3.1-8b"), names_harness.skeletonGas("m" * 64)
    print(f"\nModelNames.skeleton gas: 12 bytes {twelve}, 64 bytes of m (128 out) {sixty_four}")
    assert twelve < 2_500
    assert sixty_four < 16_000
