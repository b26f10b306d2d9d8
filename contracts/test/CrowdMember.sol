// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IMarketplace} from "../interfaces/IMarketplace.sol";

/// @title CrowdMember
/// @notice Benchmark helper: a provider that registers (no stake) and bids in its constructor,
/// so that a benchmark can fill a market with many providers and bids in few transactions.
contract CrowdMember {
    constructor(IMarketplace marketplace, uint32 modelId, uint256 pricePerSecond) {
        marketplace.register("crowd.example:1", 0);
        marketplace.postBid(modelId, pricePerSecond);
    }
}
