"""The tuning lesson's query on the peers, for bench/partitions.sh: the sum of x % 1000
over the numbers 0..ROWS in P partitions.

    partitions_peers.py ENGINE ROWS P...     ENGINE: pyspark (local[2]) or dask (the
                                             threaded scheduler, 2 workers)

For each P it prints `P seconds`, the best of 3 wall seconds of the query (the numbers
made in their partitions by the engine, as `Frame::range` makes them: spark.range, or a
dask array of P chunks; their making is not timed for Dask, whose array is made first).
"""

import sys
import time


def best_of_3(job):
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        job()
        best = min(best, time.perf_counter() - t0)
    return best


def main(engine, rows, counts):
    if engine == "pyspark":
        from pyspark.sql import SparkSession
        spark = (SparkSession.builder.master("local[2]").appName("partitions")
                 .config("spark.driver.memory", "4g")
                 .config("spark.ui.enabled", "false").getOrCreate())
        spark.sparkContext.setLogLevel("ERROR")
        for p in counts:
            frame = spark.range(0, rows, 1, p)
            seconds = best_of_3(lambda: frame.selectExpr("sum(id % 1000)").collect())
            print(f"{p} {seconds:.4f}", flush=True)
    elif engine == "dask":
        import dask
        import dask.array as da
        import numpy as np
        dask.config.set(scheduler="threads", num_workers=2)
        for p in counts:
            x = da.from_array(np.arange(rows), chunks=-(-rows // p))
            seconds = best_of_3(lambda: (x % 1000).sum().compute())
            print(f"{p} {seconds:.4f}", flush=True)
    else:
        raise SystemExit(f"no engine {engine}")


if __name__ == "__main__":
    main(sys.argv[1], int(sys.argv[2]), [int(p) for p in sys.argv[3:]])
