"""Checks what pardata wrote against pandas' reading of the input.
  check_tables.py convert INPUT OUTPUT   the output, read by pandas, equals the input read
                                         by pandas (values, dtypes, nulls)
  check_tables.py corr JSON KIND ARGS..  every pair's correlation in pardata's JSON answer
                                         equals pandas' within 1e-12
"""
import json
import math
import sys

import pandas as pd


def read(path):
    name = path.lower()
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
        if isinstance(want[column].dtype, pd.CategoricalDtype):
            want[column] = want[column].astype(object)
        if isinstance(got[column].dtype, pd.CategoricalDtype):
            got[column] = got[column].astype(object)
    for column in want.columns:
        if want[column].dtype == object:
            # Nested values: pardata keeps them as JSON text, pandas' read_json as dicts.
            if any(isinstance(v, (dict, list)) for v in want[column]):
                got[column] = [json.loads(v) if isinstance(v, str) else v for v in got[column]]
            # Missing values in an object column: NaN from read_csv and read_json, None
            # from read_parquet; the same null.
            want[column] = want[column].astype(object).where(want[column].notna(), None)
            got[column] = got[column].astype(object).where(got[column].notna(), None)
    # JSON Lines keys come in the first line's order in pandas; compare by name.
    got = got[list(want.columns)]
    pd.testing.assert_frame_equal(want, got, check_dtype=True, check_exact=False, rtol=1e-15)
    print(f"ok: {target} equals {source} as pandas reads them ({len(want)} rows, dtypes {dict(want.dtypes.astype(str))})")


def pandas_matrix(kind, args):
    if kind == "files":  # args: time column, value column, files...
        time, value, files = args[0], args[1], args[2:]
        series = {}
        for path in files:
            df = read(path)
            name = path.rsplit("/", 1)[-1].removesuffix(".gz").rsplit(".", 1)[0]
            series[name] = df.set_index(pd.to_datetime(df[time]))[value]
        return pd.DataFrame(series).corr()
    if kind == "long":  # args: by, time, value, files...
        by, time, value, files = args[0], args[1], args[2], args[3:]
        df = pd.concat([read(p) for p in files])
        df[time] = pd.to_datetime(df[time])
        return df.pivot(index=time, columns=by, values=value).corr()
    if kind == "wide":  # args: time column, files...
        time, files = args[0], args[1:]
        df = pd.concat([read(p) for p in files])
        return df.drop(columns=[time]).corr()
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
    assert set(got) == set(finite), f"pairs differ: {sorted(got)} vs {sorted(finite)}"
    worst = max(abs(got[k] - v) for k, v in finite.items())
    assert worst <= 1e-12, f"largest difference from pandas {worst:g}"
    best = max(finite.items(), key=lambda kv: kv[1])
    assert (result["best"]["a"], result["best"]["b"]) == best[0], (result["best"], best)
    print(f"ok: {len(finite)} pairs equal pandas' within {worst:.1e}; best {best[0]} {best[1]:.6f}")


if __name__ == "__main__":
    if sys.argv[1] == "convert":
        convert(sys.argv[2], sys.argv[3])
    elif sys.argv[1] == "corr":
        corr(sys.argv[2], sys.argv[3], sys.argv[4:])
