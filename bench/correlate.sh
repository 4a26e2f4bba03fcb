#!/usr/bin/env bash
# Benchmark: `pardata correlate` against the tutorial's pandas loop and NumPy's corrcoef on
# the same frames, in the same run.
#   bench/correlate.sh tutorial   21 series of 77,015 points: end-to-end wall time (mpirun -n 1,
#                                 -n 2, a plain run) against the pandas loop and NumPy
#   bench/correlate.sh many [N]   N (2000) series of 4,220 points: the kernel at 1 and 2 ranks
#                                 (1 thread each), a plain run on 1 thread and on every core
#                                 (whole program), a plain run with --precision screen,
#                                 against np.corrcoef on 1 and 2 threads
#   bench/correlate.sh bag        the tutorial's data: --engine bag against the default engine
#                                 and against dask.bag (synchronous, threads, processes) and
#                                 PySpark (local[2]) when it is installed
set -euo pipefail
. "$(dirname "$0")/lib.sh"
case ${1:-tutorial} in
tutorial)
  target/release/pardata prep --quiet --out "$work/data" --days 365 >/dev/null
  mpirun -n 2 target/release/pardata convert --quiet "$work/data/json" >/dev/null
  frames=("$work"/data/json/*.h5)
  echo "correlate: ${#frames[@]} series of 77015 points"
  n1=$(seconds mpirun -n 1 target/release/pardata correlate "$work/data/json")
  n2=$(seconds mpirun -n 2 target/release/pardata correlate "$work/data/json")
  # A plain run: no mpirun, one rank on every core (issue 18's figure), best of 3.
  plain=$(for _ in 1 2 3; do seconds target/release/pardata correlate "$work/data/json"; done | sort -n | head -1)
  loop=$(seconds $venv/bin/python bench/correlate_python.py pandas "${frames[@]}")
  np1=$(OPENBLAS_NUM_THREADS=1 seconds $venv/bin/python bench/correlate_python.py numpy "${frames[@]}")
  printf '  pardata -n 1   %7.3f s\n  pardata -n 2   %7.3f s\n' "$n1" "$n2"
  printf '  pardata plain  %7.3f s   (pandas loop %sx it)\n' "$plain" "$(ratio "$loop" "$plain")"
  printf '  pandas loop    %7.3f s   (%sx pardata -n 1)\n' "$loop" "$(ratio "$loop" "$n1")"
  printf '  numpy corrcoef %7.3f s   (%sx pardata -n 1)\n' "$np1" "$(ratio "$np1" "$n1")"
  # The same, without starting the programs: pardata's own time against Python's after import.
  ours=$(mpirun -n 1 target/release/pardata correlate "$work/data/json" | sed -n 's/.* in \([0-9.]*\) s on.*/\1/p')
  theirs=$($venv/bin/python bench/correlate_python.py pandas "${frames[@]}" | sed -n 's/^work \([0-9.]*\) s/\1/p')
  echo "  work only: pardata -n 1 $ours s, pandas loop $theirs s ($(ratio "$theirs" "$ours")x)"
  ;;
bag)
  target/release/pardata prep --quiet --out "$work/data" --days 365 >/dev/null
  mpirun -n 2 target/release/pardata convert --quiet "$work/data/json" >/dev/null
  frames=("$work"/data/json/*.h5)
  own() { mpirun -n "$1" target/release/pardata correlate "$work/data/json" --engine "$2" | sed -n 's/.* in \([0-9.]*\) s on.*/\1/p'; }
  for n in 1 2; do
    echo "  pardata -n $n: blocks $(own $n blocks) s, bag $(own $n bag) s (in-program seconds)"
  done
  $venv/bin/python -c 'import dask.bag' 2>/dev/null || $venv/bin/pip -q install 'dask[bag]'
  for scheduler in sync threads processes; do
    echo "  dask.bag $scheduler: $($venv/bin/python bench/correlate_dask.py $scheduler "${frames[@]}" | sed -n 's/^work \([0-9.]*\) s/\1/p') s (after imports)"
  done
  # PySpark when it is there (it needs a Java runtime: apt-get install openjdk-17-jre-headless).
  if command -v java >/dev/null && $venv/bin/python -c 'import pyspark' 2>/dev/null; then
    $venv/bin/python bench/correlate_spark.py "${frames[@]}" 2>/dev/null |
      sed -n 's/^startup \([0-9.]*\) s/  PySpark local[2]: start-up \1 s/p; s/^work \([0-9.]*\) s/  PySpark local[2]: \1 s (after start-up)/p'
  else
    echo "  PySpark: not installed (pip install pyspark, and a Java runtime), skipped"
  fi
  ;;
many)
  count=${2:-2000}
  target/release/pardata prep --quiet --out "$work/data" --symbols "$count" --days 20 --json-days 20 >/dev/null
  rm -rf "$work/data/minute"
  mpirun -n 2 target/release/pardata convert --quiet "$work/data/json" >/dev/null
  echo "correlate: $count series of 4220 points"
  for n in 1 2; do
    mpirun -n $n target/release/pardata correlate "$work/data/json" --threads 1 | sed -n 's/^/  pardata -n '$n': /p' | grep -E 'block pairs|correlate:'
  done
  # A plain run (no mpirun: one rank) with 1 thread and with every core, whole program.
  for threads in 1 $(nproc); do
    wall=$(seconds target/release/pardata correlate "$work/data/json" --threads "$threads")
    target/release/pardata correlate "$work/data/json" --threads "$threads" |
      sed -n "s/^/  pardata plain, $threads thread(s), $wall s whole program: /p" | grep -E 'block pairs|correlate:'
  done
  # The f32 screen (--precision screen), plain, every core: the same answer, fewer f64 products.
  wall=$(seconds target/release/pardata correlate "$work/data/json" --precision screen)
  target/release/pardata correlate "$work/data/json" --precision screen |
    sed -n "s/^/  pardata plain --precision screen, $wall s whole program: /p" | grep -E 'block pairs|correlate:'
  for threads in 1 2; do
    OPENBLAS_NUM_THREADS=$threads $venv/bin/python bench/correlate_python.py numpy "$work"/data/json/*.h5 |
      sed -n "s/^corrcoef/  numpy corrcoef, $threads thread(s):/p"
  done
  ;;
esac
