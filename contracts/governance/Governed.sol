// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Ownable2Step} from "@openzeppelin/contracts/access/Ownable2Step.sol";

/// @title Governed
/// @notice Governance of one protocol contract (PROTOCOL.md §7): two-step ownership that can
/// never be renounced, and one error for every parameter outside its hard bound.
/// @dev On a public network the owner is a TimelockController, so every change is announced for
/// at least the timelock's delay before it applies. Renouncing would leave the whitelist, a pause
/// and every parameter frozen forever, so it always reverts.
abstract contract Governed is Ownable2Step {
    /// @notice `renounceOwnership` was called: ownership can only be transferred, never dropped.
    error OwnershipCannotBeRenounced();
    /// @notice A parameter value outside the range fixed in the code.
    /// @param name The parameter.
    /// @param value The value given.
    /// @param minimum The lowest value allowed.
    /// @param maximum The highest value allowed.
    error ParameterOutOfBounds(bytes32 name, uint256 value, uint256 minimum, uint256 maximum);

    /// @notice Always reverts: losing the owner must never freeze the whitelist, a pause or a
    /// parameter.
    function renounceOwnership() public pure override {
        revert OwnershipCannotBeRenounced();
    }

    /// @dev Reverts with `ParameterOutOfBounds` unless `minimum <= value <= maximum`.
    function _checkBounds(bytes32 name, uint256 value, uint256 minimum, uint256 maximum) internal pure {
        if (value < minimum || value > maximum) revert ParameterOutOfBounds(name, value, minimum, maximum);
    }
}
