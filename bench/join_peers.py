"""A join of 10 million rows by 100,000 (db-benchmark's join shape: every left key has
one match on the right, a tenth of the right keys none on the left), for bench/join.sh.

    join_peers.py make DIR ROWS              x.parquet (ROWS rows) and y.parquet (ROWS/100)
    join_peers.py ENGINE DIR                 time the join with ENGINE: polars, duckdb,
                                             pandas or dask (2 threads)

The question, as SQL: SELECT count(*) AS n, sum(x.v1) AS v1, sum(y.v2) AS v2 FROM x JOIN
y ON x.id = y.id. Each timing reads both files and answers; the best of 3 wall seconds is
printed with the answer.
"""

import os
import sys

import numpy as np

sys.path.insert(0, os.path.dirname(__file__))
from groupby_peers import print_best_of_3  # noqa: E402

SQL = "SELECT count(*) AS n, sum(x.v1) AS v1, sum(y.v2) AS v2 FROM '{x}' AS x JOIN '{y}' AS y ON x.id = y.id"


def make(out, n):
    import pyarrow as pa
    import pyarrow.parquet as pq

    r = np.random.default_rng(2026)
    k = n // 100
    # The right keys: 1..k*1.1 without a tenth of them, shuffled; the left ones drawn from 1..k.
    right = r.permutation(np.arange(1, k + k // 10 + 1))[:k]
    x = pa.table({"id": r.integers(1, k + 1, n), "v1": np.round(r.uniform(0, 100, n), 6)})
    y = pa.table({"id": right, "v2": np.round(r.uniform(0, 100, k), 6)})
    os.makedirs(out, exist_ok=True)
    pq.write_table(x, os.path.join(out, "x.parquet"), row_group_size=1_000_000)
    pq.write_table(y, os.path.join(out, "y.parquet"))


def run(engine, folder):
    x, y = os.path.join(folder, "x.parquet"), os.path.join(folder, "y.parquet")
    if engine == "duckdb":
        import duckdb
        db = duckdb.connect(config={"threads": 2})
        return lambda: db.execute(SQL.format(x=x, y=y)).fetchall()[0][0]
    if engine == "polars":
        import polars as pl
        return lambda: (
            pl.scan_parquet(x).join(pl.scan_parquet(y), on="id")
            .select(pl.len(), pl.col("v1").sum(), pl.col("v2").sum()).collect().item(0, 0)
        )
    if engine == "pandas":
        import pandas as pd
        return lambda: len(pd.read_parquet(x).merge(pd.read_parquet(y), on="id")[["v1", "v2"]].sum())
    if engine == "dask":
        import dask
        import dask.dataframe as dd
        dask.config.set(scheduler="threads", num_workers=2)
        return lambda: len(dd.read_parquet(x).merge(dd.read_parquet(y), on="id")[["v1", "v2"]].sum().compute())
    raise SystemExit(f"no engine {engine}")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
        sys.exit()
    print_best_of_3(run(sys.argv[1], sys.argv[2]))
