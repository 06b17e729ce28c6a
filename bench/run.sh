#!/usr/bin/env bash
# The breach benchmark: `bash bench/run.sh` from anywhere in a clone. For humans, not CI.
#
# Builds the release binary and the incident generator, generates incidents of 10, 1,000
# and 100,000 records, then times whole processes with hyperfine (warm cache) and reads peak
# memory from /usr/bin/time. Prints markdown tables: the reading commands side by side with
# the floors (`breach --version` for process start, `sha256sum` for reading and hashing the
# file), the cost of one append of every recording command at each size, and each target of
# docs/performance.md checked. See docs/performance.md for how to read the results.
#
# Settings (environment):
#   BENCH_SIZES="10 1000 100000"         record counts
#   BENCH_RUNS=30                        hyperfine runs per command (BENCH_RUNS_LARGE for
#   BENCH_RUNS_LARGE=10                  incidents of 100,000 records or more)
#   BENCH_WARMUP=3                       hyperfine warm-up runs
#   BENCH_EXPORT=auto|off                time `breach export` (auto: if this build has it)
#   BENCH_OUT=target/bench               where incidents and hyperfine JSON go
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${BENCH_SIZES:-"10 1000 100000"}
RUNS=${BENCH_RUNS:-30}
RUNS_LARGE=${BENCH_RUNS_LARGE:-10}
WARMUP=${BENCH_WARMUP:-3}
EXPORT=${BENCH_EXPORT:-auto}
OUT=${BENCH_OUT:-target/bench}

source bench/lib.sh
need hyperfine || install hyperfine
[ -x /usr/bin/time ] || install time
need python3 || install python3
need strace || install strace

echo "== building (release)" >&2
cargo build --release --locked --quiet
cargo build --release --locked --quiet --example gen_incident
BREACH="$PWD/target/release/breach"
GEN="$PWD/target/release/examples/gen_incident"

rm -rf "$OUT"
mkdir -p "$OUT/incidents" "$OUT/appends" "$OUT/json"
echo "Collected on the host for the benchmark." >"$OUT/evidence.txt"
# No colour, a fixed width: the same work on every run and every machine. The reading
# commands evaluate at a fixed clock after the last generated record (READ_NOW); the appends
# record at the machine's clock, since a release build refuses to write a format 1 record
# under BREACH_NOW (docs/incident-file-format.md, section 4), and the generated records are
# in its past.
READ_NOW=2026-12-31T00:00:00Z
export BREACH_OPERATOR=bench NO_COLOR=1 COLUMNS=100 TZ=UTC
unset BREACH_DIR BREACH_RUNBOOKS BREACH_NOW

if [ "$EXPORT" = auto ]; then
  first=$("$GEN" --records 10 --out "$OUT/incidents")
  if "$BREACH" --dir "$OUT/incidents" -i "$first" export --format markdown >/dev/null 2>&1; then
    EXPORT=on
  else
    EXPORT=off
    echo "== breach export is not in this build: not timed (BENCH_EXPORT=auto)" >&2
  fi
  rm -f "$first" "$first.state"
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
  export BREACH_NOW=$READ_NOW
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
  # Appends: one record per run, with its fsync, to a copy of the incident that keeps
  # growing, as in real use; each run finds the state cache the previous append left. Where
  # a command cannot be repeated as it is (a check of a checked item, a step already done),
  # PREPARE first undoes what the previous run recorded. The copy gets one stateful append
  # first (the full read that builds the cache) and the answers the walk's questions need.
  unset BREACH_NOW
  ad="$OUT/appends/$n"
  mkdir -p "$ad" "$ad/close"
  a="$ad/$(basename "$path")"
  cp "$path" "$a"
  B=("$BREACH" --dir "$ad" -i "$a")
  q=$(printf '%q ' "${B[@]}")
  "${B[@]}" answer assess/jurisdictions US-CA,US-TX >/dev/null
  "${B[@]}" step assess --reopen >/dev/null 2>&1 || true
  sync "$a"
  time_one "append: note" "$n" "$runs" "" "${B[@]}" note "Benchmark note: checked the logs again."
  time_one "append: check" "$n" "$runs" "$q check contain/isolate_systems --undo >/dev/null 2>&1 || true" \
    "${B[@]}" check contain/isolate_systems
  time_one "append: answer" "$n" "$runs" "" "${B[@]}" answer assess/affected_customers 1200
  time_one "append: step" "$n" "$runs" "$q step contain --reopen >/dev/null 2>&1 || true" \
    "${B[@]}" step contain --done --force
  time_one "append: evidence add" "$n" "$runs" "" "${B[@]}" evidence add "$OUT/evidence.txt"
  time_one "append: notify sent" "$n" "$runs" "" \
    "${B[@]}" notify sent customer-notice --to bench@example.org
  # The walk: `resume --answers` recording 1 and 6 answers (each different from the last
  # run's), timed whole; and the cost of each answer on its own: the time between the
  # fsyncs of consecutive answers (strace timestamps), which leaves out the walk's start.
  for k in 1 6; do
    time_one "walk: $k answers" "$n" "$runs" "bench/walk_answers.sh $k $OUT/walk-$k.yaml $OUT/counter-$n" \
      "${B[@]}" resume --step assess --answers "$OUT/walk-$k.yaml"
  done
  for _ in $(seq "$runs"); do
    bench/walk_answers.sh 6 "$OUT/walk-6.yaml" "$OUT/counter-$n"
    strace -qq -e trace=fdatasync -ttt -o "$OUT/walk-trace" \
      "${B[@]}" resume --step assess --answers "$OUT/walk-6.yaml" >/dev/null 2>&1
    awk -v n="$n" 'NR > 1 { printf "%s@%.3f\n", n, ($1 - prev) * 1000 } { prev = $1 }' \
      "$OUT/walk-trace" >>"$OUT/walkgaps"
  done
  # `close` can only happen once: each run closes a fresh copy that has had one append (and
  # everything is synced first, or the close's fsync would wait for the copy's blocks).
  c="$ad/close/$(basename "$path")"
  qc=$(printf '%q ' "$BREACH" --dir "$ad/close" -i "$c")
  time_one "append: close" "$n" "$runs" \
    "cp $path $c && $qc answer assess/affected_customers 1 >/dev/null && sync" \
    "$BREACH" --dir "$ad/close" -i "$c" close
  echo "$n@$(stat -c %s "$path")" >>"$OUT/sizes"
done

python3 bench/table.py "$OUT"
