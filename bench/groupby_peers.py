"""db-benchmark's group-by data and its five basic questions, for bench/groupby.sh.

    groupby_peers.py make OUT.parquet ROWS      the G1 table (100 groups), seeded
    groupby_peers.py ENGINE FILE Q              time question Q (1-5) with ENGINE:
                                                polars, duckdb, pandas, dask (2 threads)
                                                or pyspark (local[2], 4 shuffle partitions)

Each timing reads the file and answers (the columns it needs), as `pardata sql` does:
the best of 3 wall seconds is printed, with the answer's row count.
"""

import os
import sys
import time

import numpy as np

QUESTIONS = {
    1: ("id1", ["v1"], "SELECT id1, sum(v1) AS v1 FROM '{f}' GROUP BY id1"),
    2: ("id1,id2", ["v1"], "SELECT id1, id2, sum(v1) AS v1 FROM '{f}' GROUP BY id1, id2"),
    3: ("id3", ["v1", "v3"], "SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM '{f}' GROUP BY id3"),
    4: ("id4", ["v1", "v2", "v3"], "SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM '{f}' GROUP BY id4"),
    5: ("id6", ["v1", "v2", "v3"], "SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM '{f}' GROUP BY id6"),
}


def make(out, n, k=100):
    import pyarrow as pa
    import pyarrow.parquet as pq

    r = np.random.default_rng(108)
    def ids(width, high):
        return pa.array(np.char.add("id", np.char.zfill(r.integers(1, high + 1, n).astype(str), width)))
    table = pa.table({
        "id1": ids(3, k), "id2": ids(3, k), "id3": ids(10, n // k),
        "id4": r.integers(1, k + 1, n), "id5": r.integers(1, k + 1, n), "id6": r.integers(1, n // k + 1, n),
        "v1": r.integers(1, 6, n), "v2": r.integers(1, 16, n), "v3": np.round(r.uniform(0, 100, n), 6),
    })
    pq.write_table(table, out, row_group_size=1_000_000, compression="snappy")


def print_best_of_3(job):
    """Prints the best of 3 wall seconds of job() and the rows of its answer (also for
    bench/sort_peers.py)."""
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        rows = job()
        best = min(best, time.perf_counter() - t0)
    print(f"{best:.3f} {rows}")


def run(engine, f, q):
    keys, values, sql = QUESTIONS[q]
    keys = keys.split(",")
    if engine == "duckdb":
        import duckdb
        db = duckdb.connect(config={"threads": 2})
        return lambda: len(db.execute(sql.format(f=f)).fetchall())
    if engine == "polars":
        import polars as pl
        aggs = {1: [pl.col("v1").sum()], 2: [pl.col("v1").sum()], 3: [pl.col("v1").sum(), pl.col("v3").mean()],
                4: [pl.col(c).mean() for c in values], 5: [pl.col(c).sum() for c in values]}[q]
        return lambda: pl.scan_parquet(f).group_by(keys).agg(aggs).collect().height
    if engine == "pandas":
        import pandas as pd
        how = {1: "sum", 2: "sum", 3: {"v1": "sum", "v3": "mean"}, 4: "mean", 5: "sum"}[q]
        return lambda: len(pd.read_parquet(f, columns=keys + values).groupby(keys, observed=True).agg(how))
    if engine == "dask":
        import dask
        import dask.dataframe as dd
        how = {1: "sum", 2: "sum", 3: {"v1": "sum", "v3": "mean"}, 4: "mean", 5: "sum"}[q]
        dask.config.set(scheduler="threads", num_workers=2)
        return lambda: len(dd.read_parquet(f, columns=keys + values).groupby(keys).agg(how).compute())
    if engine == "pyspark":
        from pyspark.sql import SparkSession
        spark = (SparkSession.builder.master("local[2]").appName("groupby")
                 .config("spark.driver.memory", "6g")
                 .config("spark.sql.shuffle.partitions", "4")
                 .config("spark.ui.enabled", "false").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        spark.read.parquet(f).createOrReplaceTempView("g")
        query = sql.replace(f"'{{f}}'", "g")
        return lambda: len(spark.sql(query).collect())
    raise SystemExit(f"no engine {engine}")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
        sys.exit()
    engine, f, q = sys.argv[1], sys.argv[2], int(sys.argv[3])
    print_best_of_3(run(engine, f, q))
