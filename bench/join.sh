#!/usr/bin/env bash
# A join of ROWS rows by ROWS/100 (default 10,000,000 by 100,000; bench/join_peers.py make,
# seeded): count(*), sum of a left and a right column over the inner join on an integer
# key, answered by
#   pardata sql "..." under mpirun -n 2 (the right side broadcast, and both sides
#     hash-shuffled with PARDATA_BROADCAST_BYTES=0), and alone (1 rank of 2 threads)
#   Polars (POLARS_MAX_THREADS=2), DuckDB (threads=2), pandas (merge), Dask (merge,
#     threaded scheduler, 2 workers; left out when dask is not installed)
# each reading both files and answering, best of 3; pardata's own seconds (the query on
# every rank to the rows on rank 0), and the peak memory of the largest rank at -n 2.
#   bench/join.sh [ROWS]      (needs target/release/pardata and target/pyenv with polars)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
py=target/pyenv/bin/python
work=target/bench-join/$rows
[ -f "$work/y.parquet" ] || $py bench/join_peers.py make "$work" "$rows"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 POLARS_MAX_THREADS=2
. bench/best.sh
sql=$($py -c "import sys; sys.path.insert(0, 'bench'); from join_peers import SQL; print(SQL.format(x='$work/x.parquet', y='$work/y.parquet'))")
has_dask=$($py -c "import dask.dataframe" 2>/dev/null && echo yes || echo no)
echo "engine seconds peak-MB-per-rank"
echo "pardata-n2-broadcast $(inside mpirun -q -n 2 target/release/pardata --quiet --threads 1 sql "$sql") $(peak mpirun -q -n 2 target/release/pardata --quiet --threads 1 sql "$sql")"
echo "pardata-n2-shuffle $(PARDATA_BROADCAST_BYTES=0 inside mpirun -q -n 2 -x PARDATA_BROADCAST_BYTES target/release/pardata --quiet --threads 1 sql "$sql") $(PARDATA_BROADCAST_BYTES=0 peak mpirun -q -n 2 -x PARDATA_BROADCAST_BYTES target/release/pardata --quiet --threads 1 sql "$sql")"
echo "pardata-1x2 $(inside target/release/pardata --quiet --threads 2 sql "$sql") -"
for engine in polars duckdb pandas dask; do
  [ "$engine" = dask ] && [ "$has_dask" = no ] && continue
  echo "$engine $($py bench/join_peers.py $engine "$work" | cut -d' ' -f1) -"
done
