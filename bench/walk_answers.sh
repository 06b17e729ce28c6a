#!/usr/bin/env bash
# Writes an answers file for the benchmark's walk (bench/run.sh): `walk_answers.sh K FILE
# COUNTER` writes K answers to step `assess` (K is 1 or 6) that all differ from the ones the
# previous run recorded, so each is recorded, then pauses the walk. COUNTER is a file holding
# the run number.
set -euo pipefail
k=$1 file=$2 counter=$3
n=$(( $(cat "$counter" 2>/dev/null || echo 0) + 1 ))
echo "$n" >"$counter"
odd=$([ $((n % 2)) -eq 1 ] && echo true || echo false)
{
  echo "assess/affected_customers: $((1000 + n))"
  if [ "$k" -ge 6 ]; then
    echo "assess/ca_residents: $((100 + n))"
    echo "assess/tx_residents: $((200 + n))"
    printf 'assess/determined_at: 2026-11-23T%02d:%02d:00Z\n' $(( (n / 60) % 24 )) $((n % 60))
    echo "assess/breach_type_identified: $odd"
    echo "assess/data_identified: $odd"
  fi
  echo "assess: pause"
} >"$file"
