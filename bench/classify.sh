#!/usr/bin/env bash
# Benchmark `mamoru classify` on 1,000,000 contacts against a jq one-liner doing the grid lookup.
#
#   bench/classify.sh
#   N=100000 bench/classify.sh
#   MAMORU_BIN=/path/to/mamoru bench/classify.sh   # time that binary instead of building one
#
# Builds the bundle of the built-in example policy (`mamoru build --builtin --bundle-only`) into
# $WORK/classify-bundle (default WORK=/tmp/mamoru-bench), generates $N (default 1,000,000) random
# contacts from it with bench/contacts.py into $WORK/contacts-N.jsonl (reused when made by the same
# contacts.py from the same bundle vocabulary with the same N and seed), and times with hyperfine
# (3 runs after 1 warm-up), each pinned to one core with `taskset -c 0`:
#   - `mamoru classify --bundle bundle.json contacts.jsonl > /dev/null`: verdict (types given or
#     implied by minutes/repeats/channel raise the levels or override the verdict), the flow, the
#     route through it, the roles the invariants require, the manual link and the reasons;
#   - jq looking up only the grid cell of the contact's given conduct and demand levels. This is
#     far less work than mamoru's, so it is a floor for "read JSON, write JSON", not a rival.
# The jq expression is first checked on the first 1,000 lines against the grid read in Python. When jq on the
# first 100,000 lines says the whole file would take more than $JQ_LIMIT s (default 120), jq is
# timed on those 100,000 lines and scaled, and the table says so.
# Prints a Markdown table and writes it to $OUT (default $WORK/classify.md). The numbers depend on
# the machine (CPU, load): compare rows of one run, not runs on different machines. Nothing is
# written into the repository except the cargo build in target/.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/mamoru-bench}
OUT=${OUT:-$WORK/classify.md}
N=${N:-1000000}
SEED=${SEED:-1}
JQ_LIMIT=${JQ_LIMIT:-120}
SAMPLE=100000
MAMORU=$WORK/mamoru-classify   # a copy, so a concurrent `cargo build` cannot swap the binary
B=$WORK/classify-bundle
C=$WORK/contacts-$N.jsonl
mkdir -p "$WORK" "$(dirname "$OUT")"

need() {
    command -v "$1" >/dev/null && return
    [ "$(id -u)" = 0 ] || { echo "$1 is missing: apt-get install -y $2" >&2; exit 2; }
    apt-get install -y "$2" >/dev/null 2>&1 || { apt-get update >/dev/null && apt-get install -y "$2" >/dev/null; }
}
need hyperfine hyperfine
need jq jq
need taskset util-linux

if [ -n "${MAMORU_BIN:-}" ]; then
    cp "$MAMORU_BIN" "$MAMORU"
    rev="$MAMORU_BIN"
else
    echo "building mamoru (release)…" >&2
    (cd "$ROOT" && cargo build --release --quiet)
    cp "$ROOT/target/release/mamoru" "$MAMORU"
    rev=$(git -C "$ROOT" rev-parse --short HEAD 2>/dev/null || echo unknown)
    git -C "$ROOT" diff --quiet HEAD -- src Cargo.toml 2>/dev/null || rev="$rev + uncommitted src changes"
fi

"$MAMORU" build --builtin --bundle-only --out "$B" >&2

# Contacts depend on contacts.py, the bundle's vocabulary, N and the seed.
vocab=$(jq -c '[.channels, .axes, .conduct_types, .demand_types, .tags, .events]' "$B/bundle.json" | sha256sum | cut -c1-16)
stamp="$(sha256sum "$ROOT/bench/contacts.py" | cut -c1-16) vocab=$vocab n=$N seed=$SEED"
if [ "$(cat "$C.stamp" 2>/dev/null)" != "$stamp" ]; then
    echo "generating $N contacts…" >&2
    python3 "$ROOT/bench/contacts.py" "$B/bundle.json" "$N" --seed "$SEED" > "$C"
    echo "$stamp" > "$C.stamp"
fi
lines=$(wc -l < "$C")

# The grid cell of the GIVEN levels: grid[conduct][index of demand among the demand levels].
# (The brief's `... | map(.id) | index(.demand)` fails: inside the pipe `.` is the id array, so the
# contact's demand is bound to $d first.)
JQ='.demand as $d | {id, verdict: $b[0].grid[.conduct][($b[0].axes.demand.levels | map(.id) | index($d))]}'

# Check the expression on the first lines against the grid read here (mamoru's own `cell` is the
# cell after conduct and demand types raised the levels, so it is not the given one).
head -1000 "$C" > "$WORK/classify-head.jsonl"
"$MAMORU" classify --bundle "$B/bundle.json" "$WORK/classify-head.jsonl" > "$WORK/classify-head.mamoru"
jq -c --slurpfile b "$B/bundle.json" "$JQ" "$WORK/classify-head.jsonl" > "$WORK/classify-head.jq"
check=$(python3 - "$B/bundle.json" "$WORK/classify-head.jsonl" "$WORK/classify-head.mamoru" "$WORK/classify-head.jq" <<'EOF'
import json, sys
b = json.load(open(sys.argv[1]))
contacts = [json.loads(l) for l in open(sys.argv[2])]
mam = [json.loads(l) for l in open(sys.argv[3])]
jq = [json.loads(l) for l in open(sys.argv[4])]
assert len(contacts) == len(mam) == len(jq), (len(contacts), len(mam), len(jq))
demand = [l["id"] for l in b["axes"]["demand"]["levels"]]
bad = same_verdict = 0
for c, m, j in zip(contacts, mam, jq):
    # jq's verdict must be the cell mamoru names for the given levels.
    cell = b["grid"][c["conduct"]][demand.index(c["demand"])]
    if j["id"] != c["id"] or j["verdict"] != cell or m.get("id") != c["id"]:
        bad += 1
    same_verdict += j["verdict"] == m.get("verdict")
print(f"{len(jq)} {bad} {same_verdict}")
EOF
)
read -r checked bad same <<< "$check"
echo "jq expression checked on the first $checked contacts: $bad wrong cells; jq's grid verdict equals mamoru's final verdict on $same" >&2
[ "$bad" = 0 ] || { echo "the jq expression does not look up the given cell; fix JQ" >&2; exit 1; }

# One untimed mamoru run: exit code and line count.
set +e
taskset -c 0 "$MAMORU" classify --bundle "$B/bundle.json" "$C" 2> "$WORK/classify-diag.txt" | wc -l > "$WORK/classify-lines"
rc=${PIPESTATUS[0]}
set -e
out_lines=$(cat "$WORK/classify-lines")
echo "mamoru classify: exit $rc, $out_lines lines out of $lines" >&2
[ "$rc" = 0 ] || head -5 "$WORK/classify-diag.txt" >&2

# jq on a sample, to decide whether it can run on the whole file within JQ_LIMIT.
head -"$SAMPLE" "$C" > "$WORK/contacts-sample.jsonl"
t0=$(date +%s.%N)
taskset -c 0 jq -c --slurpfile b "$B/bundle.json" "$JQ" "$WORK/contacts-sample.jsonl" > /dev/null
t1=$(date +%s.%N)
estimate=$(python3 -c "print(($t1 - $t0) * $lines / min($SAMPLE, $lines))")
if python3 -c "import sys; sys.exit(0 if $estimate > $JQ_LIMIT else 1)"; then
    jq_input=$WORK/contacts-sample.jsonl
    jq_lines=$(wc -l < "$jq_input")
    echo "jq on all $lines lines would take about ${estimate%.*} s (> $JQ_LIMIT s): timing it on the first $jq_lines lines" >&2
else
    jq_input=$C
    jq_lines=$lines
fi

hyperfine --style basic --runs 3 --warmup 1 --export-json "$WORK/classify-h.json" \
    -n mamoru "taskset -c 0 $MAMORU classify --bundle $B/bundle.json $C > /dev/null" \
    -n jq "taskset -c 0 jq -c --slurpfile b $B/bundle.json '$JQ' $jq_input > /dev/null" >&2

python3 - "$WORK/classify-h.json" "$rev" "$lines" "$jq_lines" "$rc" "$out_lines" "$same" "$checked" \
    "$(cut -d' ' -f1-3 /proc/loadavg)" "$(jq --version)" "$JQ" > "$OUT" <<'EOF'
import json, sys
path, rev, lines, jq_lines, rc, out_lines, same, checked, load, jqv, expr = sys.argv[1:12]
lines, jq_lines = int(lines), int(jq_lines)
res = {r["command"]: r for r in json.load(open(path))["results"]}
m, j = res["mamoru"], res["jq"]
m_rate = lines / m["mean"]
j_rate = jq_lines / j["mean"]
print(f"`mamoru classify` vs a jq grid lookup, {lines:,} contacts from bench/contacts.py on the built-in "
      f"example's bundle; mamoru {rev}; {jqv}; each pinned to one core (`taskset -c 0`); 3 runs after 1 warm-up; "
      f"load average after the run {load}. Numbers depend on the machine.\n")
cpu = lambda r: r["user"] + r["system"]
mc, jc = lines / cpu(m), jq_lines / cpu(j)
print("| tool | contacts | wall mean ± σ | contacts/s (wall) | × jq (wall) | CPU (user+sys) | contacts/s (CPU) | × jq (CPU) | what it computes |")
print("|---|---:|---:|---:|---:|---:|---:|---:|---|")
print(f"| `mamoru classify` | {lines:,} | {m['mean']:.2f} s ± {m['stddev']:.2f} | {m_rate:,.0f} | {m_rate / j_rate:.2f} "
      f"| {cpu(m):.2f} s | {mc:,.0f} | {mc / jc:.2f} "
      f"| verdict (types given or implied by minutes/repeats/channel raise levels or override), flow, route, "
      f"roles required by invariants, manual link, reasons; exit {rc}, {int(out_lines):,} lines out |")
scaled = "" if jq_lines == lines else f" (timed on the first {jq_lines:,} lines, rate scaled to {lines:,}: about {lines / j_rate:,.0f} s)"
print(f"| jq | {jq_lines:,}{scaled} | {j['mean']:.2f} s ± {j['stddev']:.2f} | {j_rate:,.0f} | 1.00 "
      f"| {cpu(j):.2f} s | {jc:,.0f} | 1.00 "
      f"| only the grid cell of the given levels: `{expr.replace('|', chr(92) + '|')}` |")
print(f"\njq does much less work than mamoru: it looks up one grid cell and applies no conduct/demand types, "
      f"flows, routes or invariants. On the first {checked} contacts jq's cell verdict equals mamoru's final "
      f"verdict for {same} of them. CPU time (hyperfine's user + system) is less sensitive than wall time "
      f"to other load on core 0.")
EOF
cat "$OUT"
echo "written to $OUT" >&2
