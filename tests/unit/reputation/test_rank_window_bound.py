"""A window never scores more than Reputation.MAX_WINDOW bids, whatever the caller asks for
(promise 8: a view's gas is bounded by its page), and the windows of a market larger than one
window still merge into the exact Python ranking of every bid's live inputs."""

from __future__ import annotations

import pytest

from mor_market.ranking import BALANCED, Inputs, Weights, merge_windows, rank
from tests.conftest import PRICE
from tests.unit.reputation.conftest import window

CROWD = 230  # more than one window of 200


@pytest.fixture
def crowded_model(project, marketplace, owner, model_id) -> int:
    """CROWD unstaked providers bid for the model at one to five times PRICE (whitelist off)."""
    marketplace.disableWhitelist(sender=owner)
    marketplace.setMinProviderStake(0, sender=owner)
    crowd = project.Crowd.deploy(sender=owner)
    for batch in (60, 60, 60, CROWD - 180):
        crowd.join(marketplace, model_id, PRICE, batch, sender=owner)
    assert marketplace.activeBidCountOfModel(model_id) == CROWD
    return model_id


def test_rank_window__asked_for_more_than_the_maximum__scores_one_window_only(reputation, crowded_model):
    assert reputation.MAX_WINDOW() == 200
    ranked, total = reputation.rankWindow(crowded_model, BALANCED.as_tuple(), 0, 2**256 - 1)
    assert (len(ranked), total) == (200, CROWD)
    ranked, _ = reputation.rankWindow(crowded_model, BALANCED.as_tuple(), 200, 2**256 - 1)
    assert len(ranked) == CROWD - 200


@pytest.mark.parametrize("weights", [BALANCED, Weights(price=1), Weights(price=2, stake=1, experience=1)])
def test_rank_window__windows_of_a_large_market__merge_into_the_python_ranking(
    reputation, marketplace, crowded_model, weights
):
    windows = [window(reputation, crowded_model, weights, offset, 200) for offset in (0, 200)]
    bids = [int(b) for offset in (0, 200) for b in marketplace.activeBidsOfModel(crowded_model, offset, 200)]
    expected = rank({b: Inputs.from_chain(reputation.inputsOf(b)) for b in bids}, weights)
    assert merge_windows(windows) == expected
    assert len(expected) == CROWD
