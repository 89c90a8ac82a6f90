#!/usr/bin/env bash
# End-to-end throughput of `sightline run` (rules only, embedded store) on the real broker:
# replays the sample sessions COPIES times (9 sessions each), starts the pipeline, and times it
# until every session has a verdict (read from /state), group join included.
#
# Usage: scripts/bench/pipeline.sh [COPIES]   (needs a release build and scripts/services.sh start)
set -euo pipefail
cd "$(dirname "$0")/../.."
COPIES=${1:-500}
BIN=target/release/sightline
[[ -x $BIN ]] || { echo "build first: cargo build --release" >&2; exit 1; }
eval "$(scripts/services.sh start)"
P="bench$RANDOM"
WORK=$(mktemp -d)
trap 'rm -rf "$WORK"' EXIT
for topic in chunks ends; do scripts/services.sh topic "$P.$topic" 2 2>/dev/null; done
for topic in verdicts audit dlq; do scripts/services.sh topic "$P.$topic" 1 2>/dev/null; done
cat > "$WORK/bench.toml" <<TOML
[kafka]
brokers = "$SIGHTLINE_TEST_BROKERS"
group_id = "$P.group"
chunk_topic = "$P.chunks"
end_topic = "$P.ends"
verdict_topic = "$P.verdicts"
audit_topic = "$P.audit"
dlq_topic = "$P.dlq"
session_timeout_ms = 3000
heartbeat_interval_ms = 500
[store]
path = "$WORK/state"
[timeouts]
drain_timeout_ms = 2000
[telemetry]
listen = "127.0.0.1:19898"
[log]
level = "warn"
TOML
$BIN replay examples/sessions --brokers "$SIGHTLINE_TEST_BROKERS" --chunk-topic "$P.chunks" --end-topic "$P.ends" --copies "$COPIES"
expected=$((COPIES * 9))
start=$(date +%s.%N)
$BIN run --config "$WORK/bench.toml" 2> "$WORK/run.err" &
pid=$!
verdicts=0
for _ in $(seq 1 6000); do
  kill -0 $pid 2>/dev/null || { cat "$WORK/run.err" >&2; exit 1; }
  verdicts=$(curl -s 127.0.0.1:19898/state | python3 -c "import sys,json; print(json.load(sys.stdin)['verdicts'])" 2>/dev/null || echo 0)
  [[ $verdicts == "$expected" ]] && break
  sleep 0.1
done
end=$(date +%s.%N)
echo "sessions: $verdicts of $expected; elapsed $(python3 -c "print(round($end-$start,2))") s (group join included)"
curl -s 127.0.0.1:19898/metrics | grep -E "^process_resident_memory_bytes|^process_cpu_seconds_total|^sightline_end_to_verdict_seconds_(sum|count)"
kill -TERM $pid; wait $pid
