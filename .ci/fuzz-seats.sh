#!/usr/bin/env bash
# Fuzzes the seat allocation (election-data/src/seats.rs) for a short while.
#
# The fuzz crate lives in fuzz/, outside the workspace. Only the stable
# toolchain is assumed: RUSTC_BOOTSTRAP=1 lets it take the nightly flags that
# cargo-fuzz passes. AddressSanitizer is used when its runtime is available,
# otherwise the run falls back to --sanitizer none.
#
# Usage: .ci/fuzz-seats.sh [SECONDS]   (default 30; FUZZ_SECONDS works too)
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${1:-${FUZZ_SECONDS:-30}}"
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-seats: installing cargo-fuzz"
    cargo install --locked cargo-fuzz
fi

cd fuzz
sanitizer=address
if ! cargo fuzz build --sanitizer "$sanitizer" seats; then
    echo "fuzz-seats: build with AddressSanitizer failed, retrying without sanitizer"
    sanitizer=none
    cargo fuzz build --sanitizer "$sanitizer" seats
fi

mkdir -p corpus/seats
log="$(mktemp)"
trap 'rm -f "$log"' EXIT
status=0
cargo fuzz run --sanitizer "$sanitizer" seats -- \
    -max_total_time="$seconds" -max_len=4096 -print_final_stats=1 \
    >"$log" 2>&1 || status=$?
if [ "$status" -ne 0 ]; then
    tail -n 80 "$log"
    echo "fuzz-seats: the fuzzer found a failure (exit $status); see fuzz/artifacts/seats/"
    exit "$status"
fi
runs="$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 || true)"
echo "fuzz-seats: ${runs:-run finished} (sanitizer: $sanitizer), no failure"
