"""The on-chain score equals the Python package's score for any inputs the contracts can
hold, extremes included (ReputationMath documents why nothing overflows); a newcomer starts at
the prior; the prior means what ReputationMath says; rates move the way a user expects, and a
session no consumer rated is in no rate (v3: eight components, reliability over the rated
weight only)."""

from __future__ import annotations

from dataclasses import replace

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mor_market.constants import DAY, MOR
from mor_market.ranking import (
    BALANCED,
    MAX_SESSION_WEIGHT,
    PRIOR_WEIGHT,
    WAD,
    Inputs,
    Weights,
    components,
    score,
    session_weight,
)
from tests.conftest import PRICE
from tests.unit.reputation.conftest import SESSION_STAKE, Closed, component_on_chain, expected_inputs
from tests.utils.views import assert_view_reverts

# The bounds a pair's statistics can reach (ReputationMath, SessionRouter._recordServed).
U64, U72, U96, U112 = 2**64 - 1, 2**72 - 1, 2**96 - 1, 2**112 - 1
TTFT_MAX, TPS_MAX = 600_000, 100_000  # a receipt's physical bounds (ms, tokens per second)
P = PRIOR_WEIGHT
RATES = ("reliability", "early_closes", "lag", "speed")
COMPONENTS = (*RATES, "experience", "earnings", "price", "stake")
FUNCTION_SCOPED = [HealthCheck.function_scoped_fixture]

# Weight sums: mostly around the prior (where the components move), sometimes up to the type bound.
weight_sums = st.one_of(st.integers(0, 100 * P), st.integers(0, U72))


@st.composite
def inputs(draw: st.DrawFn) -> Inputs:
    """Inputs the contracts can hold: Wc + Wd <= W and We <= Wc + Wd by construction; the weighted
    measurements either within the receipt bounds (Wc <= T <= 600,000 Wc, Wc <= S <= 100,000 Wc)
    or anything below their type bound."""
    weight = draw(weight_sums)
    completed = draw(st.integers(0, weight))
    disputed = draw(st.integers(0, weight - completed))
    closed_early = draw(st.integers(0, completed + disputed))
    if draw(st.booleans()):
        ttft = draw(st.integers(completed, completed * TTFT_MAX))
        tps = draw(st.integers(completed, completed * TPS_MAX))
    else:
        ttft, tps = draw(st.integers(0, U112)), draw(st.integers(0, U112))
    return Inputs(
        weight=weight,
        completed_weight=completed,
        disputed_weight=disputed,
        closed_early_weight=closed_early,
        ttft_weighted=ttft,
        tps_weighted=tps,
        earnings=draw(st.one_of(st.integers(0, 10**24), st.integers(0, U112))),
        price_per_second=draw(st.integers(0, U64)),
        min_price_per_second=draw(st.integers(0, U64)),
        stake=draw(st.one_of(st.integers(0, 10**24), st.integers(0, U96))),
    )


weights = st.builds(Weights, *[st.integers(0, 2**16 - 1)] * 8).filter(lambda w: w.total > 0)
TOP = Weights(*[2**16 - 1] * 8)


def _session(seconds: int, completed: bool = True, stake: int = SESSION_STAKE) -> Closed:
    return Closed(stake, seconds, PRICE, completed, True, 500, 40)


# ------------------------------------------------------------------ the contract equals Python


@settings(max_examples=300, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(x=inputs(), w=weights)
def test_score__any_inputs_and_weights__equals_the_python_score_exactly(reputation, x: Inputs, w: Weights):
    assert reputation.score(x.as_tuple(), w.as_tuple()) == score(x, w)


@settings(max_examples=50, deadline=None, suppress_health_check=FUNCTION_SCOPED)
@given(x=inputs())
def test_score__maximal_weights_and_values__stays_within_one_wad(reputation, x: Inputs):
    on_chain = reputation.score(x.as_tuple(), TOP.as_tuple())
    assert 0 <= on_chain <= WAD
    assert on_chain == score(x, TOP)
    assert all(0 <= c <= WAD for c in components(x).values())


def test_score__all_type_maxima__does_not_overflow(reputation):
    everything_completed = Inputs(U72, U72, 0, U72, U112, U112, U112, U64, U64, U96)
    everything_disputed = Inputs(U72, 0, U72, U72, U112, U112, U112, U64, U64, U96)
    cheapest_possible = Inputs(U72, U72, 0, 0, 0, U112, U112, 1, U64, U96)  # min price above price: capped
    for x in (everything_completed, everything_disputed, cheapest_possible):
        on_chain = reputation.score(x.as_tuple(), TOP.as_tuple())
        assert on_chain == score(x, TOP)
        assert 0 <= on_chain <= WAD
    assert components(cheapest_possible)["price"] == WAD


def test_score__all_weights_zero__reverts_with_zero_weights(reputation):
    assert_view_reverts(reputation.ZeroWeights, reputation.score, Inputs().as_tuple(), Weights().as_tuple())


# ------------------------------------------------------------------ the eight components


def test_weights__have_eight_fields_in_the_contracts_order_without_a_disputes_component(reputation):
    """v3 drops the separate disputes share (it equals reliability once unrated sessions leave the
    denominator): one weight per component, and each weight alone selects its own component."""
    assert [f for f in Weights.__dataclass_fields__] == [
        "reliability",
        "early_closes",
        "experience",
        "earnings",
        "lag",
        "speed",
        "price",
        "stake",
    ]
    assert "disputes" not in components(Inputs())
    x = Inputs(
        weight=9 * P,
        completed_weight=3 * P,
        disputed_weight=2 * P,
        closed_early_weight=P,
        ttft_weighted=3 * P * 700,
        tps_weighted=3 * P * 20,
        earnings=7 * MOR,
        price_per_second=3,
        min_price_per_second=2,
        stake=400 * MOR,
    )
    parts = components(x)
    assert len(set(parts.values())) == len(parts) == 8  # all different: no weight can pick another's
    for name, value in parts.items():
        assert component_on_chain(reputation, x, name) == value


# ------------------------------------------------------------------ a newcomer starts at the prior


def test_score__a_newcomer__gets_the_documented_prior_components(reputation):
    newcomer = Inputs(price_per_second=2, min_price_per_second=1, stake=0)
    parts = components(newcomer)
    assert all(parts[name] == WAD // 2 for name in RATES)
    assert parts["experience"] == parts["earnings"] == parts["stake"] == 0
    assert parts["price"] == WAD // 2
    for name, value in parts.items():
        assert component_on_chain(reputation, newcomer, name) == value
    # Four rates and the price at one half, three components at zero, out of eight.
    assert reputation.score(newcomer.as_tuple(), BALANCED.as_tuple()) == (5 * (WAD // 2)) // 8


# ------------------------------------------------------------------ what the prior means


def test_reliability__only_completed_sessions__reaches_nine_tenths_exactly_at_four_priors(reputation):
    at = Inputs(weight=4 * P, completed_weight=4 * P)
    just_before = Inputs(weight=4 * P - 1, completed_weight=4 * P - 1)
    assert components(at)["reliability"] == 9 * WAD // 10
    assert components(just_before)["reliability"] < 9 * WAD // 10
    assert component_on_chain(reputation, at, "reliability") == 9 * WAD // 10
    assert component_on_chain(reputation, just_before, "reliability") == components(just_before)["reliability"]
    # One session weighs at most one prior: 4 P takes four sessions, each of 1,000 MOR for 864 s
    # or more; one session of 1,000 MOR for 3,456 s (4 P uncapped) weighs P.
    assert MAX_SESSION_WEIGHT == P
    assert 4 * session_weight(SESSION_STAKE, 864) == 4 * P
    assert session_weight(SESSION_STAKE, 3_456) == P


# Ten sessions of 10 MOR for 8,640 s make exactly one cap: every split below stays uncapped.
SMALL_STAKE = 10 * MOR


@settings(max_examples=200, deadline=None)
@given(
    seconds=st.lists(st.integers(600, 8_640), min_size=1, max_size=10),
    disputed_seconds=st.integers(600, DAY),
)
def test_reliability__a_dispute_among_completed_sessions__depends_only_on_the_weight_sums(
    seconds: list[int], disputed_seconds: int
):
    """A dispute among completed sessions weighs the same whether their seconds are one
    session or many (each of the minimum or more, none capped): the components depend on the
    weight sums only, not on the number of sessions."""
    dispute = _session(disputed_seconds, completed=False, stake=SMALL_STAKE)
    split = expected_inputs([*(_session(s, stake=SMALL_STAKE) for s in seconds), dispute], PRICE, PRICE, 0)
    whole = expected_inputs([_session(sum(seconds), stake=SMALL_STAKE), dispute], PRICE, PRICE, 0)
    assert (split.weight, split.completed_weight, split.disputed_weight) == (
        whole.weight,
        whole.completed_weight,
        whole.disputed_weight,
    )
    assert split.completed_weight == sum(seconds) * 10_000  # no session was capped
    assert components(split)["reliability"] == components(whole)["reliability"]
    assert components(split)["early_closes"] == components(whole)["early_closes"]


@settings(max_examples=200, deadline=None)
@given(weight=st.integers(1, U72), data=st.data())
def test_reliability__a_dispute__lowers_it_by_its_weight_share(weight: int, data: st.DataObject):
    """Over the same history, turning a completed session of weight w into a disputed one lowers
    reliability by w / (Wr + P) (to the rounding of one division)."""
    disputed = data.draw(st.integers(1, weight))
    completed = Inputs(weight=weight, completed_weight=weight)
    with_dispute = Inputs(weight=weight, completed_weight=weight - disputed, disputed_weight=disputed)
    drop = components(completed)["reliability"] - components(with_dispute)["reliability"]
    share = disputed * WAD // (weight + P)
    assert share - 1 <= drop <= share + 1


# ------------------------------------------------------------------ monotonicity


@settings(max_examples=300, deadline=None)
@given(x=inputs(), more=st.integers(0, U72))
def test_reliability__more_completed_weight__never_lowers_it(x: Inputs, more: int):
    more = min(more, U72 - x.weight)
    after = replace(x, weight=x.weight + more, completed_weight=x.completed_weight + more)
    assert components(after)["reliability"] >= components(x)["reliability"]


@settings(max_examples=300, deadline=None)
@given(x=inputs(), more=st.integers(0, U72))
def test_reliability__more_disputed_weight__never_raises_it(x: Inputs, more: int):
    more = min(more, U72 - x.weight)
    after = replace(x, weight=x.weight + more, disputed_weight=x.disputed_weight + more)
    assert components(after)["reliability"] <= components(x)["reliability"]


@settings(max_examples=300, deadline=None)
@given(x=inputs(), more=st.integers(0, U72))
def test_rates__more_unrated_weight__leaves_every_rate_and_mean_unchanged_and_never_lowers_experience(
    x: Inputs, more: int
):
    """A close by anyone but the consumer that the consumer never rates (the provider pre-empting,
    a keeper) adds weight no one rated: it is in no rate and no mean (reliability, early closes,
    lag, speed stay as they were) and counts only as experience."""
    more = min(more, U72 - x.weight)
    before, after = components(x), components(replace(x, weight=x.weight + more))
    assert {name: after[name] for name in RATES} == {name: before[name] for name in RATES}
    assert after["experience"] >= before["experience"]


def test_rates__unrated_weight__is_in_no_rate_on_chain(reputation):
    rated = Inputs(weight=3 * P, completed_weight=2 * P, disputed_weight=P, closed_early_weight=P)
    with_unrated = replace(rated, weight=rated.weight + 5 * P)
    for name in RATES:
        assert component_on_chain(reputation, with_unrated, name) == component_on_chain(reputation, rated, name)
    assert component_on_chain(reputation, with_unrated, "reliability") == (2 * P + P // 2) * WAD // (3 * P + P)
    assert component_on_chain(reputation, with_unrated, "experience") > component_on_chain(
        reputation, rated, "experience"
    )


def test_rates__growing_completed_then_disputed_weight__move_monotonically_on_chain(reputation):
    steps = [0, 1, P // 10, P, 4 * P, 40 * P, 10**6 * P]
    completed = [component_on_chain(reputation, Inputs(weight=w, completed_weight=w), "reliability") for w in steps]
    assert completed == sorted(completed)
    assert completed[0] == WAD // 2 and completed[4] == 9 * WAD // 10
    base = 4 * P
    disputed = [
        component_on_chain(reputation, Inputs(weight=base + d, completed_weight=base, disputed_weight=d), "reliability")
        for d in steps
    ]
    assert disputed == sorted(disputed, reverse=True)
    assert disputed[0] == 9 * WAD // 10  # no dispute yet: 4 P completed
