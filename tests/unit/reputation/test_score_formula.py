"""The on-chain score equals the Python package's score for any inputs the contracts can
hold, extremes included (ReputationMath documents why nothing overflows)."""

from __future__ import annotations

import ape
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mor_market.ranking import BALANCED, NEUTRAL, WAD, Inputs, Weights, components, score

U32, U64, U88, U128 = 2**32 - 1, 2**64 - 1, 2**88 - 1, 2**128 - 1


@st.composite
def inputs(draw: st.DrawFn) -> Inputs:
    completed = draw(st.integers(0, U32))
    disputed = draw(st.integers(0, U32))
    closed_early = draw(st.integers(0, completed + disputed))
    receipts = draw(st.integers(0, completed))
    min_price = draw(st.integers(1, U64))
    return Inputs(
        completed=completed,
        disputed=disputed,
        closed_early=closed_early,
        receipts=receipts,
        seconds_provided=draw(st.integers(0, U64)),
        earnings=draw(st.integers(0, U128)),
        ttft_ms_sum=draw(st.integers(0, U64)) if receipts else 0,
        tps_sum=draw(st.integers(0, U64)) if receipts else 0,
        price_per_second=draw(st.integers(1, U64)),
        min_price_per_second=min_price,
        stake=draw(st.integers(0, U88)),
    )


weights = st.builds(Weights, *[st.integers(0, 2**16 - 1)] * 9).filter(lambda w: w.total > 0)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(x=inputs(), w=weights)
def test_score__any_inputs_and_weights__equals_the_python_score_exactly(reputation, x: Inputs, w: Weights):
    assert reputation.score(x.as_tuple(), w.as_tuple()) == score(x, w)


@settings(max_examples=50, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(x=inputs())
def test_score__maximal_weights_and_values__stays_within_one_wad(reputation, x: Inputs):
    top = Weights(*[2**16 - 1] * 9)
    on_chain = reputation.score(x.as_tuple(), top.as_tuple())
    assert 0 <= on_chain <= WAD
    assert on_chain == score(x, top)


def test_score__all_type_maxima__does_not_overflow(reputation):
    x = Inputs(U32, U32, U32, U32, U64, U128, U64, U64, U64, U64, U88)
    top = Weights(*[2**16 - 1] * 9)
    assert reputation.score(x.as_tuple(), top.as_tuple()) == score(x, top)


def test_score__a_newcomer__gets_the_documented_neutral_components(reputation):
    newcomer = Inputs(price_per_second=2, min_price_per_second=1, stake=0)
    parts = components(newcomer)
    assert parts["reliability"] == parts["early_closes"] == parts["lag"] == parts["speed"] == NEUTRAL
    assert parts["disputes"] == WAD
    assert parts["experience"] == parts["earnings"] == parts["stake"] == 0
    assert parts["price"] == WAD // 2
    assert reputation.score(newcomer.as_tuple(), BALANCED.as_tuple()) == (4 * NEUTRAL + WAD + WAD // 2) // 9


def test_score__all_weights_zero__reverts_with_zero_weights(reputation):
    with ape.reverts(reputation.ZeroWeights):
        reputation.score(Inputs().as_tuple(), Weights().as_tuple())
