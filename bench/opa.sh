#!/usr/bin/env bash
# The OPA export: how long it takes, whether the Rego agrees with `mamoru classify` on N random
# contacts (default 100,000), and how many decisions per second regorus makes beside classify.
#
#   bench/opa.sh
#   N=20000 THREADS=2 bench/opa.sh
#
# Builds mamoru and examples/opa_eval in release mode, writes the example policy's bundle into
# $WORK (default /tmp/mamoru-bench), N contacts with bench/contacts.py (seed 1), then in one run:
#   - `mamoru build --builtin --bundle-only` with and without `--opa` (hyperfine when installed),
#   - `mamoru classify` on the contacts (the command, with its memoisation of alike contacts),
#   - examples/opa_eval: export time (best of 20, in process), every contact through regorus and
#     compared with classify's line, decisions per second.
# Prints a Markdown table and writes it to $WORK/opa.md.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/mamoru-bench}
N=${N:-100000}
THREADS=${THREADS:-1}
mkdir -p "$WORK"
cd "$ROOT"
cargo build --release --quiet
cargo build --release --quiet --example opa_eval
M=$WORK/mamoru-opa
cp target/release/mamoru "$M"
E=target/release/examples/opa_eval
rm -rf "$WORK/opa-out" "$WORK/opa-plain"
"$M" build --builtin --bundle-only --out "$WORK/opa-out" 2>/dev/null
C=$WORK/opa-contacts-$N.jsonl
[ -s "$C" ] || python3 bench/contacts.py "$WORK/opa-out/bundle.json" "$N" > "$C"

if command -v hyperfine >/dev/null; then
    hyperfine --warmup 2 --runs 10 --export-json "$WORK/opa-build.json" \
        "$M build --builtin --bundle-only --force --out $WORK/opa-plain" \
        "$M build --builtin --bundle-only --force --out $WORK/opa-plain --opa $WORK/opa-plain.tar.gz" >&2
fi
start=$(date +%s.%N)
"$M" classify --bundle "$WORK/opa-out/bundle.json" "$C" > /dev/null 2>&1
end=$(date +%s.%N)
classify_rate=$(python3 -c "print(round($N / ($end - $start)))")
R=$("$E" "$WORK/opa-out/bundle.json" "$C" "$THREADS")
python3 - "$R" "$classify_rate" "$N" <<'PY' | tee "$WORK/opa.md"
import json, sys
r = json.loads(sys.argv[1]); classify = int(sys.argv[2]); n = int(sys.argv[3])
print(f"| measure (example policy, {n:,} random contacts, one run) | value |")
print("|---|---|")
print(f"| export to OPA bundle (in process, best of 20) | {r['export_ms']:.1f} ms |")
print(f"| archive / Rego size | {r['archive_bytes']:,} B / {r['rego_bytes']:,} B |")
print(f"| Rego (regorus) agrees with classify | {r['agree']:,} of {r['contacts']:,} |")
print(f"| regorus decisions/s ({r['regorus_threads']} thread) | {r['regorus_decisions_per_s']:,.0f} |")
print(f"| `mamoru classify` lines/s (command, memoised) | {classify:,} |")
print(f"| classify in process, same contacts | {r['classify_in_process_per_s']:,.0f} |")
print(f"| ratio classify / regorus | {classify / r['regorus_decisions_per_s']:,.0f}× |")
PY
