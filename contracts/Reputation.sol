// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarketplace} from "./interfaces/IMarketplace.sol";
import {IReputation} from "./interfaces/IReputation.sol";
import {ISessionRouter} from "./interfaces/ISessionRouter.sol";
import {BidIds} from "./libraries/BidIds.sol";
import {ReputationMath} from "./libraries/ReputationMath.sol";

/// @title Reputation
/// @notice Scores and ranks bids by the caller's needs (PROTOCOL.md §6). It holds no state and no
/// MOR; bad actors are penalised only through a lower score.
contract Reputation is IReputation {
    /// @notice Upper bound of a model's active bids that `rankedBids` reads in one call.
    uint256 private constant _ALL = type(uint256).max;

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
        ISessionRouter.Stats memory st = _router.stats(b.provider, b.modelId);
        (uint256 minPrice,) = _marketplace.priceBounds();
        inputs = ReputationMath.Inputs({
            completed: st.completed,
            disputed: st.disputed,
            closedEarly: st.closedEarly,
            receipts: st.receipts,
            secondsProvided: st.secondsProvided,
            earnings: st.earnings,
            ttftMsSum: st.ttftMsSum,
            tpsSum: st.tpsSum,
            pricePerSecond: b.pricePerSecond,
            minPricePerSecond: minPrice,
            stake: _marketplace.providerRecord(b.provider).stake
        });
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
    function rankedBids(uint32 modelId, ReputationMath.Weights calldata weights, uint256 offset, uint256 limit)
        external
        view
        returns (RankedBid[] memory page)
    {
        uint256[] memory bidIds = _marketplace.activeBidsOfModel(modelId, 0, _ALL);
        RankedBid[] memory all = new RankedBid[](bidIds.length);
        for (uint256 i = 0; i < bidIds.length; ++i) {
            ReputationMath.Inputs memory inputs = inputsOf(bidIds[i]);
            all[i] = RankedBid({
                bidId: bidIds[i],
                provider: BidIds.provider(bidIds[i]),
                score: ReputationMath.score(inputs, weights),
                inputs: inputs
            });
        }
        _sort(all);
        uint256 count = offset >= all.length ? 0 : _min(limit, all.length - offset);
        page = new RankedBid[](count);
        for (uint256 i = 0; i < count; ++i) {
            page[i] = all[offset + i];
        }
    }

    /// @inheritdoc IReputation
    function marketplace() external view returns (address) {
        return address(_marketplace);
    }

    /// @inheritdoc IReputation
    function router() external view returns (address) {
        return address(_router);
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
