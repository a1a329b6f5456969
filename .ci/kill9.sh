#!/usr/bin/env bash
# The kill -9 loop (scripts/kill9-loop.py) on both backends: concurrent
# corrections, SIGKILL at random moments, restart, and every acknowledged
# write checked. CI runs 20 cycles per backend (well under a minute each);
# PostgreSQL is required in CI, skipped elsewhere when unreachable.
#
# Usage: .ci/kill9.sh [CYCLES]   (default 20; KILL9_CYCLES works too)
set -euo pipefail

cd "$(dirname "$0")/.."
cycles="${1:-${KILL9_CYCLES:-20}}"
bin="target/debug/urne"
cargo build -q -p server --bin urne

python3 scripts/kill9-loop.py --backend sqlite --cycles "$cycles" --bin "$bin"
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
    python3 scripts/kill9-loop.py --backend postgres --cycles "$cycles" --bin "$bin"
elif [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then
    echo "kill9: PostgreSQL is required in CI"
    exit 1
else
    echo "kill9: PostgreSQL unreachable, postgres backend skipped"
fi
