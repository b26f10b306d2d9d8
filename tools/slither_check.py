"""Slither over the protocol's contracts, checked against the committed triage file.

    python tools/slither_check.py            run Slither, compare with audit/slither-triage.json
    python tools/slither_check.py --write    (re)write the triage file's entries from this run,
                                             keeping the reasons already given; new ones get
                                             reason "TODO" and make the next check fail

Every finding is named by a fingerprint: its detector and its description with the line numbers
taken out (so moving code does not change it, changing the flagged code does). A finding whose
fingerprint is not in the triage file, or is there with an empty/TODO reason, fails the run; so
does any finding of high or medium impact that is not triaged as a false positive. Prints one
summary line; the full text of each failing finding goes before it.

The compiler is the project's adapter over solc-js (tools/solc-adapter.js), with the settings of
ape-config.yaml (0.8.28, cancun, optimizer 1000 runs); OpenZeppelin from node_modules. Test mocks
(contracts/test/) and dependencies are left out of the results.
"""

from __future__ import annotations

import json
import re
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TRIAGE = ROOT / "audit/slither-triage.json"
ADAPTER = ROOT / "tools/solc-adapter.js"
OZ = ROOT / "node_modules/@openzeppelin/contracts"
VERDICTS = {"false-positive", "accepted"}


def fingerprint(finding: dict) -> str:
    """Detector plus description without line numbers, whitespace collapsed."""
    text = re.sub(r"#\d+(-\d+)?", "", finding["description"])
    return finding["check"] + ": " + " ".join(text.split())


def run_slither() -> list[dict]:
    slither = shutil.which("slither") or str(Path(sys.executable).parent / "slither")
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "slither.json"
        cmd = [
            slither,
            "contracts",
            "--solc-standard-json",
            "--solc",
            str(ADAPTER),
            "--solc-remaps",
            f"@openzeppelin/contracts/={OZ}/",
            "--solc-args",
            "--optimize --optimize-runs 1000 --evm-version cancun",
            "--filter-paths",
            "node_modules|contracts/test/|contracts/.cache/",
            "--exclude-dependencies",
            "--json",
            str(out),
        ]
        proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
        if not out.exists():
            sys.stderr.write(proc.stdout + proc.stderr)
            raise SystemExit("slither: no result (compile or analysis error above)")
        report = json.loads(out.read_text())
    if not report.get("success", False):
        sys.stderr.write(proc.stderr)
        raise SystemExit(f"slither: failed: {report.get('error')}")
    return report.get("results", {}).get("detectors", [])


def load_triage() -> dict[str, dict]:
    if not TRIAGE.exists():
        return {}
    return {entry["fingerprint"]: entry for entry in json.loads(TRIAGE.read_text())["findings"]}


def write_triage(findings: list[dict], old: dict[str, dict]) -> None:
    entries = []
    for f in sorted(findings, key=lambda f: (impact_rank(f["impact"]), f["check"], fingerprint(f))):
        fp = fingerprint(f)
        prev = old.get(fp, {})
        entries.append(
            {
                "fingerprint": fp,
                "check": f["check"],
                "impact": f["impact"],
                "location": f.get("first_markdown_element", ""),
                "verdict": prev.get("verdict", "accepted"),
                "reason": prev.get("reason", "TODO"),
            }
        )
    doc = {
        "policy": (
            "A finding not listed here fails ./dev test. High/medium findings may only be listed as "
            "false-positive, with the evidence; low/informational ones as false-positive or accepted, "
            "with a one-line reason. Fix the code rather than add an entry when the finding is real."
        ),
        "tool": "slither-analyzer 0.11.6 (tools/slither_check.py)",
        "findings": entries,
    }
    TRIAGE.write_text(json.dumps(doc, indent=2) + "\n")


def impact_rank(impact: str) -> int:
    return ["High", "Medium", "Low", "Informational", "Optimization"].index(impact)


def main() -> int:
    started = time.monotonic()
    findings = run_slither()
    triage = load_triage()
    if "--write" in sys.argv[1:]:
        write_triage(findings, triage)
        print(f"slither: wrote {len(findings)} findings to {TRIAGE.relative_to(ROOT)}")
        return 0

    failing, counts = [], {}
    for f in findings:
        counts[f["impact"]] = counts.get(f["impact"], 0) + 1
        entry = triage.get(fingerprint(f))
        reason = (entry or {}).get("reason", "").strip()
        verdict = (entry or {}).get("verdict")
        if entry is None:
            failing.append((f, "NEW finding, not in the triage file"))
        elif not reason or reason == "TODO" or verdict not in VERDICTS:
            failing.append((f, "triaged without a reason/verdict"))
        elif f["impact"] in ("High", "Medium") and verdict != "false-positive":
            failing.append((f, "high/medium finding accepted instead of fixed"))
    seen = {fingerprint(f) for f in findings}
    stale = [fp for fp in triage if fp not in seen]

    for f, why in failing:
        sys.stderr.write(f"\n[{f['impact']}] {f['check']} -- {why}\n{f['description']}\n")
    for fp in stale:
        sys.stderr.write(f"note: triage entry no longer reported (remove it): {fp[:120]}\n")
    by_impact = ", ".join(f"{counts.get(i, 0)} {i.lower()}" for i in ("High", "Medium", "Low", "Informational"))
    status = "FAIL" if failing else "ok"
    print(
        f"slither: {status}: {len(findings)} findings ({by_impact}); "
        f"{len(findings) - len(failing)} triaged, {len(failing)} failing, {len(stale)} stale "
        f"[{time.monotonic() - started:.0f} s]"
    )
    return 1 if failing else 0


if __name__ == "__main__":
    sys.exit(main())
