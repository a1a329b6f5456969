#!/usr/bin/env bash
# Fuzzes the importers (election-data/src/formats/): the setup CSVs (bureaux,
# electoral roll, candidates) and the ministry's results file, each for a
# short while. A crash, a panic or a broken invariant fails the script.
#
# Same conventions as fuzz-seats.sh: the fuzz crate lives in fuzz/, outside
# the workspace; RUSTC_BOOTSTRAP=1 lets the stable toolchain take cargo-fuzz's
# nightly flags; AddressSanitizer when available, else --sanitizer none.
# The ministry target starts from the fixtures of every layout in
# election-data/fixtures/ (and their spreadsheet copies).
#
# Usage: .ci/fuzz-imports.sh [SECONDS_PER_TARGET]   (default 20; FUZZ_SECONDS works too)
set -euo pipefail

cd "$(dirname "$0")/.."
seconds="${1:-${FUZZ_SECONDS:-20}}"
targets=(import_setup import_ministry)
export RUSTC_BOOTSTRAP=1

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-imports: installing cargo-fuzz"
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
    echo "fuzz-imports: build with AddressSanitizer failed, retrying without sanitizer"
    sanitizer=none
    build "$sanitizer"
fi

mkdir -p corpus/import_setup corpus/import_ministry
cp ../election-data/fixtures/ministry-sample.csv corpus/import_ministry/sample.csv
cp ../election-data/fixtures/ministry/*.csv corpus/import_ministry/
printf 'code;nom;adresse;inscrits;canton;quartier\n0001;Mairie;1 place;1005;Nord;Centre\n' \
    >corpus/import_setup/bureaux.csv
printf 'N\xb0 Panneau;Nom;Pr\xe9nom;Nuance;Couleur\n1;ARNAUD;Nathalie;EXG;\n' \
    >corpus/import_setup/candidats-cp1252.csv

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
for t in "${targets[@]}"; do
    status=0
    cargo fuzz run --sanitizer "$sanitizer" "$t" "corpus/$t" -- \
        -max_total_time="$seconds" -max_len=8192 -print_final_stats=1 \
        >"$log" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        tail -n 80 "$log"
        echo "fuzz-imports: the fuzzer found a failure in $t (exit $status); see fuzz/artifacts/$t/"
        exit "$status"
    fi
    runs="$(grep -Eo 'Done [0-9]+ runs in [0-9]+ second' "$log" | tail -n 1 || true)"
    echo "fuzz-imports: $t: ${runs:-run finished} (sanitizer: $sanitizer), no failure"
done
