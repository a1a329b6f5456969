#!/usr/bin/env bash
# Runs every cargo-fuzz target of fuzz/ for SECONDS each, one after the
# other, and prints the executions of each (from libFuzzer's final stats:
# stat::number_of_executed_units) with the rate per second. Stops at the
# first crash, panic or broken invariant (the reproducer is in
# fuzz/artifacts/TARGET/).
#
# Same conventions as .ci/fuzz-*.sh: RUSTC_BOOTSTRAP=1 for cargo-fuzz's
# nightly flags on the stable toolchain; AddressSanitizer when it builds,
# else --sanitizer none (SANITIZER=none forces it; it runs several times
# faster, which suits long campaigns). The corpora in fuzz/corpus/ grow
# from run to run; the seeds in fuzz/seeds/ are read, never written.
#
# PROFILE=dev builds unoptimised (`cargo fuzz build --dev`): a build about
# five times quicker and executions about ten times slower, which suits the
# CI's short runs (.ci/fuzz.sh); the default, release, suits campaigns.
#
# Usage: scripts/fuzz-all.sh SECONDS [TARGET…]   (default: every target)
#   e.g. scripts/fuzz-all.sh 3600          # an hour per target
#        JOBS=2 scripts/fuzz-all.sh 600 pv_body
#        RUNS=10000000 scripts/fuzz-all.sh 7200   # 10 M executions each (2 h at most)
set -euo pipefail

if [ $# -lt 1 ] || ! [[ "$1" =~ ^[0-9]+$ ]]; then
    echo "usage: $0 SECONDS [TARGET...]" >&2
    exit 2
fi
seconds="$1"
shift
cd "$(dirname "$0")/.."
export RUSTC_BOOTSTRAP=1
jobs="${JOBS:-1}"
parallel=()
# libFuzzer runs JOBS worker processes (logs in fuzz/fuzz-N.log) only when asked.
if [ "$jobs" -gt 1 ]; then parallel=(-jobs="$jobs" -workers="$jobs"); fi
# RUNS=N stops each target after N executions (SECONDS is then a ceiling).
if [ -n "${RUNS:-}" ]; then parallel+=(-runs="$RUNS"); fi

if ! cargo fuzz --version >/dev/null 2>&1; then
    echo "fuzz-all: installing cargo-fuzz"
    cargo install --locked cargo-fuzz
fi
cd fuzz
if [ $# -gt 0 ]; then
    targets=("$@")
else
    mapfile -t targets < <(cargo fuzz list)
fi

sanitizer="${SANITIZER:-address}"
profile=()
if [ "${PROFILE:-release}" = dev ]; then profile=(--dev); fi
# One cargo invocation for every target: the dependencies compile once.
build_args=("${profile[@]}")
if [ $# -eq 1 ]; then build_args+=("$1"); fi
if ! cargo fuzz build "${build_args[@]}" --sanitizer "$sanitizer"; then
    [ "$sanitizer" = none ] && exit 1
    echo "fuzz-all: build with AddressSanitizer failed, using --sanitizer none"
    sanitizer=none
    cargo fuzz build "${build_args[@]}" --sanitizer "$sanitizer"
fi

# FUZZ_BUILD_ONLY=1 stops here: the CI builds the targets while its tests
# run, and runs them afterwards.
if [ -n "${FUZZ_BUILD_ONLY:-}" ]; then
    echo "fuzz-all: targets built ($sanitizer)"
    exit 0
fi

# Seeds: fuzz/seeds/TARGET/ (committed), the ministry fixtures of every
# layout (a circonscription of three communes among them), and three setup
# files (one in Windows-1252, one of a territory).
mkdir -p corpus/import_setup corpus/import_ministry
cp ../election-data/fixtures/ministry-sample.csv corpus/import_ministry/sample.csv
cp ../election-data/fixtures/ministry/*.csv corpus/import_ministry/
printf 'N\xb0 Panneau;Nom;Pr\xe9nom;Nuance;Couleur\n1;ARNAUD;Nathalie;EXG;\n' \
    >corpus/import_setup/candidats-cp1252.csv
printf 'code;nom;adresse;inscrits;canton;quartier\n0001;Mairie;1 place;1005;Nord;Centre\n' \
    >corpus/import_setup/bureaux.csv
# A territory's bureaux: each row names its commune.
printf 'code commune;commune;code;nom;quartier\n29019;Brest;0001;Mairie;Centre\n29075;Guipavas;0001;Mairie;Centre\n' \
    >corpus/import_setup/bureaux-territoire.csv

log="$(mktemp)"
trap 'rm -f "$log"' EXIT
summary=()
for t in "${targets[@]}"; do
    mkdir -p "corpus/$t"
    dirs=("corpus/$t")
    [ -d "seeds/$t" ] && dirs+=("seeds/$t")
    status=0
    started=$SECONDS
    cargo fuzz run "${profile[@]}" --sanitizer "$sanitizer" "$t" "${dirs[@]}" -- \
        -max_total_time="$seconds" -max_len=16384 -print_final_stats=1 \
        "${parallel[@]}" >"$log" 2>&1 || status=$?
    if [ "$status" -ne 0 ]; then
        tail -n 80 "$log"
        echo "fuzz-all: $t FAILED (exit $status); see fuzz/artifacts/$t/"
        exit "$status"
    fi
    # With -jobs > 1 each worker logs to fuzz-N.log in fuzz/, and libFuzzer
    # copies each finished job's log to its own output too: count the
    # workers' logs only, or each execution would count twice.
    logs=("$log")
    if [ "$jobs" -gt 1 ]; then
        logs=()
        for f in fuzz-[0-9]*.log; do [ -f "$f" ] && logs+=("$f"); done
    fi
    execs="$(awk '/stat::number_of_executed_units:/ {s += $2} END {print s + 0}' "${logs[@]}")"
    rm -f fuzz-[0-9]*.log
    took=$((SECONDS - started))
    rate=$((execs / (took > 0 ? took : 1)))
    if [ "$jobs" -gt 1 ]; then rate="$rate on $jobs workers"; fi
    line="$t: $execs executions in ${took} s ($rate/s, sanitizer $sanitizer), no crash"
    echo "fuzz-all: $line"
    summary+=("$line")
done
echo "fuzz-all: summary"
printf '  %s\n' "${summary[@]}"
