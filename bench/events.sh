#!/usr/bin/env bash
# The events lesson: GitHub-archive-like events (`pardata prep --events`, 24 hourly JSON
# Lines files, nested actor, repo and payload) counted by type. pardata's three ways
# (examples/events.rs: Bag::group_by, Bag::fold_by, Frame) under mpirun -n 2, `pardata
# sql` under mpirun -n 2 and as one process of 2 threads, and the peers on the same files
# (DuckDB and Polars with 2 threads, pandas), best of 3 wall seconds each, start-up
# included for pardata's sql runs.
#   bench/events.sh [ROWS]     (needs target/release/pardata, its examples and target/pyenv)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-240000}
py=target/pyenv/bin/python
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=target/bench-events
mkdir -p "$work"
[ -d "$work/events" ] || target/release/pardata --quiet prep --events --rows "$rows" --out "$work"
query="SELECT type, count(*) AS n FROM '$work/events' GROUP BY type ORDER BY type"
best() {
  local best=999999 t
  for _ in 1 2 3; do
    t=$( { /usr/bin/time -f %e "$@" >/dev/null; } 2>&1 | tail -1)
    best=$(awk -v a="$best" -v b="$t" 'BEGIN { print (b < a) ? b : a }')
  done
  echo "$best"
}
echo "examples/events.rs under mpirun -n 2:"
mpirun -q -n 2 target/release/examples/events "$work/events" | sed 's/: [A-Z].*WatchEvent=[0-9]* / /'
echo "pardata sql -n 2: $(best mpirun -q -n 2 target/release/pardata --quiet --threads 1 sql "$query") s"
echo "pardata sql 1x2:  $(best target/release/pardata --quiet --threads 2 sql "$query") s"
for engine in duckdb polars pandas; do
  if $py -c "import $engine" 2>/dev/null; then
    echo "$engine: $($py bench/events_peers.py $engine "$work/events" | awk '{ print $1 " s (" $2 " events)" }')"
  fi
done
