#!/usr/bin/env bash
# Fuzzes every cargo-fuzz target of fuzz/ for a short while each: the seat
# allocation (seats), the setup and ministry importers (import_setup,
# import_ministry), the procès-verbal validator through the API's JSON body
# (pv_body) and the kiosk's frame decoder and mirror (kiosk_frames). A
# crash, a panic or a broken invariant fails the script.
#
# The work is scripts/fuzz-all.sh's (seeds, sanitizer fallback, figures);
# here it runs on an unoptimised build (PROFILE=dev), which compiles in a
# fifth of the release build's time: the CI checks that the targets hold
# on their seeds and a few thousand mutations, the long campaigns of
# docs/performance.md run the release build.
#
# Usage: .ci/fuzz.sh [SECONDS_PER_TARGET]   (default 10; FUZZ_SECONDS works too)
set -euo pipefail
cd "$(dirname "$0")/.."
seconds="${1:-${FUZZ_SECONDS:-10}}"
PROFILE=dev exec bash scripts/fuzz-all.sh "$seconds"
