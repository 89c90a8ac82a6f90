#!/usr/bin/env bash
# Installs what the browser test of the review pages needs (tests/report_browser.rs):
# Debian's Chromium and playwright-core (pinned in tests/browser/package-lock.json; it drives
# the system Chromium, no browser download). Idempotent and quick when already installed.
#
# Usage: scripts/browser.sh install
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
say() { printf 'browser: %s\n' "$*" >&2; }

install() {
  if [[ ! -x /usr/bin/chromium ]]; then
    say "installing Debian chromium"
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -q chromium >/dev/null 2>&1 || { apt-get update -q >/dev/null 2>&1 && apt-get install -y -q chromium >/dev/null; }
  fi
  local lock="$ROOT/tests/browser/package-lock.json" stamp="$ROOT/tests/browser/node_modules/.installed-lock"
  if [[ ! -f "$stamp" ]] || ! cmp -s "$lock" "$stamp"; then
    say "installing playwright-core (npm ci)"
    npm ci --prefix "$ROOT/tests/browser" --no-audit --no-fund >/dev/null 2>&1
    cp "$lock" "$stamp"
  fi
}

case "${1:-}" in
  install) install ;;
  *) echo "usage: $0 install" >&2; exit 2 ;;
esac
