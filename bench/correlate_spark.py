"""The tutorial's collections solution with PySpark RDDs, the peer of `pardata correlate
--engine bag`: frames -> read series -> cartesian -> filter self-pairs -> corr -> max.

Usage: python correlate_spark.py FILE.h5...
Prints the best pair, the seconds to start Spark (local[2]) and the seconds of the
pipeline.
"""
import os
import sys
import time

import pandas as pd
from pyspark import SparkConf, SparkContext


def read(path):
    return os.path.basename(path)[: -len(".h5")], pd.read_hdf(path, "data")["close"]


def corr(pair):
    (a, x), (b, y) = pair
    return a, b, x.corr(y)


def main():
    paths = sys.argv[1:]
    os.environ["PYSPARK_PYTHON"] = sys.executable  # the workers need this environment's pandas
    started = time.perf_counter()
    conf = SparkConf().setMaster("local[2]").setAppName("correlate").set("spark.ui.enabled", "false")
    sc = SparkContext(conf=conf)
    sc.setLogLevel("ERROR")
    print(f"startup {time.perf_counter() - started:.4f} s")
    started = time.perf_counter()
    series = sc.parallelize(paths, len(paths)).map(read)
    a, b, value = (
        series.cartesian(series).filter(lambda p: p[0][0] < p[1][0]).map(corr).max(key=lambda t: t[2])
    )
    print(f"{a} matches with {b} with correlation {value:.6f}")
    print(f"work {time.perf_counter() - started:.4f} s")
    sc.stop()


if __name__ == "__main__":
    main()
