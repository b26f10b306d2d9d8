// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title TransferFromFeeToken
/// @notice Test mock: an ERC-20 whose plain `transfer` is exact but whose `transferFrom` (the path
/// every deposit into the protocol takes) burns 1%. A probe of `transfer` alone passes it.
contract TransferFromFeeToken is ERC20 {
    constructor() ERC20("Deposit-fee token", "DFEE") {}

    /// @notice Mints `amount` to `to`. Open to anyone: a test token.
    /// @param to Receiver.
    /// @param amount Amount.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Moves `value` less a 1% burn from `from` to `to`, spending the full allowance.
    /// @param from Owner of the tokens.
    /// @param to Receiver.
    /// @param value Amount debited from `from`.
    /// @return Always true.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _spendAllowance(from, msg.sender, value);
        uint256 fee = value / 100;
        _burn(from, fee);
        _transfer(from, to, value - fee);
        return true;
    }
}
