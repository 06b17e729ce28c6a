#!/usr/bin/env bash
# The benchmark of `breach affected import`: `bash bench/affected.sh` from anywhere in a
# clone. For humans, not CI.
#
# Builds the release binary and the export generator, writes a WooCommerce and a Shopify
# orders export of about 1,000,000 rows each (examples/gen_export.rs: the exports the tests
# read, at scale), then times a whole import with hyperfine (warm cache; each run imports
# into a fresh incident, which is not timed) and reads the peak memory from
# /usr/bin/time -v. Prints a markdown table for docs/performance.md and checks the
# targets: within 5 s and 200 MB.
#
# Settings (environment):
#   BENCH_ROWS=1000000     rows per export
#   BENCH_RUNS=5           hyperfine runs
#   BENCH_OUT=target/bench-affected   where exports and incidents go
set -euo pipefail
cd "$(dirname "$0")/.."

ROWS=${BENCH_ROWS:-1000000}
RUNS=${BENCH_RUNS:-5}
OUT=${BENCH_OUT:-target/bench-affected}

source bench/lib.sh
need hyperfine || install hyperfine
[ -x /usr/bin/time ] || install time

echo "== building (release)" >&2
cargo build --release --quiet --bin breach --example gen_export
BIN=$PWD/target/release/breach
GEN=$PWD/target/release/examples/gen_export
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)

# The machine's clock: a release build records nothing in a format 1 incident under
# BREACH_NOW (docs/incident-file-format.md, section 4); the export's times are in its past.
export BREACH_OPERATOR=bench NO_COLOR=1
unset BREACH_NOW
FROM=2026-11-01T00:00:00Z
TO=2026-11-20T00:00:00Z

# Each timed run imports into a fresh incident (made by the untimed prepare step).
cat >"$OUT/fresh.sh" <<FRESH
rm -rf "$OUT/inc"
"$BIN" --dir "$OUT/inc" start --no-walk --title bench --detected-at 2026-11-23T08:00:00Z >/dev/null
FRESH

echo "| export | rows | size | wall time, s: median (min–max) | peak RSS, MB | people found |"
echo "|---|---|---|---|---|---|"
fail=0
for layout in woocommerce-orders shopify-orders; do
  file="$OUT/$layout.csv"
  [ -f "$file" ] || "$GEN" "$layout" "$ROWS" "$file" >&2
  rows=$(($(wc -l <"$file") - 1))
  size=$(du -m "$file" | cut -f1)
  cmd="$BIN --dir $OUT/inc affected import $file --from $FROM --to $TO --card-only --json"
  hyperfine --runs "$RUNS" --warmup 1 --prepare "bash $OUT/fresh.sh" \
    --export-json "$OUT/$layout.json" --style none "$cmd" >/dev/null
  read -r median min max < <(python3 -c "
import json,sys
r=json.load(open('$OUT/$layout.json'))['results'][0]
print('%.2f %.2f %.2f'%(r['median'],r['min'],r['max']))")
  bash "$OUT/fresh.sh"
  /usr/bin/time -v $cmd >"$OUT/$layout.out" 2>"$OUT/$layout.time"
  rss=$(awk '/Maximum resident set size/ {printf "%.1f", $6/1024}' "$OUT/$layout.time")
  people=$(python3 -c "import json; print(json.load(open('$OUT/$layout.out'))['total'])")
  echo "| $layout | $rows | ${size} MB | $median ($min–$max) | $rss | $people |"
  python3 -c "import sys; sys.exit(0 if $median <= 5 else 1)" || { echo "  target missed: over 5 s" >&2; fail=1; }
  python3 -c "import sys; sys.exit(0 if $rss <= 200 else 1)" || { echo "  target missed: over 200 MB" >&2; fail=1; }
done
exit $fail
