// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ECDSA} from "@openzeppelin/contracts/utils/cryptography/ECDSA.sol";

/// @title ProviderWallet
/// @notice Test mock: a smart-contract wallet that acts as a provider. It forwards calls made by
/// its owner and answers ERC-1271 for signatures of its owner key, unless switched off.
contract ProviderWallet is IERC1271 {
    /// @notice The caller is not the wallet's owner.
    error NotOwner();

    /// @notice The EOA whose signatures the wallet accepts.
    address public immutable owner;
    /// @notice When false, the wallet rejects every signature (its ERC-1271 answer changed).
    bool public accepting = true;

    constructor(address owner_) {
        owner = owner_;
    }

    /// @notice Calls `target` with `data` as the wallet.
    /// @param target The contract to call.
    /// @param data The calldata.
    /// @return result The call's return data.
    function execute(address target, bytes calldata data) external returns (bytes memory result) {
        if (msg.sender != owner) revert NotOwner();
        bool ok;
        // solhint-disable-next-line avoid-low-level-calls
        (ok, result) = target.call(data);
        if (!ok) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }

    /// @notice Switches signature acceptance on or off.
    /// @param value Whether to accept the owner's signatures.
    function setAccepting(bool value) external {
        if (msg.sender != owner) revert NotOwner();
        accepting = value;
    }

    /// @inheritdoc IERC1271
    function isValidSignature(bytes32 hash, bytes calldata signature) external view returns (bytes4) {
        (address recovered, ECDSA.RecoverError err,) = ECDSA.tryRecoverCalldata(hash, signature);
        if (accepting && err == ECDSA.RecoverError.NoError && recovered == owner) return IERC1271.isValidSignature.selector;
        return 0xffffffff;
    }
}
