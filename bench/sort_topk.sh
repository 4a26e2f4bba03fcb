#!/usr/bin/env bash
# The sort lesson (Spark's sortBy against top on 10 million numbers): the 5 largest of ROWS
# uniforms (default 10,000,000, one Parquet file, bench/sort_peers.py make) against every
# row sorted, answered by
#   pardata sql "... ORDER BY x DESC LIMIT 5" (each rank keeps its best 5, rank 0 merges)
#   pardata sql "... ORDER BY x DESC" (the sample sort, the rows gathered on rank 0)
# under mpirun -n 2 (pardata's own seconds, from the query's start to the rows on rank 0),
# and by Polars, DuckDB (2 threads) and numpy (np.partition, np.sort), best of 3; then each
# engine's full sort over its top 5.
#   bench/sort_topk.sh [ROWS]    (needs target/release/pardata and target/pyenv with polars)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
py=target/pyenv/bin/python
work=target/bench-sort
mkdir -p "$work"
file=$work/uniforms_$rows.parquet
[ -f "$file" ] || $py bench/sort_peers.py make "$file" "$rows"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 POLARS_MAX_THREADS=2
. bench/best.sh
top="SELECT x FROM '$file' ORDER BY x DESC LIMIT 5"
sort="SELECT x FROM '$file' ORDER BY x DESC"
printf "%-10s %10s %10s %12s\n" engine "top 5 s" "sort s" "sort/top"
line() { printf "%-10s %10s %10s %12.1f\n" "$1" "$2" "$3" "$(echo "$3 / $2" | bc -l)"; }
line pardata-2 "$(inside mpirun -q -n 2 target/release/pardata --quiet sql "$top")" \
  "$(inside mpirun -q -n 2 target/release/pardata --quiet sql "$sort" --out "$work/sorted.parquet")"
line pardata-1 "$(inside target/release/pardata --quiet sql "$top")" \
  "$(inside target/release/pardata --quiet sql "$sort" --out "$work/sorted.parquet")"
for engine in polars duckdb numpy; do
  line "$engine" "$($py bench/sort_peers.py $engine "$file" top | cut -d' ' -f1)" \
    "$($py bench/sort_peers.py $engine "$file" sort | cut -d' ' -f1)"
done
rm -f "$work/sorted.parquet"
