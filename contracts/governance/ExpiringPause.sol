// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ExpiringPause
/// @notice An emergency pause that lifts itself (PROTOCOL.md §7): it lasts at most
/// `MAX_PAUSE` and a new one is possible only after as long again without one, so pauses cannot
/// be chained. Only what is marked `whenNotPaused` stops (new registrations, bids, sessions);
/// closing, claiming, withdrawing and deregistering never do.
/// @dev One slot: [pausedUntil 40 | nextPauseAt 40]. Timestamps only, never block numbers.
abstract contract ExpiringPause {
    /// @notice The longest a pause lasts, and the shortest time between the end of one pause and
    /// the start of the next.
    uint256 public constant MAX_PAUSE = 7 days;

    struct PauseState {
        uint40 pausedUntil;
        uint40 nextPauseAt;
    }

    PauseState private _pauseState;

    /// @notice The contract is paused until `until` (or an earlier unpause).
    event Paused(address indexed account, uint256 until);
    /// @notice The pause was lifted by governance before it expired.
    event Unpaused(address indexed account);

    /// @notice The call is stopped by a pause that lasts until `until`.
    error EnforcedPause(uint256 until);
    /// @notice `unpause` while not paused.
    error ExpectedPause();
    /// @notice A new pause before `availableAt`: pauses cannot be chained.
    error PauseCoolingDown(uint256 availableAt);

    modifier whenNotPaused() {
        uint256 until = _pauseState.pausedUntil;
        if (block.timestamp < until) revert EnforcedPause(until);
        _;
    }

    /// @notice Whether the contract is paused now.
    function paused() public view returns (bool) {
        return block.timestamp < _pauseState.pausedUntil;
    }

    /// @notice Until when the contract is paused (a past time or zero: it is not paused), and the
    /// earliest time a new pause may start.
    function pauseState() external view returns (uint256 pausedUntil, uint256 nextPauseAt) {
        PauseState memory state = _pauseState;
        return (state.pausedUntil, state.nextPauseAt);
    }

    /// @dev Pauses for `MAX_PAUSE`; the caller checks who may.
    function _pause() internal {
        PauseState memory state = _pauseState;
        if (block.timestamp < state.pausedUntil) revert EnforcedPause(state.pausedUntil);
        if (block.timestamp < state.nextPauseAt) revert PauseCoolingDown(state.nextPauseAt);
        uint256 until = block.timestamp + MAX_PAUSE;
        _pauseState = PauseState({pausedUntil: uint40(until), nextPauseAt: uint40(until + MAX_PAUSE)});
        emit Paused(msg.sender, until);
    }

    /// @dev Lifts the pause now; the next may start `MAX_PAUSE` from now. The caller checks who may.
    function _unpause() internal {
        if (block.timestamp >= _pauseState.pausedUntil) revert ExpectedPause();
        _pauseState = PauseState({pausedUntil: uint40(block.timestamp), nextPauseAt: uint40(block.timestamp + MAX_PAUSE)});
        emit Unpaused(msg.sender);
    }
}
