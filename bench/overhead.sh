#!/usr/bin/env bash
# Benchmark: per-task overhead of pardata's futures executor against mpi4py.futures (one
# manager, two workers) and dask.distributed (LocalCluster, two worker processes), on empty
# tasks, in the same run.   bench/overhead.sh [TASKS]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
tasks=${1:-20000}
$venv/bin/python -c 'import mpi4py, distributed' 2>/dev/null || $venv/bin/pip -q install mpi4py "dask[distributed]"
for n in 2 3; do
  mpirun -n $n target/release/pardata bench overhead --tasks "$tasks" | sed "s/^/  pardata -n $n: /"
done
mpirun -n 3 $venv/bin/python -m mpi4py.futures bench/overhead_mpi4py.py "$tasks" | sed 's/^/  /'
$venv/bin/python bench/overhead_dask.py "$tasks" 2>/dev/null | sed 's/^/  /'
