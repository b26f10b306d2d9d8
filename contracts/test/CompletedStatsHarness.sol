// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CompletedStats} from "../libraries/CompletedStats.sol";

/// @title CompletedStatsHarness
/// @notice Test helper: exposes CompletedStats, so that tests can check its packing at the
/// bounds against plain integers.
contract CompletedStatsHarness {
    /// @notice CompletedStats.add.
    function add(uint256 packed, uint256 weight, uint256 ttftMs, uint256 tokensPerSecond)
        external
        pure
        returns (uint256)
    {
        return CompletedStats.add(packed, weight, ttftMs, tokensPerSecond);
    }

    /// @notice CompletedStats.unpack.
    function unpack(uint256 packed)
        external
        pure
        returns (uint256 completedWeight, uint256 ttftWeighted, uint256 tpsWeighted, uint256 completed)
    {
        return CompletedStats.unpack(packed);
    }
}
