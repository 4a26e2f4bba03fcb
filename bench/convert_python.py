"""The tutorial's JSON-to-HDF5 solutions, the peers of `pardata convert`.

Each parses every line of each JSON Lines file, builds a DataFrame and writes it with
`to_hdf(OUT, '/data')`, as the tutorial's notebook did:
  json   sequential, with the standard library's json
  ujson  sequential, with ujson
  pool   concurrent.futures.ProcessPoolExecutor(2), with ujson

Usage: python convert_python.py json|ujson|pool FILE.json...
"""
import json
import sys
from concurrent.futures import ProcessPoolExecutor

import pandas as pd
import ujson


def convert(path, loads):
    with open(path) as f:
        data = [loads(line) for line in f]
    df = pd.DataFrame(data)
    df.to_hdf(path[: -len(".json")] + ".h5", key="/data")


def convert_json(path):
    convert(path, json.loads)


def convert_ujson(path):
    convert(path, ujson.loads)


def main():
    mode, paths = sys.argv[1], sys.argv[2:]
    if mode == "json":
        for path in paths:
            convert_json(path)
    elif mode == "ujson":
        for path in paths:
            convert_ujson(path)
    elif mode == "pool":
        with ProcessPoolExecutor(2) as pool:
            list(pool.map(convert_ujson, paths))
    else:
        sys.exit(f"unknown mode {mode}")


if __name__ == "__main__":
    main()
