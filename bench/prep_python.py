"""The tutorial's dataset generator, reimplemented with pandas as the peer of `pardata prep`.

It does the same work as pardata for the same options: daily prices per symbol, then for
every (symbol, trading day) the tutorial's `generate_day` (a bounded random walk on a
freq/5 grid, stretched to the day's high and low, resampled to freq bars with pandas) written
with `DataFrame.to_csv`, then the JSON Lines files built, as the tutorial did, by reading
the last --json-days CSV files back and `json.dump`-ing each record. The daily model is a
plain random walk (the cost is in the minute bars, not in the daily model).

Usage: python prep_python.py OUT [--symbols N] [--days N] [--json-days N] [--freq S]
"""
import argparse
import json
import os

import numpy as np
import pandas as pd

SYMBOLS = "aet afl aig al amgn avy b bwa ge hal hp hpq ibm jbl jpm luv met pcg tgt usb xom".split()


def generate_day(date, open, high, low, close, freq):
    time = pd.date_range(date + pd.Timedelta(hours=9), date + pd.Timedelta(hours=16),
                         freq=freq / 5, name="timestamp")
    n = len(time)
    while True:
        values = (np.random.random(n) - 0.5).cumsum()
        values *= (high - low) / (values.max() - values.min())
        values += np.linspace(open - values[0], close - values[-1], len(values))
        mx, mn = max(close, open), min(close, open)
        ind = values > mx
        if ind.any():
            values[ind] = (values[ind] - mx) * (high - mx) / (values.max() - mx) + mx
        ind = values < mn
        if ind.any():
            values[ind] = (values[ind] - mn) * (low - mn) / (values.min() - mn) + mn
        if np.allclose(values.max(), high) and np.allclose(values.min(), low):
            break
    s = pd.Series(values.round(3), index=time)
    rs = s.resample(freq)
    return pd.DataFrame({"close": rs.last(), "high": rs.max(), "low": rs.min(), "open": rs.first()})


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("out")
    parser.add_argument("--symbols", type=int, default=21)
    parser.add_argument("--days", type=int, default=1258)
    parser.add_argument("--json-days", type=int, default=365)
    parser.add_argument("--freq", type=int, default=120)
    args = parser.parse_args()
    np.random.seed(0)
    freq = pd.Timedelta(seconds=args.freq)
    days = pd.bdate_range("2010-01-04", periods=args.days)
    names = (SYMBOLS + [f"s{i:05}" for i in range(21, args.symbols)])[: args.symbols]
    for sym in names:
        close = 50 * np.exp(np.cumsum(np.random.normal(0, 0.015, len(days))))
        open_ = np.r_[close[0], close[:-1]]
        high = np.maximum(open_, close) * (1 + np.abs(np.random.normal(0, 0.006, len(days))))
        low = np.minimum(open_, close) * (1 - np.abs(np.random.normal(0, 0.006, len(days))))
        folder = os.path.join(args.out, "minute", sym)
        os.makedirs(folder, exist_ok=True)
        for i, day in enumerate(days):
            df = generate_day(day, open_[i].round(3), high[i].round(3), low[i].round(3), close[i].round(3), freq)
            df.to_csv(os.path.join(folder, day.strftime("%Y-%m-%d") + ".csv"), float_format="%.3f")
        os.makedirs(os.path.join(args.out, "json"), exist_ok=True)
        with open(os.path.join(args.out, "json", sym + ".json"), "w") as f:
            for day in days[-args.json_days:]:
                df = pd.read_csv(os.path.join(folder, day.strftime("%Y-%m-%d") + ".csv"))
                for rec in df.to_dict(orient="records"):
                    json.dump(rec, f)
                    f.write("\n")


if __name__ == "__main__":
    main()
