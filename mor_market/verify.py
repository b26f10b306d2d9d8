"""Block-explorer source verification: the standard-JSON input of each deployed contract, its
recompilation with the pinned solc (offline, solc-js through tools/solc-adapter.js), and the
comparison with the code on chain.

The input holds exactly what Ape compiled the contract from: its source and every file it imports
(OpenZeppelin under the key Ape gives it, `contracts/.cache/openzeppelin/<version>/...`, read from
node_modules), and the compiler settings recorded in Ape's manifest (optimizer, EVM version,
remappings). The source keys and the settings are part of the metadata whose hash ends the
bytecode, so with them the recompiled code is the deployed code byte for byte, metadata included
(immutables aside: the compiler leaves zeros where the constructor writes them).
"""

from __future__ import annotations

import json
import posixpath
import re
import subprocess
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
ADAPTER = ROOT / "tools" / "solc-adapter.js"
OPENZEPPELIN = ROOT / "node_modules" / "@openzeppelin" / "contracts"
CACHE_PREFIX = "contracts/.cache/openzeppelin/"
IMPORT = re.compile(r"^\s*import\s+(?:[^;]*?\s+from\s+)?[\"']([^\"']+)[\"']\s*;", re.MULTILINE)
OUTPUTS = ["abi", "evm.bytecode.object", "evm.deployedBytecode.object", "evm.deployedBytecode.immutableReferences"]


def compiler_of(project: Any, name: str) -> dict[str, Any]:
    """`{"name", "version", "settings"}` Ape compiled contract `name` with (outputSelection left
    out: it does not change the code)."""
    for compiler in project.manifest.compilers or []:
        if name in (compiler.contractTypes or []):
            settings = {k: v for k, v in dict(compiler.settings or {}).items() if k != "outputSelection"}
            return {"name": compiler.name, "version": compiler.version, "settings": settings}
    raise LookupError(f"{name} is not in the project's compiled manifest: run `ape compile`")


def read_source(source_id: str) -> str:
    """A source as Ape compiled it: the project's own files, or OpenZeppelin's from node_modules
    (Ape's copy under contracts/.cache is removed after every command)."""
    if source_id.startswith(CACHE_PREFIX):
        _version, rest = source_id.removeprefix(CACHE_PREFIX).split("/", 1)
        return (OPENZEPPELIN / rest).read_text()
    return (ROOT / source_id).read_text()


def _resolve(importer: str, target: str, remappings: list[str]) -> str:
    if target.startswith("."):
        return posixpath.normpath(posixpath.join(posixpath.dirname(importer), target))
    for remapping in remappings:
        prefix, _, replacement = remapping.partition("=")
        if target.startswith(prefix):
            return replacement + target[len(prefix) :]
    return target


def sources_of(source_id: str, remappings: list[str]) -> dict[str, dict[str, str]]:
    """The source and everything it imports, transitively: `{key: {"content": ...}}`."""
    sources: dict[str, dict[str, str]] = {}
    pending = [source_id]
    while pending:
        current = pending.pop()
        if current in sources:
            continue
        content = read_source(current)
        sources[current] = {"content": content}
        pending += [_resolve(current, target, remappings) for target in IMPORT.findall(content)]
    return dict(sorted(sources.items()))


def standard_json(project: Any, name: str) -> dict[str, Any]:
    """The standard-JSON input that compiles contract `name` exactly as deployed."""
    contract_type = getattr(project, name).contract_type
    compiler = compiler_of(project, name)
    settings = dict(compiler["settings"])
    settings["outputSelection"] = {"*": {"*": OUTPUTS}}
    return {
        "language": "Solidity",
        "sources": sources_of(str(contract_type.source_id), list(settings.get("remappings") or [])),
        "settings": settings,
    }


def compile_standard(input_json: dict[str, Any]) -> dict[str, Any]:
    """Compile a standard-JSON input with the pinned solc (solc-js through the adapter), offline."""
    done = subprocess.run(
        ["node", str(ADAPTER), "--standard-json", "--base-path", str(ROOT)],
        input=json.dumps(input_json),
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    output = json.loads(done.stdout)
    errors = [e["formattedMessage"] for e in output.get("errors", []) if e.get("severity") == "error"]
    if errors:
        raise RuntimeError("compilation failed: " + "\n".join(errors))
    return output


def compiled_contract(output: dict[str, Any], source_id: str, name: str) -> dict[str, Any]:
    return output["contracts"][source_id][name]


def runtime_matches(compiled: dict[str, Any], deployed_code: bytes) -> bool:
    """Whether the deployed runtime code is the compiled one byte for byte (the trailing metadata
    hash included), once the immutables the constructor wrote are copied into the compiled code's
    zero placeholders; nothing else is masked."""
    code = bytearray.fromhex(compiled["evm"]["deployedBytecode"]["object"])
    if len(code) != len(deployed_code):
        return False
    for references in (compiled["evm"]["deployedBytecode"].get("immutableReferences") or {}).values():
        for ref in references:
            start, length = ref["start"], ref["length"]
            if any(code[start : start + length]):
                return False
            code[start : start + length] = deployed_code[start : start + length]
    return bytes(code) == deployed_code


def creation_input(compiled: dict[str, Any], encoded_arguments: str) -> bytes:
    """The input of the deployment transaction: creation code followed by the constructor arguments."""
    return bytes.fromhex(compiled["evm"]["bytecode"]["object"]) + bytes.fromhex(encoded_arguments.removeprefix("0x"))


ABI_FOLDER = ROOT / "abi"
PUBLISHED = ("ModelRegistry", "Marketplace", "ComputePool", "SessionRouter", "Reputation", "GovernanceTimelock")


def published_abis(project: Any) -> dict[str, list[dict[str, Any]]]:
    """`abi/<Name>.json` of every deployed contract, and `abi/MOR.json` (ERC-20 + EIP-2612)."""
    from mor_market.record import erc20_abi

    abis = {
        name: [item.model_dump(mode="json", by_alias=True) for item in getattr(project, name).contract_type.abi]
        for name in PUBLISHED
    }
    abis["MOR"] = erc20_abi([item.model_dump(mode="json", by_alias=True) for item in project.TestMOR.contract_type.abi])
    return abis


def write_abis(project: Any, folder: Path = ABI_FOLDER) -> list[Path]:
    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for name, abi in published_abis(project).items():
        path = folder / f"{name}.json"
        path.write_text(json.dumps(abi, indent=2) + "\n")
        written.append(path)
    return written


def check_deployed(project: Any, record: dict[str, Any], folder: Path) -> dict[str, str]:
    """Recompile every recorded contract from its standard-JSON input in `folder` and compare with
    the chain: `{name: "exact" | what differs}`."""
    from ape import chain

    results = {}
    for name, entry in record["contracts"].items():
        if name == "MOR":
            continue
        input_json = json.loads((folder / f"{name}.json").read_text())
        compiled = compiled_contract(compile_standard(input_json), entry["source"], name)
        code = bytes(chain.provider.get_code(entry["address"]))
        sent = bytes(chain.provider.web3.eth.get_transaction(entry["transaction"])["input"])
        if not runtime_matches(compiled, code):
            results[name] = "the runtime code on chain differs from the recompiled one"
        elif sent != creation_input(compiled, entry["constructor_arguments_encoded"]):
            results[name] = "the creation transaction differs from the recompiled creation code and arguments"
        else:
            results[name] = "exact"
    return results


ETHERSCAN_V2 = "https://api.etherscan.io/v2/api"


def submission(record: dict[str, Any], name: str, input_json: dict[str, Any], api_key: str) -> dict[str, str]:
    """The form fields of an Etherscan v2 (Arbiscan) `verifysourcecode` request for one contract."""
    entry = record["contracts"][name]
    return {
        "apikey": api_key,
        "chainid": str(record["chain_id"]),
        "module": "contract",
        "action": "verifysourcecode",
        "codeformat": "solidity-standard-json-input",
        "sourceCode": json.dumps(input_json),
        "contractaddress": entry["address"],
        "contractname": f"{entry['source']}:{name}",
        "compilerversion": "v" + record["compiler"]["version"],
        "constructorArguements": entry["constructor_arguments_encoded"].removeprefix("0x"),  # sic: the API's spelling
    }
