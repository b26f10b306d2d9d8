// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

import {IERC20} from "@openzeppelin/contracts/token/ERC20/IERC20.sol";
import {IERC1271} from "@openzeppelin/contracts/interfaces/IERC1271.sol";
import {ComputePool} from "contracts/ComputePool.sol";
import {Marketplace} from "contracts/Marketplace.sol";
import {ModelRegistry} from "contracts/ModelRegistry.sol";
import {SessionRouter} from "contracts/SessionRouter.sol";
import {IComputePool} from "contracts/interfaces/IComputePool.sol";
import {IMarketplace} from "contracts/interfaces/IMarketplace.sol";
import {ISessionRouter} from "contracts/interfaces/ISessionRouter.sol";
import {TestMOR} from "contracts/test/TestMOR.sol";
import {Cheats} from "./Cheats.sol";

/// @dev A provider signer that accepts every signature (ERC-1271). It stands for a compromised
/// or careless signer key: the proofs must hold even when signatures are no obstacle.
contract AcceptAllSigner is IERC1271 {
    function isValidSignature(bytes32, bytes calldata) external pure returns (bytes4) {
        return IERC1271.isValidSignature.selector;
    }
}

/// @dev The whole protocol, deployed and wired as mor_market/deploy.py does (each contract
/// learns the next ones' addresses before they exist), with governance at GOV.
abstract contract Protocol is Cheats {
    uint256 internal constant START = 1_750_000_000; // a timestamp in 2025
    uint256 internal constant MOR1 = 1e18;
    address internal constant GOV = address(0x60F);
    address internal constant FUNDER = address(0xF00D);
    address internal constant PROVIDER = address(0xB0B);
    address internal constant MODEL_OWNER = address(0x0DE1);
    address internal constant CONSUMER = address(0xC0C0);
    address internal constant CONSUMER2 = address(0xC0C1);

    TestMOR internal mor;
    ModelRegistry internal registry;
    Marketplace internal market;
    ComputePool internal pool;
    SessionRouter internal router;
    AcceptAllSigner internal signer;
    uint32 internal modelId;
    uint256 internal bidId;

    function _deploy() internal {
        vm.warp(START);
        mor = new TestMOR();
        // Halmos gives new contracts consecutive addresses; checked right below.
        address base = address(mor);
        address atRegistry = address(uint160(base) + 1);
        address atMarket = address(uint160(base) + 2);
        address atPool = address(uint160(base) + 3);
        address atRouter = address(uint160(base) + 4);
        IERC20 token = IERC20(address(mor));
        registry = new ModelRegistry(token, IMarketplace(atMarket), IComputePool(atPool), GOV);
        market = new Marketplace(token, registry, IComputePool(atPool), GOV);
        pool = new ComputePool(token, atRouter);
        router = new SessionRouter(token, market, IComputePool(atPool), GOV);
        assertTrue(address(registry) == atRegistry && address(market) == atMarket);
        assertTrue(address(pool) == atPool && address(router) == atRouter);
        signer = new AcceptAllSigner();

        address[5] memory holders = [FUNDER, PROVIDER, MODEL_OWNER, CONSUMER, CONSUMER2];
        for (uint256 i = 0; i < holders.length; ++i) {
            mor.mint(holders[i], 1_000_000 * MOR1);
            vm.startPrank(holders[i]);
            mor.approve(address(registry), type(uint256).max);
            mor.approve(address(market), type(uint256).max);
            mor.approve(address(pool), type(uint256).max);
            mor.approve(address(router), type(uint256).max);
            vm.stopPrank();
        }
    }

    /// @dev Model, provider with stake, a bid (with a fee), a funded pool from yesterday.
    function _market(uint256 price) internal {
        vm.startPrank(GOV);
        market.setWhitelisted(PROVIDER, true);
        market.setBidFee(1 * MOR1);
        market.setPriceBounds(1e9, 1e17);
        vm.stopPrank();

        vm.prank(MODEL_OWNER);
        modelId = registry.registerModel("llama", bytes32(uint256(1)), new bytes32[](0), 50 * MOR1);
        vm.startPrank(PROVIDER);
        market.register("https://p.example:443", 1_000 * MOR1);
        market.setSigner(address(signer));
        bidId = market.postBid(modelId, price);
        vm.stopPrank();

        vm.prank(FUNDER);
        pool.fund(100_000 * MOR1);
        vm.warp(block.timestamp + 1 days); // the pool has a budget today
    }

    function _open(address consumer, uint96 nonce, uint256 stake, ISessionRouter.Mode mode) internal returns (uint256) {
        vm.prank(consumer);
        return router.openSession(bidId, nonce, block.timestamp, stake, uint8(mode), new bytes(65));
    }
}
