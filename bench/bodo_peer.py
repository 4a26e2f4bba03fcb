"""Bodo (pandas compiled to MPI SPMD code) on db-benchmark's five basic group-by
questions, for bench/groupby.sh; Bodo starts its own MPI workers (its MPICH, in its own
virtual environment):

    PATH=target/bodoenv/bin:$PATH BODO_NUM_WORKERS=2 python bench/bodo_peer.py FILE Q

Each timing reads the Parquet file (the columns it needs) and answers, as `pardata sql`
does; the function is compiled by a first, untimed call; the best of 3 wall seconds of
the calling process is printed, with the answer's row count.
"""

import sys
import time

import bodo
import pandas as pd


@bodo.jit
def q1(f):
    df = pd.read_parquet(f, columns=["id1", "v1"])
    return len(df.groupby("id1", as_index=False).agg({"v1": "sum"}))


@bodo.jit
def q2(f):
    df = pd.read_parquet(f, columns=["id1", "id2", "v1"])
    return len(df.groupby(["id1", "id2"], as_index=False).agg({"v1": "sum"}))


@bodo.jit
def q3(f):
    df = pd.read_parquet(f, columns=["id3", "v1", "v3"])
    return len(df.groupby("id3", as_index=False).agg({"v1": "sum", "v3": "mean"}))


@bodo.jit
def q4(f):
    df = pd.read_parquet(f, columns=["id4", "v1", "v2", "v3"])
    return len(df.groupby("id4", as_index=False).agg({"v1": "mean", "v2": "mean", "v3": "mean"}))


@bodo.jit
def q5(f):
    df = pd.read_parquet(f, columns=["id6", "v1", "v2", "v3"])
    return len(df.groupby("id6", as_index=False).agg({"v1": "sum", "v2": "sum", "v3": "sum"}))


if __name__ == "__main__":
    f, q = sys.argv[1], int(sys.argv[2])
    job = [q1, q2, q3, q4, q5][q - 1]
    rows = job(f)
    best = float("inf")
    for _ in range(3):
        t0 = time.perf_counter()
        rows = job(f)
        best = min(best, time.perf_counter() - t0)
    print(f"{best:.3f} {rows}")
