// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReentrantToken
/// @notice Test mock: an 18-decimal ERC-20 that, while armed, calls a configured target with
/// configured calldata in the middle of every transfer and transferFrom (after the balances
/// moved), to prove that the protocol's MOR-moving entry points cannot be re-entered.
/// @dev With `bubble` the callback's revert is re-raised, so the whole outer call fails with
/// the target's error; without it the failure is recorded (`lastCallbackResult`) and the
/// transfer goes on, so a test can check that the re-entered call changed nothing.
contract ReentrantToken is ERC20 {
    /// @notice The contract to call back during a transfer; zero when disarmed.
    address public target;
    /// @notice The calldata of the callback.
    bytes public callbackData;
    /// @notice Whether a failed callback makes the transfer fail with the same error.
    bool public bubble;
    /// @notice Callbacks made so far.
    uint256 public callbacks;
    /// @notice Whether the last callback succeeded.
    bool public lastCallbackSucceeded;
    /// @notice The return or revert data of the last callback.
    bytes public lastCallbackResult;

    bool private _inCallback;

    constructor() ERC20("Reentrant MOR", "rMOR") {}

    /// @notice Mints `amount` to `to`. Open to anyone: this is a test token.
    /// @param to The receiver.
    /// @param amount The amount in wei.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Arms the callback.
    /// @param target_ The contract to call during transfers.
    /// @param data The calldata.
    /// @param bubble_ Whether a failed callback fails the transfer.
    function arm(address target_, bytes calldata data, bool bubble_) external {
        target = target_;
        callbackData = data;
        bubble = bubble_;
    }

    /// @notice Disarms the callback.
    function disarm() external {
        target = address(0);
    }

    /// @dev Moves the balances, then (while armed, not for mints, and not from inside a
    /// callback) calls the target.
    function _update(address from, address to, uint256 value) internal override {
        super._update(from, to, value);
        if (target == address(0) || from == address(0) || _inCallback) return;
        _inCallback = true;
        // solhint-disable-next-line avoid-low-level-calls
        (bool ok, bytes memory result) = target.call(callbackData);
        _inCallback = false;
        ++callbacks;
        lastCallbackSucceeded = ok;
        lastCallbackResult = result;
        if (!ok && bubble) {
            assembly ("memory-safe") {
                revert(add(result, 32), mload(result))
            }
        }
    }
}
