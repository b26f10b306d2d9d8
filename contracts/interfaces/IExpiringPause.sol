// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title IExpiringPause
/// @notice The emergency pause of a protocol contract (PROTOCOL.md §7): it stops only new
/// registrations, bids and sessions, lifts itself after at most 7 days, and a new one starts only
/// 7 days after the last ended. Governance (the timelock) may pause after its delay; a
/// **guardian**, an address governance sets and revokes through the timelock, may pause at once
/// and can do nothing else: not unpause, not set a parameter, not sweep, not withdraw.
/// @dev `pause()` and `unpause()` are declared by each contract's own interface, which says what
/// its pause stops.
interface IExpiringPause {
    /// @notice The contract is paused until `until` (or an earlier unpause by governance).
    event Paused(address indexed account, uint256 until);
    /// @notice The pause was lifted by governance before it expired.
    event Unpaused(address indexed account);
    /// @notice The guardian changed from `previous` to `guardian` (zero: no guardian).
    event GuardianSet(address indexed previous, address indexed guardian);

    /// @notice The call is stopped by a pause that lasts until `until`.
    error EnforcedPause(uint256 until);
    /// @notice `unpause` while not paused.
    error ExpectedPause();
    /// @notice A new pause before `availableAt`: pauses cannot be chained.
    error PauseCoolingDown(uint256 availableAt);
    /// @notice `pause` by `account`, which is neither governance nor the guardian.
    error NotPauser(address account);

    /// @notice Names the guardian, the one address besides governance that may pause (and
    /// only pause); the zero address revokes it. Governance only.
    /// @param newGuardian The new guardian, or zero for none.
    function setGuardian(address newGuardian) external;

    /// @notice The guardian (zero: none).
    function guardian() external view returns (address);

    /// @notice Whether the contract is paused now.
    function paused() external view returns (bool);

    /// @notice Until when the contract is paused (a past time or zero: it is not paused), and the
    /// earliest time a new pause may start.
    function pauseState() external view returns (uint256 pausedUntil, uint256 nextPauseAt);
}
