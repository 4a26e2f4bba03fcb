#!/usr/bin/env bash
# Benchmark: correlate's block product (`a bᵀ` of two blocks of 256 series x 4,220 points)
# on one core, by matrixmultiply, faer (full and upper triangle) and OpenBLAS through
# NumPy (`a @ b.T`, OPENBLAS_NUM_THREADS=1), same shapes, same run.
#   bench/dgemm.sh [SERIES] [POINTS]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
series=${1:-256}
points=${2:-4220}
cargo bench -q --bench block_product -- "$series" "$points" 2>/dev/null
OPENBLAS_NUM_THREADS=1 $venv/bin/python - "$series" "$points" <<'PY'
import sys, time
import numpy as np
series, points = int(sys.argv[1]), int(sys.argv[2])
rng = np.random.default_rng(7)
a, b = rng.random((series, points)) - 0.5, rng.random((series, points)) - 0.5
best = min(
    (lambda start: (a @ b.T, time.perf_counter() - start)[1])(time.perf_counter())
    for _ in range(10)
)
print(f"{'OpenBLAS through NumPy ' + np.__version__:<40} {2 * series * series * points / best / 1e9:7.1f} GFLOP/s")
PY
