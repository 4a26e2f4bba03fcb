"""Per-task overhead of mpi4py.futures, the peer of `pardata bench overhead`.

Run with one manager and two workers:
  mpiexec -n 3 python -m mpi4py.futures bench/overhead_mpi4py.py 20000
Prints microseconds per task: submit + result, map unchunked, map with chunksize=1000.
"""
import sys
import time

from mpi4py.futures import MPIPoolExecutor


def noop(_=None):
    return None


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 20000
    with MPIPoolExecutor() as executor:
        executor.submit(noop).result()  # workers started
        started = time.perf_counter()
        futures = [executor.submit(noop) for _ in range(n)]
        for f in futures:
            f.result()
        submit = time.perf_counter() - started
        started = time.perf_counter()
        list(executor.map(noop, range(n)))
        mapped = time.perf_counter() - started
        started = time.perf_counter()
        list(executor.map(noop, range(n), chunksize=1000))
        chunked = time.perf_counter() - started
    us = lambda s: s * 1e6 / n
    print(f"mpi4py.futures submit+result {us(submit):.2f} us, map {us(mapped):.2f} us, map chunks of 1000 {us(chunked):.3f} us")


if __name__ == "__main__":
    main()
