"""The published ABI folder, abi/, is what the contracts compile to today (rewrite it with
`ape run verify abi`), so an integrator never has to dig into .build/."""

from __future__ import annotations

import json

from mor_market import verify as sources


def test_abi_folder__every_published_abi__equals_the_compiled_one(project):
    expected = sources.published_abis(project)
    on_disk = {path.stem: json.loads(path.read_text()) for path in sources.ABI_FOLDER.glob("*.json")}

    assert set(on_disk) == set(expected), "abi/ lists other contracts than the deployment: run `ape run verify abi`"
    for name, abi in expected.items():
        assert on_disk[name] == abi, f"abi/{name}.json is stale: run `ape run verify abi`"
    assert {item["name"] for item in on_disk["MOR"] if item["type"] == "function"} >= {"transfer", "permit"}
