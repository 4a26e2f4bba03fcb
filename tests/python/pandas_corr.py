"""Every pair's correlation as pandas computes it: for frames FILE.h5 (key 'data'), the
'close' column of each, Series.corr for every pair a < b in the order given.
Prints 'a b corr' per pair (corr printed with repr, 'nan' for NaN).

Usage: python pandas_corr.py FILE.h5...
"""
import os
import sys

import pandas as pd

series = [(os.path.basename(p)[: -len(".h5")], pd.read_hdf(p, "data")["close"]) for p in sys.argv[1:]]
for i, (a, x) in enumerate(series):
    for b, y in series[i + 1 :]:
        print(a, b, repr(float(x.corr(y))))
