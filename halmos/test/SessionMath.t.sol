// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {SessionMath} from "contracts/libraries/SessionMath.sol";
import {Arith} from "./Arith.sol";

/// @notice Promise 4 (Exact pay), arithmetic part: for every value the contracts accept, the
/// provider's pay is price x seconds provided with no overflow, a direct-mode stake covers the pay,
/// and a stipend-mode stake splits exactly into "back now" and "held" with held <= stake.
/// @dev Ranges are the contracts' own: prices are uint64 (Marketplace caps maxPrice at 2^64-1 and
/// the session stores uint64), stakes uint96 (SafeCast in openSession), timestamps uint40
/// (SafeCast), durations at most maxSessionDuration <= 2^32-1 and at least 1 (minDuration >= 1),
/// the budget the constant 1% (SessionMath.BUDGET_BPS = 100, v3: no longer a parameter), balances uint96.
/// The library code is the contracts' code (SessionRouter calls exactly these functions; its
/// `_stakeBack` is `returned = stake - held` after `heldPart`, and `pay = price * seconds`).
/// Products and quotients are related only through the lemmas and the DIV/MULMOD axioms of
/// Arith.sol (see there and halmos/README.md): the lemma instances are assumed, each lemma is
/// proved for all values in Lemmas.t.sol.
/// @custom:halmos --solver-command "../tools/halmos.sh --portfolio-solver"
contract SessionMathTest is Arith {
    /// @notice Direct mode: duration = min(max, stake / price); seconds provided <= duration;
    /// pay = price x seconds is the exact product (< 2^104, so no wrap, fits the uint128 earnings
    /// statistic) and <= stake; the consumer gets stake - pay.
    function check_directPay(uint96 stake, uint64 price, uint32 maxDuration, uint40 openedAt, uint40 closedAt)
        public
        view
    {
        vm.assume(stake > 0 && price > 0 && maxDuration > 0);
        uint256 duration = SessionMath.directDuration(stake, price, maxDuration);
        uint256 q = _div(stake, price); // stake / price, the term directDuration takes the min with
        assertEq(duration, _min(maxDuration, q)); // the library is this min
        vm.assume(duration >= 1); // openSession rejects shorter than minDuration >= 1
        uint256 secs = _secondsProvided(openedAt, closedAt, duration);
        assertLe(duration, q);
        _directPay(stake, price, secs, q);
    }

    /// @dev Seconds provided by a session of `duration` opened at `openedAt`, closed at `closedAt`.
    function _secondsProvided(uint256 openedAt, uint256 closedAt, uint256 duration) internal pure returns (uint256 secs) {
        uint256 endsAt = openedAt + duration;
        vm.assume(endsAt < 2 ** 40); // SafeCast.toUint40 in openSession
        vm.assume(closedAt >= openedAt); // a close happens after the open
        secs = SessionMath.secondsProvided(openedAt, endsAt, closedAt);
        assertEq(secs, _min(closedAt, endsAt) - openedAt);
        assertLe(secs, duration);
    }

    function _directPay(uint256 stake, uint256 price, uint256 secs, uint256 q) internal view {
        // The multiplication the router does (`m.pricePerSecond * secondsProvided`).
        uint256 pay = price * secs;
        _comm(price, secs);
        _comm(price, q);
        _bound(price, secs, 2 ** 64, 2 ** 40);
        assertTrue(pay < 2 ** 104); // the exact product: no wrap, < 2^128 (uint128 earnings)
        // price*secs <= price*q = q*price <= stake
        _mono(price, secs, q);
        assertLe(pay, stake);
        uint256 back = stake - pay;
        assertEq(back + pay, stake);
    }

    /// @notice Stipend mode: held = ceil(stake x secondsToday / duration) <= stake; now + held ==
    /// stake; held is zero exactly when no second of the session fell on the day of the close.
    /// @custom:halmos --solver-timeout-branching 200ms
    function check_stipendSplit(uint96 stake, uint32 duration, uint40 openedAt, uint40 closedAt) public view {
        vm.assume(stake > 0 && duration >= 1);
        (uint256 today, uint256 secs) = _secondsToday(openedAt, closedAt, duration);
        assertLe(today, secs);
        _stipendSplit(stake, today, duration);
    }

    /// @dev Seconds on the day of the close and seconds provided, as _stakeBack computes them.
    function _secondsToday(uint256 openedAt, uint256 closedAt, uint256 duration)
        internal
        pure
        returns (uint256 today, uint256 secs)
    {
        uint256 endsAt = openedAt + duration;
        vm.assume(endsAt < 2 ** 40);
        vm.assume(closedAt >= openedAt);
        uint256 day = closedAt / 1 days;
        today = SessionMath.secondsOnDay(openedAt, endsAt, closedAt, day);
        secs = SessionMath.secondsProvided(openedAt, endsAt, closedAt);
        uint256 usedEnd = _min(closedAt, endsAt);
        uint256 usedStart = _max(openedAt, day * 1 days);
        assertEq(today, usedEnd > usedStart ? usedEnd - usedStart : 0);
        assertEq(secs, usedEnd - openedAt);
        assertLe(secs, duration);
    }

    function _stipendSplit(uint256 stake, uint256 today, uint256 duration) internal view {
        // heldPart = mulDiv(stake, today, duration, Ceil): mul512's high word is 0, so it is
        // q + (r > 0) with q = stake*today / duration and r = mulmod(stake, today, duration).
        _mulmodMax(stake, today);
        uint256 held = SessionMath.heldPart(stake, today, duration);
        uint256 p;
        unchecked {
            p = stake * today;
        }
        _comm(stake, today);
        _bound(stake, today, 2 ** 96, 2 ** 40);
        uint256 q = _div(p, duration);
        _mulmod(stake, today, duration, 2 ** 96, 2 ** 40);
        uint256 r = mulmod(stake, today, duration);
        assertEq(held, q + (r > 0 ? 1 : 0));
        assertEq(r, p - q * duration);

        // q <= stake: q*duration <= stake*today <= stake*duration, then cancel duration.
        _mono(stake, today, duration);
        _comm(stake, duration);
        _comm(q, duration);
        _cancel(duration, q, stake);
        assertLe(q, stake);
        // q == stake forces stake*today == stake*duration, so r == 0.
        assertLe(held, stake);
        uint256 back = stake - held;
        assertEq(back + held, stake);

        // Held is zero exactly when no second of the session fell on the day of the close.
        _zero(stake, today);
        _zero(duration, q);
        _mono(stake, 1, today);
        assertTrue((held == 0) == (today == 0));
    }

    /// @notice The budget is exactly floor(closing balance x 100 / 10000), the constant 1% of
    /// PROTOCOL.md §4, and never exceeds the closing balance (so a claim can never underflow the
    /// ledger).
    function check_budgetBound(uint96 closingBalance_) public view {
        uint256 closingBalance = closingBalance_;
        (uint256 budget, uint256 p, uint256 q) = _budgetQuotient(closingBalance);
        assertLe(budget * 10_000, p);
        assertTrue(p < (budget + 1) * 10_000);
        // q*10000 <= balance*100 <= balance*10000, then cancel 10000.
        _mono(closingBalance, 100, 10_000);
        _comm(closingBalance, 10_000);
        _cancel(10_000, q, closingBalance);
        assertLe(budget, closingBalance);
    }

    /// @notice Promise 2: a day's budget is never more than 1% of the previous day's closing
    /// balance: budget x 10000 <= closing x 100, in exact integers.
    function check_budgetBound_onePercent(uint96 closingBalance_) public view {
        uint256 closingBalance = closingBalance_;
        (uint256 budget, uint256 p,) = _budgetQuotient(closingBalance);
        // q*10000 <= balance*100 (DIV axiom), the products without wrap (< 2^103).
        assertLe(budget * 10_000, p);
        assertLe(budget * 10_000, closingBalance * 100);
    }

    /// @notice Promise 3, the stipend bound: whatever reference supply governance pins, a
    /// stipend-mode session's pay for its full duration is never more than the stake's fair share
    /// of the day's budget, `stake * budget / circulating` with circulating = totalSupply - pool
    /// ledger, in exact integers: price x duration x circulating <= stake x budget.
    /// @dev Ranges: totalSupply < 2^86 (MOR's maximum supply, 42M MOR = 4.2e25 < 2^86 = 7.7e25); the
    /// pool ledger and the stake are MOR, so at most totalSupply; the pin at most
    /// SessionRouter.MAX_REFERENCE_SUPPLY (42M MOR); a day's budget at most 1% of a ledger (proved by
    /// check_budgetBound_onePercent), so < 2^80; price a uint64 (the bid's stored width, above the
    /// ceiling of 1e17); maxDuration a uint32 (bounded by MAX_DURATION_CEILING). A reference supply
    /// of 0 makes openSession revert (ZeroReferenceSupply), so it is excluded.
    function check_stipendBound(
        uint256 totalSupply,
        uint256 ledger,
        uint256 pinned,
        uint256 stake,
        uint256 budget,
        uint64 price,
        uint32 maxDuration
    ) public view {
        vm.assume(totalSupply < 2 ** 86 && ledger <= totalSupply && stake <= totalSupply);
        vm.assume(pinned <= 42_000_000 ether && budget < 2 ** 80 && price > 0);
        uint256 circulating = totalSupply - ledger;
        uint256 supply = SessionMath.referenceSupply(pinned, totalSupply, ledger);
        assertEq(supply, _max(pinned, circulating)); // the library is this max
        vm.assume(supply > 0);

        // stipendDuration = min(maxDuration, mulDiv(stake, budget, supply) / price). mul512's
        // high word is 0 (stake*budget < 2^166), so mulDiv is (stake*budget) / supply.
        _mulmodMaxW(stake, budget, 2 ** 86, 2 ** 80);
        uint256 duration = SessionMath.stipendDuration(stake, budget, supply, price, maxDuration);
        uint256 x;
        unchecked {
            x = stake * budget;
        }
        _comm(stake, budget);
        _bound(stake, budget, 2 ** 86, 2 ** 80); // x < 2^166: the exact product
        uint256 m = _div(x, supply); // the stipend in wei, rounded down
        uint256 d = _div(m, price); // the seconds it pays for, rounded down
        assertEq(duration, _min(maxDuration, d));
        _divLe(x, supply); // m <= x < 2^166
        _divLe(m, price); // d <= m

        // pay = price*duration <= price*d = d*price <= m.
        uint256 pay = uint256(price) * duration;
        _monoW(price, duration, d, 2 ** 64, 2 ** 176);
        _comm(price, d);
        assertLe(pay, m);
        _bound(price, duration, 2 ** 64, 2 ** 40); // pay < 2^104: the exact product

        // pay*circulating <= pay*supply (supply >= circulating) = supply*pay <= supply*m = m*supply <= x.
        _mono(pay, circulating, supply);
        _comm(pay, supply);
        _monoW(supply, pay, m, 2 ** 88, 2 ** 166);
        _comm(supply, m);
        _comm(pay, circulating);
        unchecked {
            assertLe(pay * circulating, x);
        }
    }

    /// @dev The day's budget with the terms both budget proofs reason about: p = balance x 100
    /// (no wrap: < 2^103) and q = p / 10000 (DIV axiom), and the fact budget == q.
    function _budgetQuotient(uint256 closingBalance) internal view returns (uint256 budget, uint256 p, uint256 q) {
        budget = SessionMath.budget(closingBalance);
        unchecked {
            p = closingBalance * 100;
        }
        _comm(closingBalance, 100);
        _bound(closingBalance, 100, 2 ** 96, 2 ** 16);
        q = _div(p, 10_000);
        assertEq(budget, q);
    }
}
