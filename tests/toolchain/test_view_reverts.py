"""A measured fact about Ape 0.8 with anvil, and the project's answer to it: around a *view*
call `ape.reverts(error, **inputs)` passes for any revert (the custom error is left undecoded),
so tests assert a view's custom error with tests/utils/views.py::assert_view_reverts, which
decodes the raw revert data and fails on another error or other arguments."""

from __future__ import annotations

import ape
import pytest

from mor_market.ranking import Inputs, Weights
from tests.utils.views import assert_view_reverts


def test_ape_reverts__around_a_view__accepts_a_different_error(protocol):
    # Documents the gap (if Ape starts checking, this fails and the helper may be retired).
    with ape.reverts(protocol.marketplace.BidNotActive, bidId=12345):
        protocol.reputation.score(Inputs().as_tuple(), Weights().as_tuple())


def test_assert_view_reverts__the_right_error__passes(protocol):
    assert_view_reverts(
        protocol.reputation.ZeroWeights, protocol.reputation.score, Inputs().as_tuple(), Weights().as_tuple()
    )


def test_assert_view_reverts__another_error_or_arguments_or_no_revert__fails(protocol):
    with pytest.raises(AssertionError, match="expected BidNotActive"):
        assert_view_reverts(
            protocol.marketplace.BidNotActive, protocol.reputation.score, Inputs().as_tuple(), Weights().as_tuple()
        )
    with pytest.raises(AssertionError, match="bidId"):
        assert_view_reverts(protocol.marketplace.BidNotActive, protocol.marketplace.activeBid, 7, bidId=8)
    with pytest.raises(AssertionError, match="did not revert"):
        assert_view_reverts(protocol.marketplace.BidNotActive, protocol.marketplace.bidFee)
