#!/usr/bin/env bash
# run-fuzzer.sh EXECUTABLE SOURCE_DIR NAME BINARY_DIR SECONDS
# Runs one libFuzzer target for SECONDS on its seed corpus (SOURCE_DIR/corpus/NAME, read only)
# and a working corpus in BINARY_DIR/corpus/NAME, with SOURCE_DIR/dicts/NAME.dict when present.
# A crash, leak, sanitizer report or a 10-second input fails the run; the input is kept as
# BINARY_DIR/crashes/NAME-*.
set -euo pipefail
exe=$1 src=$2 name=$3 bin=$4 seconds=$5
mkdir -p "$bin/corpus/$name" "$bin/crashes"
args=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
      -artifact_prefix="$bin/crashes/$name-")
[ -f "$src/dicts/$name.dict" ] && args+=(-dict="$src/dicts/$name.dict")
log="$bin/fuzz-$name.log"
echo "fuzz-$name: ${seconds} s"
if ! "$exe" "${args[@]}" "$bin/corpus/$name" "$src/corpus/$name" >"$log" 2>&1; then
  tail -n 60 "$log"
  echo "fuzz-$name: FAILED (log: $log)"
  exit 1
fi
# The last status line (execs, cov, ft, corpus) and the final stats.
grep -E '^#[0-9]+' "$log" | tail -n 1
grep -E '^stat::(number_of_executed_units|peak_rss_mb)' "$log" || true
