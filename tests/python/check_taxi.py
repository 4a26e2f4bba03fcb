"""Checks `pardata prep --taxi` and pardata's answers to the tutorial's taxi questions
against pandas: check_taxi.py DIR, where DIR holds taxi/csv, taxi/parquet and pardata's
JSON answers as answers/<question>-<format>.json.

pandas reads the CSV files (read_csv, times parsed) and the Parquet files (read_parquet):
the same 19 columns, rows and values; the notebooks' mess is there (missing passenger
counts, zero and negative fares, tips on card payments only, locations at (0, 0)); and each
answer equals pandas' (groups with a missing passenger count included, as SQL keeps them).
"""
import glob
import json
import math
import os
import sys

import pandas as pd

root = sys.argv[1]
COLUMNS = [
    "VendorID", "tpep_pickup_datetime", "tpep_dropoff_datetime", "passenger_count",
    "trip_distance", "pickup_longitude", "pickup_latitude", "RateCodeID",
    "store_and_fwd_flag", "dropoff_longitude", "dropoff_latitude", "payment_type",
    "fare_amount", "extra", "mta_tax", "tip_amount", "tolls_amount",
    "improvement_surcharge", "total_amount",
]


def read(fmt):
    files = sorted(glob.glob(os.path.join(root, "taxi", fmt, "*." + fmt)))
    assert len(files) > 1, f"{fmt}: {files}"
    if fmt == "csv":
        parts = [pd.read_csv(f, parse_dates=["tpep_pickup_datetime", "tpep_dropoff_datetime"]) for f in files]
    else:
        parts = [pd.read_parquet(f) for f in files]
    return pd.concat(parts, ignore_index=True)


csv, parquet = read("csv"), read("parquet")
assert list(csv.columns) == COLUMNS, list(csv.columns)
assert list(parquet.columns) == COLUMNS, list(parquet.columns)
# Parquet's nullable integers arrive as float64 with NaN in pandas, as the CSV's do.
parquet["passenger_count"] = parquet["passenger_count"].astype("float64")
for frame in (csv, parquet):
    for column in ("tpep_pickup_datetime", "tpep_dropoff_datetime"):
        frame[column] = frame[column].astype("datetime64[us]")
pd.testing.assert_frame_equal(csv, parquet, check_exact=True)
trips = parquet
n = len(trips)
assert trips["passenger_count"].isna().sum() > 0, "no missing passenger counts"
assert (trips["passenger_count"] == 0).sum() > 0
assert (trips["fare_amount"] == 0).sum() > 0 and (trips["fare_amount"] < 0).sum() > 0
assert (trips["pickup_longitude"] == 0).sum() > 0
tipped = trips[trips["tip_amount"] > 0]
assert len(tipped) > n // 3 and (tipped["payment_type"] == 1).all(), "tips off cards"
parts = trips[["fare_amount", "extra", "mta_tax", "tip_amount", "tolls_amount", "improvement_surcharge"]].sum(axis=1)
assert ((parts - trips["total_amount"]).abs() < 0.005).all(), "totals do not add up"
assert (trips["tpep_dropoff_datetime"] > trips["tpep_pickup_datetime"]).all()
assert trips["tpep_pickup_datetime"].dt.month.eq(1).all() and trips["tpep_pickup_datetime"].dt.year.eq(2015).all()
assert set(trips["store_and_fwd_flag"]) == {"N", "Y"}

# The notebooks' questions, as pandas answers them.
charged = trips[trips["fare_amount"] > 0]
expected = {
    "mean_passengers": [{"mean_passengers": trips["passenger_count"].mean()}],
    "distance_by_passengers": [
        {"passenger_count": None if math.isnan(k) else int(k), "mean_distance": v}
        for k, v in trips.groupby("passenger_count", dropna=False)["trip_distance"].mean().items()
    ],
    "tip_fraction_by_passengers": [
        {"passenger_count": None if math.isnan(k) else int(k), "tip_fraction": v}
        for k, v in (charged["tip_amount"] / charged["fare_amount"])
        .groupby(charged["passenger_count"], dropna=False).mean().items()
    ],
}
checked = 0
for question, rows in expected.items():
    for fmt in ("csv", "parquet"):
        for path in sorted(glob.glob(os.path.join(root, "answers", f"{question}-{fmt}-*.json"))):
            got = json.load(open(path))["rows"]
            assert len(got) == len(rows), (path, got, rows)
            for g, e in zip(got, rows):
                assert g.keys() == e.keys(), (path, g, e)
                for key, value in e.items():
                    if isinstance(value, float):
                        assert math.isclose(g[key], value, rel_tol=1e-12), (path, key, g, e)
                    else:
                        assert g[key] == value, (path, key, g, e)
            checked += 1
assert checked == 12, f"{checked} answers checked"
print(f"check_taxi: {n} trips, the same in CSV and Parquet; {checked} answers equal pandas'")
