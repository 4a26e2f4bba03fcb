"""Checks examples/frame_summary.rs against pandas: check_summary.py FOLDER OUTPUT, where
FOLDER holds the taxi Parquet files and OUTPUT the example's lines (`name: [rows]`).

head: the first 3 rows in file order; value_counts: pandas' value_counts of payment_type
(nulls left out; ties, which pandas leaves unordered, by value); describe: count, mean,
std, min, the quartiles and max of each column as pandas' describe gives them, to 1e-12;
resample: the first 48 hours with trips of pandas' hourly resample (count, mean fare);
repartition_group_by: count, first and last fare and the sum of tips by payment type of
the trips with a fare (first and last in file order, as pandas'); repartition_top_k: the 5
largest tips, ties in file order (pandas' stable sort)."""
import glob
import json
import math
import os
import sys

import pandas as pd

files = sorted(glob.glob(os.path.join(sys.argv[1], "*.parquet")))
trips = pd.concat([pd.read_parquet(f) for f in files], ignore_index=True)
got = {}
for line in open(sys.argv[2]):
    name, rows = line.split(": ", 1)
    got[name] = json.loads(rows)
assert set(got) == {
    "head", "value_counts", "describe", "resample", "repartition_group_by", "repartition_top_k"
}, got.keys()

head = trips[["passenger_count", "fare_amount"]].head(3)
assert [r["fare_amount"] for r in got["head"]] == list(head["fare_amount"]), got["head"]
assert [r.get("passenger_count") for r in got["head"]] == [
    None if pd.isna(v) else int(v) for v in head["passenger_count"]
], got["head"]

counts = trips["payment_type"].value_counts().reset_index()
counts = counts.sort_values(["count", "payment_type"], ascending=[False, True])
assert [[r["payment_type"], r["count"]] for r in got["value_counts"]] == counts.values.tolist(), got["value_counts"]

columns = ["passenger_count", "trip_distance", "fare_amount", "tip_amount"]
described = trips[columns].astype("float64").describe()
assert [r["statistic"] for r in got["describe"]] == ["count", "mean", "std", "min", "25%", "50%", "75%", "max"]
for r in got["describe"]:
    for c in columns:
        expected = described.loc[r["statistic"], c]
        assert math.isclose(r[c], expected, rel_tol=1e-12), (r["statistic"], c, r[c], expected)
hourly = trips.set_index("tpep_pickup_datetime")["fare_amount"].resample("h").agg(["size", "mean"])
hourly = hourly[hourly["size"] > 0].head(48)
assert len(got["resample"]) == len(hourly), (len(got["resample"]), len(hourly))
for r, (start, expected) in zip(got["resample"], hourly.iterrows()):
    assert pd.Timestamp(r["tpep_pickup_datetime"]) == start, (r, start)
    assert r["trips"] == expected["size"], (r, expected)
    assert math.isclose(r["fare"], expected["mean"], rel_tol=1e-12), (r, expected)
paid = trips[trips["fare_amount"] > 0]
by_payment = paid.groupby("payment_type").agg(
    trips=("fare_amount", "size"),
    first_fare=("fare_amount", "first"),
    last_fare=("fare_amount", "last"),
    tips=("tip_amount", "sum"),
)
rows = got["repartition_group_by"]
assert [r["payment_type"] for r in rows] == list(by_payment.index), rows
for r, (_, expected) in zip(rows, by_payment.iterrows()):
    assert r["trips"] == expected["trips"], (r, expected)
    assert r["first_fare"] == expected["first_fare"] and r["last_fare"] == expected["last_fare"], (r, expected)
    assert math.isclose(r["tips"], expected["tips"], rel_tol=1e-12), (r, expected)
top = trips.sort_values("tip_amount", ascending=False, kind="stable").head(5)
assert [[r["tip_amount"], r["fare_amount"]] for r in got["repartition_top_k"]] == top[
    ["tip_amount", "fare_amount"]
].values.tolist(), (got["repartition_top_k"], top)
print(f"check_summary: head, value_counts, describe and resample of {len(trips)} trips equal pandas'")
