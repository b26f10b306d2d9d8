// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ReputationMath} from "../libraries/ReputationMath.sol";

/// @title IReputation
/// @notice Ranked discovery (PROTOCOL.md §6): scores (provider, model) pairs from the statistics
/// the session router records at every close, the bid price and the provider's stake, with
/// weights chosen by the caller, and sorts a model's active bids by that score. Views only:
/// no transaction ever sorts or scans.
interface IReputation {
    /// @notice One ranked bid: its score and every input of the score.
    struct RankedBid {
        uint256 bidId;
        address provider;
        uint256 score;
        ReputationMath.Inputs inputs;
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

    /// @notice A model's active bids sorted by score, highest first, ties by bid id ascending;
    /// then the page `[offset, offset + limit)` of that order.
    /// @dev Reads every active bid of the model (O(n log n) in the view); meant for eth_call.
    /// @param modelId The model.
    /// @param weights The caller's weights.
    /// @param offset First rank to return (0 = best).
    /// @param limit Largest number of bids to return.
    /// @return page The ranked bids.
    function rankedBids(uint32 modelId, ReputationMath.Weights calldata weights, uint256 offset, uint256 limit)
        external
        view
        returns (RankedBid[] memory page);

    /// @notice The marketplace read for bids, prices and stakes.
    /// @return The marketplace.
    function marketplace() external view returns (address);

    /// @notice The session router read for statistics.
    /// @return The router.
    function router() external view returns (address);
}
