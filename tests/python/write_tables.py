"""Writes the data layer's test inputs with pandas and pyarrow, with the mess real files
have: quotes, commas, quotes and line breaks inside fields, NA spellings, ints with blanks, booleans,
dates as text, JSON Lines with missing keys and nested values, Parquet with several row
groups, a dictionary column, nulls and time zones; and series of unequal lengths for the
correlation's alignment. Usage: write_tables.py DIR"""
import json
import sys
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

out = Path(sys.argv[1])
out.mkdir(parents=True, exist_ok=True)
rng = np.random.default_rng(11)
n = 500

# CSV: what pandas writes, plus NA spellings a person's export has.
frame = pd.DataFrame({
    "id": np.arange(n),
    "price": np.round(rng.normal(100, 20, n), 3),
    "name": [f'item "{i}", size {i % 7}' if i % 5 else f"plain{i}" for i in range(n)],
    "flag": pd.Series([bool(i % 3) for i in range(n)], dtype=object),
    "day": pd.date_range("2021-03-01", periods=n, freq="D").strftime("%Y-%m-%d"),
    "qty": rng.integers(0, 50, n).astype(float),
})
frame.loc[frame.index % 17 == 0, "price"] = np.nan
frame.loc[frame.index % 13 == 0, "qty"] = np.nan
frame.loc[frame.index % 29 == 0, "flag"] = None
frame.to_csv(out / "messy.csv", index=False)
# Line breaks inside quoted fields (a comment of two lines, with quotes and commas).
pd.DataFrame({
    "k": np.arange(3_000),
    "note": [f'line one {k}\nline "two", {k}' if k % 4 == 0 else f"short {k}" for k in range(3_000)],
    "v": np.round(np.random.default_rng(12).normal(0, 1, 3_000), 6),
}).to_csv(out / "multiline.csv", index=False)
# Other NA spellings that pandas reads as missing, in place of some empty fields.
text = (out / "messy.csv").read_text().splitlines()
spellings = ["NA", "NULL", "nan", "N/A"]
lines = [text[0]] + [
    line.replace(",,", f",{spellings[i % 4]},", 1) if i % 3 == 0 else line
    for i, line in enumerate(text[1:])
]
(out / "messy.csv").write_text("\n".join(lines) + "\n")

# A longer CSV (several of the reader's batches of 65,536 rows) whose first NA spelling in
# a column of integers comes late, on row 100,000, after rows that parsed as integers;
# spellings in text, float and bool columns all through; and "NAN", which is not one of
# pandas' spellings and stays text.
long_rows = 150_000
words = ["NA", "None", "<NA>", "n/a", "NAN", "word"]
floats = ["nan", "NaN", "", "-NaN", "2.5", "1e3"]
with open(out / "spelled.csv", "w") as f:
    f.write("n,x,s,b\n")
    for i in range(long_rows):
        whole = "NA" if i == 100_000 else ("" if i % 50_000 == 7 else str(i))
        flag = "NULL" if i % 11 == 0 else ("True" if i % 2 else "False")
        f.write(f"{whole},{floats[i % 6]},{words[i % 6]},{flag}\n")

# Numbers and times for HDF5 frames: an int column whose only null comes on row 70,000
# (after the first HDF5 chunk of 65,536 rows), floats with nulls, times with and without
# a zone, in row groups of 30,000; and the CSV pandas writes of ints, floats and blanks.
count = 100_000
pq.write_table(pa.table({
    "i": pa.array([None if k == 70_000 else k for k in range(count)], pa.int64()),
    "x": pa.array([None if k % 7 == 0 else k / 3 for k in range(count)]),
    "at": pa.array(pd.date_range("2022-01-01", periods=count, freq="min", tz="Europe/Paris")),
    "naive": pa.array(pd.date_range("2022-01-01", periods=count, freq="s").astype("datetime64[us]")),
}), out / "numbers.parquet", row_group_size=30_000)
numbers = pd.DataFrame({"k": np.arange(500), "v": rng.normal(0, 1, 500), "w": np.arange(500.0)})
numbers.loc[numbers.index % 9 == 0, "w"] = np.nan
numbers["even"] = numbers["k"] % 2 == 0  # bools without a null
numbers.to_csv(out / "counts.csv", index=False)

# Flat JSON Lines over more than one batch, as pandas writes them (slashes and non-ASCII
# escaped) and then edited as people's files are: keys missing and in another order with
# spaces after the separators (json.dumps), blank lines, and an integer key whose values
# turn fractional late, on line 66,001.
count = 70_000
flat = pd.DataFrame({
    "id": np.arange(count),
    "name": [f"n/{k}" if k % 3 else f"\u00e9t\u00e9 \"{k}\"" for k in range(count)],
    "score": [None if k % 5 == 0 else k / 4 for k in range(count)],
    "ok": [bool(k % 2) for k in range(count)],
    "qty": np.arange(count),
})
flat_lines = flat.to_json(orient="records", lines=True).splitlines()
for k in range(0, count, 7):
    record = json.loads(flat_lines[k])
    del record["score"]
    flat_lines[k] = json.dumps(dict(reversed(list(record.items()))))
# The same lines before the late fraction: a file whose head's types hold to its end,
# read once (by one thread, or by several in stretches checked against the head).
(out / "settled.jsonl").write_text("\n".join(flat_lines) + "\n")
late = json.loads(flat_lines[66_000])
late["qty"] = 2.5
flat_lines[66_000] = json.dumps(late)
for k in (10, 40_000):
    flat_lines[k] += "\n"
(out / "flat.jsonl").write_text("\n".join(flat_lines) + "\n")

# JSON Lines: keys in varying order, some missing, a nested object.
with open(out / "records.jsonl", "w") as f:
    for i in range(n):
        record = {"user": f"u{i % 40}", "score": float(i) / 7, "count": i}
        if i % 4 == 0:
            del record["score"]
        if i % 6 == 0:
            record["tags"] = {"kind": "a" if i % 12 else "b", "level": i % 3}
        items = list(record.items())
        if i % 2:
            items.reverse()
        f.write(json.dumps(dict(items)) + "\n")

# Parquet: four row groups, a dictionary column, nulls, timestamps with a time zone.
table = pa.table({
    "station": pa.array([f"s{i % 9}" for i in range(n)]).dictionary_encode(),
    "temp": pa.array([None if i % 11 == 0 else float(i % 40) - 5.5 for i in range(n)]),
    "at": pa.array(pd.date_range("2022-01-01", periods=n, freq="h", tz="Europe/Paris")),
    "count": pa.array([i * 3 for i in range(n)], pa.int64()),
})
pq.write_table(table, out / "trips.parquet", row_group_size=128)

# Stocks of unequal length: monthly closes, AAPL 123 months, GOOG 68, MSFT 90 with a gap.
def stock(name, start, months, seed, gap=None):
    r = np.random.default_rng(seed)
    dates = pd.date_range(start, periods=months, freq="MS")
    close = 100 * np.exp(np.cumsum(r.normal(0.01, 0.05, months)))
    df = pd.DataFrame({"date": dates.strftime("%Y-%m-%d"), "close": np.round(close, 4)})
    if gap:
        df = df.drop(index=range(*gap))
    return df

stocks = out / "stocks"
stocks.mkdir(exist_ok=True)
parts = {"aapl": stock("aapl", "2010-01-01", 123, 1), "goog": stock("goog", "2014-04-01", 68, 2),
         "msft": stock("msft", "2012-06-01", 90, 3, gap=(10, 20))}
for name, df in parts.items():
    df.to_csv(stocks / f"{name}.csv", index=False)

# The same as one long table (symbol, date, price), rows shuffled, split in two Parquet files.
long = pd.concat([df.assign(symbol=name).rename(columns={"close": "price"}) for name, df in parts.items()])
long = long.sample(frac=1.0, random_state=5).reset_index(drop=True)
(out / "long").mkdir(exist_ok=True)
half = len(long) // 2
long.iloc[:half].to_parquet(out / "long" / "a.parquet", row_group_size=50, index=False)
long.iloc[half:].to_parquet(out / "long" / "b.parquet", row_group_size=50, index=False)

# A wide table: one column per series, with NaN, in a CSV and in a Parquet of 3 row groups.
wide = pd.DataFrame({"t": np.arange(300)})
base = rng.normal(size=300).cumsum()
for k in range(7):
    col = base * (k - 3) + rng.normal(size=300) * (k + 1)
    col[rng.integers(0, 300, 15)] = np.nan
    wide[f"x{k}"] = col
wide.to_csv(out / "wide.csv", index=False)
# The same as JSON Lines, NaN as a missing key, and a key that first appears on row 250
# (a later piece when the file is cut): pandas gives NaN where a key is missing.
with open(out / "wide.jsonl", "w") as f:
    for k, row in enumerate(wide.to_dict("records")):
        record = {key: value for key, value in row.items() if not (isinstance(value, float) and np.isnan(value))}
        if k >= 250:
            record["late"] = float(np.sin(k)) * base[k]
        f.write(json.dumps(record) + "\n")
pq.write_table(pa.Table.from_pandas(wide, preserve_index=False), out / "wide.parquet", row_group_size=100)

# Long signals for the bounded-memory path: 40 series of 30,000 points in Parquet row
# groups of 7,000, around a huge offset (what one-pass sums get wrong), with scattered
# nulls, a series that starts late, a constant one and an infinity.
rows, k = 30_000, 40
factors = rng.normal(size=(rows, 3))
signals = factors @ rng.normal(size=(3, k)) + rng.normal(size=(rows, k)) + 1e6
signals[rng.random((rows, k)) < 0.02] = np.nan
signals[:12_000, 4] = np.nan
signals[:, 9] = 7.0
signals[123, 11] = np.inf
columns = {f"c{j:02d}": signals[:, j] for j in range(k)}
columns["when"] = pd.date_range("2020-01-01", periods=rows, freq="min", tz="UTC")
pq.write_table(pa.Table.from_pandas(pd.DataFrame(columns), preserve_index=False),
               out / "signals.parquet", row_group_size=7_000)

# HDF5: a pandas frame in the table format (floats with NaN, ints, text with a missing
# value, booleans, a DatetimeIndex) and the same in the fixed format (its text pickled
# objects, its bools bitfields), with two object columns more there (pandas keeps them as
# one block of two columns: text with None, and bools with None); and h5py datasets:
# 150,000 x 4 float32 signals with NaN (3 pieces of rows) and a 1-D int64 one.
import h5py  # noqa: E402

hours = pd.date_range("2023-01-01", periods=n, freq="h")
frame = pd.DataFrame({
    "open": np.round(rng.normal(50, 5, n), 3),
    "volume": rng.integers(0, 10_000, n),
    "venue": [None if i % 23 == 0 else f"v{i % 4}" for i in range(n)],
    "close": np.round(rng.normal(50, 5, n), 3),
    "halted": [i % 11 == 0 for i in range(n)],
}, index=hours)
frame.loc[frame.index[::9], "open"] = np.nan
(out / "hdf").mkdir(exist_ok=True)
frame.to_hdf(out / "hdf" / "table.h5", key="prices", format="table")
fixed = frame.copy()
fixed["note"] = pd.Series([None if i % 6 == 0 else f'n"{i}", é' for i in range(n)], dtype=object, index=hours)
fixed["checked"] = pd.Series([None if i % 5 == 0 else i % 2 == 0 for i in range(n)], dtype=object, index=hours)
import warnings  # noqa: E402
with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # pandas' PerformanceWarning on pickled objects
    fixed.to_hdf(out / "hdf" / "fixed.h5", key="prices")
    # An empty frame with a text column (pandas writes its blocks untransposed, its axes
    # as one value with the real shape in an attribute), and pandas' "string" dtype, whose
    # missing value pd.NA is pickled as the global pandas.NA.
    pd.DataFrame({"s": pd.Series([], dtype=object), "x": pd.Series([], dtype=float)}).to_hdf(out / "hdf" / "empty.h5", key="data")
    pd.DataFrame({"s": pd.Series(["a", None, "c"], dtype="string"), "x": [1.0, 2.0, 3.0]}).to_hdf(out / "hdf" / "na.h5", key="data")
    # An object column of numbers and text, which has no one type.
    pd.DataFrame({"m": pd.Series([1, "a", 2.5], dtype=object)}).to_hdf(out / "hdf" / "mixed.h5", key="data")
signals = (rng.normal(size=(150_000, 1)) + rng.normal(size=(150_000, 4)) * [0.5, 1, 2, 4]).astype(np.float32)
signals[rng.random(signals.shape) < 0.01] = np.nan
with h5py.File(out / "hdf" / "arrays.h5", "w") as f:
    f["signals"] = signals
    f["labels"] = np.arange(1000, dtype=np.int64)

# A CSV whose inferred types are not the wanted ones, and the schema that says them:
# zip codes with leading zeros (text, not int64), a date and a time stamp.
typed = pd.DataFrame({
    "zip": [f"{(i * 7919) % 100000:05d}" for i in range(n)],
    "day": pd.date_range("2022-05-01", periods=n, freq="D").strftime("%Y-%m-%d"),
    "at": pd.date_range("2022-05-01 08:00", periods=n, freq="37min").strftime("%Y-%m-%d %H:%M:%S"),
    "amount": np.round(rng.normal(10, 3, n), 2),
})
typed.to_csv(out / "typed.csv", index=False)
(out / "typed_schema.json").write_text(json.dumps({"zip": "string", "day": "date", "at": "datetime64[us]"}))

# Bad inputs.
(out / "bad").mkdir(exist_ok=True)
(out / "bad" / "extra.csv").write_text("a,b\n1,2\n3,4,5\n6,7\n")
# A key with numbers on some lines and text on others.
(out / "bad" / "mixed.jsonl").write_text("".join(json.dumps({"t": k, "x": k / 2 if k < 200 else "n/a"}) + "\n" for k in range(300)))
# A key given twice in one object (which value is meant?), on line 2.
(out / "bad" / "twice.jsonl").write_text('{"a": 1, "b": 2}\n{"a": 3, "a": 4}\n')
# A value that is not an integer on line 100,002, after 100,000 rows that were.
(out / "bad" / "late.csv").write_text("n,x\n" + "".join(f"{i},{i}.5\n" for i in range(100_000)) + "x,1.5\n7,8.5\n")
data = (out / "trips.parquet").read_bytes()
(out / "bad" / "truncated.parquet").write_bytes(data[: len(data) - 100])
dup = parts["aapl"].copy()
dup.loc[len(dup)] = dup.iloc[3]
dup.to_csv(out / "bad" / "dup.csv", index=False)
