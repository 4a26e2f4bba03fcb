#!/usr/bin/env bash
# correlate in bounded memory against NumPy, same machine, same files, same run:
# SERIES series x POINTS points (default 2,000 x 1,000,000: 16 GB of float64) as one wide
# Parquet file (row groups of 25,000 rows, uncompressed), a factor model so that some
# pairs are strongly coupled; and its first PREFIX rows (default 200,000) as another file.
#   1. pardata correlate BIG --layout wide --memory 2GiB at mpirun -n 2: time, and the peak
#      memory of each rank (GNU time's maximum resident set);
#   2. the same on the prefix, and np.corrcoef on the prefix (read with pyarrow; OpenBLAS
#      with 2 threads): time, peak memory, and whether the top 10 pairs are the same.
#   bench/bounded.sh [SERIES] [POINTS] [PREFIX]     (needs target/release/pardata, target/pyenv;
#   writes in target/bench-bounded: 1.15x the data's size on disk)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
series=${1:-2000}
points=${2:-1000000}
prefix=${3:-200000}
py=target/pyenv/bin/python
work=target/bench-bounded
mkdir -p "$work"
if [ ! -s "$work/big-$series-$points.parquet" ]; then
  $py - "$work" "$series" "$points" "$prefix" <<'PY'
import sys, numpy as np, pyarrow as pa, pyarrow.parquet as pq
out, k, n, prefix = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
r = np.random.default_rng(7)
loadings = r.normal(size=(10, k)) * (r.random(k) < 0.3)
names = [f"s{j:04d}" for j in range(k)]
schema = pa.schema([(name, pa.float64()) for name in names])
big = pq.ParquetWriter(f"{out}/big-{k}-{n}.parquet", schema, compression="none")
head = pq.ParquetWriter(f"{out}/prefix-{k}-{prefix}.parquet", schema, compression="none")
rows = 25_000
for start in range(0, n, rows):
    m = min(rows, n - start)
    x = r.normal(size=(m, 10)) @ loadings + r.normal(size=(m, k)) + 50.0
    table = pa.Table.from_arrays([pa.array(x[:, j]) for j in range(k)], schema=schema)
    big.write_table(table, row_group_size=rows)
    if start < prefix:
        head.write_table(table.slice(0, min(m, prefix - start)), row_group_size=rows)
big.close()
head.close()
PY
fi
big=$work/big-$series-$points.parquet
head=$work/prefix-$series-$prefix.parquet
echo "data: $(du -h "$big" | cut -f1) ($series x $points), prefix $(du -h "$head" | cut -f1) ($series x $prefix)"

# Wall seconds and each rank's peak memory (KiB) of an mpirun of pardata.
run_pardata() { # FILE OUT.json
  local t0 t1
  t0=$(date +%s.%N)
  mpirun -n 2 /usr/bin/time -f "peak-kib %M" target/release/pardata correlate "$1" \
    --layout wide --memory 2GiB --top 10 --format json >"$2" 2>"$2.err"
  t1=$(date +%s.%N)
  echo "seconds $(echo "$t1 - $t0" | bc) peaks $(grep -o 'peak-kib [0-9]*' "$2.err" | cut -d' ' -f2 | tr '\n' ' ')"
}
echo "pardata (2 ranks, --memory 2GiB) on the whole data: $(run_pardata "$big" "$work/big.json")"
echo "pardata (2 ranks, --memory 2GiB) on the prefix:     $(run_pardata "$head" "$work/prefix.json")"
OPENBLAS_NUM_THREADS=2 /usr/bin/time -f "peak-kib %M" $py - "$head" "$work/prefix.json" "$work/big.json" <<'PY' 2>"$work/numpy.err"
import json, sys, time
import numpy as np, pyarrow.parquet as pq
t0 = time.perf_counter()
table = pq.read_table(sys.argv[1])
x = np.stack([c.to_numpy() for c in table.columns])
c = np.corrcoef(x)
seconds = time.perf_counter() - t0
names = table.column_names
iu = np.triu_indices(len(names), 1)
values = c[iu]
order = np.lexsort((iu[1], iu[0], -values))[:10]
top = [(names[iu[0][i]], names[iu[1][i]], values[i]) for i in order]
got = json.load(open(sys.argv[2]))["top"]
same = [(p["a"], p["b"]) for p in got] == [(a, b) for a, b, _ in top]
worst = max(abs(p["corr"] - v) for p, (_, _, v) in zip(got, top))
whole = json.load(open(sys.argv[3]))["top"]
print(f"numpy (np.corrcoef, 2 OpenBLAS threads) on the prefix: seconds {seconds:.1f}")
print(f"top 10 on the prefix: pardata's are numpy's: {same}, largest difference {worst:.1e}")
print("top 3 on the whole data (pardata):", [(p["a"], p["b"], round(p["corr"], 6)) for p in whole[:3]])
PY
cat "$work/numpy.err" | grep -v '^peak' >&2 || true
echo "numpy peak memory (KiB): $(grep -o 'peak-kib [0-9]*' "$work/numpy.err" | cut -d' ' -f2)"
