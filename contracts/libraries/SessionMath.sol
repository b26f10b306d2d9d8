// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Days} from "./Days.sol";

/// @title SessionMath
/// @notice The protocol's economics, as pure functions of values: budget, stipend duration,
/// seconds provided, pay, and the split of a stake between "back now" and "held until tomorrow".
library SessionMath {
    /// @notice Basis-point denominator.
    uint256 internal constant BPS = 10_000;
    /// @notice The daily budget in basis points of the previous day's closing balance: the FAQ's
    /// 1%, a constant (PROTOCOL.md §4), not a parameter.
    uint256 internal constant BUDGET_BPS = 100;

    /// @notice The budget of a day: 1% of the previous day's closing balance.
    /// @dev Rounds down, so the pool never pays more than the exact share.
    function budget(uint256 closingBalance) internal pure returns (uint256) {
        return (closingBalance * BUDGET_BPS) / BPS;
    }

    /// @notice The reference supply stipends divide by: `max(pinned, totalSupply - poolLedger)`,
    /// the pin or the MOR circulating outside the compute pool, whichever is larger.
    /// @dev A pin can only lower stipends (promise 3): it is never used below circulating.
    function referenceSupply(uint256 pinned, uint256 totalSupply, uint256 poolLedger) internal pure returns (uint256) {
        return Math.max(pinned, totalSupply - poolLedger);
    }

    /// @notice Seconds of compute a stipend-mode stake buys:
    /// `min(maxDuration, (stake * budgetToday / supply) / price)`, `supply` the reference supply.
    /// @dev `floor(floor(a / b) / c) == floor(a / (b * c))` for positive integers, so this is the
    /// stipend `stake * budget / supply` rounded down, then divided by the price rounded down:
    /// the consumer never gets a second that its stipend does not fully pay for. mulDiv keeps
    /// `stake * budget` from overflowing.
    function stipendDuration(uint256 stake, uint256 budgetToday, uint256 supply, uint256 price, uint256 maxDuration)
        internal
        pure
        returns (uint256)
    {
        return Math.min(maxDuration, Math.mulDiv(stake, budgetToday, supply) / price);
    }

    /// @notice Seconds of compute a direct-mode stake pays for: `min(maxDuration, stake / price)`
    /// (rounded down, so `price * duration <= stake` always holds).
    function directDuration(uint256 stake, uint256 price, uint256 maxDuration) internal pure returns (uint256) {
        return Math.min(maxDuration, stake / price);
    }

    /// @notice Seconds provided by a session closed at `closedAt`: `min(closedAt, endsAt) - openedAt`.
    function secondsProvided(uint256 openedAt, uint256 endsAt, uint256 closedAt) internal pure returns (uint256) {
        return Math.min(closedAt, endsAt) - openedAt;
    }

    /// @notice Seconds of a session's compute that fall on day `day` (the day of the close).
    function secondsOnDay(uint256 openedAt, uint256 endsAt, uint256 closedAt, uint256 day) internal pure returns (uint256) {
        uint256 usedEnd = Math.min(closedAt, endsAt);
        uint256 usedStart = Math.max(openedAt, Days.startOf(day));
        return usedEnd > usedStart ? usedEnd - usedStart : 0;
    }

    /// @notice The part of a stipend-mode stake held until tomorrow: the share of the stake that
    /// backed today's compute, `ceil(stake * secondsToday / duration)`.
    /// @dev Rounds up, in favour of the hold: the same MOR must not buy a second day's compute on
    /// the same day, so any rounding keeps the wei locked for one more day rather than freeing it.
    /// `secondsToday <= duration`, so the result never exceeds the stake.
    function heldPart(uint256 stake, uint256 secondsToday, uint256 duration) internal pure returns (uint256) {
        return Math.mulDiv(stake, secondsToday, duration, Math.Rounding.Ceil);
    }
}
