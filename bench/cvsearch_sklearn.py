"""The peer of `pardata cvsearch`: the same candidates on the same splits with
scikit-learn's SVC, sequentially or on a ThreadPoolExecutor (the tutorial's solution), and
how its scores compare with pardata's.

Usage: python cvsearch_sklearn.py sequential|threads RESULTS_DIR [DIGITS.csv.gz]
RESULTS_DIR is a `pardata cvsearch --out` folder (results.json, splits.json, timings.csv).
Prints the seconds of the search, the median fit's seconds (pardata's too), the share of
fits whose validation accuracy is within 0.02 of pardata's, and both best candidates.
"""
import csv
import json
import statistics
import sys
import time
from concurrent.futures import ThreadPoolExecutor

import numpy as np
from sklearn.svm import SVC


def main():
    mode, results_dir = sys.argv[1], sys.argv[2]
    data = sys.argv[3] if len(sys.argv) > 3 else "data/digits.csv.gz"
    table = np.loadtxt(data, delimiter=",")
    X, y = table[:, :-1], table[:, -1].astype(int)
    ours = json.load(open(f"{results_dir}/results.json"))["fits"]
    splits = [s["validation"] for s in json.load(open(f"{results_dir}/splits.json"))["splits"]]
    everything = np.arange(len(y))

    def fit(f):
        validation = np.array(splits[f["split"]])
        train = np.setdiff1d(everything, validation)
        model = SVC(kernel="rbf", C=f["C"], gamma=f["gamma"], tol=f["tol"])
        started = time.perf_counter()
        model.fit(X[train], y[train])
        seconds = time.perf_counter() - started
        return model.score(X[validation], y[validation]), seconds

    started = time.perf_counter()
    if mode == "threads":
        with ThreadPoolExecutor(2) as pool:
            theirs = list(pool.map(fit, ours))
    else:
        theirs = [fit(f) for f in ours]
    total = time.perf_counter() - started

    close = sum(abs(f["validation_accuracy"] - a) <= 0.02 for f, (a, _) in zip(ours, theirs))
    means = {}
    for f, (a, _) in zip(ours, theirs):
        means.setdefault(f["candidate"], []).append(a)
    best = max(sorted(means), key=lambda c: statistics.mean(means[c]))
    print(f"search {total:.3f} s")
    with open(f"{results_dir}/timings.csv") as timings:
        seconds = [float(row["fit_seconds"]) for row in csv.DictReader(timings)]
    print(f"median fit {statistics.median(s for _, s in theirs):.4f} s (pardata {statistics.median(seconds):.4f} s)")
    print(f"within 0.02 {close} of {len(ours)} fits ({100 * close / len(ours):.1f}%)")
    print(f"best candidate {best} (pardata {json.load(open(f'{results_dir}/results.json'))['best']['candidate']})")


if __name__ == "__main__":
    main()
