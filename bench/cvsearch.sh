#!/usr/bin/env bash
# Benchmark: `pardata cvsearch` at 1 and 2 ranks and as a plain run (no mpirun, its fits
# on every core's thread) against scikit-learn's SVC on the same
# candidates and the same splits (read from the run's results.json and splits.json),
# sequentially and on ThreadPoolExecutor(2) (the tutorial's solution), in the same run.
#   bench/cvsearch.sh            the tutorial's size (10 x 2), 200 x 3, the libsvm grid with 5 folds
#   bench/cvsearch.sh tutorial   only the tutorial's size
set -euo pipefail
. "$(dirname "$0")/lib.sh"
$venv/bin/python -c 'import sklearn' 2>/dev/null || $venv/bin/pip -q install scikit-learn
case ${1:-all} in
tutorial) sizes=("--samples 10 --splits 2") ;;
*) sizes=("--samples 10 --splits 2" "--samples 200 --splits 3" "--grid libsvm --splits 5") ;;
esac
for size in "${sizes[@]}"; do
  echo "cvsearch $size"
  for n in 1 2; do
    out="$work/n$n"
    # shellcheck disable=SC2086
    line=$(mpirun -n $n target/release/pardata cvsearch $size --out "$out" | head -1)
    echo "  pardata -n $n: $(sed -n 's/.* in \([0-9.]*\) s on .*/\1/p' <<<"$line") s"
  done
  # A plain run: no mpirun, one rank whose fits run on every core (issue 18).
  # shellcheck disable=SC2086
  line=$(target/release/pardata cvsearch $size --out "$work/plain" | head -1)
  echo "  pardata plain (threads on every core): $(sed -n 's/.* in \([0-9.]*\) s on .*/\1/p' <<<"$line") s"
  for mode in sequential threads; do
    $venv/bin/python bench/cvsearch_sklearn.py $mode "$work/n1" data/digits.csv.gz | sed "s/^/  scikit-learn $mode: /"
  done
done
