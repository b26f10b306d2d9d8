// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title Days
/// @notice UTC day arithmetic on timestamps. Arbitrum's `block.number` is not the L2 block, so
/// the protocol reads time only from `block.timestamp`.
library Days {
    /// @notice Seconds in a day.
    uint256 internal constant DAY = 1 days;

    /// @notice The UTC day of timestamp `ts`: `ts / 86400` (rounds down: the day that contains `ts`).
    function dayOf(uint256 ts) internal pure returns (uint256) {
        return ts / DAY;
    }

    /// @notice The first second of day `day`.
    function startOf(uint256 day) internal pure returns (uint256) {
        return day * DAY;
    }

    /// @notice Today's UTC day.
    function today() internal view returns (uint256) {
        return block.timestamp / DAY;
    }
}
