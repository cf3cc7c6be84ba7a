#!/usr/bin/env bash
# Search engines compared on the golden queries (tests/e2e/queries.json): mamoru's own index and
# Pagefind's (the CLI, `--force-language ja`, indexing the same pages of the example manual), by
# recall in the first three results and by indexing time, in one run.
#
#   bench/search.sh          # needs Node.js, Chromium and tests/e2e's npm packages (npm ci)
#
# The Pagefind CLI ($PAGEFIND_VERSION) is installed into $WORK/tools/npm (npm registry) when
# missing. Prints JSON: recall per engine (with the queries each missed) and the times.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/.." && pwd)
WORK=${WORK:-/tmp/mamoru-bench}
PAGEFIND_VERSION=${PAGEFIND_VERSION:-1.4.0}
PAGEFIND=$WORK/tools/npm/node_modules/.bin/pagefind
mkdir -p "$WORK"
if [ ! -x "$PAGEFIND" ]; then
    mkdir -p "$WORK/tools/npm"
    (cd "$WORK/tools/npm" && { [ -f package.json ] || npm init -y >/dev/null; } \
        && npm install --no-audit --no-fund --silent "pagefind@$PAGEFIND_VERSION" >&2)
fi
(cd "$ROOT/tests/e2e" && [ -d node_modules/playwright-core ] || npm ci --silent --no-audit --no-fund)
(cd "$ROOT" && cargo build --release --quiet)
site=$WORK/search-site
rm -rf "$site"
t0=$(date +%s.%N)
"$ROOT/target/release/mamoru" build --builtin --out "$site" >/dev/null 2>&1
t1=$(date +%s.%N)
# Pagefind reads each page's <main> (as mamoru's index reads the sections shown there).
"$PAGEFIND" --site "$site" --force-language ja --root-selector main --quiet
t2=$(date +%s.%N)
node "$ROOT/bench/search.mjs" "$site"
python3 -c "import sys; a,b,c=map(float,sys.argv[1:]); print(f'mamoru build (all of it, index included): {b-a:.2f} s; Pagefind CLI indexing the same pages: {c-b:.2f} s')" "$t0" "$t1" "$t2"
