// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title ISurplusSweep
/// @notice Stray MOR is never stuck (PROTOCOL.md §7, promise 6): MOR sent by plain transfer to a
/// contract that holds MOR for others is its surplus (balance minus what it owes), and anyone
/// may sweep it into the compute pool's ledger, as funding of that day. The caller gets nothing.
interface ISurplusSweep {
    /// @notice The contract holds no MOR beyond what it owes.
    error NoSurplus();

    /// @notice `amount` of surplus MOR went to the compute pool as funding.
    event SurplusSwept(address indexed caller, uint256 amount);

    /// @notice Sends the surplus to the compute pool and has the pool count it as funding of today.
    /// @dev Requirements: a non-zero surplus. Works while paused.
    /// @return amount MOR wei swept.
    function sweepSurplus() external returns (uint256 amount);

    /// @notice MOR the contract holds beyond what it owes.
    function surplus() external view returns (uint256);
}
