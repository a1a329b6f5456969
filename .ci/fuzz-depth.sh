#!/usr/bin/env bash
# Fuzzes, for a short while each, the two targets of issue 19's "fuzzing at
# depth": the procès-verbal validator through the API's JSON body (pv_body)
# and the kiosk's frame decoder and mirror (kiosk_frames). A crash, a panic
# or a broken invariant fails the script. Long campaigns: scripts/fuzz-all.sh.
#
# Same conventions as fuzz-seats.sh: the fuzz crate lives in fuzz/, outside
# the workspace; RUSTC_BOOTSTRAP=1 lets the stable toolchain take cargo-fuzz's
# nightly flags; AddressSanitizer when available, else --sanitizer none.
# Each target starts from its committed seeds in fuzz/seeds/TARGET/.
#
# Usage: .ci/fuzz-depth.sh [SECONDS_PER_TARGET]   (default 15; FUZZ_SECONDS works too)
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${1:-${FUZZ_SECONDS:-15}}"
targets=(pv_body kiosk_frames)
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-depth: installing cargo-fuzz"
    cargo install --locked cargo-fuzz
fi

cd fuzz
build() {
    local t
    for t in "${targets[@]}"; do
        cargo fuzz build --sanitizer "$1" "$t" || return 1
    done
}
sanitizer=address
if ! build "$sanitizer"; then
    echo "fuzz-depth: build with AddressSanitizer failed, retrying without sanitizer"
    sanitizer=none
    build "$sanitizer"
fi

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    status=0
    cargo fuzz run --sanitizer "$sanitizer" "$t" "corpus/$t" "seeds/$t" -- \
        -max_total_time="$seconds" -max_len=16384 -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        tail -n 80 "$log"
        echo "fuzz-depth: the fuzzer found a failure in $t (exit $status); see fuzz/artifacts/$t/"
        exit "$status"
    fi
    runs="$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 || true)"
    echo "fuzz-depth: $t: ${runs:-run finished} (sanitizer: $sanitizer), no failure"
done
