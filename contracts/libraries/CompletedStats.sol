// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title CompletedStats
/// @notice A (provider, model) pair's completed sessions in one storage word, so that a
/// completed verdict (the commonest write of reputation) costs one slot: from bit 0,
/// [completedWeight 62 | ttftWeighted 82 | tpsWeighted 80 | completed 32] = 256 bits.
/// @dev Why the fields are wide enough (and an addition never carries from one into the next):
/// a session's weight is at most `SessionRouter.MAX_SESSION_WEIGHT` = 864,000,000 < 2^29.69, a
/// receipt's ttft at most 600,000 ms < 2^19.20 and its tokens per second at most 100,000 <
/// 2^16.61, and a pair has fewer than 2^32 completed sessions (one transaction each). So
/// completedWeight < 2^61.69, ttftWeighted < 2^80.89 and tpsWeighted < 2^78.30: each sum stays
/// below its field's top, and adding one session's packed values is one plain addition. The
/// count is the top field: it would be the only one to wrap, after 2^32 completed sessions, as a
/// uint32 counter would.
library CompletedStats {
    uint256 private constant _TTFT_SHIFT = 62;
    uint256 private constant _TPS_SHIFT = 144; // 62 + 82
    uint256 private constant _COUNT_SHIFT = 224; // 144 + 80
    uint256 private constant _WEIGHT_MASK = (1 << 62) - 1;
    uint256 private constant _TTFT_MASK = (1 << 82) - 1;
    uint256 private constant _TPS_MASK = (1 << 80) - 1;

    /// @notice `packed` with one more completed session of `weight` and its measurements.
    /// @dev Expects the bounds above (`weight <= 864e6`, `ttftMs <= 600,000`,
    /// `tokensPerSecond <= 100,000`), which the router checks before it calls this.
    function add(uint256 packed, uint256 weight, uint256 ttftMs, uint256 tokensPerSecond)
        internal
        pure
        returns (uint256)
    {
        // Cannot overflow a field, by the bounds above; each term lies within its own field.
        unchecked {
            return packed
                + (weight | ((weight * ttftMs) << _TTFT_SHIFT) | ((weight * tokensPerSecond) << _TPS_SHIFT)
                    | (1 << _COUNT_SHIFT));
        }
    }

    /// @notice The four fields of a packed word.
    function unpack(uint256 packed)
        internal
        pure
        returns (uint256 completedWeight, uint256 ttftWeighted, uint256 tpsWeighted, uint256 completed)
    {
        completedWeight = packed & _WEIGHT_MASK;
        ttftWeighted = (packed >> _TTFT_SHIFT) & _TTFT_MASK;
        tpsWeighted = (packed >> _TPS_SHIFT) & _TPS_MASK;
        completed = packed >> _COUNT_SHIFT;
    }
}
