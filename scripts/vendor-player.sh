#!/usr/bin/env bash
# Vendors the asciinema web player (npm package `asciinema-player`, Apache-2.0) into assets/player/,
# from where `sightline report` inlines it into every page (no CDN, nothing fetched at view time).
# The version is pinned, and the tarball must match the pinned registry integrity (sha512) or
# nothing is copied.
#
# Usage:
#   scripts/vendor-player.sh          fetch the pinned version (npm pack), check it, copy
#                                     asciinema-player.min.js, asciinema-player.css and LICENSE to
#                                     assets/player/, rebuild tests/browser/demo/report.html
#   scripts/vendor-player.sh --check  only check that assets/player/ holds exactly the pinned files
#
# To update: npm view asciinema-player dist-tags; npm view asciinema-player@X dist.integrity;
# put both below, run this, run the browser checks (scripts/browser.sh demo, then
# cargo test --test report_browser), and update assets/player/README.md.
set -euo pipefail
VERSION="3.18.0"
INTEGRITY="sha512-5gpt2ipFcy4NKmgkv+c/QXnJ9zMicxqWROCOuJqgwwtiYKM8Qe9hnDOvfqke5bW6M2DW/seO3uQYkQ0xeUUVtw=="

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
DEST="$ROOT/assets/player"
say() { printf 'vendor-player: %s\n' "$*" >&2; }
die() { say "$*"; exit 1; }

mode="${1:-vendor}"
[[ $mode == vendor || $mode == --check ]] || { echo "usage: $0 [--check]" >&2; exit 2; }

WORK="$(mktemp -d)"
trap 'rm -rf "$WORK"' EXIT

if ! npm pack "asciinema-player@$VERSION" --pack-destination "$WORK" --silent >"$WORK/pack.log" 2>&1; then
  cat "$WORK/pack.log" >&2
  die "npm pack asciinema-player@$VERSION failed"
fi
TARBALL="$WORK/asciinema-player-$VERSION.tgz"
[[ -f $TARBALL ]] || die "npm pack did not write $(basename "$TARBALL")"
GOT="sha512-$(openssl dgst -sha512 -binary "$TARBALL" | base64 -w0)"
if [[ $GOT != "$INTEGRITY" ]]; then
  die "INTEGRITY MISMATCH for asciinema-player@$VERSION: the tarball is $GOT, pinned is $INTEGRITY; nothing copied"
fi
tar -xzf "$TARBALL" -C "$WORK"
PKG="$WORK/package"
grep -q '"version": "'"$VERSION"'"' "$PKG/package.json" || die "the tarball's package.json is not version $VERSION"
JS="$PKG/dist/bundle/asciinema-player.min.js"
CSS="$PKG/dist/bundle/asciinema-player.css"
for file in "$JS" "$CSS" "$PKG/LICENSE"; do [[ -f $file ]] || die "the tarball has no ${file#"$PKG"/}"; done
# The bundle must define the global the pages call, and be inlinable in a <script> element.
grep -q '^var AsciinemaPlayer=' "$JS" || die "$(basename "$JS") does not define the global AsciinemaPlayer"
if grep -qi '</script' "$JS" || grep -qi '</style' "$CSS"; then die "the player contains </script> or </style>: it cannot be inlined as is"; fi

if [[ $mode == --check ]]; then
  status=0
  for pair in "$JS:asciinema-player.min.js" "$CSS:asciinema-player.css" "$PKG/LICENSE:LICENSE"; do
    if ! cmp -s "${pair%%:*}" "$DEST/${pair#*:}"; then say "assets/player/${pair#*:} differs from asciinema-player@$VERSION"; status=1; fi
  done
  [[ $status -eq 0 ]] && say "assets/player/ matches asciinema-player@$VERSION ($INTEGRITY)"
  exit "$status"
fi

mkdir -p "$DEST"
install -m 0644 "$JS" "$DEST/asciinema-player.min.js"
install -m 0644 "$CSS" "$DEST/asciinema-player.css"
install -m 0644 "$PKG/LICENSE" "$DEST/LICENSE"
say "asciinema-player $VERSION ($INTEGRITY) copied to assets/player/"
if command -v node >/dev/null && [[ -f $ROOT/tests/browser/demo/build.mjs ]]; then
  node "$ROOT/tests/browser/demo/build.mjs"
fi
