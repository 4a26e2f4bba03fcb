#!/usr/bin/env bash
# Benchmark: `pardata convert` at 1 and 2 ranks (both schedules) against the tutorial's
# Python solutions (bench/convert_python.py: json, ujson, ProcessPoolExecutor(2) + ujson),
# on the same JSON Lines files, in the same run. Prints seconds, ratios and pardata's peak
# memory per rank against the largest input file.
#   bench/convert.sh              the default dataset (21 symbols, JSON of 365 days)
#   bench/convert.sh 150 nopeers  150 symbols (about 1 GB of JSON), pardata only
set -euo pipefail
. "$(dirname "$0")/lib.sh"
symbols=${1:-21} peers=${2:-peers}
target/release/pardata prep --quiet --out "$work/data" --symbols "$symbols" --days 365 >/dev/null
rm -rf "$work/data/minute"
fresh() { rm -rf "$work/run"; cp -r "$work/data/json" "$work/run"; }
largest=$(ls -S "$work/data/json" | head -1)
# The memory a rank holds before any data (MPI, HDF5, the program): a run on a one-line file,
# under mpirun as the runs it is subtracted from.
mkdir "$work/tiny" && head -1 "$work/data/json/$largest" > "$work/tiny/one.json"
baseline=$(mpirun -n 1 target/release/pardata convert --quiet --format json "$work/tiny" |
  $venv/bin/python -c "import json,sys; print(json.load(sys.stdin)['ranks'][0]['peak_memory_bytes'])")
echo "convert: $symbols JSON Lines files, $(du -sh "$work/data/json" | cut -f1) (largest $(du -h "$work/data/json/$largest" | cut -f1))"
declare -A t
for run in "1 static" "2 static" "2 dynamic"; do
  set -- $run
  fresh
  t["$1 $2"]=$(seconds mpirun -n "$1" target/release/pardata convert --quiet "$work/run" --schedule "$2")
  fresh # (a second run over converted files would keep them and parse nothing)
  peak=$(mpirun -n "$1" target/release/pardata convert --quiet --format json "$work/run" --schedule "$2" |
    $venv/bin/python -c "import json,sys; d=json.load(sys.stdin); print(max(r['peak_memory_bytes'] for r in d['ranks']))")
  printf '  pardata -n %s %-8s %7.2f s   peak memory per rank %.0f MB: %.0f MB over the %.0f MB held without data, %.1fx the largest file\n' \
    "$1" "$2" "${t["$1 $2"]}" "$(awk -v a="$peak" 'BEGIN { print a / 1e6 }')" "$(awk -v a="$peak" -v b="$baseline" 'BEGIN { print (a - b) / 1e6 }')" \
    "$(awk -v b="$baseline" 'BEGIN { print b / 1e6 }')" "$(awk -v a="$peak" -v b="$baseline" -v c="$(stat -c %s "$work/data/json/$largest")" 'BEGIN { print (a - b) / c }')"
done
# A plain run: no mpirun, one rank on every core (issue 18's figure), best of 3.
t[plain]=$(for _ in 1 2 3; do fresh; seconds target/release/pardata convert --quiet "$work/run"; done | sort -n | head -1)
printf '  pardata plain         %7.2f s   (no mpirun, threads on every core)\n' "${t[plain]}"
echo "  -n 2 static is $(ratio "${t["1 static"]}" "${t["2 static"]}")x faster than -n 1; -n 2 dynamic $(ratio "${t["1 static"]}" "${t["2 dynamic"]}")x"
if [ "$peers" = peers ]; then
  for mode in json ujson pool; do
    fresh
    s=$(seconds $venv/bin/python bench/convert_python.py $mode "$work"/run/*.json)
    printf '  python %-6s %7.2f s   (%sx pardata -n 1, %sx pardata -n 2, %sx plain)\n' "$mode" "$s" \
      "$(ratio "$s" "${t["1 static"]}")" "$(ratio "$s" "${t["2 static"]}")" "$(ratio "$s" "${t[plain]}")"
  done
fi
