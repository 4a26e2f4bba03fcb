"""Cross-check of pardata's HDF5 frames with pandas: every FILE.h5 read with
pandas.read_hdf(FILE.h5, 'data') must hold, row for row, the records of FILE.json parsed with
Python's json module. Prints one line per file; exits 1 on the first difference.

Usage: python check_frames.py FILE.json...
"""
import json
import sys

import numpy as np
import pandas as pd


def main(paths):
    for path in paths:
        frame = pd.read_hdf(path[: -len(".json")] + ".h5", "data")
        with open(path) as f:
            records = [json.loads(line) for line in f if line.strip()]
        expected = pd.DataFrame(records)
        assert list(frame.columns) == ["timestamp", "close", "high", "low", "open"], frame.columns
        assert str(frame["timestamp"].dtype) == "datetime64[ns]", frame.dtypes
        for column in ["close", "high", "low", "open"]:
            assert frame[column].dtype == np.float64, frame.dtypes
            got, want = frame[column].to_numpy(), expected[column].to_numpy(dtype=np.float64)
            same = (got == want) | (np.isnan(got) & np.isnan(want))
            assert same.all(), f"{path}: {column} differs at row {int(np.argmin(same))}"
        stamps = pd.to_datetime(expected["timestamp"], format="ISO8601").astype("datetime64[ns]").to_numpy()
        assert (frame["timestamp"].to_numpy() == stamps).all(), f"{path}: timestamps differ"
        print(f"{path}: {len(frame)} rows match")


if __name__ == "__main__":
    main(sys.argv[1:])
