#!/usr/bin/env bash
# What the browser check of the review pages needs (tests/browser/report.test.mjs, run by
# tests/report_browser.rs): Debian's Chromium at /usr/bin/chromium, and playwright-core, pinned in
# tests/browser/package-lock.json, which drives that Chromium (no browser download of its own).
#
# Usage:
#   scripts/browser.sh install   install what is missing or stale; idempotent, under 0.1 s when
#                                everything is there; nothing on stdout, progress on stderr
#   scripts/browser.sh demo [SCREENSHOT_DIR]
#                                install, then run the check on the hand-written demo pages in
#                                tests/browser/demo/ (a self-test of the check; prints its JSON line)
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DIR="$ROOT/tests/browser"
CHROMIUM=/usr/bin/chromium

say() { printf 'browser.sh: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

# Runs a command quietly; when it fails, shows the end of its output on stderr.
quietly() {
  local log status=0
  log="$(mktemp)"
  "$@" >"$log" 2>&1 || status=$?
  if [[ $status -ne 0 ]]; then
    say "failed (exit $status): $*"
    tail -n 40 "$log" >&2
  fi
  rm -f "$log"
  return "$status"
}

install_chromium() {
  [[ -x $CHROMIUM ]] && return 0
  command -v apt-get >/dev/null || die "$CHROMIUM is missing and there is no apt-get to install it"
  say "installing Debian's chromium (apt-get install chromium)"
  export DEBIAN_FRONTEND=noninteractive
  # Waits for another apt/dpkg run to finish instead of failing on its lock.
  local apt=(apt-get -q -y -o DPkg::Lock::Timeout=600)
  # Without package lists (a fresh machine) the first try fails at once: update, then retry.
  if ! "${apt[@]}" install chromium >/dev/null 2>&1; then
    quietly "${apt[@]}" update
    quietly "${apt[@]}" install chromium
  fi
  [[ -x $CHROMIUM ]] || die "apt-get installed chromium, yet $CHROMIUM is not there"
}

install_playwright() {
  command -v node >/dev/null && command -v npm >/dev/null || die "node and npm are needed (Node 20 or newer)"
  local major
  major="$(node -p 'process.versions.node.split(".")[0]')"
  [[ $major -ge 20 ]] || die "Node $major is too old for playwright-core (needs 20 or newer)"
  # node_modules is current when it was installed from exactly this package.json and lockfile.
  local stamp="$DIR/node_modules/.sightline-installed" want
  want="$(cat "$DIR/package.json" "$DIR/package-lock.json" | sha256sum | cut -d' ' -f1)"
  if [[ -f $stamp && "$(<"$stamp")" == "$want" && -f $DIR/node_modules/playwright-core/package.json ]]; then
    return 0
  fi
  say "installing playwright-core (npm ci in tests/browser)"
  PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 quietly npm ci --prefix "$DIR" --no-audit --no-fund
  printf '%s\n' "$want" >"$stamp"
}

# One install at a time: tests running in parallel each call this.
lock() {
  local file="${TMPDIR:-/tmp}/sightline-browser-$(printf '%s' "$ROOT" | sha256sum | cut -c1-12).lock"
  exec 9>"$file"
  flock 9
}

case "${1:-}" in
  install)
    lock
    install_chromium
    install_playwright
    ;;
  demo)
    lock
    install_chromium
    install_playwright
    exec 9>&-
    node "$DIR/demo/build.mjs" # report.html: report.src.html with the vendored player inlined
    exec node "$DIR/report.test.mjs" "$DIR/demo/report.html" "$DIR/demo/index.html" "${2:-$ROOT/target/browser-demo}"
    ;;
  *)
    echo "usage: $0 install | demo [SCREENSHOT_DIR]" >&2
    exit 2
    ;;
esac
