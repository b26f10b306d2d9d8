// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title BidIds
/// @notice A bid id names one version of the bid of a provider for a model, with no storage:
/// `provider (160 bits) | modelId (32 bits) | version (64 bits)`.
/// @dev Every (re)post of a bid for a (provider, model) pair takes the pair's next version, so
/// ids never repeat and an approval signed for a replaced bid cannot open a session on the new one.
library BidIds {
    /// @notice Packs a bid id.
    function encode(address provider, uint32 modelId, uint64 version) internal pure returns (uint256) {
        return (uint256(uint160(provider)) << 96) | (uint256(modelId) << 64) | uint256(version);
    }

    /// @notice The provider of bid `bidId`.
    function provider(uint256 bidId) internal pure returns (address) {
        return address(uint160(bidId >> 96));
    }

    /// @notice The model of bid `bidId`.
    function modelId(uint256 bidId) internal pure returns (uint32) {
        return uint32(bidId >> 64);
    }

    /// @notice The version of bid `bidId` within its (provider, model) pair.
    function version(uint256 bidId) internal pure returns (uint64) {
        return uint64(bidId);
    }
}
