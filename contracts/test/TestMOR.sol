// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";
import {ERC20Permit} from "@openzeppelin/contracts/token/ERC20/extensions/ERC20Permit.sol";

/// @title TestMOR
/// @notice The stand-in for MOR on local chains: an 18-decimal ERC-20 with EIP-2612 permit
/// and an open faucet.
/// @dev The local Arbitrum Sepolia places this runtime code at MOR's Sepolia address with
/// `anvil_setCode`, so it must need no constructor-written storage: name, symbol and the
/// EIP-712 domain live in immutables and constants (OpenZeppelin's EIP712 rebuilds the
/// domain separator when the code runs at another address).
contract TestMOR is ERC20Permit {
    constructor() ERC20("Test MOR", "MOR") ERC20Permit("Test MOR") {}

    /// @notice Mints `amount` test MOR to `to`. Open to anyone: this is a test token.
    /// @param to The receiver of the new tokens.
    /// @param amount The amount in wei (18 decimals).
    function mint(address to, uint256 amount) external {
        _mint(to, amount);
    }

    /// @inheritdoc ERC20
    function name() public pure override returns (string memory) {
        return "Test MOR";
    }

    /// @inheritdoc ERC20
    function symbol() public pure override returns (string memory) {
        return "MOR";
    }
}
