"""Per-task overhead of dask.distributed, the peer of `pardata bench overhead`: a
LocalCluster of 2 worker processes with one thread each.

Usage: python bench/overhead_dask.py 20000
Prints microseconds per task: submit + gather, client.map.
"""
import sys
import time

from dask.distributed import Client, LocalCluster


def noop(x=None):
    return None


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    with LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
        client.submit(noop, -1).result()
        started = time.perf_counter()
        futures = [client.submit(noop, i, pure=False) for i in range(n)]
        client.gather(futures)
        submit = time.perf_counter() - started
        started = time.perf_counter()
        client.gather(client.map(noop, range(n), pure=False))
        mapped = time.perf_counter() - started
    us = lambda s: s * 1e6 / n
    print(f"dask.distributed submit+gather {us(submit):.1f} us, map {us(mapped):.1f} us")


if __name__ == "__main__":
    main()
