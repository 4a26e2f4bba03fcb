"""The tutorial's collections solution with dask.bag, the peer of `pardata correlate
--engine bag`: frames -> read series -> product -> filter self-pairs -> corr -> max.

Usage: python correlate_dask.py sync|threads|processes FILE.h5...
Prints the best pair and the seconds of the pipeline (after imports).
"""
import os
import sys
import time

import dask
import dask.bag as db
import pandas as pd


def read(path):
    return os.path.basename(path)[: -len(".h5")], pd.read_hdf(path, "data")["close"]


def corr(pair):
    (a, x), (b, y) = pair
    return a, b, x.corr(y)


def main():
    scheduler, paths = sys.argv[1], sys.argv[2:]
    started = time.perf_counter()
    series = db.from_sequence(paths, npartitions=len(paths)).map(read)
    best = series.product(series).filter(lambda p: p[0][0] < p[1][0]).map(corr).topk(1, key=lambda t: t[2])
    scheduler = {"sync": "synchronous", "threads": "threads", "processes": "processes"}[scheduler]
    with dask.config.set(scheduler=scheduler):
        (a, b, value), = best.compute()
    print(f"{a} matches with {b} with correlation {value:.6f}")
    print(f"work {time.perf_counter() - started:.4f} s")


if __name__ == "__main__":
    main()
