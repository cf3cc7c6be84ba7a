#!/usr/bin/env bash
# Benchmark `mamoru review` on 1,000,000 flagged contacts (CSV, three vendors) against a pandas +
# scikit-learn + statsmodels script computing the same figures (bench/review_baseline.py), in
# the same run.
#
#   bench/review.sh
#   N=100000 bench/review.sh
#   MAMORU_BIN=/path/to/mamoru bench/review.sh   # time that binary instead of building one
#
# Builds the example policy's bundle (`mamoru build --builtin --bundle-only`) into
# $WORK/review-bundle (default WORK=/tmp/mamoru-bench), generates $N rows (three UTF-8 CSV files
# with the review's column names and free-text columns of fake personal data) with
# bench/review_gen.py --bench into $WORK/review-exports-$N (reused when present), then measures
# wall time and peak memory (GNU time's maximum resident set size) of
#   - `mamoru review EXPORTS --bundle bundle.json --out DIR --keep-going`: every row judged by
#     the engine, all figures, review.json + index.html + review.md written atomically;
#     $RUNS runs (default 3), the median reported;
#   - `python3 bench/review_baseline.py bundle.json EXPORTS`: the same figures with pandas
#     (verdicts from the grid and types as masks), statsmodels (kappa and its interval) and
#     scikit-learn (weighted kappa); one run.
# Both use the machine's cores as they wish (no pinning). The figures of the two are compared
# (every n, agreement, kappa, interval, weighted kappa, confusion, cell, hold_over, missed_roles
# and the period) and the benchmark fails if they differ. Prints a Markdown table and writes it
# to $OUT (default $WORK/review.md). Nothing is written into the repository but target/.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/mamoru-bench}
OUT=${OUT:-$WORK/review.md}
N=${N:-1000000}
RUNS=${RUNS:-3}
MAMORU=$WORK/mamoru-review   # a copy, so a concurrent `cargo build` cannot swap the binary
B=$WORK/review-bundle
E=$WORK/review-exports-$N
mkdir -p "$WORK"

python3 -c "import pandas, sklearn, statsmodels" 2>/dev/null || {
    echo "the baseline needs: python3 -m pip install pandas scikit-learn statsmodels" >&2; exit 2; }
[ -x /usr/bin/time ] || { echo "GNU time is missing: apt-get install -y time" >&2; exit 2; }

if [ -n "${MAMORU_BIN:-}" ]; then
    cp "$MAMORU_BIN" "$MAMORU"
else
    (cd "$ROOT" && cargo build --release --quiet)
    cp "$ROOT/target/release/mamoru" "$MAMORU"
fi
"$MAMORU" build --builtin --bundle-only --out "$B" >/dev/null 2>&1
if [ ! -f "$E/.complete" ]; then
    rm -rf "$E"
    echo "generating $N rows into $E ..." >&2
    python3 "$ROOT/bench/review_gen.py" --bundle "$B/bundle.json" --out "$E" --bench --rows "$N" >/dev/null
    touch "$E/.complete"
fi
EXPORTS=("$E"/*.csv)
BYTES=$(cat "${EXPORTS[@]}" | wc -c)

# wall seconds and peak RSS (KiB) of a command, as "SECONDS KIB"
measure() {
    /usr/bin/time -f "%e %M" -o "$WORK/time.txt" "$@" >/dev/null 2>"$WORK/stderr.txt" || {
        cat "$WORK/stderr.txt" >&2; return 1; }
    cat "$WORK/time.txt"
}

walls=(); rss=0
for i in $(seq 1 "$RUNS"); do
    rm -rf "$WORK/review-out"
    read -r w m < <(measure "$MAMORU" review "${EXPORTS[@]}" --bundle "$B/bundle.json" --out "$WORK/review-out" --keep-going)
    walls+=("$w"); [ "$m" -gt "$rss" ] && rss=$m
done
grep -q "read $N = reviewed $N + rejected 0" "$WORK/stderr.txt" || { cat "$WORK/stderr.txt" >&2; exit 1; }
median=$(printf '%s\n' "${walls[@]}" | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}')

read -r bw bm < <(measure sh -c "python3 '$ROOT/bench/review_baseline.py' '$B/bundle.json' ${EXPORTS[*]} > '$WORK/baseline.json'")

# The two must agree on every figure.
python3 - "$WORK/review-out/review.json" "$WORK/baseline.json" <<'PY'
import json, sys
mine, base = (json.load(open(p, encoding="utf-8")) for p in sys.argv[1:3])
bad = []
def same(a, b, path):
    if isinstance(b, dict):
        for k in b: same(a.get(k) if isinstance(a, dict) else None, b[k], f"{path}.{k}")
    elif isinstance(b, list):
        for i, (x, y) in enumerate(zip(a or [], b)): same(x, y, f"{path}[{i}]")
        if len(a or []) != len(b): bad.append(f"{path}: {len(a or [])} vs {len(b)} items")
    elif isinstance(b, float) or isinstance(a, float):
        if a is None or b is None or abs(a - b) > 1e-9: bad.append(f"{path}: mamoru {a}, baseline {b}")
    elif a != b:
        bad.append(f"{path}: mamoru {a}, baseline {b}")
for key in ["read", "reviewed", "overall", "vendors", "cells", "period"]:
    same(mine.get(key), base[key], key)
if bad:
    print("the figures differ:\n" + "\n".join(bad[:20]), file=sys.stderr); sys.exit(1)
PY

ratio=$(awk -v a="$bw" -v b="$median" 'BEGIN {printf "%.1f", a / b}')
{
    echo "# mamoru review: $N rows, $(awk -v b="$BYTES" 'BEGIN {printf "%.0f", b / 1048576}') MiB of CSV in ${#EXPORTS[@]} files ($(nproc) cores, $(date -u +%Y-%m-%d))"
    echo
    echo "| | wall (s) | peak memory (MB) | vs baseline |"
    echo "|---|---:|---:|---:|"
    echo "| mamoru review (median of $RUNS: ${walls[*]}) | $median | $((rss / 1024)) | ${ratio}× faster |"
    echo "| pandas + scikit-learn + statsmodels (bench/review_baseline.py) | $bw | $((bm / 1024)) | 1× |"
    echo
    echo "The figures of both agree (n, agreement, kappa and its interval, weighted kappa, confusion, cells, hold_over, missed_roles, period)."
    echo "Command: \`$MAMORU review ${EXPORTS[*]} --bundle $B/bundle.json --out $WORK/review-out --keep-going\`"
} | tee "$OUT"
