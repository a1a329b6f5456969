#!/usr/bin/env bash
# Screenshots of the public display, to look at before changing it further:
# the commune page, a bureau page, the big screen (and the participation and
# a candidate page) at 1920×1080 and 360×800, with 21 of 34 bureaux
# published and the day's turnout reported.
#
#   scripts/screenshots.sh [OUTPUT_DIR]        (default: target/screenshots)
#
# Runs the `screenshots_of_the_public_display` end-to-end test, which starts
# the server on a random port and drives headless Chromium (Debian's
# chromium + chromium-driver; installed here when missing and run as root).
set -euo pipefail
cd "$(dirname "$0")/.."
out=$(realpath -m "${1:-target/screenshots}")
if ! command -v chromedriver >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver) >/dev/null
  else
    echo "screenshots: install chromium and chromium-driver first" >&2; exit 2
  fi
fi
mkdir -p "$out"
CI=true URNE_SCREENSHOTS="$out" cargo test -q -p server --test e2e screenshots_of_the_public_display -- --nocapture
ls -1 "$out"/*.png
