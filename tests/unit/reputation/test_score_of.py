"""scoreOf(bid, weights) is the score of the bid's live inputs: the same number rankedBids
gives the bid and the Python package computes; an inactive bid has no score; a price of zero,
which no bid can carry, still scores (its price component is zero, never a division by zero)."""

from __future__ import annotations

import ape

from mor_market.ranking import BALANCED, Inputs, Weights, components, score
from tests.conftest import PRICE
from tests.unit.reputation.conftest import inputs_of

QUALITY = Weights(reliability=3, disputes=3, lag=2, speed=2, price=1)


def test_score_of__a_bid_with_history__equals_the_python_score_and_the_ranked_score(
    reputation, registered_provider, model_id, post_bid, history, funded_pool
):
    bid = post_bid(registered_provider, model_id, PRICE)
    history(registered_provider, bid, sessions=3, disputed=1, ttft_ms=420, tps=55)

    for weights in (BALANCED, QUALITY):
        on_chain = reputation.scoreOf(bid, weights.as_tuple())
        assert on_chain == score(inputs_of(reputation, bid), weights)
        ranked = reputation.rankedBids(model_id, weights.as_tuple(), 0, 10)
        assert [(r.bidId, r.score) for r in ranked] == [(bid, on_chain)]


def test_score_of__a_deleted_bid__reverts_bid_not_active(
    reputation, marketplace, registered_provider, model_id, post_bid
):
    bid = post_bid(registered_provider, model_id, PRICE)
    marketplace.deleteBid(bid, sender=registered_provider)

    with ape.reverts(marketplace.BidNotActive, bidId=bid):
        reputation.scoreOf(bid, BALANCED.as_tuple())


def test_score__a_zero_price__gives_a_zero_price_component_not_a_division_by_zero(reputation):
    free = Inputs(price_per_second=0, min_price_per_second=1)
    assert components(free)["price"] == 0
    assert reputation.score(free.as_tuple(), Weights(price=1).as_tuple()) == 0
    assert reputation.score(free.as_tuple(), BALANCED.as_tuple()) == score(free, BALANCED)
