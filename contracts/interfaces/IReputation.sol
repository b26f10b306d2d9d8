// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ReputationMath} from "../libraries/ReputationMath.sol";

/// @title IReputation
/// @notice Ranked discovery (PROTOCOL.md §6): scores (provider, model) pairs from the statistics
/// the session router records at every close, the bid price and the provider's stake, with
/// weights chosen by the caller, and sorts a model's usable bids by that score in bounded
/// windows. Views only: no transaction ever sorts or scans.
interface IReputation {
    /// @notice One ranked bid: its score, every input of the score, and where its provider
    /// serves.
    struct RankedBid {
        uint256 bidId;
        address provider;
        uint256 score;
        ReputationMath.Inputs inputs;
        string endpoint;
    }

    /// @notice The inputs of the score of a bid, read from the marketplace and the router.
    /// @param bidId An active bid.
    /// @return The inputs.
    function inputsOf(uint256 bidId) external view returns (ReputationMath.Inputs memory);

    /// @notice The score of an active bid with the caller's weights, in [0, 1e18].
    /// @param bidId An active bid.
    /// @param weights The caller's weights.
    /// @return The score.
    function scoreOf(uint256 bidId, ReputationMath.Weights calldata weights) external view returns (uint256);

    /// @notice The score of arbitrary inputs (the formula itself, for off-chain checks).
    /// @param inputs The inputs.
    /// @param weights The weights.
    /// @return The score.
    function score(ReputationMath.Inputs calldata inputs, ReputationMath.Weights calldata weights)
        external
        pure
        returns (uint256);

    /// @notice One window of a model's ranking: the usable bids at positions
    /// `[offset, offset + min(limit, 200))` of the model's list of active bids (as
    /// `IMarketplace.bidListings` pages it), scored with the caller's weights and sorted, highest
    /// score first, ties by bid id ascending.
    /// @dev Gas is bounded by the window (at most 200 bids), never by the market's size. The
    /// exact global order of any number of bids is the merge of the sorted windows
    /// `offset = 0, w, 2w, ...` up to `total` (by score descending, then bid id ascending), as
    /// `mor_market.ranking.merge_windows` does; windows must be read at one block.
    /// @param modelId The model.
    /// @param weights The caller's weights.
    /// @param offset First position of the window.
    /// @param limit Width of the window (at most 200).
    /// @return ranked The window's usable bids, sorted.
    /// @return total Number of positions in the model's list (`activeBidCountOfModel`).
    function rankWindow(uint32 modelId, ReputationMath.Weights calldata weights, uint256 offset, uint256 limit)
        external
        view
        returns (RankedBid[] memory ranked, uint256 total);

    /// @notice The marketplace read for bids, prices and stakes.
    /// @return The marketplace.
    function marketplace() external view returns (address);

    /// @notice The session router read for statistics.
    /// @return The router.
    function router() external view returns (address);
}
