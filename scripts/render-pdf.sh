#!/usr/bin/env bash
# Renders Urne's printable records (PDF) to PNG, to look at them.
#
# Writes the records of the sample municipal election (second round, 39
# seats) with server/examples/print_sample.rs, the same layout code as
# `GET /api/elections/{id}/print/…` and `urne export pdf`: the commune
# record, the proclamation and bureau 0001's record, in A4 portrait and A3
# landscape. Then pdftoppm (poppler-utils, installed with apt-get when missing
# and running as root) turns every page into target/pdf/<record>-<paper>-<n>.png.
#
# Usage: scripts/render-pdf.sh [--partial]   (--partial: 20 of 34 bureaux counted)
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v pdftoppm >/dev/null 2>&1; then
  if [[ $(id -u) -eq 0 ]]; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y -qq poppler-utils >/dev/null 2>&1 \
      || { apt-get update -qq && apt-get install -y -qq poppler-utils >/dev/null; }
  else
    echo "pdftoppm is missing: sudo apt-get install poppler-utils" >&2
    exit 1
  fi
fi

out=target/pdf
rm -rf "$out"
mkdir -p "$out"
cargo run -q -p server --example print_sample -- "$out" "$@"
for pdf in "$out"/*.pdf; do
  pdftoppm -r "${DPI:-70}" -png "$pdf" "${pdf%.pdf}"
done
ls -1 "$out"/*.png
