// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {ComputePool} from "contracts/ComputePool.sol";
import {TestMOR} from "contracts/test/TestMOR.sol";
import {Cheats} from "./Cheats.sol";

/// @notice Promise 2 (Budget): MOR paid out by the pool on a day never exceeds that day's budget,
/// and the budget is exactly 1% (a constant since v3) of the previous day's closing balance.
/// @dev Two proofs. The test contract plays the session router (the only account that may
/// credit); the pool has no owner, so there is no governance call to make. What leaves the pool
/// is measured as the pool's MOR balance change.
///
/// 1. check_budget_inductive_step (no depth bound): the pool's books are three storage words
///    (_book, _close, one account per provider). The proof writes SYMBOLIC books into them, only
///    assuming the invariant
///        paid <= budget <= closingBalance <= balance + paid,
///        book day <= today,  MOR held >= ledger balance,
///    and shows that ANY one call (fund, credit, claim for either of two providers, plain
///    transfer + absorbSurplus, with symbolic amounts) (a) pays out at most what is left of the
///    day's budget, (b) on the first call of a new day fixes the budget at exactly
///    floor(closingBalance * 100 / 10000), never more than 1% of it, with closingBalance = the
///    ledger as it stood, and
///    (c) leaves books that satisfy the invariant again. The deployed pool's books
///    (all zero, book day = deployment day) satisfy the invariant, so by induction (a) and (b)
///    hold after every sequence of calls of any length. Time enters the pool only as
///    `today > bookDay` (the book day is symbolic, so both a same-day and a new-day call, after
///    any number of quiet days, are covered).
/// 2. check_budget_sequence (bounded, depth 2): from the real deployment, three symbolic steps of
///    fund / credit / claim with symbolic amounts, each on the same day or the next; a ghost model
///    written from PROTOCOL.md §4 recomputes budget, paid and balance. A cross-check of (1)'s
///    storage writes against the real constructor and calls.
contract PoolBudgetTest is Cheats {
    uint256 internal constant START = 1_750_000_000; // a timestamp in 2025, mid-day
    uint256 internal constant DEPTH = 2;
    address internal constant FUNDER = address(0xF00D);
    address internal constant P1 = address(0x1001);
    address internal constant P2 = address(0x1002);
    // ComputePool storage (forge inspect ComputePool storageLayout; no Ownable slots since v3):
    // _book slot 0, _close slot 1, _accounts slot 2. Checked against the views in _writeBooks.
    bytes32 internal constant BOOK_SLOT = bytes32(uint256(0));
    bytes32 internal constant CLOSE_SLOT = bytes32(uint256(1));
    uint256 internal constant ACCOUNTS_SLOT = 2;

    TestMOR internal mor;
    ComputePool internal pool;

    function setUp() public {
        vm.warp(START);
        mor = new TestMOR();
        pool = new ComputePool(IERC20(address(mor)), address(this));
        mor.mint(FUNDER, 2 ** 100);
        vm.prank(FUNDER);
        mor.approve(address(pool), type(uint256).max);
    }

    // ------------------------------------------------------------------ 1. inductive step

    struct Books {
        uint256 balance;
        uint256 paid;
        uint256 day;
        uint256 budget;
        uint256 closing;
    }

    function check_budget_inductive_step(uint8 op, uint256 amount, bool second) public {
        Books memory s = Books({
            balance: svm.createUint(96, "balance"),
            paid: svm.createUint(96, "paid"),
            day: svm.createUint(32, "bookDay"),
            budget: svm.createUint(96, "budget"),
            closing: svm.createUint(96, "closingBalance")
        });
        uint256 today = block.timestamp / 1 days;
        vm.assume(s.day <= today);
        _assumeInvariant(s);
        _writeBooks(s);
        address provider = second ? P2 : P1;
        _writeOwed(P1, svm.createUint(128, "owed1"));
        _writeOwed(P2, svm.createUint(128, "owed2"));
        mor.mint(address(pool), s.balance + svm.createUint(64, "surplus"));

        // What the day's books are, by PROTOCOL.md §4, before this call's own effect.
        bool newDay = today > s.day;
        uint256 budget = newDay ? (s.balance * 100) / 10_000 : s.budget;
        uint256 paidBefore = newDay ? 0 : s.paid;

        uint256 poolBefore = mor.balanceOf(address(pool));
        uint256 owedBefore = pool.owed(provider);
        if (op == 0) {
            vm.assume(amount > 0 && amount <= 2 ** 90);
            vm.prank(FUNDER);
            pool.fund(amount);
        } else if (op == 1) {
            pool.credit(provider, amount);
        } else if (op == 2) {
            pool.claim(provider);
        } else {
            vm.assume(amount <= 2 ** 90);
            vm.prank(FUNDER);
            assertTrue(mor.transfer(address(pool), amount));
            pool.absorbSurplus();
        }
        uint256 poolAfter = mor.balanceOf(address(pool));
        uint256 out = poolBefore > poolAfter ? poolBefore - poolAfter : 0;

        // (a) what left the pool today is within today's budget, and went to an owed provider.
        assertLe(paidBefore + out, budget);
        if (out > 0) assertEq(owedBefore - pool.owed(provider), out);
        // (b) the budget is exactly floor(closing x 100 / 10000) of the previous day's closing
        // balance (that this is never more than 1% of it: SessionMath.t.sol
        // check_budgetBound_onePercent, for this very formula).
        (uint256 b, uint256 p,) = pool.today();
        assertEq(b, budget);
        assertEq(p, paidBefore + out);
        if (newDay && op != 1) {
            (uint256 day, uint256 closing) = pool.lastClose();
            assertEq(day, today);
            assertEq(closing, s.balance);
        }
        // (c) the invariant holds again.
        Books memory t = _readBooks();
        _assertInvariant(t);
        assertTrue(mor.balanceOf(address(pool)) >= t.balance);
    }

    function _assumeInvariant(Books memory s) internal pure {
        vm.assume(s.paid <= s.budget && s.budget <= s.closing && s.closing <= s.balance + s.paid);
    }

    function _assertInvariant(Books memory s) internal pure {
        assertTrue(s.paid <= s.budget && s.budget <= s.closing && s.closing <= s.balance + s.paid);
    }

    function _writeBooks(Books memory s) internal {
        vm.store(address(pool), BOOK_SLOT, bytes32(s.balance | (s.paid << 96) | (s.day << 192)));
        vm.store(address(pool), CLOSE_SLOT, bytes32(s.budget | (s.closing << 96)));
        // The layout is the one the contract reads.
        assertEq(pool.poolBalance(), s.balance);
        assertEq(pool.budgetBps(), 100);
        (uint256 day, uint256 closing) = pool.lastClose();
        assertEq(day, s.day);
        assertEq(closing, s.closing);
    }

    function _readBooks() internal view returns (Books memory s) {
        uint256 book = uint256(vm.load(address(pool), BOOK_SLOT));
        uint256 close = uint256(vm.load(address(pool), CLOSE_SLOT));
        s.balance = uint96(book);
        s.paid = uint96(book >> 96);
        s.day = uint32(book >> 192);
        s.budget = uint96(close);
        s.closing = uint96(close >> 96);
    }

    function _writeOwed(address provider, uint256 owed) internal {
        vm.store(address(pool), keccak256(abi.encode(provider, ACCOUNTS_SLOT)), bytes32(owed));
        assertEq(pool.owed(provider), owed);
    }

    // ------------------------------------------------------------------ 2. bounded sequence

    uint256 internal gBalance;
    uint256 internal gDay;
    uint256 internal gBudget;
    uint256 internal gPaid;

    function check_budget_sequence(uint8[DEPTH] memory op, uint256[DEPTH] memory amount, bool[DEPTH] memory nextDay)
        public
    {
        gDay = block.timestamp / 1 days;
        for (uint256 i = 0; i < DEPTH; ++i) {
            vm.warp(block.timestamp + (nextDay[i] ? 1 days : 1));
            uint256 day = block.timestamp / 1 days;
            if (day > gDay) {
                (gBudget, gPaid, gDay) = ((gBalance * 100) / 10_000, 0, day);
            }
            if (op[i] == 0) {
                vm.assume(amount[i] > 0 && amount[i] <= 2 ** 90);
                vm.prank(FUNDER);
                pool.fund(amount[i]);
                gBalance += amount[i];
            } else if (op[i] == 1) {
                pool.credit(P1, amount[i]);
            } else {
                uint256 before = mor.balanceOf(address(pool));
                pool.claim(P1);
                uint256 out = before - mor.balanceOf(address(pool));
                gPaid += out;
                gBalance -= out;
            }
            assertLe(gPaid, gBudget);
            (uint256 budget, uint256 paid, uint256 balance) = pool.today();
            assertEq(budget, gBudget);
            assertEq(paid, gPaid);
            assertEq(balance, gBalance);
        }
    }
}
