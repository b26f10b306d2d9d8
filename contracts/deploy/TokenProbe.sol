// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";

/// @title TokenProbe
/// @notice The deployment's token check (PROTOCOL.md §7, v3): before anything is deployed, it
/// moves the deployer's MOR the way the protocol's contracts do, and refuses a token that does
/// not deliver exactly what is sent. The contracts account in nominal amounts, so a token that
/// takes a fee on any of these paths would leave them owing more than they hold.
/// @dev Two patterns, the only two the contracts use:
/// - a deposit: `transferFrom(holder, contract, amount)` called by the contract, a spender that
///   is not the holder (stakes, sessions, funding, fees);
/// - a payout: `transfer(receiver, amount)` from the contract (withdrawals, pay, claims, sweeps).
/// The probe pulls `amount` from the caller, then sends it back: the caller ends where it began.
contract TokenProbe {
    using SafeERC20 for IERC20;

    /// @notice `pattern` ("deposit" or "payout") of `amount` took `debited` from the sender and
    /// gave `credited` to the receiver; both must equal `amount`.
    error TokenMisbehaves(bytes32 pattern, uint256 amount, uint256 debited, uint256 credited);

    /// @notice `token` moved `amount` of `holder`'s both ways, exactly.
    event TokenProbed(IERC20 indexed token, address indexed holder, uint256 amount);

    /// @notice Pulls `amount` of the caller's `token` as a third-party spender, then sends it
    /// back; reverts with `TokenMisbehaves` unless each move delivers exactly `amount`.
    /// @dev Requirements: the caller approved this contract for `amount` and holds it.
    /// @param token The token to probe.
    /// @param amount Token wei to move (returned in the same call).
    function probe(IERC20 token, uint256 amount) external {
        uint256 holderBefore = token.balanceOf(msg.sender);
        uint256 selfBefore = token.balanceOf(address(this));
        token.safeTransferFrom(msg.sender, address(this), amount);
        uint256 holderMid = token.balanceOf(msg.sender);
        uint256 selfMid = token.balanceOf(address(this));
        _check("deposit", amount, holderBefore - holderMid, selfMid - selfBefore);

        token.safeTransfer(msg.sender, amount);
        _check("payout", amount, selfMid - token.balanceOf(address(this)), token.balanceOf(msg.sender) - holderMid);
        emit TokenProbed(token, msg.sender, amount);
    }

    /// @dev Reverts unless both sides of a move equal `amount`.
    function _check(bytes32 pattern, uint256 amount, uint256 debited, uint256 credited) private pure {
        if (debited != amount || credited != amount) revert TokenMisbehaves(pattern, amount, debited, credited);
    }
}
