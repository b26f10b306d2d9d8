// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SessionMath} from "contracts/libraries/SessionMath.sol";
import {Cheats} from "./Cheats.sol";

/// @notice Promise 4 (Exact pay), arithmetic part: for every value the contracts accept, the
/// provider's pay is price x seconds provided with no overflow, a direct-mode stake covers the pay,
/// and a stipend-mode stake splits exactly into "back now" and "held" with held <= stake.
/// @dev Ranges are the contracts' own: prices are uint64 (Marketplace caps maxPrice at 2^64-1 and
/// the session stores uint64), stakes uint96 (SafeCast in openSession), timestamps uint40
/// (SafeCast), durations at most maxSessionDuration <= 2^32-1 and at least 1 (minDuration >= 1).
/// The library code is the contracts' code (SessionRouter calls exactly these functions; its
/// `_stakeBack` is `returned = stake - held` after `heldPart`, and `pay = price * seconds`).
contract SessionMathTest is Cheats {
    /// @notice Direct mode: duration = min(max, stake / price); pay = price x seconds provided
    /// <= stake; the consumer gets stake - pay; nothing overflows.
    function check_directPay(uint96 stake, uint64 price, uint32 maxDuration, uint40 openedAt, uint40 closedAt) public pure {
        vm.assume(stake > 0 && price > 0 && maxDuration > 0);
        uint256 duration = SessionMath.directDuration(stake, price, maxDuration);
        vm.assume(duration >= 1); // openSession rejects shorter than minDuration >= 1
        uint256 endsAt = uint256(openedAt) + duration;
        vm.assume(endsAt < 2 ** 40); // SafeCast.toUint40 in openSession
        vm.assume(closedAt >= openedAt); // a close happens after the open
        uint256 secs = SessionMath.secondsProvided(openedAt, endsAt, closedAt);
        assertLe(secs, duration);
        // The multiplication the router does, in full width, is exact ...
        uint256 pay = uint256(price) * secs;
        assertEq(pay / price, secs);
        // ... fits the uint128 earnings statistic, and is covered by the stake.
        assertTrue(pay < 2 ** 128);
        assertLe(pay, stake);
        uint256 back = stake - pay;
        assertEq(back + pay, stake);
    }

    /// @notice Stipend mode: held = ceil(stake x secondsToday / duration) <= stake; now + held == stake.
    function check_stipendSplit(uint96 stake, uint32 duration, uint40 openedAt, uint40 closedAt) public pure {
        vm.assume(stake > 0 && duration >= 1);
        uint256 endsAt = uint256(openedAt) + duration;
        vm.assume(endsAt < 2 ** 40);
        vm.assume(closedAt >= openedAt);
        uint256 day = uint256(closedAt) / 1 days;
        uint256 today = SessionMath.secondsOnDay(openedAt, endsAt, closedAt, day);
        uint256 secs = SessionMath.secondsProvided(openedAt, endsAt, closedAt);
        assertLe(today, secs);
        assertLe(secs, duration);
        uint256 held = SessionMath.heldPart(stake, today, duration);
        assertLe(held, stake);
        uint256 back = stake - held;
        assertEq(back + held, stake);
        // Held is zero exactly when no second of the session fell on the day of the close.
        assertTrue((held == 0) == (today == 0));
    }

    /// @notice The budget never exceeds the closing balance (so a claim can never underflow the
    /// ledger) and is exactly floor(balance x bps / 10000).
    function check_budgetBound(uint96 closingBalance, uint16 bps) public pure {
        vm.assume(bps >= 1 && bps <= 10_000);
        uint256 budget = SessionMath.budget(closingBalance, bps);
        assertLe(budget, closingBalance);
        assertLe(budget * 10_000, uint256(closingBalance) * bps);
        assertTrue(uint256(closingBalance) * bps < (budget + 1) * 10_000);
    }
}
