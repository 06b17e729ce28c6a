#!/usr/bin/env bash
# The benchmark of `breach evidence add`: `bash bench/evidence.sh` from anywhere in a clone.
# For humans, not CI.
#
# Builds the release binary, writes a directory of 300 small files and one 500 MB file,
# then times with hyperfine (warm page cache; each run adds into a fresh copy of one
# incident, made by an untimed prepare step), side by side in one hyperfine run per case:
#   - `evidence add DIR` and `evidence add --copy DIR` of the 300 files,
#   - `evidence add --copy FILE` of the 500 MB file, with `sha256sum FILE` as the floor,
# for this build and, when BREACH_BEFORE names another build of breach, for that one too.
# It also counts the fsync and fdatasync calls of each 300-file add with strace -f -c.
# Prints markdown tables for docs/performance.md, and the load average before and after.
#
# Settings (environment):
#   BENCH_FILES=300          files in the directory
#   BENCH_FILE_KB=8          size of each, in KiB
#   BENCH_BIG_MB=500         size of the large file, in MB (10^6 bytes)
#   BENCH_RUNS=10            hyperfine runs (5 for the large file)
#   BREACH_BEFORE=PATH       an earlier build of breach to compare with (optional)
#   BENCH_OUT=target/bench-evidence   where the files and incidents go
set -euo pipefail
cd "$(dirname "$0")/.."

FILES=${BENCH_FILES:-300}
FILE_KB=${BENCH_FILE_KB:-8}
BIG_MB=${BENCH_BIG_MB:-500}
RUNS=${BENCH_RUNS:-10}
BEFORE=${BREACH_BEFORE:-}
OUT=${BENCH_OUT:-target/bench-evidence}

source bench/lib.sh
need hyperfine || install hyperfine
need strace || install strace

echo "== building (release)" >&2
cargo build --release --locked --quiet --bin breach
AFTER=$PWD/target/release/breach
mkdir -p "$OUT"
OUT=$(cd "$OUT" && pwd)
export BREACH_OPERATOR=bench BREACH_NOW=2026-11-23T10:15:00Z NO_COLOR=1 TZ=UTC
unset BREACH_DIR BREACH_RUNBOOKS CI

echo "== writing $FILES files of $FILE_KB KiB and one file of $BIG_MB MB" >&2
rm -rf "$OUT/dir" "$OUT/tmpl" "$OUT/inc"
mkdir -p "$OUT/dir/sub"
for i in $(seq 1 "$FILES"); do
  sub=""
  [ $((i % 4)) -eq 0 ] && sub=sub/
  head -c $((FILE_KB * 1024)) /dev/urandom >"$OUT/dir/${sub}file-$i.log"
done
BIG=$OUT/big.bin
if [ ! -f "$BIG" ] || [ "$(stat -c %s "$BIG")" -ne $((BIG_MB * 1000000)) ]; then
  head -c $((BIG_MB * 1000000)) /dev/urandom >"$BIG"
fi

# One incident, copied afresh before every timed run (untimed).
"$AFTER" --dir "$OUT/tmpl" start --no-walk --title bench --detected-at 2026-11-23T08:00:00Z >/dev/null 2>&1
cat >"$OUT/fresh.sh" <<FRESH
rm -rf "$OUT/inc" && cp -a "$OUT/tmpl" "$OUT/inc"
FRESH

# builds: "name path" lines.
builds=("after $AFTER")
[ -n "$BEFORE" ] && builds=("before $BEFORE" "${builds[@]}")

echo "load average before: $(cut -d' ' -f1-3 /proc/loadavg)"
echo

# case NAME RUNS ARGS...: one hyperfine run of every build doing `evidence add ARGS`.
case_() {
  local name=$1 runs=$2
  shift 2
  local cmds=()
  for b in "${builds[@]}"; do
    cmds+=(-n "${b%% *}" "${b#* } --dir $OUT/inc evidence add $*")
  done
  hyperfine -N --style none --runs "$runs" --warmup 1 --prepare "bash $OUT/fresh.sh" \
    --export-json "$OUT/$name.json" "${cmds[@]}" "${FLOOR[@]}" >/dev/null
  echo "### $name"
  python3 - "$OUT/$name.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["results"]
print("| build | wall time, ms: median (min–max) | CPU time (user + system), ms: mean |")
print("|---|---|---|")
for x in r:
    print(f"| {x['command']} | {x['median']*1000:.0f} ({x['min']*1000:.0f}–{x['max']*1000:.0f}) | {(x['user']+x['system'])*1000:.0f} |")
PY
  echo
}

FLOOR=()
case_ "$FILES files" "$RUNS" "$OUT/dir"
case_ "$FILES files, --copy" "$RUNS" --copy "$OUT/dir"
FLOOR=(-n "sha256sum (floor)" "sha256sum $BIG")
case_ "one $BIG_MB MB file, --copy" $(((RUNS + 1) / 2)) --copy "$BIG"

echo "### fsync and fdatasync calls"
echo "| build | $FILES files | $FILES files, --copy |"
echo "|---|---|---|"
for b in "${builds[@]}"; do
  row="| ${b%% *} |"
  for copy in "" --copy; do
    bash "$OUT/fresh.sh"
    n=$(strace -f -c -e trace=fsync,fdatasync -o "$OUT/strace.txt" \
      "${b#* }" --dir "$OUT/inc" evidence add $copy "$OUT/dir" >/dev/null 2>&1 &&
      awk '$NF=="fsync"||$NF=="fdatasync"{s+=$4} END{print s+0}' "$OUT/strace.txt")
    row="$row $n |"
  done
  echo "$row"
done
echo
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
rm -rf "$OUT/inc"
