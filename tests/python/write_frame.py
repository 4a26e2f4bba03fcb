"""Writes a frame with pandas itself (fixed format), for pardata's reader to read.

Usage: python write_frame.py OUT.h5
The frame: a DatetimeIndex, an int64 column first (so floats are not block 0), then float64
columns close and open with known values (close[i] = i / 4, open[i] = -i).
"""
import sys

import numpy as np
import pandas as pd

rows = 1000
frame = pd.DataFrame(
    {
        "volume": np.arange(rows, dtype=np.int64),
        "close": np.arange(rows) / 4,
        "open": -np.arange(rows, dtype=np.float64),
    },
    index=pd.date_range("2014-01-02 09:00", periods=rows, freq="2min"),
)
frame.to_hdf(sys.argv[1], key="data", format="fixed")
