// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {CompletedStats} from "contracts/libraries/CompletedStats.sol";
import {Cheats} from "./Cheats.sol";

/// @notice The packed word of a pair's completed sessions (contracts/libraries/CompletedStats.sol):
/// for every history a pair can reach and every session the router records, adding the session
/// adds exactly its weight, weight x ttft, weight x tokens per second and one to the four fields,
/// with no carry from one field into the next.
/// @dev A history is any four field values within what fewer than 2^32 - 1 sessions can sum to
/// (weights at most SessionRouter.MAX_SESSION_WEIGHT = 864e6, receipts within 600,000 ms and
/// 100,000 tokens/s); the session is any weight 1..864e6 and any receipt within the bounds.
contract CompletedStatsTest is Cheats {
    uint256 internal constant MAX_WEIGHT = 864_000_000;
    uint256 internal constant MAX_COUNT = 2 ** 32 - 1;
    uint256 internal constant MAX_WEIGHT_SUM = MAX_COUNT * MAX_WEIGHT;

    function check_completedStats_add(
        uint64 w0,
        uint96 t0,
        uint96 s0,
        uint32 c0,
        uint32 weight,
        uint32 ttftMs,
        uint32 tokensPerSecond
    ) public pure {
        vm.assume(c0 < MAX_COUNT && w0 <= MAX_WEIGHT_SUM - MAX_WEIGHT);
        vm.assume(t0 <= (MAX_WEIGHT_SUM - MAX_WEIGHT) * 600_000 && s0 <= (MAX_WEIGHT_SUM - MAX_WEIGHT) * 100_000);
        vm.assume(weight >= 1 && weight <= MAX_WEIGHT && ttftMs <= 600_000 && tokensPerSecond <= 100_000);
        uint256 packed = uint256(w0) | (uint256(t0) << 62) | (uint256(s0) << 144) | (uint256(c0) << 224);
        (uint256 w, uint256 t, uint256 s, uint256 c) =
            CompletedStats.unpack(CompletedStats.add(packed, weight, ttftMs, tokensPerSecond));
        assert(w == uint256(w0) + weight);
        assert(t == uint256(t0) + uint256(weight) * ttftMs);
        assert(s == uint256(s0) + uint256(weight) * tokensPerSecond);
        assert(c == uint256(c0) + 1);
    }
}
