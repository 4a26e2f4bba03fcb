"""Checks what pardata wrote against pandas' reading of the input.
  check_tables.py convert INPUT OUTPUT   the output, read by pandas, equals the input read
                                         by pandas (values, dtypes, nulls)
  check_tables.py corr JSON SPEC ARGS..  every pair's correlation in pardata's JSON answer
                                         equals pandas' within 1e-12
  check_tables.py matrix FILE SPEC ARGS..
                                         the --matrix Parquet table is pandas' corr() (NaN
                                         where pandas has NaN, the diagonal included)
  check_tables.py edges FILE R SPEC ARGS..
                                         the --edges Parquet table holds exactly the pairs
                                         with |r| >= R in pandas' corr(), sorted by pair
SPEC is KIND[:METHOD[:MIN_PERIODS[:exact]]] (files, long, wide; pearson, spearman); with
exact, the reference is each pair's two-pass Pearson correlation in extended precision
over its pairwise-complete rows instead of pandas' (whose one-pass Welford update is off
by 5e-11 on series around 1e6).
"""
import json
import math
import sys

import numpy as np
import pandas as pd


def read(path):
    if "::" in path:  # FILE::KEY, an HDF5 frame or dataset
        path, key = path.split("::")
        try:
            return pd.read_hdf(path, key).reset_index()
        except (TypeError, KeyError, ValueError):
            import h5py
            with h5py.File(path, "r") as f:
                values = f[key][:]
            if values.ndim == 1:
                return pd.DataFrame({key.rsplit("/", 1)[-1]: values.astype(np.float64 if values.dtype.kind == "f" else np.int64)})
            return pd.DataFrame(values.astype(np.float64), columns=[str(k) for k in range(values.shape[1])])
    name = path.lower()
    if name.endswith(".h5"):
        return pd.read_hdf(path)
    if ".csv" in name or ".tsv" in name:
        return pd.read_csv(path)
    if ".parquet" in name:
        return pd.read_parquet(path)
    return pd.read_json(path, lines=True)


def convert(source, target):
    want, got = read(source), read(target)
    # Text outputs cannot carry a time zone's type: compare instants.
    for column in want.columns:
        if isinstance(want[column].dtype, pd.DatetimeTZDtype) and not isinstance(got[column].dtype, pd.DatetimeTZDtype):
            got[column] = pd.to_datetime(got[column], utc=True).astype(want[column].dtype)
        elif want[column].dtype.kind == "M" and got[column].dtype.kind != "M":
            got[column] = pd.to_datetime(got[column]).astype(want[column].dtype)
        if isinstance(want[column].dtype, pd.CategoricalDtype):
            want[column] = want[column].astype(object)
        if isinstance(got[column].dtype, pd.CategoricalDtype):
            got[column] = got[column].astype(object)
    for column in want.columns:
        # pandas' "string" dtype (missing as pd.NA), which pardata's outputs read back as
        # pandas' default str dtype (missing as NaN): the same values and nulls.
        if isinstance(want[column].dtype, pd.StringDtype) and want[column].dtype.na_value is pd.NA:
            want[column] = want[column].astype(object)
            got[column] = got[column].astype(object)
        if want[column].dtype == object:
            # Nested values: pardata keeps them as JSON text, pandas' read_json as dicts.
            if any(isinstance(v, (dict, list)) for v in want[column]):
                got[column] = [json.loads(v) if isinstance(v, str) else v for v in got[column]]
            # Missing values in an object column: NaN from read_csv and read_json, None
            # from read_parquet; the same null.
            want[column] = want[column].astype(object).where(want[column].notna(), None)
            got[column] = got[column].astype(object).where(got[column].notna(), None)
    # JSON Lines in: the columns in the order pandas gives (keys as they first appear).
    # JSON Lines out leaves null keys out, so pandas reads its keys in another order.
    if ".json" in source.lower() and not (".json" in target.lower() or target.endswith(".h5")):
        assert list(got.columns) == list(want.columns), f"columns {list(got.columns)}, pandas {list(want.columns)}"
    got = got[list(want.columns)]
    pd.testing.assert_frame_equal(want, got, check_dtype=True, check_exact=False, rtol=1e-15)
    print(f"ok: {target} equals {source} as pandas reads them ({len(want)} rows, dtypes {dict(want.dtypes.astype(str))})")


def pandas_matrix(spec, args):
    parts = spec.split(":")
    kind, method, min_periods, how = parts + ["pearson", "1", "pandas"][len(parts) - 1:]
    frame = pandas_frame(kind, args)
    if how == "exact":
        return exact_matrix(frame, int(min_periods))
    return frame.corr(method=method, min_periods=int(min_periods))


def exact_matrix(frame, min_periods):
    values = frame.to_numpy(dtype=np.float64)
    n = values.shape[1]
    result = np.full((n, n), np.nan)
    for i in range(n):
        for j in range(i, n):
            x, y = values[:, i], values[:, j]
            rows = np.isfinite(x) & np.isfinite(y)
            if rows.sum() < max(min_periods, 2):
                continue
            x = x[rows].astype(np.longdouble)
            y = y[rows].astype(np.longdouble)
            x, y = x - x.mean(), y - y.mean()
            divisor = np.sqrt((x * x).sum() * (y * y).sum())
            if divisor != 0:
                result[i, j] = result[j, i] = float(np.clip((x * y).sum() / divisor, -1, 1))
    return pd.DataFrame(result, index=frame.columns, columns=frame.columns)


def pandas_frame(kind, args):
    if kind == "files":  # args: time column, value column, files...
        time, value, files = args[0], args[1], args[2:]
        series = {}
        for path in files:
            df = read(path)
            name = path.rsplit("/", 1)[-1].removesuffix(".gz").rsplit(".", 1)[0]
            series[name] = df.set_index(pd.to_datetime(df[time]))[value]
        return pd.DataFrame(series)
    if kind == "long":  # args: by, time, value, files...
        by, time, value, files = args[0], args[1], args[2], args[3:]
        df = pd.concat([read(p) for p in files])
        df[time] = pd.to_datetime(df[time])
        return df.pivot(index=time, columns=by, values=value)
    if kind == "wide":  # args: time column (or -), files...
        time, files = args[0], args[1:]
        df = pd.concat([read(p) for p in files])
        return df if time == "-" else df.drop(columns=[time])
    raise SystemExit(f"unknown kind {kind}")


def corr(answer, kind, args):
    result = json.load(open(answer))
    matrix = pandas_matrix(kind, args)
    names = list(matrix.columns)
    want = {}
    for i, a in enumerate(names):
        for b in names[i + 1:]:
            want[(a, b)] = matrix.loc[a, b]
    got = {(p["a"], p["b"]): p["corr"] for p in result["top"]}
    finite = {k: v for k, v in want.items() if not math.isnan(v)}
    extra, missing = sorted(set(got) - set(finite)), sorted(set(finite) - set(got))
    assert not extra and not missing, f"pairs differ: {extra[:5]} not in pandas', {missing[:5]} missing"
    worst = max(abs(got[k] - v) for k, v in finite.items())
    assert worst <= 1e-12, f"largest difference from pandas {worst:g}"
    best = max(finite.items(), key=lambda kv: kv[1])
    assert (result["best"]["a"], result["best"]["b"]) == best[0], (result["best"], best)
    print(f"ok: {len(finite)} pairs equal pandas' within {worst:.1e}; best {best[0]} {best[1]:.6f}")


def matrix(path, spec, args):
    want = pandas_matrix(spec, args)
    got = pd.read_parquet(path).set_index("series")
    assert list(got.index) == list(want.index) and list(got.columns) == list(want.columns), "names"
    same_nan = (got.isna().values == want.isna().values).all()
    assert same_nan, "NaN where pandas has NaN"
    worst = float(np.nanmax(np.abs(got.values - want.values), initial=0.0))
    assert worst <= 1e-12, f"largest difference from pandas {worst:g}"
    print(f"ok: the {len(want)} x {len(want)} matrix equals pandas' within {worst:.1e}")


def edges(path, threshold, spec, args):
    threshold = float(threshold)
    want = pandas_matrix(spec, args)
    names = list(want.columns)
    expected = [(a, b, want.loc[a, b]) for i, a in enumerate(names) for b in names[i + 1:]
                if abs(want.loc[a, b]) >= threshold]
    got = pd.read_parquet(path)
    pairs = list(zip(got["a"], got["b"]))
    want_pairs = [(a, b) for a, b, _ in expected]
    assert pairs == want_pairs, f"pairs differ: {sorted(set(pairs) ^ set(want_pairs))[:5]}"
    worst = max((abs(c - r) for c, (_, _, r) in zip(got["corr"], expected)), default=0.0)
    assert worst <= 1e-12, f"largest difference from pandas {worst:g}"
    print(f"ok: {len(pairs)} edges with |r| >= {threshold}, as pandas finds them, within {worst:.1e}")


def convert_typed(source, target, schema):
    """The output equals pandas' read_csv of the input with the schema's types."""
    types = json.load(open(schema))
    want = pd.read_csv(source, dtype={c: "str" for c, t in types.items() if t == "string"})
    for column, kind in types.items():
        if kind == "date":
            want[column] = pd.to_datetime(want[column]).dt.date
        elif kind.startswith("datetime64"):
            want[column] = pd.to_datetime(want[column]).astype(kind)
    got = read(target)
    pd.testing.assert_frame_equal(want, got[list(want.columns)], check_dtype=True)
    print(f"ok: {target} has the schema's types and pandas' values ({dict(got.dtypes.astype(str))})")


if __name__ == "__main__":
    if sys.argv[1] == "convert":
        convert(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "corr":
        corr(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif sys.argv[1] == "convert_typed":
        convert_typed(sys.argv[2], sys.argv[3], sys.argv[4])
    elif sys.argv[1] == "matrix":
        matrix(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif sys.argv[1] == "edges":
        edges(sys.argv[2], sys.argv[3], sys.argv[4], sys.argv[5:])
