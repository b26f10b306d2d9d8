"""rankWindow scores and sorts one bounded window of a model's usable bids by the caller's
needs (PROTOCOL.md §6, promise 8): the order equals the Python ranking of the same inputs, ties
go to the lower bid id, weights change the order as a user would expect, and the merge of the
windows is the exact global order whatever their width."""

from __future__ import annotations

import pytest

from mor_market.ranking import BALANCED, Weights, merge_windows, rank
from tests.conftest import PRICE
from tests.unit.reputation.conftest import expected_inputs, inputs_of, window

SPEED = Weights(speed=1)
PRICE_ONLY = Weights(price=1)
RELIABILITY = Weights(reliability=6, speed=1)  # v2 weighed reliability 3 and disputes 3: one component now

STAKE = 1_000 * 10**18
PRICES = {"provider": PRICE, "provider2": 2 * PRICE, "stranger": 3 * PRICE}
ENDPOINTS = {"provider": "a.gpu.example:3333", "provider2": "b.gpu.example:3333", "stranger": "c.gpu.example:3333"}


@pytest.fixture
def three_bids(register_provider, provider, provider2, stranger, model_id, post_bid) -> dict[str, int]:
    """Three staked providers bidding for the same model at different prices."""
    for name, account in (("provider", provider), ("provider2", provider2), ("stranger", stranger)):
        register_provider(account, STAKE, ENDPOINTS[name])
    return {
        "provider": post_bid(provider, model_id, PRICES["provider"]),
        "provider2": post_bid(provider2, model_id, PRICES["provider2"]),
        "stranger": post_bid(stranger, model_id, PRICES["stranger"]),
    }


def _ids(reputation, model_id: int, weights: Weights, offset: int = 0, limit: int = 200) -> list[int]:
    return [bid for bid, _ in window(reputation, model_id, weights, offset, limit)]


def test_rank_window__without_history__ties_every_bid_and_orders_them_by_bid_id(
    reputation, params, model_id, three_bids
):
    newcomers = {
        b: expected_inputs([], PRICES[who], params.min_price_per_second, STAKE) for who, b in three_bids.items()
    }
    expected = rank(newcomers, SPEED)
    assert len({s for _, s in expected}) == 1  # no receipts: every speed is the prior's, a three-way tie
    assert _ids(reputation, model_id, SPEED) == sorted(three_bids.values())


def test_rank_window__price_weighted__puts_the_cheapest_first(reputation, model_id, three_bids):
    assert _ids(reputation, model_id, PRICE_ONLY) == [
        three_bids["provider"],
        three_bids["provider2"],
        three_bids["stranger"],
    ]


def test_rank_window__speed_weighted__puts_the_faster_provider_first(
    reputation, model_id, three_bids, history, provider, provider2, funded_pool
):
    history(provider, three_bids["provider"], sessions=2, tps=20)
    history(provider2, three_bids["provider2"], sessions=2, tps=80)
    ranked = _ids(reputation, model_id, SPEED)
    assert ranked.index(three_bids["provider2"]) < ranked.index(three_bids["provider"])


def test_rank_window__a_provider_with_more_disputes__ranks_lower(
    reputation, model_id, three_bids, history, provider, provider2, funded_pool
):
    disputed = history(provider, three_bids["provider"], sessions=3, disputed=2)
    history(provider2, three_bids["provider2"], sessions=3, disputed=0)
    ranked = _ids(reputation, model_id, RELIABILITY)
    assert ranked.index(three_bids["provider2"]) < ranked.index(three_bids["provider"])
    assert inputs_of(reputation, three_bids["provider"]).disputed_weight == 2 * 1_000_000 * 600
    assert [s.completed for s in disputed] == [False, False, True]


def test_rank_window__weights__change_the_order_as_a_user_expects(
    reputation, model_id, three_bids, history, provider, stranger, funded_pool
):
    # The expensive provider is fast; the cheap one is slow.
    history(provider, three_bids["provider"], sessions=2, tps=10)
    history(stranger, three_bids["stranger"], sessions=2, tps=200)
    assert _ids(reputation, model_id, PRICE_ONLY)[0] == three_bids["provider"]
    assert _ids(reputation, model_id, SPEED)[0] == three_bids["stranger"]


def test_rank_window__any_weights__equals_the_python_ranking_of_the_modelled_history(
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
        assert window(reputation, model_id, weights) == rank(inputs, weights)


@pytest.mark.parametrize("width", [1, 2, 3])
def test_rank_window__windows_of_any_width__merge_into_the_whole_ranking(reputation, model_id, three_bids, width):
    whole = window(reputation, model_id, PRICE_ONLY)
    windows = [window(reputation, model_id, PRICE_ONLY, offset, width) for offset in range(0, 3, width)]
    assert all(w == sorted(w, key=lambda item: (-item[1], item[0])) for w in windows)
    assert merge_windows(windows) == whole
    assert sum(len(w) for w in windows) == 3


def test_rank_window__returns_the_number_of_positions_and_each_providers_endpoint(reputation, model_id, three_bids):
    ranked, total = reputation.rankWindow(model_id, BALANCED.as_tuple(), 0, 200)
    assert total == 3
    endpoint_of = {three_bids[who]: ENDPOINTS[who] for who in three_bids}
    assert {int(r[0]): r[4] for r in ranked} == endpoint_of


def test_rank_window__past_the_end_and_with_a_zero_limit__is_empty(reputation, model_id, three_bids):
    assert window(reputation, model_id, BALANCED, 3, 10) == []
    assert window(reputation, model_id, BALANCED, 2**256 - 1, 2**256 - 1) == []
    assert window(reputation, model_id, BALANCED, 0, 0) == []
    assert len(window(reputation, model_id, BALANCED, 0, 2**256 - 1)) == 3


def test_rank_window__a_deleted_bid__is_not_ranked(reputation, marketplace, model_id, three_bids, provider2):
    marketplace.deleteBid(three_bids["provider2"], sender=provider2)
    assert three_bids["provider2"] not in _ids(reputation, model_id, BALANCED)


def test_rank_window__a_suspended_providers_bid__is_not_ranked(
    reputation, marketplace, owner, model_id, three_bids, provider2
):
    marketplace.setWhitelisted(provider2, False, sender=owner)
    ranked, total = reputation.rankWindow(model_id, BALANCED.as_tuple(), 0, 200)
    assert sorted(int(r[0]) for r in ranked) == sorted([three_bids["provider"], three_bids["stranger"]])
    assert total == 3  # its position is still in the list, skipped


def test_rank_window__a_deregistered_model__ranks_nothing(
    reputation, model_registry, model_owner, model_id, three_bids
):
    model_registry.deregisterModel(model_id, sender=model_owner)
    ranked, total = reputation.rankWindow(model_id, BALANCED.as_tuple(), 0, 200)
    assert (list(ranked), total) == ([], 0)
