#!/usr/bin/env bash
# db-benchmark's five basic group-by questions on its G1 table (ROWS rows, default
# 10,000,000; 100 groups of id1; seeded, bench/groupby_peers.py make), as Parquet, answered
#   pardata sql "..."  under mpirun -n 2 (one thread each), and alone (1 rank of 2 threads)
#   Polars (scan_parquet, POLARS_MAX_THREADS=2), DuckDB (threads=2), pandas, Dask
#   DataFrame (the threaded scheduler, 2 workers), PySpark (local[2], Java 17) and Bodo
#   (2 MPI workers, in target/bodoenv); each left out when it is not installed
# each reading the file and answering, best of 3; pardata's own seconds (from the query's
# start on every rank to the rows on rank 0, as the peers' are in-process), and its whole
# wall time under mpirun beside them; then the ratios of both to the faster of Polars and
# DuckDB, and the peak memory of the largest rank at -n 2.
#   bench/groupby.sh [ROWS]      (needs target/release/pardata and target/pyenv with polars)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
py=target/pyenv/bin/python
work=target/bench-groupby
mkdir -p "$work"
file=$work/G1_$rows.parquet
[ -f "$file" ] || $py bench/groupby_peers.py make "$file" "$rows"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 POLARS_MAX_THREADS=2
. bench/best.sh
query() {
  $py -c "import sys; sys.path.insert(0, 'bench'); from groupby_peers import QUESTIONS; print(QUESTIONS[$1][2].format(f='$file'))"
}
has_dask=$($py -c "import dask.dataframe" 2>/dev/null && echo yes || echo no)
has_spark=$($py -c "import pyspark" 2>/dev/null && command -v java >/dev/null && echo yes || echo no)
bodo_py=target/bodoenv/bin/python
has_bodo=$([ -x $bodo_py ] && $bodo_py -c "import bodo" 2>/dev/null && echo yes || echo no)
printf "%-3s %10s %10s %10s %10s %10s %10s %10s %10s %10s %14s %14s %12s\n" q "pardata-2" "pardata-1x2" "wall-2" polars duckdb pandas dask pyspark bodo "pardata-2/best" "1x2/best" "peak MB/rank"
for q in 1 2 3 4 5; do
  sql=$(query $q)
  p2=$(inside mpirun -q -n 2 target/release/pardata --quiet --threads 1 sql "$sql")
  p1=$(inside target/release/pardata --quiet --threads 2 sql "$sql")
  w2=$(best mpirun -q -n 2 target/release/pardata --quiet sql "$sql")
  pl=$($py bench/groupby_peers.py polars "$file" $q | cut -d' ' -f1)
  dd=$($py bench/groupby_peers.py duckdb "$file" $q | cut -d' ' -f1)
  pd=$($py bench/groupby_peers.py pandas "$file" $q | cut -d' ' -f1)
  dk=-
  [ "$has_dask" = yes ] && dk=$($py bench/groupby_peers.py dask "$file" $q | cut -d' ' -f1)
  sp=-
  [ "$has_spark" = yes ] && sp=$($py bench/groupby_peers.py pyspark "$file" $q 2>/dev/null | tail -1 | cut -d' ' -f1)
  bo=-
  [ "$has_bodo" = yes ] && bo=$(PATH=$PWD/target/bodoenv/bin:$PATH BODO_NUM_WORKERS=2 timeout 600 $bodo_py bench/bodo_peer.py "$file" $q 2>/dev/null | tail -1 | cut -d' ' -f1)
  fastest=$(echo "if ($pl < $dd) $pl else $dd" | bc)
  mb=$(peak mpirun -q -n 2 target/release/pardata --quiet sql "$sql")
  printf "%-3s %10s %10s %10.3f %10s %10s %10s %10s %10s %10s %14.2f %14.2f %12s\n" "q$q" "$p2" "$p1" "$w2" "$pl" "$dd" "$pd" "$dk" "$sp" "$bo" "$(echo "$p2 / $fastest" | bc -l)" "$(echo "$p1 / $fastest" | bc -l)" "$mb"
done
