#!/usr/bin/env bash
# Halmos symbolic proofs (halmos/): installs Halmos into its own venv halmos/.venv from
# halmos/requirements.lock when that file changes (its rich<14.1 pin conflicts with eth-ape's),
# builds with the platform binary of forge 1.7.1 through tools/solc-adapter.js, and keeps every
# cache in the project (HOME=halmos/.home). Prints one summary line; exits 1 on a counterexample,
# a timeout or an error.
#   tools/halmos.sh           the proofs run by ./dev test (PROFILE=fast)
#   tools/halmos.sh --all     every check_ function (slower: see audit/README.md)
#   tools/halmos.sh -- ARGS   extra halmos arguments (e.g. -- --function check_budget)
#   tools/halmos.sh --report  also writes audit/halmos.md: every proof of the run with its time
if [ "${1:-}" = "--portfolio-solver" ]; then
  # Internal: the solver command of the arithmetic proofs (halmos/test/SessionMath.t.sol,
  # `@custom:halmos --solver-command`): yices and z3 on the same query at once, the first definite
  # answer (sat or unsat) wins; each is better than the other on some of those queries. Halmos
  # runs it from halmos/ with halmos/.venv/bin on PATH and kills the whole tree on a timeout.
  q="${*: -1}"
  d="$(mktemp -d)"
  yices-smt2 --smt2-model-format --bvconst-in-decimal "$q" >"$d/y" 2>&1 &
  y=$!
  z3 "$q" >"$d/z" 2>&1 &
  z=$!
  trap 'kill "$y" "$z" 2>/dev/null; rm -rf "$d"; exit 1' TERM INT
  win=""
  left=2
  while [ "$left" -gt 0 ] && [ -z "$win" ]; do
    wait -n "$y" "$z" 2>/dev/null || true
    left=0
    for s in y z; do
      pid=$([ "$s" = y ] && echo "$y" || echo "$z")
      if kill -0 "$pid" 2>/dev/null; then
        left=$((left + 1))
      elif [ -z "$win" ] && grep -qxE 'sat|unsat' <(head -n 1 "$d/$s"); then
        win=$s
      fi
    done
  done
  kill "$y" "$z" 2>/dev/null || true
  cat "$d/${win:-y}"
  rm -rf "$d"
  exit 0
fi
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
H="$ROOT/halmos"
FORGE_BIN="$ROOT/node_modules/@foundry-rs/forge-linux-amd64/bin"
[ -x "$FORGE_BIN/forge" ] || { echo "halmos: forge missing (run ./dev setup)" >&2; exit 1; }

want="$(cat "$H/requirements.lock" <(python3 --version) | sha256sum | cut -d' ' -f1)"
if [ "$want" != "$(cat "$H/.venv/.installed" 2>/dev/null || true)" ]; then
  printf '\033[1m==> %s\033[0m\n' "halmos: installing the pinned Halmos into halmos/.venv" >&2
  [ -x "$H/.venv/bin/python" ] || python3 -m venv "$H/.venv"
  "$H/.venv/bin/python" -m pip install --quiet --disable-pip-version-check -r "$H/requirements.lock" 2>&1 | grep -v "^WARNING: Location" || true
  "$H/.venv/bin/python" -m pip check >/dev/null || { "$H/.venv/bin/python" -m pip check; exit 1; }
  echo "$want" > "$H/.venv/.installed"
fi

# Fast profile: every proof but the two slowest no-rug calls (Marketplace, SessionRouter have the
# most functions and symbolic bytes/strings) and the end-to-end exact-pay checks (direct passes in
# ~30 s but would take the test command past ~4 min on a busy machine; stipend times out; their
# arithmetic is proved by the SessionMath checks); --all runs them too.
FAST='^check_(approval|receipt|digests|sessionId|noRug_(computePool|modelRegistry)|budget_|lemma_|budgetBound|stipendBound|directPay|stipendSplit|completedStats_)'
match="$FAST"
extra=()
report=""
how="tools/halmos.sh"
while [ $# -gt 0 ]; do
  case "$1" in
    --all) match='^check_'; how="$how --all" ;;
    --report) report="$ROOT/audit/halmos.md"; how="$how --report" ;;
    --) shift; extra=("$@"); break ;;
    *) echo "usage: tools/halmos.sh [--all] [--report] [-- halmos args]" >&2; exit 2 ;;
  esac
  shift
done

mkdir -p "$H/.home"
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
start=$SECONDS
set +e
(
  cd "$H"
  # Bounds: loops up to 5 iterations (the sequence proofs' depth and the chain list), dynamic
  # bytes 65 long (a signature), dynamic arrays of length 1; 60 s per solver query.
  HOME="$H/.home" PATH="$FORGE_BIN:$H/.venv/bin:$PATH" \
    halmos --match-test "$match" --loop 5 --default-bytes-lengths 65 --default-array-lengths 1 \
      --solver-timeout-assertion 60s "${extra[@]}"
) >"$log" 2>&1
rc=$?
set -e
passed=$(grep -c '\[PASS\]' "$log" || true)
failed=$(grep -cE '\[(FAIL|TIMEOUT|ERROR)\]' "$log" || true)
if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ] || [ "$passed" -eq 0 ]; then
  grep -vE '^(Warning|Note| *-->| *\||[0-9]+ \|)' "$log" | grep -E -A14 'Counterexample|\[(FAIL|TIMEOUT|ERROR)\]|Error' >&2 || tail -40 "$log" >&2
  echo "halmos: FAIL: $passed passed, $failed failed (counterexample, timeout or error above) [$((SECONDS - start)) s]"
  exit 1
fi
echo "halmos: ok: $passed check_ functions proved for all inputs [$((SECONDS - start)) s]"
if [ -n "$report" ]; then
  # One row per proof: its contract (from halmos' "Running N tests for FILE:CONTRACT" headers),
  # name, paths explored and wall time as Halmos printed them.
  {
    echo "# Halmos proofs: the run and its times"
    echo
    echo "Written by \`$how\` on $(date -u '+%Y-%m-%d %H:%M UTC'), $(nproc) cores, load average $(cut -d' ' -f1 /proc/loadavg) at the end."
    echo "Every proof below passed (PASS: no counterexample for any input within the bounds of halmos/README.md)."
    echo "Total: $passed proofs in $((SECONDS - start)) s wall (the contracts are compiled first; proofs of one contract run in parallel)."
    echo
    echo "| contract | proof | paths | time |"
    echo "|---|---|---:|---:|"
    awk '/^Running [0-9]+ tests for /{split($NF, a, ":"); c=a[2]}
         /\[PASS\]/{name=$2; sub(/\(.*/, "", name); p=$0; sub(/.*paths: /, "", p); sub(/,.*/, "", p);
                     t=$0; sub(/.*time: /, "", t); sub(/,.*/, "", t); print "| " c " | `" name "` | " p " | " t " |"}' "$log"
  } > "$report"
  echo "halmos: wrote ${report#"$ROOT/"}"
fi
