"""rankedBids sorts a model's active bids by the caller's needs: the order equals the Python
ranking of the same inputs, ties go to the lower bid id, and weights change the order as a
user would expect."""

from __future__ import annotations

import ape
import pytest

from mor_market.ranking import BALANCED, Weights, rank
from tests.conftest import PRICE
from tests.unit.reputation.conftest import expected_inputs, inputs_of

SPEED = Weights(speed=1)
PRICE_ONLY = Weights(price=1)
RELIABILITY = Weights(reliability=3, disputes=3, speed=1)


STAKE = 1_000 * 10**18
PRICES = {"provider": PRICE, "provider2": 2 * PRICE, "stranger": 3 * PRICE}


@pytest.fixture
def three_bids(register_provider, provider, provider2, stranger, model_id, post_bid) -> dict[str, int]:
    """Three staked providers bidding for the same model at different prices."""
    for account in (provider, provider2, stranger):
        register_provider(account, STAKE)
    return {
        "provider": post_bid(provider, model_id, PRICES["provider"]),
        "provider2": post_bid(provider2, model_id, PRICES["provider2"]),
        "stranger": post_bid(stranger, model_id, PRICES["stranger"]),
    }


def _ranked(reputation, model_id: int, weights: Weights, offset: int = 0, limit: int = 100) -> list[int]:
    return [r.bidId for r in reputation.rankedBids(model_id, weights.as_tuple(), offset, limit)]


def test_ranked_bids__without_history__orders_by_the_python_ranking_with_ties_by_bid_id(
    reputation, params, model_id, three_bids
):
    newcomers = {
        b: expected_inputs([], PRICES[who], params.min_price_per_second, STAKE) for who, b in three_bids.items()
    }
    expected = rank(newcomers, SPEED)
    assert len({s for _, s in expected}) == 1  # no receipts: every speed is the prior's, a three-way tie
    assert _ranked(reputation, model_id, SPEED) == sorted(three_bids.values())


def test_ranked_bids__price_weighted__puts_the_cheapest_first(reputation, model_id, three_bids):
    assert _ranked(reputation, model_id, PRICE_ONLY) == [
        three_bids["provider"],
        three_bids["provider2"],
        three_bids["stranger"],
    ]


def test_ranked_bids__speed_weighted__puts_the_faster_provider_first(
    reputation, model_id, three_bids, history, provider, provider2, funded_pool
):
    history(provider, three_bids["provider"], sessions=2, tps=20)
    history(provider2, three_bids["provider2"], sessions=2, tps=80)
    ranked = _ranked(reputation, model_id, SPEED)
    assert ranked.index(three_bids["provider2"]) < ranked.index(three_bids["provider"])


def test_ranked_bids__a_provider_with_more_disputes__ranks_lower(
    reputation, model_id, three_bids, history, provider, provider2, funded_pool
):
    disputed = history(provider, three_bids["provider"], sessions=3, disputed=2)
    history(provider2, three_bids["provider2"], sessions=3, disputed=0)
    ranked = _ranked(reputation, model_id, RELIABILITY)
    assert ranked.index(three_bids["provider2"]) < ranked.index(three_bids["provider"])
    assert inputs_of(reputation, three_bids["provider"]).disputed_weight == 2 * 1_000_000 * 600
    assert [s.completed for s in disputed] == [False, False, True]


def test_ranked_bids__weights__change_the_order_as_a_user_expects(
    reputation, model_id, three_bids, history, provider, stranger, funded_pool
):
    # The expensive provider is fast; the cheap one is slow.
    history(provider, three_bids["provider"], sessions=2, tps=10)
    history(stranger, three_bids["stranger"], sessions=2, tps=200)
    by_price = _ranked(reputation, model_id, PRICE_ONLY)
    by_speed = _ranked(reputation, model_id, SPEED)
    assert by_price[0] == three_bids["provider"]
    assert by_speed[0] == three_bids["stranger"]


def test_ranked_bids__any_weights__equal_the_python_ranking_of_the_modelled_history(
    reputation, params, model_id, three_bids, history, provider, provider2, funded_pool
):
    sessions = {
        "provider": history(provider, three_bids["provider"], sessions=3, disputed=1, ttft_ms=900, tps=30),
        "provider2": history(provider2, three_bids["provider2"], sessions=1, ttft_ms=200, tps=60, seconds=1_800),
        "stranger": [],
    }
    inputs = {
        three_bids[who]: expected_inputs(sessions[who], PRICES[who], params.min_price_per_second, STAKE)
        for who in three_bids
    }
    for weights in (BALANCED, SPEED, PRICE_ONLY, RELIABILITY, Weights(lag=5, stake=1), Weights(experience=1)):
        on_chain = reputation.rankedBids(model_id, weights.as_tuple(), 0, 10)
        assert [(r.bidId, r.score) for r in on_chain] == rank(inputs, weights)


def test_ranked_bids__pages__concatenate_to_the_whole_ranking(reputation, model_id, three_bids):
    whole = _ranked(reputation, model_id, PRICE_ONLY)
    pages = [_ranked(reputation, model_id, PRICE_ONLY, offset, 2) for offset in (0, 2, 4)]
    assert pages[0] + pages[1] == whole
    assert pages[2] == []


def test_ranked_bids__a_deleted_bid__is_not_listed(reputation, marketplace, model_id, three_bids, provider2):
    marketplace.deleteBid(three_bids["provider2"], sender=provider2)
    assert three_bids["provider2"] not in _ranked(reputation, model_id, BALANCED)
    with ape.reverts(marketplace.BidNotActive, bidId=three_bids["provider2"]):
        reputation.inputsOf(three_bids["provider2"])
