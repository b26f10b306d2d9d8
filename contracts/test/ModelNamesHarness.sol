// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ModelNames} from "../libraries/ModelNames.sol";

/// @title ModelNamesHarness
/// @notice Test helper: exposes the internal functions of ModelNames, so that tests can compare
/// them with mor_market/names.py and measure their gas.
contract ModelNamesHarness {
    /// @notice ModelNames.canonical.
    /// @param name A name in any case.
    /// @return The canonical name (reverts as ModelNames.canonical does).
    function canonical(string calldata name) external pure returns (string memory) {
        return ModelNames.canonical(name);
    }

    /// @notice The skeleton of `name` as a registry computes it: ModelNames.skeleton of
    /// ModelNames.canonical.
    /// @param name A name in any case.
    /// @return The skeleton (reverts as ModelNames.canonical does).
    function skeleton(string calldata name) external pure returns (bytes memory) {
        return ModelNames.skeleton(ModelNames.canonical(name));
    }

    /// @notice The uniqueness key of `name` as a registry computes it: ModelNames.key of
    /// ModelNames.canonical, the keccak-256 of its skeleton.
    /// @param name A name in any case.
    /// @return The key (reverts as ModelNames.canonical does).
    function key(string calldata name) external pure returns (bytes32) {
        return ModelNames.key(ModelNames.canonical(name));
    }

    /// @notice Gas that ModelNames.canonical uses on `name` inside a call: the difference of
    /// `gasleft()` around it, so without the call's base cost, calldata and ABI encoding.
    /// @param name A valid name.
    /// @return used The gas.
    function canonicalGas(string calldata name) external view returns (uint256 used) {
        used = gasleft();
        ModelNames.canonical(name);
        used -= gasleft();
    }

    /// @notice Gas that ModelNames.skeleton uses on the canonical form of `name` inside a call,
    /// measured as `canonicalGas` is.
    /// @param name A valid name.
    /// @return used The gas.
    function skeletonGas(string calldata name) external view returns (uint256 used) {
        string memory canonicalName = ModelNames.canonical(name);
        used = gasleft();
        ModelNames.skeleton(canonicalName);
        used -= gasleft();
    }
}
