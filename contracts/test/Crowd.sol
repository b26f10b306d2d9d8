// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarketplace} from "../interfaces/IMarketplace.sol";
import {CrowdMember} from "./CrowdMember.sol";

/// @title Crowd
/// @notice Benchmark helper: creates `count` registered providers, each with a bid for `modelId`.
/// Needs the whitelist off and a zero minimum provider stake.
contract Crowd {
    /// @notice Creates `count` providers bidding for `modelId` at `pricePerSecond` times 1 to 5
    /// (member `i` bids `pricePerSecond * (1 + i % 5)`), so that their scores differ.
    /// @param marketplace The marketplace.
    /// @param modelId The model.
    /// @param pricePerSecond The lowest price.
    /// @param count How many.
    function join(IMarketplace marketplace, uint32 modelId, uint256 pricePerSecond, uint256 count) external {
        for (uint256 i = 0; i < count; ++i) {
            new CrowdMember(marketplace, modelId, pricePerSecond * (1 + i % 5));
        }
    }
}
