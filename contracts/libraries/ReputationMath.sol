// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";

/// @title ReputationMath
/// @notice The reputation score of a (provider, model) pair: a weighted mean, with the caller's
/// weights, of eight "goodness" components, each a fraction in [0, 1] scaled by WAD = 1e18.
/// @dev Every statistic is weighted by MOR-seconds at stake (milli-MOR x seconds, see
/// ISessionRouter.Stats): W every recorded session, Wc completed, Wd disputed, We rated and cut
/// short, T and S the weighted sums of time to first token and tokens per second over completed
/// sessions, E the counted earnings. Rates and means start from a prior of P = PRIOR_WEIGHT
/// MOR-seconds at the neutral value, so there is no special case without data and a newcomer
/// starts at 0.5. Wr = Wc + Wd is the weight the consumers rated; a session no consumer rated
/// is in no rate and no mean (v3: whoever closes, only the consumer's verdict counts):
///   reliability  (Wc + P/2) / (Wr + P)            completed share of the rated
///   earlyCloses  (Wr - We + P/2) / (Wr + P)       one minus the cut-short share of the rated
///   experience   W / (W + EXPERIENCE_HALF)        0 without history
///   earnings     E / (E + EARNINGS_HALF)          0 without history
///   lag          1000 / (1000 + mean ttft)        mean ttft = (T + 1000 P) / (Wc + P)
///   speed        mean tps / (mean tps + 50)       mean tps = (S + 50 P) / (Wc + P)
///   price        minPricePerSecond / pricePerSecond    1 at the governance floor
///   stake        stake / (stake + 1000 MOR)       0 without stake
/// (v2's separate "disputes" share, one minus Wd / Wr, is the same number as reliability once
/// unrated sessions leave the denominator, so v3 keeps one of them.)
/// Every component is one integer division rounded down (a score is never rounded up).
/// Overflow: weights < 2^72, T and S < 2^112, E < 2^112, stake < 2^96, prices < 2^64; every
/// product below is at most 2^115 x 2^60 and goes through mulDiv; weights are uint16, so
/// `sum(weight * component) < 8 * 2^16 * 2^60`.
library ReputationMath {
    /// @notice Fixed-point one.
    uint256 internal constant WAD = 1e18;
    /// @notice The prior: 10 MOR-days (in milli-MOR-seconds) of neutral sessions. A newcomer's
    /// completed share goes from 0.5 to 0.9 after 4 P = 40 MOR-days of completed sessions (1,000
    /// MOR at stake for about an hour, or 100 MOR for ten): more than any single trial session,
    /// less than a day of one real consumer's use.
    uint256 internal constant PRIOR_WEIGHT = 10 * 1000 * 1 days;
    /// @notice MOR-seconds served at which experience is 0.5: 100 MOR-days.
    uint256 internal constant EXPERIENCE_HALF = 100 * 1000 * 1 days;
    /// @notice Counted earnings at which the earnings component is 0.5.
    uint256 internal constant EARNINGS_HALF = 100e18;
    /// @notice Mean time to first token, in ms, at which lag is 0.5.
    uint256 internal constant LAG_HALF_MS = 1000;
    /// @notice Mean tokens per second at which speed is 0.5.
    uint256 internal constant SPEED_HALF_TPS = 50;
    /// @notice Stake at which the stake component is 0.5.
    uint256 internal constant STAKE_HALF = 1000e18;

    /// @notice What a score is computed from.
    struct Inputs {
        uint256 weight;
        uint256 completedWeight;
        uint256 disputedWeight;
        uint256 closedEarlyWeight;
        uint256 ttftWeighted;
        uint256 tpsWeighted;
        uint256 earnings;
        uint256 pricePerSecond;
        uint256 minPricePerSecond;
        uint256 stake;
    }

    /// @notice The caller's weights (its needs), one per component.
    struct Weights {
        uint16 reliability;
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
        uint256 totalWeight = uint256(w.reliability) + w.earlyCloses + w.experience + w.earnings + w.lag + w.speed
            + w.price + w.stake;
        if (totalWeight == 0) revert ZeroWeights();
        uint256[8] memory c = components(x);
        uint256 weighted = w.reliability * c[0] + w.earlyCloses * c[1] + w.experience * c[2] + w.earnings * c[3]
            + w.lag * c[4] + w.speed * c[5] + w.price * c[6] + w.stake * c[7];
        return weighted / totalWeight;
    }

    /// @notice The eight components in [0, WAD], in the order of `Weights`.
    function components(Inputs memory x) internal pure returns (uint256[8] memory c) {
        uint256 half = PRIOR_WEIGHT / 2;
        uint256 rated = x.completedWeight + x.disputedWeight;
        c[0] = _ratio(x.completedWeight + half, rated + PRIOR_WEIGHT);
        c[1] = _ratio(rated - x.closedEarlyWeight + half, rated + PRIOR_WEIGHT);
        c[2] = _ratio(x.weight, x.weight + EXPERIENCE_HALF);
        c[3] = _ratio(x.earnings, x.earnings + EARNINGS_HALF);
        uint256 measured = x.completedWeight + PRIOR_WEIGHT; // the means' denominator
        c[4] = _ratio(LAG_HALF_MS * measured, LAG_HALF_MS * (measured + PRIOR_WEIGHT) + x.ttftWeighted);
        c[5] = _ratio(
            x.tpsWeighted + SPEED_HALF_TPS * PRIOR_WEIGHT, x.tpsWeighted + SPEED_HALF_TPS * (measured + PRIOR_WEIGHT)
        );
        c[6] = _ratio(x.minPricePerSecond, x.pricePerSecond);
        c[7] = _ratio(x.stake, x.stake + STAKE_HALF);
    }

    /// @dev `a / b` in WAD, capped at WAD; 0 when `b == 0` (only a price or a stake can be 0).
    function _ratio(uint256 a, uint256 b) private pure returns (uint256) {
        return b == 0 ? 0 : Math.min(WAD, Math.mulDiv(a, WAD, b));
    }
}
