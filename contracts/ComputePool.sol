// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {SafeCast} from "@openzeppelin/contracts/utils/math/SafeCast.sol";
import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IComputePool} from "./interfaces/IComputePool.sol";
import {Days} from "./libraries/Days.sol";
import {SessionMath} from "./libraries/SessionMath.sol";

/// @title ComputePool
/// @notice The Compute Contract (PROTOCOL.md §4). MOR leaves it only through `claim`, only to a
/// provider, only up to what the provider is owed and what is left of the day's budget.
/// @dev The ledger (`_day.balance`) is the MOR the pool accounts for; it changes only by `fund`,
/// `absorbSurplus` and `claim`, so `mor.balanceOf(pool) >= ledger` always, with equality unless
/// someone sent MOR by plain transfer and nobody has absorbed it yet.
contract ComputePool is IComputePool, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @notice The MOR token.
    IERC20 public immutable mor;
    /// @notice The session router, the only account that may credit.
    address public immutable router;

    /// @dev The day's books, one slot: [balance 96 | paid 96 | day 32].
    struct DayBook {
        uint96 balance;
        uint96 paid;
        uint32 day;
    }

    /// @dev Fixed at a day's first transaction, one slot: [budget 96 | closingBalance 96].
    struct DayClose {
        uint96 budget;
        uint96 closingBalance;
    }

    /// @dev A provider's account, one slot: [owed 128 | claimed 128]. `claimed` (all MOR ever
    /// paid to the provider) also keeps the slot non-zero after a full claim, so the next credit
    /// costs a warm-value write instead of a fresh one.
    struct ProviderAccount {
        uint128 owed;
        uint128 claimed;
    }

    /// @dev The running sums behind `totalOwed`, one slot: [credited 128 | claimedBefore 128].
    /// `credited` is every credit ever made (the sum of every provider's `owed + claimed`);
    /// `claimedBefore` is every payment made before the book's day (the day's own payments are
    /// `_book.paid`), folded in when the books close, so a claim writes nothing here.
    struct OwedSums {
        uint128 credited;
        uint128 claimedBefore;
    }

    DayBook private _book;
    DayClose private _close;
    mapping(address provider => ProviderAccount) private _accounts;
    OwedSums private _sums;

    constructor(IERC20 mor_, address router_) {
        mor = mor_;
        router = router_;
        _book = DayBook({balance: 0, paid: 0, day: SafeCast.toUint32(Days.today())});
    }

    /// @inheritdoc IComputePool
    function fund(uint256 amount) external nonReentrant {
        if (amount == 0) revert ZeroAmount();
        DayBook memory book = _closeBooks();
        book.balance = SafeCast.toUint96(book.balance + amount);
        _book = book;
        emit Funded(msg.sender, amount, book.balance);

        mor.safeTransferFrom(msg.sender, address(this), amount);
    }

    /// @inheritdoc IComputePool
    function absorbSurplus() external nonReentrant {
        DayBook memory book = _closeBooks();
        uint256 surplus = mor.balanceOf(address(this)) - book.balance;
        // slither-disable-next-line incorrect-equality -- only selects the revert; a non-zero surplus is fine
        if (surplus == 0) revert NoSurplus();
        book.balance = SafeCast.toUint96(book.balance + surplus);
        _book = book;
        emit SurplusAbsorbed(surplus, book.balance);
    }

    /// @inheritdoc IComputePool
    function credit(address provider, uint256 amount) external {
        if (msg.sender != router) revert NotSessionRouter(msg.sender);
        uint128 credited = SafeCast.toUint128(_sums.credited + amount);
        _sums.credited = credited;
        ProviderAccount storage account = _accounts[provider];
        uint256 owedNow;
        // Cannot overflow: the provider's owed is part of the credits before this one, so
        // owed + amount <= credited < 2^128 (the cast above checks it), and the cast below cannot
        // truncate.
        unchecked {
            owedNow = account.owed + amount;
        }
        account.owed = uint128(owedNow);
        emit Credited(provider, amount, owedNow);
    }

    /// @inheritdoc IComputePool
    function claim(address provider) external nonReentrant returns (uint256 paid) {
        DayBook memory book = _closeBooks();
        ProviderAccount memory account = _accounts[provider];
        uint256 owedNow = account.owed;
        uint256 budget = _close.budget;
        uint256 left = budget > book.paid ? budget - book.paid : 0;
        paid = Math.min(owedNow, left);
        // slither-disable-next-line incorrect-equality -- min(owed, left) is zero exactly when nothing can be paid
        if (paid == 0) revert NothingToClaim(owedNow, left);

        // Cannot underflow: paid <= owedNow, and paid <= left <= budget <= balance (the budget is 1% of it).
        // Cannot overflow: claimed grows by what leaves the pool, less than 2^96 in all.
        unchecked {
            _accounts[provider] = ProviderAccount({owed: uint128(owedNow - paid), claimed: uint128(account.claimed + paid)});
            book.balance -= uint96(paid);
            book.paid += uint96(paid);
        }
        _book = book;
        emit Claimed(provider, msg.sender, paid, owedNow - paid);

        mor.safeTransfer(provider, paid);
    }

    /// @inheritdoc IComputePool
    function poolBalance() external view returns (uint256) {
        return _book.balance;
    }

    /// @inheritdoc IComputePool
    function today() external view returns (uint256 budget, uint256 paid, uint256 poolBalance) {
        DayBook memory book = _book;
        if (Days.today() > book.day) return (SessionMath.budget(book.balance), 0, book.balance);
        return (_close.budget, book.paid, book.balance);
    }

    /// @inheritdoc IComputePool
    function totalOwed() external view returns (uint256) {
        return _totalOwed(_book.paid);
    }

    /// @inheritdoc IComputePool
    function health() external view returns (Health memory health_) {
        DayBook memory book = _book;
        health_.ledger = book.balance;
        health_.tokenBalance = mor.balanceOf(address(this));
        health_.day = Days.today();
        // As in `today`: a new day whose books no transaction has closed yet has paid nothing.
        if (health_.day > book.day) {
            health_.budget = SessionMath.budget(book.balance);
        } else {
            health_.budget = _close.budget;
            health_.paidToday = book.paid;
        }
        health_.budgetLeft = health_.budget > health_.paidToday ? health_.budget - health_.paidToday : 0;
        // The book's own day's payments count even when that day is past: they left the pool.
        health_.totalOwed = _totalOwed(book.paid);
    }

    /// @inheritdoc IComputePool
    function lastClose() external view returns (uint256 day, uint256 closingBalance) {
        return (_book.day, _close.closingBalance);
    }

    /// @inheritdoc IComputePool
    function owed(address provider) external view returns (uint256) {
        return _accounts[provider].owed;
    }

    /// @inheritdoc IComputePool
    function claimed(address provider) external view returns (uint256) {
        return _accounts[provider].claimed;
    }

    /// @inheritdoc IComputePool
    function budgetBps() external pure returns (uint256) {
        return SessionMath.BUDGET_BPS;
    }

    /// @inheritdoc IComputePool
    function sessionRouter() external view returns (address) {
        return router;
    }

    /// @dev What all providers are owed: every credit less every payment, those of the book's day
    /// (`paidOfBookDay`, which is `_book.paid`) and those before it. No claim can have been made
    /// on a day after the book's day: a claim closes the books first.
    function _totalOwed(uint256 paidOfBookDay) private view returns (uint256) {
        OwedSums memory sums = _sums;
        // Cannot underflow: every payment was at most what was then owed, so all payments,
        // claimedBefore + paidOfBookDay, are at most all credits.
        unchecked {
            return uint256(sums.credited) - sums.claimedBefore - paidOfBookDay;
        }
    }

    /// @dev Closes the previous day's books at the first transaction of a day: the ledger balance
    /// as it stands before this transaction's own effect is the closing balance, and it fixes
    /// today's budget. The closed day's payments join `claimedBefore` (a day that paid nothing
    /// leaves that slot untouched). Returns the day's book for the caller to update and write once.
    function _closeBooks() private returns (DayBook memory book) {
        book = _book;
        uint256 day = Days.today();
        if (day > book.day) {
            uint256 budget = SessionMath.budget(book.balance);
            if (book.paid != 0) {
                // Cannot overflow: claimedBefore + paid is all MOR ever paid to providers, each
                // payment at most what was then owed, so at most `credited` < 2^128.
                unchecked {
                    _sums.claimedBefore += book.paid;
                }
            }
            book.day = SafeCast.toUint32(day);
            book.paid = 0;
            // budget <= balance < 2^96, so the cast cannot truncate.
            _close = DayClose({budget: uint96(budget), closingBalance: book.balance});
            emit DayClosed(day, book.balance, budget);
        }
    }
}
