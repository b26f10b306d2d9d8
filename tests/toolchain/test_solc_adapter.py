"""The compiler adapter gives ape-solidity (and forge, Slither, Halmos) the native
`solc` command line, done by the pinned solc-js."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ADAPTER = ROOT / "tools" / "solc-adapter.js"


def _adapter(*args: str, stdin: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run(["node", str(ADAPTER), *args], input=stdin, capture_output=True, text=True, check=False)


def _standard_json(source: str, outputs: list[str]) -> dict:
    request = {
        "language": "Solidity",
        "sources": {"contracts/X.sol": {"content": source}},
        "settings": {"outputSelection": {"*": {"*": outputs}}},
    }
    result = _adapter("--standard-json", "--base-path", str(ROOT), stdin=json.dumps(request))
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_version__answers_the_pinned_version__equal_to_the_installed_solc_js():
    result = _adapter("--version")
    assert result.returncode == 0
    assert "Version: 0.8.28+commit.7893614a" in result.stdout
    installed = subprocess.run(
        ["node", "-p", "require('solc').version()"], cwd=ROOT, capture_output=True, text=True, check=True
    ).stdout.strip()
    assert result.stdout.splitlines()[1] == f"Version: {installed}"


def test_standard_json__a_syntax_error__comes_back_as_the_compilers_own_error():
    output = _standard_json("pragma solidity 0.8.28;\ncontract X { uint256 x }\n", ["abi"])
    errors = [e for e in output["errors"] if e["severity"] == "error"]
    assert len(errors) == 1
    assert errors[0]["type"] == "ParserError"
    assert "Expected ';'" in errors[0]["formattedMessage"]
    assert "contracts/X.sol:2:" in errors[0]["formattedMessage"]


def test_standard_json__a_good_contract__compiles_to_bytecode():
    output = _standard_json(
        "pragma solidity 0.8.28;\ncontract X { function f() external pure returns (uint256) { return 7; } }\n",
        ["abi", "evm.bytecode.object"],
    )
    assert not [e for e in output.get("errors", []) if e["severity"] == "error"]
    compiled = output["contracts"]["contracts/X.sol"]["X"]
    assert compiled["abi"][0]["name"] == "f"
    assert len(compiled["evm"]["bytecode"]["object"]) > 100


def test_standard_json__output_larger_than_64_kib__arrives_whole():
    functions = "\n".join(
        f"function f{i}(uint256 a) external pure returns (uint256) {{ return a + {i}; }}" for i in range(300)
    )
    output = _standard_json(
        f"pragma solidity 0.8.28;\ncontract X {{\n{functions}\n}}\n", ["abi", "evm.bytecode", "evm.deployedBytecode"]
    )
    assert len(json.dumps(output)) > 64 * 1024
    assert len(output["contracts"]["contracts/X.sol"]["X"]["abi"]) == 300


def test_standard_json__imports__resolve_through_the_include_path(tmp_path: Path):
    request = {
        "language": "Solidity",
        "sources": {
            "C.sol": {
                "content": 'pragma solidity 0.8.28;\nimport {Math} from "@openzeppelin/contracts/utils/math/Math.sol";\n'
                "contract C { function m(uint256 a, uint256 b) external pure returns (uint256) { return Math.max(a, b); } }\n"
            }
        },
        "settings": {"outputSelection": {"*": {"*": ["abi"]}}},
    }
    result = _adapter(
        "--standard-json",
        "--base-path",
        str(tmp_path),
        "--include-path",
        str(ROOT / "node_modules"),
        stdin=json.dumps(request),
    )
    output = json.loads(result.stdout)
    assert not [e for e in output.get("errors", []) if e["severity"] == "error"], output["errors"]
    assert "C" in output["contracts"]["C.sol"]


def test_combined_json__plain_mode__writes_abi_and_runtime_per_contract(tmp_path: Path):
    (tmp_path / "Y.sol").write_text("pragma solidity 0.8.28;\ncontract Y { function g() external {} }\n")
    result = _adapter("--combined-json", "abi,bin-runtime,srcmap-runtime,ast", "--base-path", str(tmp_path), "Y.sol")
    assert result.returncode == 0, result.stderr
    combined = json.loads(result.stdout)
    assert combined["contracts"]["Y.sol:Y"]["abi"][0]["name"] == "g"
    assert combined["contracts"]["Y.sol:Y"]["bin-runtime"]
    assert combined["sources"]["Y.sol"]["AST"]["nodeType"] == "SourceUnit"


def test_combined_json__a_compile_error__exits_non_zero_with_the_error(tmp_path: Path):
    (tmp_path / "Z.sol").write_text("pragma solidity 0.8.28;\ncontract Z { uint256 z }\n")
    result = _adapter("--combined-json", "abi", "--base-path", str(tmp_path), "Z.sol")
    assert result.returncode == 1
    assert "ParserError: Expected ';'" in result.stderr


def test_unknown_option__exits_with_usage_error():
    result = _adapter("--frobnicate")
    assert result.returncode == 2
    assert "unsupported option" in result.stderr
