"""Writes corrupt and hostile HDF5 inputs for tests/corrupt.rs, each next to a good frame.

    python corrupt_frames.py GOOD.h5 OUT_DIR

OUT_DIR/<case>.h5 for each case: truncated (the first half of GOOD), flipped (bytes of
GOOD's metadata inverted), foreign (an HDF5 file with an array of text, neither a frame
nor numbers, under 'data'),
wrongdtype (pandas' frame with an int64 close column), wrongshape (a frame whose values are
3-dimensional), extlink ('data' an external link to GOOD), plugin (pandas' frame compressed
with blosc, a filter HDF5 loads as a plugin).
"""
import sys

import numpy as np
import pandas as pd
import tables

good, out = sys.argv[1], sys.argv[2]
data = open(good, "rb").read()
open(f"{out}/truncated.h5", "wb").write(data[: len(data) // 2])
flipped = bytearray(data)
for i in range(200, 4200, 97):
    flipped[i] ^= 0x5A
open(f"{out}/flipped.h5", "wb").write(bytes(flipped))
with tables.open_file(f"{out}/foreign.h5", "w") as f:
    f.create_array("/", "data", np.array([b"not", b"numbers"]))
pd.DataFrame({"close": np.arange(100, dtype="int64")}).to_hdf(f"{out}/wrongdtype.h5", key="data", format="fixed")
with tables.open_file(f"{out}/wrongshape.h5", "w") as f:
    group = f.create_group("/", "data")
    group._v_attrs.pandas_type = "frame"
    group._v_attrs.nblocks = 1
    f.create_array(group, "block0_items", np.array([b"close"]))
    f.create_array(group, "block0_values", np.zeros((2, 3, 4)))
with tables.open_file(f"{out}/extlink.h5", "w") as f:
    f.create_external_link("/", "data", f"{good}:/data")
frame = pd.read_hdf(good, "data")
frame.to_hdf(f"{out}/plugin.h5", key="data", format="fixed", complib="blosc", complevel=5)
