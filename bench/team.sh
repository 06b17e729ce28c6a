#!/usr/bin/env bash
# The team incident benchmark: `bash bench/team.sh` from anywhere in a clone. For humans, not
# CI. See docs/performance.md, "Team incidents".
#
# Builds the release binary and the incident generator, generates team incidents (format 2)
# of 10, 1,000 and 10,000 records spread over 3 journals, unsigned and signed with an
# ed25519 key made here with ssh-keygen, then times whole processes with hyperfine (warm
# cache): `breach --version` (the floor), `status`, `status --json`, `verify`, `export
# --format json`, and one `note` appended to a copy that keeps growing. With BREACH_BEFORE
# set to an earlier build of breach, every command is timed for both builds side by side in
# the same hyperfine run. Prints markdown tables.
#
# Settings (environment):
#   BENCH_SIZES="10 1000 10000"          record counts (all journals together)
#   BENCH_JOURNALS=3                     journals the records are spread over
#   BENCH_RUNS=20                        hyperfine runs per command (BENCH_RUNS_LARGE for
#   BENCH_RUNS_LARGE=10                  incidents of 10,000 records or more)
#   BENCH_WARMUP=2                       hyperfine warm-up runs
#   BREACH_BEFORE=path/to/breach         an earlier build, timed beside this one
#   BENCH_OUT=target/bench-team          where incidents, keys and hyperfine JSON go
set -euo pipefail
cd "$(dirname "$0")/.."

SIZES=${BENCH_SIZES:-"10 1000 10000"}
JOURNALS=${BENCH_JOURNALS:-3}
RUNS=${BENCH_RUNS:-20}
RUNS_LARGE=${BENCH_RUNS_LARGE:-10}
WARMUP=${BENCH_WARMUP:-2}
OUT=${BENCH_OUT:-target/bench-team}

source bench/lib.sh
need hyperfine || install hyperfine
need python3 || install python3
need ssh-keygen || install openssh-client

echo "== building (release)" >&2
cargo build --release --locked --quiet
cargo build --release --locked --quiet --example gen_incident
GEN="$PWD/target/release/examples/gen_incident"
# The builds to time, as label=path.
BUILDS=("this=$PWD/target/release/breach")
if [ -n "${BREACH_BEFORE:-}" ]; then
  BUILDS=("before=$(realpath "$BREACH_BEFORE")" "${BUILDS[@]}")
fi

rm -rf "$OUT"
mkdir -p "$OUT/incidents" "$OUT/appends" "$OUT/json" "$OUT/config/breach"
OUT=$(realpath "$OUT")
echo "uptime at the start: $(uptime)" >"$OUT/load"
printf '%s\n' "${BUILDS[@]%%=*}" >"$OUT/builds"
# One ed25519 key signs every journal of the signed incidents and the benchmark's appends;
# the allowed-signers file knows it for every operator, so `verify` and `status` check each
# signature against a known key, as in a real team.
ssh-keygen -q -t ed25519 -N '' -C bench -f "$OUT/key"
echo "alice,bob,carol $(cat "$OUT/key.pub")" >"$OUT/allowed_signers"
printf 'allowed_signers = "%s"\n' "$OUT/allowed_signers" >"$OUT/config/breach/config.toml"
# No colour, a fixed width, the configuration above only, the team state caches (of the
# builds that keep them) in $OUT/cache. The reading commands evaluate at
# a fixed clock after the last generated record (READ_NOW); the appends record at the
# machine's clock, as in real use (a record written under BREACH_NOW is marked as such).
READ_NOW=2026-12-31T00:00:00Z
export NO_COLOR=1 COLUMNS=100 TZ=UTC XDG_CONFIG_HOME="$OUT/config" XDG_CACHE_HOME="$OUT/cache"
export BREACH_OPERATOR=bench
unset BREACH_DIR BREACH_RUNBOOKS BREACH_NOW BREACH_SIGNING_KEY BREACH_DEVICE

# time_cmd NAME ID RUNS ARGS...: `breach ARGS...` for every build, side by side in one
# hyperfine run; JSON to $OUT/json/NAME@ID.json. ARGS may contain {label}, replaced by the
# build's label (each build appends to its own copy).
time_cmd() {
  local name=$1 id=$2 runs=$3
  shift 3
  local cmds=() b label path
  for b in "${BUILDS[@]}"; do
    label=${b%%=*} path=${b#*=}
    cmds+=(--command-name "$label" "$(printf '%q ' "$path" "${@//\{label\}/$label}")")
  done
  hyperfine -N --style none --warmup "$WARMUP" --runs "$runs" \
    --export-json "$OUT/json/$name@$id.json" "${cmds[@]}" >/dev/null
}

for n in $SIZES; do
  runs=$RUNS
  [ "$n" -ge 10000 ] && runs=$RUNS_LARGE
  for variant in unsigned signed; do
    id="$n-$variant"
    echo "== $n records in $JOURNALS journals, $variant" >&2
    sign=()
    [ "$variant" = signed ] && sign=(--sign "$OUT/key")
    mkdir -p "$OUT/incidents/$id"
    path=$("$GEN" --records "$n" --out "$OUT/incidents/$id" --journals "$JOURNALS" "${sign[@]}")
    d=$(dirname "$path")
    echo "$id@$(du -sb "$path" | cut -f1)" >>"$OUT/sizes"
    export BREACH_NOW=$READ_NOW
    time_cmd "breach --version" "$id" "$runs" --version
    time_cmd "status" "$id" "$runs" --dir "$d" -i "$path" status
    time_cmd "status --json" "$id" "$runs" --dir "$d" -i "$path" status --json
    time_cmd "verify" "$id" "$runs" --dir "$d" -i "$path" verify
    time_cmd "export json" "$id" "$runs" --dir "$d" -i "$path" export --format json
    # One note per run, with its fsync (and, signed, its `ssh-keygen -Y sign`), appended as
    # the last journal's device to a copy per build that keeps growing, as in real use.
    unset BREACH_NOW
    for b in "${BUILDS[@]}"; do
      mkdir -p "$OUT/appends/$id/${b%%=*}"
      cp -a "$path" "$OUT/appends/$id/${b%%=*}/"
    done
    sync
    # The device of the last journal (the generator's writer ids, examples/gen_incident.rs).
    ops=(alice bob carol)
    export BREACH_OPERATOR=${ops[$(((JOURNALS - 1) % 3))]}
    export BREACH_DEVICE="$BREACH_OPERATOR@device-$JOURNALS"
    [ "$variant" = signed ] && export BREACH_SIGNING_KEY="$OUT/key"
    a="$OUT/appends/$id/{label}/$(basename "$path")"
    time_cmd "note" "$id" "$runs" --dir "$OUT/appends/$id/{label}" -i "$a" \
      note "Benchmark note: checked the logs again."
    unset BREACH_SIGNING_KEY BREACH_DEVICE
    export BREACH_OPERATOR=bench
  done
done
echo "uptime at the end: $(uptime)" >>"$OUT/load"

python3 bench/team_table.py "$OUT"
