"""scoreOf(bid, weights) is the score of the bid's live inputs: the same number rankWindow
gives the bid and the Python package computes; the inputs are the MOR-second-weighted sums of
the bid's history (PROTOCOL.md §6); an inactive bid has no score; a price of zero, which no bid
can carry, still scores (its price component is zero, never a division by zero)."""

from __future__ import annotations

from mor_market.constants import MOR
from mor_market.ranking import (
    BALANCED,
    MAX_SESSION_WEIGHT,
    PRIOR_WEIGHT,
    WAD,
    Inputs,
    Weights,
    components,
    score,
)
from tests.conftest import PRICE
from tests.unit.reputation.conftest import expected_inputs, inputs_of, window
from tests.utils.views import assert_view_reverts

QUALITY = Weights(reliability=3, early_closes=3, lag=2, speed=2, price=1)


def test_score_of__a_bid_with_history__equals_the_python_score_and_the_ranked_score(
    reputation, registered_provider, provider_stake, params, model_id, post_bid, history, funded_pool
):
    bid = post_bid(registered_provider, model_id, PRICE)
    sessions = history(registered_provider, bid, sessions=3, disputed=1, ttft_ms=420, tps=55)
    expected = expected_inputs(sessions, PRICE, params.min_price_per_second, provider_stake)

    for weights in (BALANCED, QUALITY):
        on_chain = reputation.scoreOf(bid, weights.as_tuple())
        assert on_chain == score(expected, weights)
        assert window(reputation, model_id, weights) == [(bid, on_chain)]


def test_inputs_of__a_history__are_the_weighted_sums_of_its_sessions(
    reputation, registered_provider, provider_stake, params, model_id, post_bid, history, funded_pool
):
    bid = post_bid(registered_provider, model_id, PRICE)
    sessions = history(registered_provider, bid, sessions=2, disputed=1, seconds=600, stake=500 * MOR)
    sessions += history(registered_provider, bid, sessions=2, ttft_ms=900, tps=25, seconds=1_200, stake=2_000 * MOR)
    sessions += history(registered_provider, bid, sessions=1, ttft_ms=150, tps=120, seconds=900, stake=100 * MOR + 1)
    sessions += history(registered_provider, bid, sessions=1, ttft_ms=50, tps=500, seconds=599, stake=1_000 * MOR)

    expected = expected_inputs(sessions, PRICE, params.min_price_per_second, provider_stake)
    assert inputs_of(reputation, bid) == expected
    # w = min(stake // 1e15 * seconds, 864,000,000): 500,000 x 600 twice (one disputed), the cap
    # twice (2,000,000 x 1,200 is above it), 100,000 x 900 for a stake of 100 MOR and a wei (the
    # wei is below the weight unit), and nothing for the session of 599 s (below the minimum).
    cap = MAX_SESSION_WEIGHT
    assert expected.weight == 2 * 500_000 * 600 + 2 * cap + 100_000 * 900
    assert expected.disputed_weight == 500_000 * 600
    assert expected.completed_weight == 500_000 * 600 + 2 * cap + 100_000 * 900
    assert expected.ttft_weighted == 500_000 * 600 * 500 + 2 * cap * 900 + 100_000 * 900 * 150


def test_score_of__a_completed_history_of_four_priors__has_a_reliability_of_nine_tenths(
    reputation, registered_provider, model_id, post_bid, history, funded_pool
):
    """The prior's meaning on chain: four sessions of 1,000 MOR for 864 s are 4 P of completed
    weight (one session weighs at most P)."""
    bid = post_bid(registered_provider, model_id, PRICE)
    sessions = history(registered_provider, bid, sessions=4, seconds=864)
    assert [s.seconds for s in sessions] == [864] * 4  # each session lasts longer than that
    assert inputs_of(reputation, bid).completed_weight == 4 * PRIOR_WEIGHT
    assert reputation.scoreOf(bid, Weights(reliability=1).as_tuple()) == 9 * WAD // 10


def test_score_of__one_long_session__weighs_one_prior_at_most(
    reputation, registered_provider, model_id, post_bid, history, funded_pool
):
    """1,000 MOR for 3,456 s would be 4 P uncapped; as one session it weighs P, so reliability
    reaches only (P + P/2) / 2P = 3/4."""
    bid = post_bid(registered_provider, model_id, PRICE)
    history(registered_provider, bid, sessions=1, seconds=3_456)
    assert inputs_of(reputation, bid).completed_weight == PRIOR_WEIGHT
    assert reputation.scoreOf(bid, Weights(reliability=1).as_tuple()) == 3 * WAD // 4


def test_score_of__one_dispute_after_one_or_ten_sessions__lowers_reliability_by_the_same_amount(
    reputation, register_provider, provider, provider2, model_id, post_bid, history, funded_pool
):
    """Rates, not counts: the same completed weight in ten sessions instead of one (1,000 MOR or
    ten times 100 MOR, 600 s each), and the same dispute after it, give the same reliability."""
    for account in (provider, provider2):
        register_provider(account, 1_000 * MOR)
    one, ten = post_bid(provider, model_id, PRICE), post_bid(provider2, model_id, PRICE)
    history(provider, one, sessions=1, seconds=600)
    history(provider2, ten, sessions=10, seconds=600, stake=100 * MOR)
    reliability = Weights(reliability=1).as_tuple()
    before = (reputation.scoreOf(one, reliability), reputation.scoreOf(ten, reliability))
    history(provider, one, sessions=1, disputed=1, seconds=600, stake=200 * MOR)
    history(provider2, ten, sessions=1, disputed=1, seconds=600, stake=200 * MOR)
    after = (reputation.scoreOf(one, reliability), reputation.scoreOf(ten, reliability))

    assert before[0] == before[1] and after[0] == after[1]
    expected = components(Inputs(weight=720_000_000, completed_weight=600_000_000, disputed_weight=120_000_000))
    assert after[0] == expected["reliability"] < before[0]


def test_score_of__a_deleted_bid__reverts_bid_not_active(
    reputation, marketplace, registered_provider, model_id, post_bid
):
    bid = post_bid(registered_provider, model_id, PRICE)
    marketplace.deleteBid(bid, sender=registered_provider)

    assert_view_reverts(marketplace.BidNotActive, reputation.scoreOf, bid, BALANCED.as_tuple(), bidId=bid)


def test_score__a_zero_price__gives_a_zero_price_component_not_a_division_by_zero(reputation):
    free = Inputs(price_per_second=0, min_price_per_second=1)
    assert components(free)["price"] == 0
    assert reputation.score(free.as_tuple(), Weights(price=1).as_tuple()) == 0
    assert reputation.score(free.as_tuple(), BALANCED.as_tuple()) == score(free, BALANCED)
