// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IExpiringPause} from "../interfaces/IExpiringPause.sol";
import {Governed} from "./Governed.sol";

/// @title ExpiringPause
/// @notice An emergency pause that lifts itself (PROTOCOL.md §7): it lasts at most
/// `MAX_PAUSE` and a new one is possible only after as long again without one, so pauses cannot
/// be chained. Only what is marked `whenNotPaused` stops (new registrations, bids, sessions);
/// closing, claiming, withdrawing and deregistering never do. Governance or its guardian pauses;
/// only governance lifts a pause early.
/// @dev One slot: [pausedUntil 40 | nextPauseAt 40 | guardian 160], so the guardian check of a
/// pause reads the slot the pause writes anyway. Timestamps only, never block numbers.
abstract contract ExpiringPause is IExpiringPause, Governed {
    /// @notice The longest a pause lasts, and the shortest time between the end of one pause and
    /// the start of the next.
    uint256 public constant MAX_PAUSE = 7 days;

    struct PauseState {
        uint40 pausedUntil;
        uint40 nextPauseAt;
        address guardian;
    }

    PauseState private _pauseState;

    modifier whenNotPaused() {
        uint256 until = _pauseState.pausedUntil;
        if (block.timestamp < until) revert EnforcedPause(until);
        _;
    }

    /// @inheritdoc IExpiringPause
    function setGuardian(address newGuardian) external onlyOwner {
        emit GuardianSet(_pauseState.guardian, newGuardian);
        _pauseState.guardian = newGuardian;
    }

    /// @inheritdoc IExpiringPause
    function guardian() external view returns (address) {
        return _pauseState.guardian;
    }

    /// @inheritdoc IExpiringPause
    function paused() public view returns (bool) {
        return block.timestamp < _pauseState.pausedUntil;
    }

    /// @inheritdoc IExpiringPause
    function pauseState() external view returns (uint256 pausedUntil, uint256 nextPauseAt) {
        PauseState memory state = _pauseState;
        return (state.pausedUntil, state.nextPauseAt);
    }

    /// @dev Pauses for `MAX_PAUSE`, if the caller is governance or the guardian.
    function _pause() internal {
        PauseState memory state = _pauseState;
        if (msg.sender != state.guardian && msg.sender != owner()) revert NotPauser(msg.sender);
        if (block.timestamp < state.pausedUntil) revert EnforcedPause(state.pausedUntil);
        if (block.timestamp < state.nextPauseAt) revert PauseCoolingDown(state.nextPauseAt);
        uint256 until = block.timestamp + MAX_PAUSE;
        state.pausedUntil = uint40(until);
        state.nextPauseAt = uint40(until + MAX_PAUSE);
        _pauseState = state;
        emit Paused(msg.sender, until);
    }

    /// @dev Lifts the pause now; the next may start `MAX_PAUSE` from now. The caller checks that
    /// it is governance.
    function _unpause() internal {
        PauseState memory state = _pauseState;
        if (block.timestamp >= state.pausedUntil) revert ExpectedPause();
        state.pausedUntil = uint40(block.timestamp);
        state.nextPauseAt = uint40(block.timestamp + MAX_PAUSE);
        _pauseState = state;
        emit Unpaused(msg.sender);
    }
}
