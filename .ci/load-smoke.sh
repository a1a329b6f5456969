#!/usr/bin/env bash
# Load smoke test of the live fan-out: builds urne and urne-load (debug),
# then runs 500 subscribers at 10 changes/s against the real server (10 s per
# phase, the second with 1 % of the clients not reading; the minimal
# broadcaster is left to the full-size runs of docs/performance.md). Fails
# on any sequence gap seen by a client that kept reading, on missed frames,
# or on a connection not held; then the same through a cluster of 3
# instances on PostgreSQL (required in CI). Traffic stays on 127.0.0.0/8.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

# The binaries the test phase built: `cargo test --workspace --no-run` has its
# features, so this is a no-op after the tests (a `cargo build -p …` would
# resolve other features and compile the dependencies a second time).
cargo test --workspace --no-run -q

echo "== load smoke: 500 subscribers, 10 changes/s"
target_dir="${CARGO_TARGET_DIR:-target}"
timeout 600 "$target_dir/debug/urne-load" run \
  --subscribers 500 --rate 10 --duration 10 --stalled-percent 1 --no-reference \
  --server-bin "$target_dir/debug/urne" \
  --json "$target_dir/load-smoke.json" \
  --fail-on-gap
echo "== load smoke: the same through 2 fan-out worker processes and 2 client processes"
timeout 600 "$target_dir/debug/urne-load" run \
  --subscribers 500 --rate 10 --duration 5 --stalled-percent 1 --no-reference \
  --fanout-workers 2 --clients-per-process 250 \
  --server-bin "$target_dir/debug/urne" \
  --json "$target_dir/load-smoke-workers.json" \
  --fail-on-gap
echo "== load smoke: a cluster of 3 instances on PostgreSQL, changes on the first, subscribers on all"
pg_admin="${URNE_LOAD_PG_URL:-postgres://postgres@127.0.0.1:5432/postgres}"
if pg_isready -h 127.0.0.1 -p 5432 -q 2>/dev/null; then
  timeout 600 "$target_dir/debug/urne-load" run \
    --subscribers 300 --rate 10 --duration 5 --stalled-percent 0 --no-reference \
    --instances 3 --database-url "$pg_admin" \
    --server-bin "$target_dir/debug/urne" \
    --json "$target_dir/load-smoke-cluster.json" \
    --fail-on-gap
elif [ "${CI:-}" = "true" ] || [ "${CI:-}" = "1" ]; then
  echo "load smoke: PostgreSQL is required in CI for the cluster run"
  exit 1
else
  echo "SKIPPED load smoke cluster run: PostgreSQL unreachable on 127.0.0.1:5432"
fi
