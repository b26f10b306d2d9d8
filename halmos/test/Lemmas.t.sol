// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Arith} from "./Arith.sol";

/// @notice The lemmas of Arith.sol, each for ALL values of its variables. All but the last two are
/// bit-vector facts the solvers settle directly (ring identities by normalisation, bounds and
/// OpenZeppelin's min/max/mul512 bit by bit); monotonicity and cancellation of a product are not
/// (a bit-blasted a*x <= a*y times out even at 96 x 16 bits), so they are derived from the
/// distributive law and the bounds, which the solver then only combines linearly.
contract LemmasTest is Arith {
    function check_lemma_mulComm(uint256 a, uint256 b) public pure {
        unchecked {
            assertEq(a * b, b * a);
        }
    }

    function check_lemma_mulZero(uint256 a, uint256 b) public pure {
        vm.assume(b == 0);
        unchecked {
            assertEq(a * b, 0);
        }
    }

    function check_lemma_mulDistrib(uint256 a, uint256 b, uint256 c) public pure {
        unchecked {
            assertEq(a * b, a * c + a * (b - c));
        }
    }

    function check_lemma_mulBound_128_120(uint256 a, uint256 b) public pure {
        _checkBound(a, b, 2 ** 128, 2 ** 120);
    }

    function check_lemma_mulBound_40_200(uint256 a, uint256 b) public pure {
        _checkBound(a, b, 2 ** 40, 2 ** 200);
    }

    function check_lemma_mulBound_96_40(uint256 a, uint256 b) public pure {
        _checkBound(a, b, 2 ** 96, 2 ** 40);
    }

    function check_lemma_mulBound_96_16(uint256 a, uint256 b) public pure {
        _checkBound(a, b, 2 ** 96, 2 ** 16);
    }

    function check_lemma_mulBound_64_40(uint256 a, uint256 b) public pure {
        _checkBound(a, b, 2 ** 64, 2 ** 40);
    }

    function check_lemma_mulBound_86_80(uint256 a, uint256 b) public pure {
        _checkBound(a, b, 2 ** 86, 2 ** 80);
    }

    function check_lemma_mulBound_64_176(uint256 a, uint256 b) public pure {
        _checkBound(a, b, 2 ** 64, 2 ** 176);
    }

    function check_lemma_mulBound_88_166(uint256 a, uint256 b) public pure {
        _checkBound(a, b, 2 ** 88, 2 ** 166);
    }

    function _checkBound(uint256 a, uint256 b, uint256 aLimit, uint256 bLimit) internal pure {
        vm.assume(a < aLimit && b < bLimit);
        unchecked {
            assertTrue(a * b < aLimit * bLimit);
        }
    }

    function check_lemma_minMax(uint256 a, uint256 b) public pure {
        assertEq(Math.min(a, b), a < b ? a : b);
        assertEq(Math.max(a, b), a > b ? a : b);
    }

    function check_lemma_mulmodMax(uint256 a, uint256 b) public pure {
        vm.assume(a < 2 ** 96 && b < 2 ** 40);
        unchecked {
            assertEq(mulmod(a, b, type(uint256).max), a * b);
        }
    }

    function check_lemma_mulmodMax_86_80(uint256 a, uint256 b) public pure {
        vm.assume(a < 2 ** 86 && b < 2 ** 80);
        unchecked {
            assertEq(mulmod(a, b, type(uint256).max), a * b);
        }
    }

    function check_lemma_divLe(uint256 n, uint256 d) public pure {
        vm.assume(d > 0);
        assertLe(n / d, n);
    }

    function check_lemma_mulMono_64_176(uint256 a, uint256 x, uint256 y) public pure {
        _checkMono(a, x, y, 2 ** 64, 2 ** 176);
    }

    function check_lemma_mulMono_88_166(uint256 a, uint256 x, uint256 y) public pure {
        _checkMono(a, x, y, 2 ** 88, 2 ** 166);
    }

    /// a*y = a*x + a*(y - x), both products below A*Y <= 2^254: the sum does not wrap, so
    /// a*x <= a*y.
    function _checkMono(uint256 a, uint256 x, uint256 y, uint256 aLimit, uint256 yLimit) internal pure {
        vm.assume(a < aLimit && x <= y && y < yLimit);
        _distrib(a, y, x);
        _bound(a, x, aLimit, yLimit);
        _bound(a, y - x, aLimit, yLimit);
        unchecked {
            assertLe(a * x, a * y);
        }
    }

    /// a < 2^128, x <= y < 2^120 -> a*x <= a*y (the argument is `_checkMono`'s).
    function check_lemma_mulMono(uint256 a, uint256 x, uint256 y) public pure {
        _checkMono(a, x, y, 2 ** 128, 2 ** 120);
    }

    /// If x > y: a*x = a*y + a*(x - y) and a*(x - y) = a + a*(x - y - 1) >= 1, none wrapping
    /// (all < 2^240), so a*x > a*y.
    function check_lemma_mulCancel(uint256 a, uint256 x, uint256 y) public pure {
        vm.assume(a >= 1 && a < 2 ** 40 && x < 2 ** 200 && y < 2 ** 200);
        unchecked {
            vm.assume(a * x <= a * y);
        }
        if (x > y) {
            _distrib(a, x, y);
            _distrib(a, x - y, 1);
            _bound(a, y, 2 ** 40, 2 ** 200);
            _bound(a, x - y - 1, 2 ** 40, 2 ** 200);
        }
        assertLe(x, y);
    }
}
