#!/usr/bin/env bash
# Contract test of the JSON API: schemathesis (PyPI `schemathesis`, in a venv
# made here) against a real `urne serve` on a random local port, with a temp
# SQLite file, a known API token and the sample commune defined. Every check
# (`--checks all`) over every operation of /api/openapi.json must pass: 0
# failures, 0 server errors.
#
# One setting departs from schemathesis' defaults (.ci/schemathesis.toml):
# `positive_data_acceptance` also accepts 422. A request the document allows
# can still be refused by a rule the document cannot state (a PV whose voix
# do not add up to the exprimes, an election tree with an unknown parent);
# those refusals are documented per route with their body, which the other
# checks verify.
set -euo pipefail
cd "$(dirname "$0")/.."
export CARGO_TERM_COLOR=never

target_dir="${CARGO_TARGET_DIR:-target}"
work=$(mktemp -d)
server_pid=""
cleanup() {
  if [ -n "$server_pid" ]; then kill "$server_pid" 2>/dev/null || true; wait "$server_pid" 2>/dev/null || true; fi
  rm -rf "$work"
}
trap cleanup EXIT

echo "== schemathesis: venv"
venv="${SCHEMATHESIS_VENV:-$target_dir/schemathesis-venv}"
if [ ! -x "$venv/bin/st" ]; then
  if ! python3 -m venv "$venv" 2>/dev/null; then
    # Debian's python3 comes without ensurepip.
    rm -rf "$venv"
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq && apt-get install -y -qq python3-venv >/dev/null
    python3 -m venv "$venv"
  fi
  "$venv/bin/pip" install --quiet --disable-pip-version-check 'schemathesis==4.32.5'
fi
"$venv/bin/st" --version

echo "== schemathesis: build and start urne"
# The binaries the test phase built: `cargo test --workspace --no-run` has its
# features, so this is a no-op after the tests (a `cargo build -p …` would
# resolve other features and compile the dependencies a second time).
cargo test --workspace --no-run -q
token="schemathesis-$(od -An -N8 -tx1 /dev/urandom | tr -d ' \n')"
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()')
base="http://127.0.0.1:$port"
# The modules on, so that their entities' documented operations are real.
for m in scrutin elec courrier cimetiere; do "$target_dir/debug/urne" module enable "$m" --database-url "sqlite://$work/urne.db?mode=rwc"; done
URNE_API_TOKEN="$token" "$target_dir/debug/urne" serve \
  --listen "127.0.0.1:$port" --database-url "sqlite://$work/urne.db?mode=rwc" \
  >"$work/server.log" 2>&1 &
server_pid=$!
for _ in $(seq 1 100); do
  curl -fsS "$base/api/health" >/dev/null 2>&1 && break
  kill -0 "$server_pid" 2>/dev/null || { cat "$work/server.log"; exit 1; }
  sleep 0.1
done
curl -fsS "$base/api/health" >/dev/null

echo "== schemathesis: define the sample commune"
status=$(curl -sS -o "$work/define.json" -w '%{http_code}' -X POST "$base/api/elections" \
  -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
  --data-binary @election-data/fixtures/sample-commune.json)
[ "$status" = 201 ] || { echo "definition refused: $status"; cat "$work/define.json"; exit 1; }

echo "== schemathesis: publish bureau 0001 (so that its printed record exists)"
python3 - "$base" "$token" <<'PY'
import json, sys, urllib.request
base, token = sys.argv[1], sys.argv[2]
election = json.load(open("election-data/fixtures/sample-commune.json"))
bureau = next(b for b in election["bureaux"] if b["code"] == "0001")
numbers = [c["number"] for c in election["candidates"]]
votants = min(bureau["inscrits"], 400)
exprimes = votants - 3
voix = [{"candidate": n, "voix": 1} for n in numbers]
voix[0]["voix"] = exprimes - (len(numbers) - 1)
pv = {"inscrits": bureau["inscrits"], "votants": votants, "blancs": 2, "nuls": 1,
      "exprimes": exprimes, "voix": voix, "confirm": True}
def call(method, path, body):
    req = urllib.request.Request(base + path, method=method, data=json.dumps(body).encode(),
        headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
    with urllib.request.urlopen(req) as r:
        assert r.status == 200, (path, r.status)
prefix = "/api/elections/%s/bureaux/0001" % election["id"]
call("PUT", prefix + "/pv", pv)
call("POST", prefix + "/validate", {})
call("POST", prefix + "/publish", {})
PY

echo "== schemathesis: st run --checks all"
# From the temp dir: schemathesis keeps a cache of failures in ./.schemathesis.
repo=$(pwd)
case "$venv" in /*) ;; *) venv="$repo/$venv" ;; esac
case "$target_dir" in /*) reports="$target_dir/schemathesis" ;; *) reports="$repo/$target_dir/schemathesis" ;; esac
(cd "$work" && timeout 600 "$venv/bin/st" --config-file "$repo/.ci/schemathesis.toml" run "$base/api/openapi.json" \
  --checks all \
  -H "Authorization: Bearer $token" \
  --max-examples "${SCHEMATHESIS_MAX_EXAMPLES:-15}" \
  --seed "${SCHEMATHESIS_SEED:-1}" \
  --request-timeout 10 \
  --no-color \
  --report junit --report-dir "$reports")
if grep -E 'panicked|internal error' "$work/server.log"; then
  echo "the server logged an internal error"
  exit 1
fi
