"""A pair's completed sessions live in one packed word (contracts/libraries/CompletedStats.sol):
[completedWeight 62 | ttftWeighted 82 | tpsWeighted 80 | completed 32]. Adding a session never
carries from one field into the next for any history a pair can reach: fewer than 2^32 completed
sessions, each of weight at most MAX_SESSION_WEIGHT with receipts within the physical bounds."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.unit.session_router.conftest import MAX_SESSION_WEIGHT

MAX_TTFT_MS, MAX_TPS = 600_000, 100_000
MAX_COUNT = 2**32 - 1  # the most completed sessions a pair can reach before the count wraps
# The largest sums those sessions can reach: every field must hold them.
MAX_WEIGHT_SUM = MAX_COUNT * MAX_SESSION_WEIGHT


def _pack(weight: int, ttft: int, tps: int, count: int) -> int:
    return weight | ttft << 62 | tps << 144 | count << 224


@pytest.fixture(scope="module")
def harness(project, owner) -> Any:
    return project.CompletedStatsHarness.deploy(sender=owner)


def test_fields__are_wide_enough_for_the_largest_reachable_sums():
    assert MAX_WEIGHT_SUM < 2**62
    assert MAX_WEIGHT_SUM * MAX_TTFT_MS < 2**82
    assert MAX_WEIGHT_SUM * MAX_TPS < 2**80


def test_add__to_a_word_one_session_short_of_every_maximum__fills_each_field_without_a_carry(harness):
    w, t, s = MAX_SESSION_WEIGHT, MAX_TTFT_MS, MAX_TPS
    before = (MAX_WEIGHT_SUM - w, (MAX_WEIGHT_SUM - w) * t, (MAX_WEIGHT_SUM - w) * s, MAX_COUNT - 1)
    packed = harness.add(_pack(*before), w, t, s)
    assert tuple(harness.unpack(packed)) == (MAX_WEIGHT_SUM, MAX_WEIGHT_SUM * t, MAX_WEIGHT_SUM * s, MAX_COUNT)


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(
    weight=st.integers(min_value=1, max_value=MAX_SESSION_WEIGHT),
    ttft=st.integers(min_value=1, max_value=MAX_TTFT_MS),
    tps=st.integers(min_value=1, max_value=MAX_TPS),
    history=st.tuples(
        st.integers(min_value=0, max_value=MAX_COUNT - 1),
        st.integers(min_value=0, max_value=MAX_SESSION_WEIGHT),
        st.integers(min_value=1, max_value=MAX_TTFT_MS),
        st.integers(min_value=1, max_value=MAX_TPS),
    ),
)
def test_add__any_reachable_history_and_session__adds_each_field_exactly(harness, weight, ttft, tps, history):
    """A history of `count` sessions of one weight and receipt, plus one more session."""
    count, w0, t0, s0 = history
    before = (count * w0, count * w0 * t0, count * w0 * s0, count)
    packed = harness.add(_pack(*before), weight, ttft, tps)
    assert tuple(harness.unpack(packed)) == (
        before[0] + weight,
        before[1] + weight * ttft,
        before[2] + weight * tps,
        count + 1,
    )
