// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IComputePool
/// @notice The Compute Contract (PROTOCOL.md §4): holds the MOR of the Compute bucket, tracks
/// what providers are owed, and pays them within a daily budget of 1% of its balance at the end
/// of the previous day: the FAQ's rate, a constant that nobody can change. Nobody can withdraw it
/// but providers claiming what they are owed, and it has no owner: there is nothing to govern.
/// @dev "Balance at the end of day d-1" is the pool's ledger balance after the last transaction
/// before day d began. The first state-changing call of a day (fund, claim or absorbSurplus)
/// first closes the books of the previous day: it takes the ledger balance as it stood, before
/// its own effect, as the closing balance, and fixes the day's budget at 1% of it. Days with no transaction keep the balance of
/// their last transaction, so the first call after several quiet days takes exactly that.
/// Crediting changes no balance, so it does not close the books.
interface IComputePool {
    /// @notice The pool's health as it stands now (see `health`).
    /// @param ledger The ledger balance (`poolBalance`).
    /// @param tokenBalance The pool's MOR balance: the ledger plus MOR sent by plain transfer and
    /// not yet absorbed.
    /// @param day Today's UTC day.
    /// @param budget Today's budget.
    /// @param paidToday Paid out today.
    /// @param budgetLeft What is left of today's budget: `budget - paidToday`.
    /// @param totalOwed What all providers are owed (`totalOwed`).
    struct Health {
        uint256 ledger;
        uint256 tokenBalance;
        uint256 day;
        uint256 budget;
        uint256 paidToday;
        uint256 budgetLeft;
        uint256 totalOwed;
    }

    /// @notice A zero amount was given.
    error ZeroAmount();
    /// @notice Only the session router may credit providers.
    error NotSessionRouter(address caller);
    /// @notice Nothing can be paid: `owed` is owed and `budgetLeft` is left of today's budget.
    error NothingToClaim(uint256 owed, uint256 budgetLeft);
    /// @notice The pool holds no MOR beyond its ledger balance.
    error NoSurplus();

    /// @notice The books of the previous day were closed: `day`'s budget is fixed.
    event DayClosed(uint256 indexed day, uint256 closingBalance, uint256 budget);
    /// @notice `funder` added `amount` to the pool.
    event Funded(address indexed funder, uint256 amount, uint256 balance);
    /// @notice MOR sent to the pool by plain transfer was added to its balance.
    event SurplusAbsorbed(uint256 amount, uint256 balance);
    /// @notice The session router credited `provider` with `amount` owed.
    event Credited(address indexed provider, uint256 amount, uint256 owed);
    /// @notice `provider` was paid `amount`; `owed` is still owed.
    event Claimed(address indexed provider, address indexed caller, uint256 amount, uint256 owed);

    /// @notice Adds `amount` MOR from the caller to the pool. Anyone may fund.
    /// @dev Requirements: `amount > 0`; the caller approved `amount`.
    /// @param amount MOR wei.
    function fund(uint256 amount) external;

    /// @notice Adds MOR that reached the pool by plain transfer to its balance, from today on.
    /// Anyone may call it; nothing sent to the pool is lost or left outside the ledger.
    function absorbSurplus() external;

    /// @notice Records that `provider` is owed `amount` more. Session router only.
    /// @dev Requirements: all credits ever made, this one included, stay below 2^128 MOR wei
    /// (`SafeCastOverflowedUintDowncast` otherwise).
    /// @param provider The provider.
    /// @param amount MOR wei.
    function credit(address provider, uint256 amount) external;

    /// @notice Pays `provider` `min(owed, budget left today)`; the rest stays owed. Anyone may
    /// call it; the MOR always goes to the provider.
    /// @dev Requirements: something is owed and something is left of today's budget.
    /// @param provider The provider.
    /// @return paid MOR wei paid.
    function claim(address provider) external returns (uint256 paid);

    /// @notice The pool's ledger balance: MOR held for the Compute bucket, including what is
    /// owed and not yet claimed.
    /// @return MOR wei.
    function poolBalance() external view returns (uint256);

    /// @notice Today's budget, paid so far, and the ledger balance, as they stand now (the
    /// books of a new day are closed in the view if no transaction has done it yet).
    /// @return budget Today's budget.
    /// @return paid Paid out today.
    /// @return poolBalance The ledger balance.
    function today() external view returns (uint256 budget, uint256 paid, uint256 poolBalance);

    /// @notice What all providers are owed in all: the sum of `owed` over every provider, to the
    /// wei. O(1): kept as running sums, not a loop over providers.
    /// @return MOR wei.
    function totalOwed() external view returns (uint256);

    /// @notice The pool's health in one call: ledger, token balance, today's budget, paid and
    /// left, and the total owed to all providers, as they stand now (the books of a new day are
    /// closed in the view if no transaction has done it yet, as in `today`).
    /// @return The figures, each in MOR wei but `day`.
    function health() external view returns (Health memory);

    /// @notice The closing balance of the day before the day whose books were last closed.
    /// @return day The day whose budget it fixed.
    /// @return closingBalance The closing balance of `day - 1`.
    function lastClose() external view returns (uint256 day, uint256 closingBalance);

    /// @notice What `provider` is owed.
    /// @param provider The provider.
    /// @return MOR wei.
    function owed(address provider) external view returns (uint256);

    /// @notice All MOR the pool ever paid to `provider`.
    /// @param provider The provider.
    /// @return MOR wei.
    function claimed(address provider) external view returns (uint256);

    /// @notice The daily budget's share of the previous day's closing balance, in basis points:
    /// always 100 (1%), kept as a view for integrators that read it.
    /// @return The share.
    function budgetBps() external pure returns (uint256);

    /// @notice The session router, the only account that may credit.
    /// @return The router.
    function sessionRouter() external view returns (address);
}
