#!/usr/bin/env bash
# The kiosk is built on election-data and results-view alone: no store
# (sqlx), no accounts (argon2), no PDF (printpdf), no server. Fails, naming
# the offending crates, if any of them reaches its dependency tree, with or
# without its dev-dependencies.
set -euo pipefail
cd "$(dirname "$0")/.."
echo "== kiosk dependencies"
bad=$(cargo tree -p kiosk --prefix none --edges normal,build,dev \
  | grep -E '^(sqlx|argon2|printpdf|server)( |$)' | sort -u || true)
if [ -n "$bad" ]; then
  echo "the kiosk depends on crates it must not have:"
  echo "$bad"
  exit 1
fi
echo "kiosk: no sqlx, argon2, printpdf or server in its tree"
