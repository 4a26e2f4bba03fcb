"""The peers of `pardata correlate`, on the same frames:
  pandas  the tutorial's solution: read_hdf every frame, then the nested loop of
          Series.corr over ordered pairs, keeping the best
  numpy   read_hdf every frame, stack the columns, np.corrcoef, the best off-diagonal entry
Prints the best pair, the seconds of the work after Python and pandas have started
('work'), and for numpy the seconds spent in np.corrcoef alone.

Usage: python correlate_python.py pandas|numpy FILE.h5...
"""
import os
import sys
import time

import numpy as np
import pandas as pd


def load(paths):
    return [(os.path.basename(p)[: -len(".h5")], pd.read_hdf(p, "data")["close"]) for p in paths]


def pandas_loop(paths):
    series = load(paths)
    best = (-2.0, None, None)
    for a, x in series:
        for b, y in series:
            if a != b:
                corr = x.corr(y)
                if corr > best[0]:
                    best = (corr, a, b)
    print(f"{best[1]} matches with {best[2]} with correlation {best[0]:.6f}")


def numpy_corrcoef(paths):
    series = load(paths)
    matrix = np.vstack([s.to_numpy() for _, s in series])
    started = time.perf_counter()
    corr = np.corrcoef(matrix)
    seconds = time.perf_counter() - started
    np.fill_diagonal(corr, -2.0)
    i, j = np.unravel_index(np.argmax(corr), corr.shape)
    print(f"{series[i][0]} matches with {series[j][0]} with correlation {corr[i, j]:.6f}")
    print(f"corrcoef {seconds:.4f} s")


if __name__ == "__main__":
    started = time.perf_counter()
    {"pandas": pandas_loop, "numpy": numpy_corrcoef}[sys.argv[1]](sys.argv[2:])
    print(f"work {time.perf_counter() - started:.4f} s")
