"""The gas benchmark's report (benchmarks/gas.md, written by `ape run benchmark`): what it is
compared with (the reference implementation's figures, the issues' targets), how its results are
rendered, and what makes `--check` fail. The measurement itself is scripts/benchmark.py."""

from __future__ import annotations

from typing import Any

SIZE_LIMIT = 24_576  # EIP-170: the largest deployed runtime
GROWTH_LIMIT = 0.01  # no operation may grow by more than 1% across N
SCALES = (1, 100, 1_000)
VIEW_GAS_LIMIT = 30_000_000  # no view call may need more (a common eth_call cap)

# The same operations in the reference implementation (shared/anchors/lumerin-gas.md, steady
# state, solc 0.8.24, cancun), and what differs in what they do.
ANCHORS: dict[str, tuple[int, str]] = {
    "register": (175_349, "first registration with stake"),
    "registerModel": (319_627, "new model with stake in the reference; here without stake, name + 1 tag"),
    "postBid (provider's first)": (421_711, "first bid of a provider for a model that has bids"),
    "replaceBid": (367_424, "re-post replacing the active bid"),
    "deleteBid": (66_802, "delete an active bid"),
    "openSession (stipend)": (438_841, "user with earlier sessions; reference has no direct mode"),
    "closeSession (receipt)": (425_234, "early close with a valid receipt; reference stores the whole receipt"),
    "closeSession (disputed)": (393_310, "early close without a valid receipt"),
    "closeSession (keeper)": (303_142, "reference: late close with a receipt; here anyone closes without one"),
    "claim": (100_793, "claimForProvider of one ended session"),
    "withdrawHeld": (52_639, "one released on-hold entry (the reference loops over entries)"),
}


def render(result: dict[str, Any]) -> str:
    ops = result["scales"][str(SCALES[0])]
    lines = [
        "# Gas benchmark",
        "",
        f"Measured by `./dev bench` on the local fork of Arbitrum Sepolia (anvil, cancun; solc 0.8.28, optimizer "
        f"1,000 runs) in {result['seconds']:.0f} s. `gas_used` of each transaction's receipt (21,000 base included, "
        "refunds applied); every transaction in its own block, so storage is cold as on a live chain. Calldata is "
        "the transaction's input in bytes (what Arbitrum charges most for).",
        "",
        "## Every operation at N = 1, 100 and 1,000",
        "",
        "N existing providers with a bid on the model, N earlier sessions of the same consumer with the same "
        "provider, N elapsed days. The largest relative change across N must stay within 1%.",
        "",
        "| operation | calldata (bytes) | N = 1 | N = 100 | N = 1,000 | largest change |",
        "|---|---:|---:|---:|---:|---:|",
    ]
    for name in ops:
        figures = [result["scales"][str(n)][name]["gas"] for n in SCALES]
        change = result["growth"][name]
        lines.append(
            f"| {name} | {ops[name]['calldata']} | " + " | ".join(f"{g:,}" for g in figures) + f" | {change:.2%} |"
        )
    lines += [
        "",
        "## Against the reference implementation (Morpheus-Lumerin)",
        "",
        "Reference figures: `shared/anchors/lumerin-gas.md` (steady state, anvil, cold storage).",
        "",
        "| operation | this project (N = 100) | reference | ratio | what differs |",
        "|---|---:|---:|---:|---|",
    ]
    for name, (ref, note) in ANCHORS.items():
        ours = result["scales"]["100"][name]["gas"]
        lines.append(f"| {name} | {ours:,} | {ref:,} | {ours / ref:.2f} | {note} |")
    lines += ["", "## Targets", "", "| operation | target | measured (N = 100) | met |", "|---|---:|---:|---|"]
    for name, target in result["targets"].items():
        ours = result["scales"]["100"][name]["gas"]
        lines.append(f"| {name} | {target:,} | {ours:,} | {'yes' if ours <= target else 'NO'} |")
    sizes = list(result["views"])
    lines += [
        "",
        "## Bounded views at 10 to 10,000 bids (eth_estimateGas, promise 8)",
        "",
        "A consumer ranks a market of any size in windows of `Reputation.MAX_WINDOW` (200) bids, one call "
        "each, and merges them (`mor_market.ranking.merge_windows`); listings page by 500. No call may need "
        f'more than {VIEW_GAS_LIMIT:,} gas. "merged equals Python": the merged windows equal '
        "`mor_market.ranking.rank` of every bid's live inputs (1 = yes).",
        "",
        "| view | " + " | ".join(f"{int(n):,} bids" for n in sizes) + " |",
        "|---|" + "---:|" * len(sizes),
    ]
    for name in result["views"][sizes[0]]:
        lines.append(f"| {name} | " + " | ".join(f"{result['views'][n][name]:,}" for n in sizes) + " |")
    catalog = list(result["catalog"])
    lines += [
        "",
        "## Catalog and one-call views at 10 to 1,000 models (eth_estimateGas)",
        "",
        "| view | " + " | ".join(f"{int(n):,} models" for n in catalog) + " |",
        "|---|" + "---:|" * len(catalog),
    ]
    for name in result["catalog"][catalog[0]]:
        lines.append(f"| {name} | " + " | ".join(f"{result['catalog'][n][name]:,}" for n in catalog) + " |")
    lines += [
        "",
        "## Bytecode size (deployed runtime, limit 24,576 bytes)",
        "",
        "| contract | bytes | headroom |",
        "|---|---:|---:|",
    ]
    for name, size in result["sizes"].items():
        lines.append(f"| {name} | {size:,} | {SIZE_LIMIT - size:,} |")
    total = sum(result["deploy_gas"].values())
    lines += ["", "## Deployment", "", "| transaction | gas |", "|---|---:|"]
    for name, used in result["deploy_gas"].items():
        lines.append(f"| {name} | {used:,} |")
    lines += [f"| **total** (reference: 18,229,959 with its config setters) | **{total:,}** |", ""]
    return "\n".join(lines)


TARGETS = {
    "openSession (stipend)": 140_000,  # issues 15 and 16
    "closeSession (receipt)": 115_000,  # issue 16
    "claim": 55_000,  # issue 15
    "rateSessionWithReceipt (late)": 60_000,  # issue 26
    "postBid (provider's first)": 120_000,
    "register": 120_000,
}


def failures(result: dict[str, Any]) -> list[str]:
    """Why a benchmark result fails `--check`: a contract over the size limit, an operation that
    grows across N by more than 1%, merged ranking windows that differ from Python, or a target
    missed at N = 100. Empty when it passes."""
    failures = [f"{n} is {s:,} bytes (limit {SIZE_LIMIT:,})" for n, s in result["sizes"].items() if s > SIZE_LIMIT]
    failures += [f"{n} grows {g:.2%} across N (limit 1%)" for n, g in result["growth"].items() if g > GROWTH_LIMIT]
    failures += [
        f"merged ranking windows differ from Python at {n} bids"
        for n, v in result["views"].items()
        if not v["merged equals Python"]
    ]
    at_100 = result["scales"]["100"]
    failures += [
        f"{n} costs {at_100[n]['gas']:,} gas (target {t:,})" for n, t in TARGETS.items() if at_100[n]["gas"] > t
    ]
    return failures
