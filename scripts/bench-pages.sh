#!/usr/bin/env bash
# Page benchmark: requests/s of the commune results page against an axum
# endpoint returning a static body of the same size, on the same server, in
# the same run. The page (with its map) must reach 0.95 × the reference.
#
#   scripts/bench-pages.sh [SECONDS] [CONNECTIONS]
#
# Needs wrk (apt-get install wrk) or oha (cargo install oha). Builds the
# release binary, plays a short demo night into a temporary SQLite file,
# serves it with the reference route enabled (URNE_BENCH_REFERENCE=1), then
# alternates reference / page runs twice and prints the best of each.
set -euo pipefail
cd "$(dirname "$0")/.."
secs=${1:-8}
conns=${2:-64}
threads=${BENCH_THREADS:-2}

if command -v wrk >/dev/null 2>&1; then tool=wrk
elif command -v oha >/dev/null 2>&1; then tool=oha
else echo "bench-pages: install wrk (apt-get install wrk) or oha (cargo install oha)" >&2; exit 2; fi

cargo build --release -q -p server --bin urne
bin=target/release/urne
tmp=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$tmp"; }
trap cleanup EXIT

port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
db="sqlite://$tmp/bench.db"
"$bin" demo --database-url "$db" --listen 127.0.0.1:0 --duration 3 --exit-when-done >/dev/null
URNE_BENCH_REFERENCE=1 RUST_LOG=warn "$bin" serve --listen "127.0.0.1:$port" --database-url "$db" \
  --api-token bench-token-0123456789 >"$tmp/serve.log" 2>&1 &
pid=$!
base="http://127.0.0.1:$port"
for _ in $(seq 1 100); do curl -sf "$base/api/health" >/dev/null && break; sleep 0.1; done

page="$base/elections/presidentielle-2027-t1"
size=$(curl -sf "$page" | wc -c)
ref="$base/__bench/static/$size"
[ "$(curl -sf "$ref" | wc -c)" = "$size" ] || { echo "reference endpoint missing" >&2; exit 1; }

rps() { # URL → requests per second
  case $tool in
    wrk) wrk -t"$threads" -c"$conns" -d"${secs}s" "$1" | awk '/^Requests\/sec:/ {print $2}' ;;
    oha) oha -z "${secs}s" -c "$conns" --no-tui -j "$1" | python3 -c 'import json,sys; print(json.load(sys.stdin)["summary"]["requestsPerSec"])' ;;
  esac
}

echo "tool: $tool, ${secs}s per run, $conns connections; page: $size bytes"
curl -sf "$page" >/dev/null; curl -sf "$ref" >/dev/null   # warm up
best_ref=0; best_page=0
for round in 1 2; do
  r=$(rps "$ref");  echo "  round $round reference: $r req/s"
  p=$(rps "$page"); echo "  round $round page:      $p req/s"
  best_ref=$(python3 -c "print(max($best_ref, $r))")
  best_page=$(python3 -c "print(max($best_page, $p))")
done
ratio=$(python3 -c "print(f'{$best_page / $best_ref:.2f}')")
echo "reference (static $size bytes): $best_ref req/s"
echo "commune results page:           $best_page req/s"
echo "ratio page / reference:         $ratio (target ≥ 0.95)"
python3 -c "import sys; sys.exit(0 if $best_page / $best_ref >= 0.95 else 1)"
