// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarketplace} from "./interfaces/IMarketplace.sol";
import {IReputation} from "./interfaces/IReputation.sol";
import {ISessionRouter} from "./interfaces/ISessionRouter.sol";
import {ReputationMath} from "./libraries/ReputationMath.sol";

/// @title Reputation
/// @notice Scores and ranks bids by the caller's needs (PROTOCOL.md §6). It holds no state and no
/// MOR; bad actors are penalised only through a lower score.
contract Reputation is IReputation {
    /// @notice Largest window of `rankWindow`: 200 bids score and sort in under 10M gas, a
    /// third of the 30M an `eth_call` is commonly allowed.
    uint256 public constant MAX_WINDOW = 200;

    IMarketplace private immutable _marketplace;
    ISessionRouter private immutable _router;

    constructor(IMarketplace marketplace_, ISessionRouter router_) {
        _marketplace = marketplace_;
        _router = router_;
    }

    /// @inheritdoc IReputation
    function inputsOf(uint256 bidId) public view returns (ReputationMath.Inputs memory inputs) {
        IMarketplace.Bid memory b = _marketplace.bid(bidId);
        if (!b.active) revert IMarketplace.BidNotActive(bidId);
        // slither-disable-next-line unused-return -- only the lower price bound enters the score
        (uint256 minPrice,) = _marketplace.priceBounds();
        inputs = _inputs(
            _router.stats(b.provider, b.modelId),
            b.pricePerSecond,
            minPrice,
            _marketplace.providerRecord(b.provider).stake
        );
    }

    /// @inheritdoc IReputation
    function scoreOf(uint256 bidId, ReputationMath.Weights calldata weights) external view returns (uint256) {
        return ReputationMath.score(inputsOf(bidId), weights);
    }

    /// @inheritdoc IReputation
    function score(ReputationMath.Inputs calldata inputs, ReputationMath.Weights calldata weights)
        external
        pure
        returns (uint256)
    {
        return ReputationMath.score(inputs, weights);
    }

    /// @inheritdoc IReputation
    function rankWindow(uint32 modelId, ReputationMath.Weights calldata weights, uint256 offset, uint256 limit)
        external
        view
        returns (RankedBid[] memory ranked, uint256 total)
    {
        (ranked, total) = _scoreWindow(modelId, weights, offset, _min(limit, MAX_WINDOW));
        _sort(ranked);
    }

    /// @inheritdoc IReputation
    function marketplace() external view returns (address) {
        return address(_marketplace);
    }

    /// @inheritdoc IReputation
    function router() external view returns (address) {
        return address(_router);
    }

    /// @dev The usable bids at positions `[offset, offset + limit)` of the model's list, scored.
    /// Two batched reads (listings, statistics) instead of several calls per bid.
    function _scoreWindow(uint32 modelId, ReputationMath.Weights calldata weights, uint256 offset, uint256 limit)
        private
        view
        returns (RankedBid[] memory ranked, uint256 total)
    {
        IMarketplace.Listing[] memory listings;
        (listings, total) = _marketplace.bidListings(modelId, offset, limit);
        address[] memory providers = new address[](listings.length);
        for (uint256 i = 0; i < listings.length; ++i) {
            providers[i] = listings[i].provider;
        }
        ISessionRouter.Stats[] memory stats = _router.statsOf(providers, modelId);
        // slither-disable-next-line unused-return -- only the lower price bound enters the score
        (uint256 minPrice,) = _marketplace.priceBounds();
        ranked = new RankedBid[](listings.length);
        for (uint256 i = 0; i < listings.length; ++i) {
            IMarketplace.Listing memory listing = listings[i];
            ReputationMath.Inputs memory inputs =
                _inputs(stats[i], listing.pricePerSecond, minPrice, listing.providerStake);
            ranked[i] = RankedBid({
                bidId: listing.bidId,
                provider: listing.provider,
                score: ReputationMath.score(inputs, weights),
                inputs: inputs,
                endpoint: listing.endpoint
            });
        }
    }

    function _inputs(ISessionRouter.Stats memory st, uint256 price, uint256 minPrice, uint256 stake)
        private
        pure
        returns (ReputationMath.Inputs memory)
    {
        return ReputationMath.Inputs({
            weight: st.weight,
            completedWeight: st.completedWeight,
            disputedWeight: st.disputedWeight,
            closedEarlyWeight: st.closedEarlyWeight,
            ttftWeighted: st.ttftWeighted,
            tpsWeighted: st.tpsWeighted,
            earnings: st.earnings,
            pricePerSecond: price,
            minPricePerSecond: minPrice,
            stake: stake
        });
    }

    /// @dev Heap sort (O(n log n), no recursion): highest score first, ties by bid id ascending.
    function _sort(RankedBid[] memory items) private pure {
        uint256 n = items.length;
        if (n < 2) return;
        for (uint256 start = n / 2; start > 0; --start) {
            _siftDown(items, start - 1, n);
        }
        for (uint256 end = n - 1; end > 0; --end) {
            (items[0], items[end]) = (items[end], items[0]);
            _siftDown(items, 0, end);
        }
    }

    /// @dev Max-heap on "ranks after": the root is the item that must come last.
    function _siftDown(RankedBid[] memory items, uint256 root, uint256 end) private pure {
        while (true) {
            uint256 child = 2 * root + 1;
            if (child >= end) return;
            if (child + 1 < end && _ranksAfter(items[child + 1], items[child])) ++child;
            if (!_ranksAfter(items[child], items[root])) return;
            (items[root], items[child]) = (items[child], items[root]);
            root = child;
        }
    }

    /// @dev Whether `a` comes after `b` in the ranking.
    function _ranksAfter(RankedBid memory a, RankedBid memory b) private pure returns (bool) {
        if (a.score != b.score) return a.score < b.score;
        return a.bidId > b.bidId;
    }

    function _min(uint256 a, uint256 b) private pure returns (uint256) {
        return a < b ? a : b;
    }
}
