// SPDX-License-Identifier: MIT
pragma solidity 0.8.28;

/// @dev The few Foundry cheatcodes the proofs use (the npm `forge-std` is an incomplete copy).
interface Vm {
    function warp(uint256 timestamp) external;
    function prank(address sender) external;
    function startPrank(address sender) external;
    function stopPrank() external;
    function assume(bool condition) external pure;
    function chainId(uint256 newChainId) external;
    function store(address target, bytes32 slot, bytes32 value) external;
    function load(address target, bytes32 slot) external view returns (bytes32);
}

/// @dev Halmos' own cheatcodes (symbolic values).
interface SVM {
    function createUint(uint256 bits, string memory name) external pure returns (uint256);
    function createUint256(string memory name) external pure returns (uint256);
    function createAddress(string memory name) external pure returns (address);
    function createBool(string memory name) external pure returns (bool);
    function createBytes(uint256 byteSize, string memory name) external pure returns (bytes memory);
    function createCalldata(string memory contractName) external pure returns (bytes memory);
}

/// @dev Base of every proof: cheatcode handles and asserts. A failed assert is a Panic(1),
/// which Halmos reports with a counterexample.
abstract contract Cheats {
    Vm internal constant vm = Vm(address(uint160(uint256(keccak256("hevm cheat code")))));
    SVM internal constant svm = SVM(address(uint160(uint256(keccak256("svm cheat code")))));

    function assertTrue(bool condition) internal pure {
        assert(condition);
    }

    function assertEq(uint256 a, uint256 b) internal pure {
        assert(a == b);
    }

    function assertLe(uint256 a, uint256 b) internal pure {
        assert(a <= b);
    }
}
