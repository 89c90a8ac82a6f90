#!/usr/bin/env bash
# Runs every fuzz target for SECONDS (default 180) each, one after another, on one core.
set -uo pipefail
cd "$(dirname "$0")"
seconds=${1:-180}
for target in read_jsonl read_tsh_json read_asciicast reconstruct decode_record; do
  echo "== $target"
  RUSTC_BOOTSTRAP=1 cargo fuzz run "$target" -- -max_total_time="$seconds" -rss_limit_mb=2048 2>&1 | grep -E "^#[0-9]+.*(DONE|pulse)|SUMMARY|panicked|ERROR|Test unit written" | tail -4
done
