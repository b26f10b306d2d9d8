// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ReturnsFalseToken
/// @notice Test mock: an ERC-20 whose `transfer` and `transferFrom` can be switched to fail,
/// either by returning false without moving tokens or by reverting, so tests can show that
/// every token call goes through SafeERC20 and that a failed transfer changes nothing.
contract ReturnsFalseToken is ERC20 {
    /// @notice How transfers behave.
    enum Mode {
        Normal,
        ReturnFalse,
        Revert
    }

    /// @notice A transfer was attempted while the token is in `Mode.Revert`.
    error TransferRejected();

    /// @notice The current behaviour of `transfer` and `transferFrom`.
    Mode public mode;

    constructor() ERC20("Returns False", "RFT") {}

    /// @notice Mints `amount` to `to`. Open to anyone: this is a test token.
    /// @param to The receiver.
    /// @param amount The amount in wei.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Switches how transfers behave.
    /// @param newMode Normal, ReturnFalse or Revert.
    function setMode(Mode newMode) external {
        mode = newMode;
    }

    /// @inheritdoc ERC20
    function transfer(address to, uint256 value) public override returns (bool) {
        if (mode == Mode.ReturnFalse) return false;
        if (mode == Mode.Revert) revert TransferRejected();
        return super.transfer(to, value);
    }

    /// @inheritdoc ERC20
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        if (mode == Mode.ReturnFalse) return false;
        if (mode == Mode.Revert) revert TransferRejected();
        return super.transferFrom(from, to, value);
    }
}
