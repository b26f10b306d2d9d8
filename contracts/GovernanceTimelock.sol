// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {TimelockController} from "@openzeppelin/contracts/governance/TimelockController.sol";

/// @title GovernanceTimelock
/// @notice The owner of every protocol contract on a public network (PROTOCOL.md §7, "Announced
/// changes"): governance proposes a change, it is public for at least `getMinDelay()` seconds,
/// then it can be executed. OpenZeppelin's TimelockController, unchanged; this contract only gives
/// it the project's name so deployments and explorers show what it is.
/// @dev The deployment (mor_market/deployment.py) creates it with a zero delay and itself as the
/// only proposer, executor and admin, has it accept the ownership of every contract and set its
/// real delay in one batch, hands the proposer, executor and canceller roles to governance and
/// renounces all of its own; the deployment's verification checks each of those facts.
contract GovernanceTimelock is TimelockController {
    /// @param minDelay Initial delay of an operation, in seconds.
    /// @param proposers Accounts that may schedule (and cancel) operations.
    /// @param executors Accounts that may execute ready operations (zero address: anyone).
    /// @param admin Optional admin of the roles, to be renounced once the roles are set up.
    constructor(uint256 minDelay, address[] memory proposers, address[] memory executors, address admin)
        TimelockController(minDelay, proposers, executors, admin)
    {}
}
