// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {Math} from "@openzeppelin/contracts/utils/math/Math.sol";
import {Cheats} from "./Cheats.sol";

/// @dev Arithmetic facts the SessionMath proofs use as assumptions, one helper per fact.
/// Halmos first solves every query with MUL/DIV/MOD/MULMOD as uninterpreted functions and only
/// then bit-blasts them; bit-blasted 256-bit products and quotients of two symbolic values are
/// beyond yices and z3 (even `q*d + r == n` for `q = n / d` at 96 bits times out). So the proofs
/// reason about products and quotients as opaque values related by the facts below, and each fact
/// is either
///  - a LEMMA, proved for ALL values of its variables by a `check_lemma_*` in Lemmas.t.sol (they
///    are easy for the solvers in isolation: ring identities are normalised, range bounds are
///    bit-level), then assumed here for the particular terms; or
///  - an AXIOM: the Yellow Paper definition of DIV and MULMOD (for d > 0, q = n / d is the integer
///    with q*d <= n < q*d + d; mulmod(x, y, d) = (x*y) mod d when x*y < 2^256). Every EVM
///    execution satisfies them, so assuming them excludes no input; they are not re-proved
///    because bit-blasted 256-bit division is exactly what the solvers cannot do.
abstract contract Arith is Cheats {
    /// LEMMA check_lemma_mulComm: a*b == b*a (mod 2^256). Halmos' uninterpreted MUL is not
    /// commutative, and the compiler orders operands as it likes.
    function _comm(uint256 a, uint256 b) internal view {
        // Two external calls of one function: the optimiser orders the operands of a commutative
        // opcode canonically within a block, so `a * b == b * a` written inline would compare a
        // term with itself; the two calls give the term in both orders.
        vm.assume(this.product(a, b) == this.product(b, a));
    }

    function product(uint256 a, uint256 b) external pure returns (uint256 p) {
        unchecked {
            p = a * b;
        }
    }

    /// LEMMA check_lemma_mulZero: b == 0 -> a*b == 0.
    function _zero(uint256 a, uint256 b) internal pure {
        unchecked {
            vm.assume(b != 0 || a * b == 0);
        }
    }

    /// LEMMA check_lemma_mulDistrib: a*b == a*c + a*(b - c) (mod 2^256).
    function _distrib(uint256 a, uint256 b, uint256 c) internal pure {
        unchecked {
            vm.assume(a * b == a * c + a * (b - c));
        }
    }

    /// LEMMA check_lemma_mulBound_*: a < A && b < B -> a*b < A*B (no wrap), for the bit widths
    /// the proofs use (A, B powers of two, A*B <= 2^248).
    function _bound(uint256 a, uint256 b, uint256 aLimit, uint256 bLimit) internal pure {
        unchecked {
            vm.assume(!(a < aLimit && b < bLimit) || a * b < aLimit * bLimit);
        }
    }

    /// LEMMA check_lemma_mulMono: a < 2^128, x <= y < 2^120 -> a*x <= a*y.
    function _mono(uint256 a, uint256 x, uint256 y) internal pure {
        _monoW(a, x, y, 2 ** 128, 2 ** 120);
    }

    /// LEMMA check_lemma_mulMono_64_176, _88_166: a < A, x <= y < Y -> a*x <= a*y, for those
    /// widths (A*Y <= 2^254, so neither product wraps).
    function _monoW(uint256 a, uint256 x, uint256 y, uint256 aLimit, uint256 yLimit) internal pure {
        unchecked {
            vm.assume(!(a < aLimit && x <= y && y < yLimit) || a * x <= a * y);
        }
    }

    /// LEMMA check_lemma_mulCancel: 1 <= a < 2^40, x, y < 2^200, a*x <= a*y -> x <= y.
    function _cancel(uint256 a, uint256 x, uint256 y) internal pure {
        unchecked {
            vm.assume(!(a >= 1 && a < 2 ** 40 && x < 2 ** 200 && y < 2 ** 200 && a * x <= a * y) || x <= y);
        }
    }

    /// LEMMA check_lemma_minMax: OpenZeppelin's branchless min/max (a multiplication by 0 or 1,
    /// opaque to the first solver pass) equal the plain conditional.
    function _min(uint256 a, uint256 b) internal pure returns (uint256 m) {
        m = Math.min(a, b);
        vm.assume(m == (a < b ? a : b));
    }

    function _max(uint256 a, uint256 b) internal pure returns (uint256 m) {
        m = Math.max(a, b);
        vm.assume(m == (a > b ? a : b));
    }

    /// LEMMA check_lemma_mulmodMax: a < 2^96, b < 2^40 -> mulmod(a, b, 2^256 - 1) == a*b (so the high
    /// word of OpenZeppelin's mul512 is 0 and mulDiv takes its 256-bit path).
    function _mulmodMax(uint256 a, uint256 b) internal pure {
        _mulmodMaxW(a, b, 2 ** 96, 2 ** 40);
    }

    /// LEMMA check_lemma_mulmodMax, _86_80: the same for those widths.
    function _mulmodMaxW(uint256 a, uint256 b, uint256 aLimit, uint256 bLimit) internal pure {
        unchecked {
            vm.assume(!(a < aLimit && b < bLimit) || mulmod(a, b, type(uint256).max) == a * b);
        }
    }

    /// AXIOM (DIV): d > 0 -> q = n / d satisfies q*d <= n and n - q*d < d.
    function _div(uint256 n, uint256 d) internal pure returns (uint256 q) {
        vm.assume(d > 0);
        unchecked {
            q = n / d;
            vm.assume(q * d <= n && n - q * d < d);
        }
    }

    /// LEMMA check_lemma_divLe: d > 0 -> n / d <= n (a quotient never exceeds its dividend).
    function _divLe(uint256 n, uint256 d) internal pure {
        vm.assume(d == 0 || n / d <= n);
    }

    /// AXIOM (MULMOD): d > 0, x < A, y < B with A*B <= 2^256 (so x*y is the exact product)
    /// -> mulmod(x, y, d) == x*y - (x*y / d) * d.
    function _mulmod(uint256 x, uint256 y, uint256 d, uint256 aLimit, uint256 bLimit) internal pure {
        unchecked {
            uint256 n = x * y;
            vm.assume(d == 0 || !(x < aLimit && y < bLimit) || mulmod(x, y, d) == n - (n / d) * d);
        }
    }
}
