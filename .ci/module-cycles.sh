#!/usr/bin/env bash
# No import circle between the modules of any crate of the workspace, at
# top-level module and at file granularity (scripts/module-cycles.py).
set -euo pipefail
cd "$(dirname "$0")/.."
status=0
for src in election-data/src results-view/src server/src kiosk/src load/src; do
  python3 scripts/module-cycles.py "$src" || status=1
  python3 scripts/module-cycles.py --files "$src" || status=1
done
exit $status
