// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IModelRegistry} from "../interfaces/IModelRegistry.sol";

/// @title ModelNames
/// @notice The canonical model name (PROTOCOL.md §2): 3 to 64 bytes of ASCII letters and digits,
/// with single separators (`-` `.` `_` `/` `:`) only between them: never first, never last,
/// never two in a row. It is folded to lowercase (A-Z to a-z, nothing else changes), and names
/// are stored, compared and looked up in that form, so `Qwen/Qwen3-8B` and `qwen/qwen3-8b` are
/// one name. Any other byte (space, other punctuation, control bytes, any byte >= 0x80, so any
/// non-ASCII UTF-8) makes the name invalid.
/// Two names that merely look alike are one name: uniqueness is by the name's *skeleton*, the
/// canonical name folded by the stated, documented map of ASCII look-alikes below (`skeleton`),
/// and `key` is the keccak-256 of the skeleton. mor_market/names.py is the same grammar and the
/// same map in Python.
/// @dev One pass over the bytes, classified by bitmask: bit `c` of a class mask is set when byte
/// value `c` is in the class, so a class test is one shift and one AND. No mask has a bit at or
/// above 0x80: every non-ASCII byte is in no class, without a separate check.
library ModelNames {
    /// @notice Shortest name, in bytes.
    uint256 internal constant MIN_LENGTH = 3;
    /// @notice Longest name, in bytes.
    uint256 internal constant MAX_LENGTH = 64;

    /// @dev `0`..`9` (0x30..0x39).
    uint256 private constant DIGITS = ((1 << 10) - 1) << 0x30;
    /// @dev `A`..`Z` (0x41..0x5a).
    uint256 private constant UPPER = ((1 << 26) - 1) << 0x41;
    /// @dev `a`..`z` (0x61..0x7a).
    uint256 private constant LOWER = ((1 << 26) - 1) << 0x61;
    /// @dev `-` 0x2d, `.` 0x2e, `/` 0x2f, `:` 0x3a, `_` 0x5f.
    uint256 private constant SEPARATORS = (1 << 0x2d) | (1 << 0x2e) | (1 << 0x2f) | (1 << 0x3a) | (1 << 0x5f);
    /// @dev An uppercase ASCII letter plus 0x20 is its lowercase.
    uint256 private constant CASE_OFFSET = 0x20;
    /// @dev The bytes the skeleton changes: `0` 0x30, `1` 0x31, `i` 0x69, `m` 0x6d, `w` 0x77 and
    /// the separators. Every other byte of a canonical name is its own skeleton.
    uint256 private constant FOLDED = (1 << 0x30) | (1 << 0x31) | (1 << 0x69) | (1 << 0x6d) | (1 << 0x77) | SEPARATORS;

    /// @notice Validates `name` and returns its canonical (lowercase) form, of the same length.
    /// @dev Reverts `InvalidModelNameLength(length, MIN_LENGTH, MAX_LENGTH)` outside the bounds,
    /// else `InvalidModelNameCharacter(position, character)` at the first byte, from the start,
    /// that breaks the grammar: a byte that is no ASCII letter, digit or separator, or a separator
    /// that is first, last or right after another separator (`position` is that separator's).
    /// Gas (ModelNamesHarness.canonicalGas): ~750 for 3 bytes and ~110 per further byte, ~40 more
    /// per uppercase letter: 1,938 for `llama-3.1-8b`, 7,524 for 64 lowercase bytes.
    /// @param name The name as given, in any case.
    /// @return folded The canonical name.
    function canonical(string calldata name) internal pure returns (string memory folded) {
        uint256 length = bytes(name).length;
        if (length < MIN_LENGTH || length > MAX_LENGTH) {
            revert IModelRegistry.InvalidModelNameLength(length, MIN_LENGTH, MAX_LENGTH);
        }
        folded = name; // one copy to memory, where uppercase letters are then lowered in place

        // Inline assembly reads only literal constants, so the masks go through locals.
        uint256 lowerOrDigit = LOWER | DIGITS;
        uint256 upper = UPPER;
        uint256 separators = SEPARATORS;
        uint256 bad = length; // position of the first offending byte; `length` when there is none
        // The loop, in assembly, costs about a third less than in Solidity, whose indexed reads
        // and writes check bounds and rewrite a whole word per byte. It reads and writes only the
        // bytes of `folded`, lowers only bytes in UPPER, and stops at the first offending byte,
        // which it leaves as given; the revert is below.
        assembly ("memory-safe") {
            let data := add(folded, 0x20)
            let end := add(data, length)
            let last := sub(end, 1)
            // The start counts as a separator, so that a name cannot begin with one.
            let afterSeparator := 1
            for { let p := data } lt(p, end) { p := add(p, 1) } {
                let c := byte(0, mload(p))
                let bit := shl(c, 1)
                if and(bit, lowerOrDigit) {
                    afterSeparator := 0
                    continue
                }
                if and(bit, upper) {
                    mstore8(p, add(c, CASE_OFFSET))
                    afterSeparator := 0
                    continue
                }
                // Else only a separator is allowed, after a letter or digit, and not last.
                if or(or(iszero(and(bit, separators)), afterSeparator), eq(p, last)) {
                    bad := sub(p, data)
                    break
                }
                afterSeparator := 1
            }
        }
        if (bad < length) revert IModelRegistry.InvalidModelNameCharacter(bad, bytes(folded)[bad]);
    }

    /// @notice The skeleton of a canonical name: what it looks like, by the stated, documented
    /// map of ASCII look-alikes, applied byte by byte from left to right:
    /// `0` -> `o`; `1` and `i` -> `l` (`I` and `L` are already `i` and `l`); `m` -> `rn`;
    /// `w` -> `vv`; each separator (`-` `.` `_` `/` `:`) -> `-`; every other byte is itself.
    /// So `meta-llama/llama-3.1-8b`, `meta-Ilama/llama-3.l-8b`, `rneta_llama/llama_3-1-8b` and
    /// `qwen2.5-7b` / `qvven2.5-7b` share their skeletons, and `meta-llama/llama-3.1-8bb` does not.
    /// @dev `m` and `w` are expanded, never the pairs merged: an expansion is the same wherever it
    /// stands, while merging `rn` or `vv` greedily would depend on the neighbours (`rnn`, `vvv`).
    /// Expects the output of `canonical` (it neither validates nor folds case), so the skeleton
    /// is at most twice as long: 128 bytes. Gas (ModelNamesHarness.skeletonGas): ~130 per byte
    /// that stays, ~190 per `0`, `1` or `i` and ~230 per `m` or `w`: 2,057 for `llama-3.1-8b`,
    /// 14,612 at most (64 bytes of `m`).
    /// @param canonicalName A canonical name.
    /// @return folded The skeleton.
    function skeleton(string memory canonicalName) internal pure returns (bytes memory folded) {
        uint256 folds = FOLDED; // inline assembly reads only literal constants
        uint256 separators = SEPARATORS;
        // Written byte by byte in assembly, like `canonical`: straight into free memory, which
        // is then allocated to `folded` (length word, then the bytes, the last word's padding
        // zeroed). Nothing before the free memory pointer is written.
        assembly ("memory-safe") {
            folded := mload(0x40)
            let out := add(folded, 0x20)
            let p := add(canonicalName, 0x20)
            let end := add(p, mload(canonicalName))
            for {} lt(p, end) { p := add(p, 1) } {
                let c := byte(0, mload(p))
                let bit := shl(c, 1)
                // Most bytes are their own skeleton: one test, one write.
                if iszero(and(bit, folds)) {
                    mstore8(out, c)
                    out := add(out, 1)
                    continue
                }
                if and(bit, separators) {
                    mstore8(out, 0x2d) // `-`
                    out := add(out, 1)
                    continue
                }
                switch c
                case 0x30 {
                    mstore8(out, 0x6f) // `0` -> `o`
                    out := add(out, 1)
                }
                case 0x6d {
                    mstore8(out, 0x72) // `m` -> `rn`
                    mstore8(add(out, 1), 0x6e)
                    out := add(out, 2)
                }
                case 0x77 {
                    mstore8(out, 0x76) // `w` -> `vv`
                    mstore8(add(out, 1), 0x76)
                    out := add(out, 2)
                }
                default {
                    mstore8(out, 0x6c) // `1`, `i` -> `l`
                    out := add(out, 1)
                }
            }
            mstore(folded, sub(out, add(folded, 0x20)))
            mstore(out, 0) // free memory may be dirty: the padding after the bytes is zeroed
            mstore(0x40, and(add(out, 0x1f), not(0x1f)))
        }
    }

    /// @notice The uniqueness key of a canonical name: `keccak256` of its skeleton, so two names
    /// that look alike by the map of `skeleton` have one key.
    /// @dev Expects the output of `canonical`: it neither validates nor folds case.
    /// @param canonicalName A canonical name.
    /// @return The key.
    function key(string memory canonicalName) internal pure returns (bytes32) {
        return keccak256(skeleton(canonicalName));
    }
}
