#!/usr/bin/env bash
# The kill -9 loop (scripts/kill9-loop.py) on both backends: concurrent
# corrections, SIGKILL at random moments, restart, and every acknowledged
# write checked. CI runs 20 cycles per backend (about 20 s each);
# PostgreSQL is required in CI, skipped elsewhere when unreachable.
#
# Usage: .ci/kill9.sh [CYCLES]   (default 20; KILL9_CYCLES works too;
#        KILL9_BACKENDS="sqlite postgres" by default)
set -euo pipefail

cd "$(dirname "$0")/.."
cycles="${1:-${KILL9_CYCLES:-20}}"
backends="${KILL9_BACKENDS:-sqlite postgres}"
bin="${CARGO_TARGET_DIR:-target}/debug/urne"
# The binaries the test phase built: `cargo test --workspace --no-run` has its
# features, so this is a no-op after the tests (a `cargo build -p …` would
# resolve other features and compile the dependencies a second time).
cargo test --workspace --no-run -q

for backend in $backends; do
    if [ "$backend" = postgres ] && ! pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
        if [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then
            echo "kill9: PostgreSQL is required in CI"
            exit 1
        fi
        echo "kill9: PostgreSQL unreachable, postgres backend skipped"
        continue
    fi
    python3 scripts/kill9-loop.py --backend "$backend" --cycles "$cycles" --bin "$bin"
done
