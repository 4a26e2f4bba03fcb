#!/usr/bin/env bash
# The tuning lesson: the sum of x % 1000 over 0..ROWS (default 10,000,000) on 1 to 10,000
# partitions per rank (per worker for the peers), best of 3 each:
#   pardata bench partitions   under mpirun -n 2 (one thread each), and alone (1 rank of
#                              2 threads)
#   PySpark                    local[2], spark.range(0, ROWS, 1, P) (left out without
#                              pyspark and java; up to 2,000 per worker: a task costs ms)
#   Dask                       a dask array of P chunks, the threaded scheduler, 2 workers
# and each one's fixed cost of a partition (the slope from 100 partitions per worker to the
# most), in microseconds.
#   bench/partitions.sh [ROWS]     (needs target/release/pardata and target/pyenv)
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-10000000}
py=target/pyenv/bin/python
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
work=target/bench-partitions
mkdir -p "$work"
mpirun -q -n 2 target/release/pardata --quiet --threads 1 bench partitions --rows "$rows" \
  --format json > "$work/pardata-2.json"
target/release/pardata --quiet --threads 2 bench partitions --rows "$rows" \
  --plot "$work/tuning.svg" --format json > "$work/pardata-1x2.json"
per_worker="1 2 5 10 20 50 100 200 500 1000 2000 5000 10000"
totals() { for p in $1; do echo $((p * 2)); done; }
has_dask=$($py -c "import dask.array" 2>/dev/null && echo yes || echo no)
has_spark=$($py -c "import pyspark" 2>/dev/null && command -v java >/dev/null && echo yes || echo no)
: > "$work/dask.txt"; : > "$work/pyspark.txt"
[ "$has_dask" = yes ] && $py bench/partitions_peers.py dask "$rows" $(totals "$per_worker") > "$work/dask.txt"
[ "$has_spark" = yes ] && $py bench/partitions_peers.py pyspark "$rows" \
  $(totals "1 2 5 10 20 50 100 200 500 1000 2000") 2>/dev/null > "$work/pyspark.txt"
$py - "$work" <<'PY'
import json, sys
work = sys.argv[1]
def pardata(name):
    points = json.load(open(f"{work}/{name}.json"))["points"]
    return {p["partitions_per_rank"]: p["seconds"] for p in points}
def peer(name):
    return {int(p) // 2: float(s) for p, s in (l.split() for l in open(f"{work}/{name}.txt") if l.strip())}
columns = {"pardata -n 2": pardata("pardata-2"), "pardata 1x2": pardata("pardata-1x2"),
           "Dask": peer("dask"), "PySpark": peer("pyspark")}
print(f"{'per worker':>10} " + " ".join(f"{c + ' ms':>16}" for c in columns))
for p in [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10000]:
    cells = [f"{c[p] * 1e3:16.1f}" if p in c else f"{'-':>16}" for c in columns.values()]
    print(f"{p:>10} " + " ".join(cells))
def slope(c):
    most = max(c) if c else None
    if not c or 100 not in c or most == 100:
        return "-"
    return f"{(c[most] - c[100]) * 1e6 / (most - 100):.2f}"
print(f"{'us/partition':>10} " + " ".join(f"{slope(c):>16}" for c in columns.values()))
PY
