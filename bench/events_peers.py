"""The events lesson's count by type on the peers, for bench/events.sh.

    events_peers.py ENGINE DIR     ENGINE: duckdb, polars (2 threads each) or pandas

Prints `seconds total` for the files DIR/*.json of `pardata prep --events`: the best of 3
wall seconds of reading every file and counting its events by `type`, and the number of
events counted (the same in every engine, or the figures are not comparable).
"""

import glob
import os
import sys
import time


def best_of_3(job):
    best, answer = float("inf"), None
    for _ in range(3):
        t0 = time.perf_counter()
        answer = job()
        best = min(best, time.perf_counter() - t0)
    return best, answer


def main(engine, folder):
    files = sorted(glob.glob(os.path.join(folder, "*.json")))
    if engine == "duckdb":
        import duckdb
        con = duckdb.connect(config={"threads": 2})
        query = (f"SELECT type, count(*) AS n FROM read_json_auto({files!r}, "
                 "format='newline_delimited') GROUP BY type ORDER BY type")
        seconds, rows = best_of_3(lambda: con.execute(query).fetchall())
        total = sum(n for _, n in rows)
    elif engine == "polars":
        os.environ["POLARS_MAX_THREADS"] = "2"
        import polars as pl
        seconds, frame = best_of_3(
            lambda: pl.scan_ndjson(files).group_by("type").len().sort("type").collect())
        total = int(frame["len"].sum())
    elif engine == "pandas":
        import pandas as pd
        def count():
            types = pd.concat(pd.read_json(f, lines=True)["type"] for f in files)
            return types.value_counts().sort_index()
        seconds, counts = best_of_3(count)
        total = int(counts.sum())
    else:
        sys.exit(f"events_peers.py: no engine {engine!r}")
    print(f"{seconds:.3f} {total}")


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2])
