// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @title SessionIds
/// @notice A session id is `consumer (160 bits) | approval nonce (96 bits)`.
/// @dev The session record keyed by this id is also the record that the approval was used: an
/// approval (bid, consumer, nonce, deadline) can open only session `encode(consumer, nonce)`, and
/// a session record is never deleted, so each approval opens at most one session without a
/// separate nonce store.
library SessionIds {
    /// @notice Packs a session id.
    function encode(address consumer, uint96 nonce) internal pure returns (uint256) {
        return (uint256(uint160(consumer)) << 96) | uint256(nonce);
    }

    /// @notice The consumer of session `sessionId`.
    function consumer(uint256 sessionId) internal pure returns (address) {
        return address(uint160(sessionId >> 96));
    }
}
