// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title ReputationMath
/// @notice The reputation score of a (provider, model) pair: a weighted mean, with the caller's
/// weights, of nine "goodness" components, each a fraction in [0, 1] scaled by WAD = 1e18.
/// @dev Every component is an integer division rounded down (a score is never rounded up).
/// Components with no data to judge on (no sessions, no receipts) are NEUTRAL = 0.5, so a
/// newcomer sits in the middle of the ranking on those and can be found.
///   reliability  completed / (completed + disputed)                 neutral without sessions
///   disputes     1 / (1 + disputed)                                 absolute penalty per dispute
///   earlyCloses  (sessions - closedEarly) / sessions                neutral without sessions
///   experience   seconds / (seconds + 1 day)                        0 without history
///   earnings     earnings / (earnings + 100 MOR)                    0 without history
///   lag          1000 ms / (1000 ms + mean ttft)                    neutral without receipts
///   speed        mean tps / (mean tps + 50)                         neutral without receipts
///   price        minPricePerSecond / pricePerSecond                 1 at the governance floor
///   stake        stake / (stake + 1000 MOR)                         0 without stake
/// Means are exact: `1000 / (1000 + sum / n) == 1000 n / (1000 n + sum)`.
/// Overflow: counts < 2^32, seconds and sums < 2^64, earnings < 2^128, stake < 2^88, prices
/// < 2^64; every product below is at most 2^128 * 2^60 and goes through mulDiv; weights are
/// uint16, so `sum(weight * component) < 9 * 2^16 * 2^60`.
library ReputationMath {
    /// @notice Fixed-point one.
    uint256 internal constant WAD = 1e18;
    /// @notice Score of a component with no data.
    uint256 internal constant NEUTRAL = WAD / 2;
    /// @notice Seconds provided at which experience is 0.5.
    uint256 internal constant EXPERIENCE_HALF = 1 days;
    /// @notice Earnings at which the earnings component is 0.5.
    uint256 internal constant EARNINGS_HALF = 100e18;
    /// @notice Mean time to first token, in ms, at which lag is 0.5.
    uint256 internal constant LAG_HALF_MS = 1000;
    /// @notice Mean tokens per second at which speed is 0.5.
    uint256 internal constant SPEED_HALF_TPS = 50;
    /// @notice Stake at which the stake component is 0.5.
    uint256 internal constant STAKE_HALF = 1000e18;

    /// @notice What a score is computed from.
    struct Inputs {
        uint256 completed;
        uint256 disputed;
        uint256 closedEarly;
        uint256 receipts;
        uint256 secondsProvided;
        uint256 earnings;
        uint256 ttftMsSum;
        uint256 tpsSum;
        uint256 pricePerSecond;
        uint256 minPricePerSecond;
        uint256 stake;
    }

    /// @notice The caller's weights (its needs), one per component.
    struct Weights {
        uint16 reliability;
        uint16 disputes;
        uint16 earlyCloses;
        uint16 experience;
        uint16 earnings;
        uint16 lag;
        uint16 speed;
        uint16 price;
        uint16 stake;
    }

    /// @notice All weights are zero.
    error ZeroWeights();

    /// @notice The score in [0, WAD]: `sum(weight_i * component_i) / sum(weight_i)`, rounded down.
    function score(Inputs memory x, Weights memory w) internal pure returns (uint256) {
        uint256 totalWeight = uint256(w.reliability) + w.disputes + w.earlyCloses + w.experience + w.earnings + w.lag
            + w.speed + w.price + w.stake;
        if (totalWeight == 0) revert ZeroWeights();
        uint256 sessions = x.completed + x.disputed;
        uint256 weighted = w.reliability * _share(x.completed, sessions) + w.disputes * _ratio(1, 1 + x.disputed)
            + w.earlyCloses * _share(sessions - x.closedEarly, sessions)
            + w.experience * _ratio(x.secondsProvided, x.secondsProvided + EXPERIENCE_HALF)
            + w.earnings * _ratio(x.earnings, x.earnings + EARNINGS_HALF)
            + w.lag * _share(LAG_HALF_MS * x.receipts, LAG_HALF_MS * x.receipts + x.ttftMsSum)
            + w.speed * _share(x.tpsSum, x.tpsSum + SPEED_HALF_TPS * x.receipts)
            + w.price * _ratio(x.minPricePerSecond, x.pricePerSecond) + w.stake * _ratio(x.stake, x.stake + STAKE_HALF);
        return weighted / totalWeight;
    }

    /// @dev `a / b` in WAD, NEUTRAL when there is nothing to judge (`b == 0`).
    function _share(uint256 a, uint256 b) private pure returns (uint256) {
        return b == 0 ? NEUTRAL : Math.mulDiv(a, WAD, b);
    }

    /// @dev `a / b` in WAD, capped at WAD; 0 when `b == 0`.
    function _ratio(uint256 a, uint256 b) private pure returns (uint256) {
        return b == 0 ? 0 : Math.min(WAD, Math.mulDiv(a, WAD, b));
    }
}
