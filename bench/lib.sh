# Sourced by the benchmarks: the MPI settings of the scripts, an up-to-date release build,
# the Python environment of the peers (pandas, PyTables, ujson), a scratch folder removed on
# exit, and timing helpers.
cd "$(dirname "$0")/.."
. scripts/env.sh
venv=target/bench-venv
$venv/bin/python -c 'import pandas, tables, ujson' 2>/dev/null ||
  { python3 -m venv $venv && $venv/bin/pip -q install numpy pandas tables ujson; }
cargo build --release --locked -q
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
# Seconds the command takes (its output discarded); fails the benchmark if it fails.
seconds() { local start=$(date +%s.%N); "$@" >/dev/null || { echo "bench: $* failed" >&2; return 1; }; awk -v a="$start" -v b="$(date +%s.%N)" 'BEGIN { print b - a }'; }
# a / b with two decimals.
ratio() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.2f", a / b }'; }
