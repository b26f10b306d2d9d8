// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";
import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title GovernanceTimelock
/// @notice The owner of every protocol contract on a public network (PROTOCOL.md §7, "Announced
/// changes"): governance proposes a change, it is public for at least `getMinDelay()` seconds,
/// then it can be executed. OpenZeppelin's TimelockController with two rules added:
/// - **a delay floor**: `delayFloor`, fixed at deployment (1 day on a public network, 0 on a
///   local one), below which no delay can ever be set, not even by an announced `updateDelay`;
/// - **announcements expire**: an operation not executed within `GRACE_PERIOD` (14 days) of
///   becoming ready can no longer be executed. It then reads as unset (`getOperationState`), so
///   the same call can be scheduled again, and wait out the delay again.
/// @dev The deployment (mor_market/deployment.py) has every protocol contract propose this
/// timelock as its owner before creating it; the constructor accepts those ownerships, so the
/// timelock is in charge from its first block with its real delay and no admin at all.
contract GovernanceTimelock is TimelockController {
    /// @notice How long a ready operation stays executable.
    uint256 public constant GRACE_PERIOD = 14 days;

    /// @notice The lowest delay this timelock can ever have.
    uint256 public immutable delayFloor;

    /// @notice A delay of `delay` seconds, under the floor of `floor` seconds.
    error TimelockDelayBelowFloor(uint256 delay, uint256 floor);
    /// @notice Operation `id` became ready and was not executed before `expiredAt`: schedule it
    /// again.
    error TimelockOperationExpired(bytes32 id, uint256 expiredAt);

    /// @param minDelay The delay of every operation, in seconds, at least `delayFloor_`.
    /// @param delayFloor_ The lowest delay ever allowed, in seconds.
    /// @param proposers Accounts that may schedule and cancel operations.
    /// @param executors Accounts that may execute ready operations (zero address: anyone).
    /// @param owned Contracts that proposed this timelock as their owner (Ownable2Step); it
    /// accepts each ownership here.
    constructor(
        uint256 minDelay,
        uint256 delayFloor_,
        address[] memory proposers,
        address[] memory executors,
        Ownable2Step[] memory owned
    ) TimelockController(minDelay, proposers, executors, address(0)) {
        if (minDelay < delayFloor_) revert TimelockDelayBelowFloor(minDelay, delayFloor_);
        delayFloor = delayFloor_;
        for (uint256 i = 0; i < owned.length; ++i) {
            owned[i].acceptOwnership();
        }
    }

    /// @notice Changes the delay of later operations; never below `delayFloor`. Only the
    /// timelock itself, through an executed operation.
    /// @param newDelay The new delay, in seconds (`TimelockDelayBelowFloor` under the floor).
    function updateDelay(uint256 newDelay) public override {
        if (newDelay < delayFloor) revert TimelockDelayBelowFloor(newDelay, delayFloor);
        super.updateDelay(newDelay);
    }

    /// @notice Executes a ready operation that has not expired (`TimelockOperationExpired`).
    function execute(address target, uint256 value, bytes calldata payload, bytes32 predecessor, bytes32 salt)
        public
        payable
        override
    {
        _checkNotExpired(hashOperation(target, value, payload, predecessor, salt));
        super.execute(target, value, payload, predecessor, salt);
    }

    /// @notice Executes a ready batch that has not expired (`TimelockOperationExpired`).
    function executeBatch(
        address[] calldata targets,
        uint256[] calldata values,
        bytes[] calldata payloads,
        bytes32 predecessor,
        bytes32 salt
    ) public payable override {
        _checkNotExpired(hashOperationBatch(targets, values, payloads, predecessor, salt));
        super.executeBatch(targets, values, payloads, predecessor, salt);
    }

    /// @notice An operation's state, where an expired one reads `Unset`: it can no longer be
    /// executed or cancelled, and it can be scheduled again.
    function getOperationState(bytes32 id) public view override returns (OperationState) {
        if (isOperationExpired(id)) return OperationState.Unset;
        return super.getOperationState(id);
    }

    /// @notice Whether operation `id` became ready and was not executed within `GRACE_PERIOD`.
    function isOperationExpired(bytes32 id) public view returns (bool) {
        uint256 readyAt = getTimestamp(id);
        return readyAt > DONE_TIMESTAMP && block.timestamp >= readyAt + GRACE_PERIOD;
    }

    /// @dev Reverts with `TimelockOperationExpired` if operation `id` expired.
    function _checkNotExpired(bytes32 id) private view {
        if (isOperationExpired(id)) revert TimelockOperationExpired(id, getTimestamp(id) + GRACE_PERIOD);
    }
}
