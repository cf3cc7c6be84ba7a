#!/usr/bin/env bash
# Coverage-guided fuzzing of every target for a bounded time each.
#   bash fuzz/run.sh [SECONDS_PER_TARGET]        (default 60)
# cargo-fuzz needs nightly compiler flags (sanitizers, coverage instrumentation); on a stable
# toolchain RUSTC_BOOTSTRAP=1 enables them. Install once: `cargo install cargo-fuzz`.
# Findings land in fuzz/artifacts/<target>/ (crash-*, timeout-*, oom-*).
set -euo pipefail
cd "$(dirname "$0")"
secs="${1:-60}"
export RUSTC_BOOTSTRAP=1
cargo run --quiet --release --bin seeds
for t in policy_file case_file classify_lines bundle_json review_export; do
    echo "== $t (${secs}s)"
    cargo fuzz run "$t" "corpus/$t" -- -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
        2>&1 | grep -E "^(#[0-9]+ *DONE|==[0-9]+==|SUMMARY|artifact_prefix|Done)" || true
done
