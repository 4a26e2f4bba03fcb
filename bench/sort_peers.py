"""The sort lesson's data and peers, for bench/sort_topk.sh.

    sort_peers.py make OUT.parquet ROWS     ROWS uniforms in [0, 1) (column x), seeded
    sort_peers.py ENGINE FILE top|sort      the 5 largest, or every row sorted in
                                            descending order, with ENGINE: polars or
                                            duckdb (2 threads), numpy (one core)

Each timing reads the file and answers, as `pardata sql` does (the sorted rows end in one
Arrow table in memory): the best of 3 wall seconds is printed, with the answer's rows.
"""

import sys

import numpy as np


def make(out, n):
    import pyarrow as pa
    import pyarrow.parquet as pq

    r = np.random.default_rng(17)
    pq.write_table(pa.table({"x": r.random(n)}), out, row_group_size=1_000_000)


def run(engine, f, what):
    if engine == "duckdb":
        import duckdb
        db = duckdb.connect(config={"threads": 2})
        limit = " LIMIT 5" if what == "top" else ""
        return lambda: db.sql(f"SELECT x FROM '{f}' ORDER BY x DESC{limit}").to_arrow_table().num_rows
    if engine == "polars":
        import polars as pl
        if what == "top":
            return lambda: pl.scan_parquet(f).select(pl.col("x").top_k(5)).collect().height
        return lambda: pl.scan_parquet(f).sort("x", descending=True).collect().height
    if engine == "numpy":
        import pyarrow.parquet as pq
        def answer():
            x = pq.read_table(f).column("x").to_numpy()
            if what == "top":
                return len(np.sort(np.partition(x, len(x) - 5)[-5:])[::-1])
            return len(np.sort(x)[::-1])
        return answer
    raise SystemExit(f"no engine {engine}")


if __name__ == "__main__":
    if sys.argv[1] == "make":
        make(sys.argv[2], int(sys.argv[3]))
        sys.exit()
    from groupby_peers import print_best_of_3

    print_best_of_3(run(*sys.argv[1:4]))
