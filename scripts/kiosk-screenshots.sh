#!/usr/bin/env bash
# Screenshots of the kiosk's touch home and a bureau view, in portrait
# (1080×1920) and landscape (1920×1080), after a short demo night.
# Usage: scripts/kiosk-screenshots.sh [OUT_DIR]   (default target/screenshots/kiosk)
set -euo pipefail
cd "$(dirname "$0")/.."
out=${1:-target/screenshots/kiosk}
mkdir -p "$out"
if ! command -v chromium >/dev/null 2>&1; then
  (apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium) >/dev/null
fi
cargo build -q --bin urne --bin urne-kiosk -p server -p kiosk
work=$(mktemp -d)
trap 'kill $(jobs -p) 2>/dev/null || true; rm -rf "$work"' EXIT
./target/debug/urne demo --listen 127.0.0.1:18181 --duration 6 --database-url "sqlite://$work/demo.db" >"$work/demo.log" 2>&1 &
sleep 2
./target/debug/urne-kiosk --server http://127.0.0.1:18181 --election presidentielle-2027-t1 \
  --listen 127.0.0.1:18190 --state-dir "$work/kiosk" >"$work/kiosk.log" 2>&1 &
sleep 8
shot() {
  local url=$1 file=$2 size=$3 profile
  profile=$(mktemp -d)
  chromium --headless --no-sandbox --disable-gpu --disable-quic --no-first-run \
    --disable-background-networking --disable-component-update --disable-sync \
    --hide-scrollbars --user-data-dir="$profile" --window-size="${size/x/,}" \
    --virtual-time-budget=2000 --screenshot="$(realpath -m "$file")" "$url" >/dev/null 2>&1
  rm -rf "$profile"
  echo "$file"
}
for size in 1080x1920 1920x1080; do
  shot http://127.0.0.1:18190/ "$out/home-$size.png" "$size"
  shot http://127.0.0.1:18190/elections/presidentielle-2027-t1/bureaux/0001 "$out/bureau-$size.png" "$size"
done
