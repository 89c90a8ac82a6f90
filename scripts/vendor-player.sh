#!/usr/bin/env bash
# Vendors the asciinema web player (npm `asciinema-player`, Apache-2.0) into assets/player/,
# where `sightline report` inlines it into every page (no CDN, no request at view time).
# Pinned: the tarball must match the registry integrity below, or nothing is copied.
#
# Usage: scripts/vendor-player.sh            (re-vendor the pinned version)
# To update: change VERSION and INTEGRITY (npm view asciinema-player@X dist.integrity),
# run this, run the browser test (cargo test --test report_browser), update assets/player/README.md.
set -euo pipefail
VERSION="3.18.0"
INTEGRITY="sha512-5gpt2ipFcy4NKmgkv+c/QXnJ9zMicxqWROCOuJqgwwtiYKM8Qe9hnDOvfqke5bW6M2DW/seO3uQYkQ0xeUUVtw=="
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT
cd "$WORK"
npm pack "asciinema-player@$VERSION" >/dev/null 2>&1
TARBALL="asciinema-player-$VERSION.tgz"
GOT="sha512-$(openssl dgst -sha512 -binary "$TARBALL" | base64 -w0)"
if [[ "$GOT" != "$INTEGRITY" ]]; then
  echo "vendor-player: integrity mismatch for $TARBALL: got $GOT, want $INTEGRITY" >&2
  exit 1
fi
tar xzf "$TARBALL"
install -m 0644 package/dist/bundle/asciinema-player.min.js package/dist/bundle/asciinema-player.css \
  package/LICENSE "$ROOT/assets/player/"
echo "vendor-player: asciinema-player $VERSION copied to assets/player/" >&2
