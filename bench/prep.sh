#!/usr/bin/env bash
# Benchmark: `pardata prep` on 1 and 2 ranks against the tutorial's generator in Python
# (bench/prep_python.py, pandas), on the same work, in the same run. Prints seconds and
# ratios. Usage: bench/prep.sh [SYMBOLS] [DAYS] [JSON_DAYS]   (default: the full dataset)
set -euo pipefail
. "$(dirname "$0")/lib.sh"
symbols=${1:-21} days=${2:-1258} json_days=${3:-365}
opts=(--symbols "$symbols" --days "$days" --json-days "$json_days")
n1=$(seconds mpirun -n 1 target/release/pardata prep --quiet --out "$work/n1" "${opts[@]}")
n2=$(seconds mpirun -n 2 target/release/pardata prep --quiet --out "$work/n2" "${opts[@]}")
py=$(seconds $venv/bin/python bench/prep_python.py "$work/py" "${opts[@]}")
echo "prep ${symbols} symbols x ${days} days (JSON ${json_days} days): $(du -sh "$work/n1" | cut -f1) each"
printf '  pardata -n 1  %8.2f s\n  pardata -n 2  %8.2f s\n  python/pandas %8.2f s\n' "$n1" "$n2" "$py"
echo "  python / pardata -n 1 = $(ratio "$py" "$n1")x, python / pardata -n 2 = $(ratio "$py" "$n2")x, -n 1 / -n 2 = $(ratio "$n1" "$n2")x"
