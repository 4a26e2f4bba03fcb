#!/usr/bin/env bash
# The data layer's parse rates against pandas and pyarrow, same machine, same files, same
# run: a CSV and a JSON Lines file of ROWS rows (default 2,000,000; 6 columns: two ints,
# two floats with nulls, text, a date as text), each converted to Parquet by
#   pardata convert FILE --to parquet          (1 rank, no mpirun, every core: 2 threads here)
#   pandas.read_csv / read_json(lines=True) + to_parquet
#   pyarrow.csv.read_csv / pyarrow.json.read_json + pq.write_table
# Prints the best of 3 wall times and the MB/s of input for each, and the ratios.
#   bench/tables.sh [ROWS]      (needs target/release/pardata and target/pyenv)
# Then the parse rate alone: cargo bench --bench table_parse on the same two files, with 1
# thread and with one per core.
set -euo pipefail
cd "$(dirname "$0")/.."
rows=${1:-2000000}
py=target/pyenv/bin/python
work=target/bench-tables
mkdir -p "$work"
$py - "$work" "$rows" <<'PY'
import sys, numpy as np, pandas as pd
out, n = sys.argv[1], int(sys.argv[2])
r = np.random.default_rng(1)
df = pd.DataFrame({
    "id": np.arange(n), "count": r.integers(0, 1000, n),
    "price": np.round(r.normal(100, 10, n), 4), "ratio": r.random(n),
    "name": np.char.add("item", (np.arange(n) % 997).astype(str)),
    "day": pd.Series(pd.date_range("2020-01-01", periods=1000, freq="D").strftime("%Y-%m-%d")).sample(n, replace=True, random_state=1).to_numpy(),
})
df.loc[df.index % 7 == 0, "ratio"] = np.nan
df.to_csv(f"{out}/t.csv", index=False)
df.to_json(f"{out}/t.jsonl", orient="records", lines=True)
PY
. bench/best.sh
for kind in csv jsonl; do
  file=$work/t.$kind
  mb=$(echo "scale=1; $(stat -c %s "$file") / 1000000" | bc)
  p=$(best target/release/pardata convert "$file" --to parquet --out "$work/pardata" --quiet)
  if [ $kind = csv ]; then
    pd_=$(best $py -c "import pandas as pd; pd.read_csv('$file').to_parquet('$work/pd.parquet')")
    pa_=$(best $py -c "import pyarrow.csv as c, pyarrow.parquet as q; q.write_table(c.read_csv('$file'), '$work/pa.parquet')")
  else
    pd_=$(best $py -c "import pandas as pd; pd.read_json('$file', lines=True).to_parquet('$work/pd.parquet')")
    pa_=$(best $py -c "import pyarrow.json as j, pyarrow.parquet as q; q.write_table(j.read_json('$file'), '$work/pa.parquet')")
  fi
  rate() { echo "scale=0; $mb / $1" | bc; }
  printf '%-6s %6s MB: pardata %6.2f s (%4s MB/s)  pandas %6.2f s (%4s MB/s, %4.1fx)  pyarrow %6.2f s (%4s MB/s, %4.1fx)\n' \
    "$kind" "$mb" "$p" "$(rate "$p")" "$pd_" "$(rate "$pd_")" "$(echo "$pd_ / $p" | bc -l)" "$pa_" "$(rate "$pa_")" "$(echo "$pa_ / $p" | bc -l)"
done
# The parse rate alone (no writing), best of 5 rounds in one process, 1 thread and every core.
for threads in 1 "$(nproc)"; do
  cargo bench --quiet --bench table_parse -- --threads "$threads" "$work/t.csv" "$work/t.jsonl" 2>/dev/null | grep 'MB/s'
done
