// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title PayoutFeeToken
/// @notice Test mock: an ERC-20 whose `transferFrom` (how deposits come in) is exact and whose
/// plain `transfer` (how the contracts pay out) burns 1% of what it moves: a probe that only
/// checked deposits would pass it.
contract PayoutFeeToken is ERC20 {
    constructor() ERC20("Payout-fee token", "PFEE") {}

    /// @notice Mints `amount` to `to`. Open to anyone: a test token.
    /// @param to Receiver.
    /// @param amount Amount.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Debits `value` from the caller and credits `to` with `value` less a 1% burn.
    /// @param to Receiver.
    /// @param value Amount debited from the caller.
    /// @return Always true.
    function transfer(address to, uint256 value) public override returns (bool) {
        uint256 fee = value / 100;
        _burn(msg.sender, fee);
        _transfer(msg.sender, to, value - fee);
        return true;
    }
}
