#!/bin/bash
# Submits a sharded cvsearch: a job array of SHARDS elements (default 4), then the merge
# once every element succeeded.
#   SHARDS=8 slurm/cvsearch-submit.sh [SBATCH OPTIONS...]    (from any folder)
# Options (such as -A ACCOUNT -p PARTITION, or --wait) go to both sbatch calls;
# CVSEARCH_OUT and CVSEARCH_ARGS (see cvsearch-array.sbatch) reach both jobs.
set -euo pipefail
shards=${SHARDS:-4}
here=$(cd "$(dirname "$0")" && pwd)
array=$(sbatch --parsable --array="0-$((shards - 1))" "$@" "$here/cvsearch-array.sbatch")
array=${array%%;*}
echo "cvsearch shards: job array $array of $shards"
sbatch --dependency="afterok:$array" "$@" "$here/cvsearch-merge.sbatch"
