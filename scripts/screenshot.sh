#!/usr/bin/env bash
# Save a screenshot of a page of a running FTW Observe engine with Debian's headless Chromium.
# Usage: scripts/screenshot.sh [URL] [OUTPUT.png]   (default: the demo's status page)
set -euo pipefail
cd "$(dirname "$0")/.."

URL=${1:-http://127.0.0.1:${ENGINE_PORT:-8080}/}
OUT=${2:-docs/status-page.png}
CHROMIUM=$(command -v chromium || command -v chromium-browser || true)
if [ -z "$CHROMIUM" ]; then
  echo "screenshot: chromium is missing; run 'make setup' (it installs Debian's chromium)" >&2
  exit 1
fi
profile=$(mktemp -d)
trap 'rm -rf "$profile"' EXIT
mkdir -p "$(dirname "$OUT")"
# --no-sandbox: Chromium refuses to run as root with its sandbox; the page is our own.
"$CHROMIUM" --headless --no-sandbox --disable-gpu --hide-scrollbars \
  --user-data-dir="$profile" --window-size=1600,900 --screenshot="$OUT" "$URL" >/dev/null 2>&1
echo "screenshot: $URL -> $OUT"
