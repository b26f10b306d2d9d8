// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @title ThirdPartyFeeToken
/// @notice Test mock from the v2 review: an ERC-20 that is exact on `transfer` and on a
/// `transferFrom` its holder makes itself, and burns 1% only when a third party pulls (spender
/// != holder), which is exactly how the protocol's contracts take deposits. A probe that moves
/// the deployer's tokens only through the deployer passes it; `TokenProbe` refuses it.
contract ThirdPartyFeeToken is ERC20 {
    constructor() ERC20("Third-party fee token", "TPFEE") {}

    /// @notice Mints `amount` to `to`. Open to anyone: a test token.
    /// @param to Receiver.
    /// @param amount Amount.
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @notice Moves `value` from `from` to `to`; when the caller is not `from`, 1% of it is
    /// burnt on the way.
    /// @param from Owner of the tokens.
    /// @param to Receiver.
    /// @param value Amount debited from `from`.
    /// @return Always true.
    function transferFrom(address from, address to, uint256 value) public override returns (bool) {
        _spendAllowance(from, msg.sender, value);
        uint256 fee = msg.sender == from ? 0 : value / 100;
        if (fee != 0) _burn(from, fee);
        _transfer(from, to, value - fee);
        return true;
    }
}
