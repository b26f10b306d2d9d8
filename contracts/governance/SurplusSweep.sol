// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {SafeERC20} from "@openzeppelin/contracts/token/ERC20/utils/SafeERC20.sol";
import {ReentrancyGuardTransient} from "@openzeppelin/contracts/utils/ReentrancyGuardTransient.sol";
import {IComputePool} from "../interfaces/IComputePool.sol";
import {ISurplusSweep} from "../interfaces/ISurplusSweep.sol";

/// @title SurplusSweep
/// @notice `sweepSurplus` for a contract that holds MOR for others: it knows what it owes
/// (`_owedMor`), so whatever it holds beyond that arrived by plain transfer and goes to the pool.
abstract contract SurplusSweep is ISurplusSweep, ReentrancyGuardTransient {
    using SafeERC20 for IERC20;

    /// @inheritdoc ISurplusSweep
    function sweepSurplus() external nonReentrant returns (uint256 amount) {
        (IERC20 token, IComputePool pool) = _sweepRoute();
        amount = token.balanceOf(address(this)) - _owedMor();
        // slither-disable-next-line incorrect-equality -- only selects the revert; any non-zero surplus is swept
        if (amount == 0) revert NoSurplus();
        emit SurplusSwept(msg.sender, amount);

        token.safeTransfer(address(pool), amount);
        pool.absorbSurplus();
    }

    /// @inheritdoc ISurplusSweep
    function surplus() external view returns (uint256) {
        (IERC20 token,) = _sweepRoute();
        return token.balanceOf(address(this)) - _owedMor();
    }

    /// @dev MOR the contract owes to others (stakes, holds, fees): never swept.
    function _owedMor() internal view virtual returns (uint256);

    /// @dev The MOR token and the compute pool the surplus goes to.
    function _sweepRoute() internal view virtual returns (IERC20 token, IComputePool pool);
}
