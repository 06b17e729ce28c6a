#!/usr/bin/env bash
# The breach benchmark: `bash bench/run.sh` from anywhere in a clone. For humans, not CI.
#
# Builds the release binary and the incident generator, generates incidents of 100, 1,000,
# 10,000 and 100,000 records, then times whole processes with hyperfine (warm cache) and
# reads peak memory from /usr/bin/time -v. Prints markdown tables: medians with min–max,
# ratios to the floors (`breach --version` for process start, `sha256sum` for reading and
# hashing the file), growth from 1,000 to 100,000 records, and each target of
# docs/performance.md checked. See docs/performance.md for how to read the results.
#
# Settings (environment):
#   BENCH_SIZES="100 1000 10000 100000"  record counts
#   BENCH_RUNS=30                        hyperfine runs per command (BENCH_RUNS_LARGE for
#   BENCH_RUNS_LARGE=10                  incidents of 100,000 records or more)
#   BENCH_WARMUP=3                       hyperfine warm-up runs
#   BENCH_EXPORT=auto|off                time `breach export` (auto: if this build has it)
#   BENCH_OUT=target/bench               where incidents and hyperfine JSON go
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${BENCH_SIZES:-"100 1000 10000 100000"}
RUNS=${BENCH_RUNS:-30}
RUNS_LARGE=${BENCH_RUNS_LARGE:-10}
WARMUP=${BENCH_WARMUP:-3}
EXPORT=${BENCH_EXPORT:-auto}
OUT=${BENCH_OUT:-target/bench}

need() { command -v "$1" >/dev/null 2>&1; }
install() {
  echo "== installing $*" >&2
  local sudo=""
  [ "$(id -u)" -ne 0 ] && sudo="sudo"
  export DEBIAN_FRONTEND=noninteractive
  $sudo apt-get update -qq >/dev/null && $sudo apt-get install -y -qq "$@" >/dev/null
}
need hyperfine || install hyperfine
[ -x /usr/bin/time ] || install time
need python3 || install python3

echo "== building (release)" >&2
cargo build --release --locked --quiet
cargo build --release --locked --quiet --example gen_incident
BREACH="$PWD/target/release/breach"
GEN="$PWD/target/release/examples/gen_incident"

rm -rf "$OUT"
mkdir -p "$OUT/incidents" "$OUT/notes" "$OUT/json"
# A fixed clock after the last generated record, no colour, a fixed width: the same work on
# every run and every machine.
export BREACH_NOW=2026-12-31T00:00:00Z BREACH_OPERATOR=bench NO_COLOR=1 COLUMNS=100 TZ=UTC
unset BREACH_DIR BREACH_RUNBOOKS

if [ "$EXPORT" = auto ]; then
  first=$("$GEN" --records 10 --out "$OUT/incidents")
  if "$BREACH" --dir "$OUT/incidents" -i "$first" export --format markdown >/dev/null 2>&1; then
    EXPORT=on
  else
    EXPORT=off
    echo "== breach export is not in this build: not timed (BENCH_EXPORT=auto)" >&2
  fi
  rm -f "$first"
fi
echo "$EXPORT" >"$OUT/export"

# time_one NAME N RUNS PREPARE COMMAND...: hyperfine JSON to $OUT/json, peak memory to
# $OUT/rss. PREPARE (a bash command line, or "") runs before every timed run.
time_one() {
  local name=$1 n=$2 runs=$3 prepare=$4
  shift 4
  local opts=()
  [ -n "$prepare" ] && opts=(--prepare "bash -c $(printf '%q' "$prepare")")
  local cmd
  cmd=$(printf '%q ' "$@")
  hyperfine -N --style none --warmup "$WARMUP" --runs "$runs" "${opts[@]}" \
    --export-json "$OUT/json/$name@$n.json" --command-name "$name" "$cmd" >/dev/null
  # Peak resident memory: the largest of three runs.
  local peak=0 kb
  for _ in 1 2 3; do
    [ -n "$prepare" ] && bash -c "$prepare"
    kb=$(/usr/bin/time -f %M "$@" 2>&1 >/dev/null | tail -1)
    [ "$kb" -gt "$peak" ] && peak=$kb
  done
  echo "$name@$n@$peak" >>"$OUT/rss"
}

for n in $SIZES; do
  echo "== $n records" >&2
  path=$("$GEN" --records "$n" --out "$OUT/incidents")
  runs=$RUNS
  [ "$n" -ge 100000 ] && runs=$RUNS_LARGE
  d="$OUT/incidents"
  time_one "breach --version" "$n" "$runs" "" "$BREACH" --version
  time_one "sha256sum" "$n" "$runs" "" sha256sum "$path"
  time_one "status" "$n" "$runs" "" "$BREACH" --dir "$d" -i "$path" status
  time_one "status --json" "$n" "$runs" "" "$BREACH" --dir "$d" -i "$path" status --json
  time_one "verify" "$n" "$runs" "" "$BREACH" --dir "$d" -i "$path" verify
  if [ "$EXPORT" = on ]; then
    for f in markdown html json; do
      time_one "export $f" "$n" "$runs" "" "$BREACH" --dir "$d" -i "$path" export --format "$f"
    done
  fi
  # One note appended (with its fsync) to a fresh copy of the incident each run. The copy is
  # synced first, or the note's fsync would also write out the whole copied file.
  copy="$OUT/notes/$(basename "$path")"
  time_one "note" "$n" "$runs" "cp $path $copy && sync $copy" \
    "$BREACH" --dir "$OUT/notes" -i "$copy" note "Benchmark note: checked the logs again."
  echo "$n@$(stat -c %s "$path")" >>"$OUT/sizes"
done

python3 bench/table.py "$OUT"
