#!/bin/bash
# Submits a sharded cvsearch: a job array of SHARDS elements (default 4), then the merge
# once every element succeeded.
#   SHARDS=8 slurm/cvsearch-submit.sh [SBATCH OPTIONS...]    (from the repository's root)
# Options (such as -A ACCOUNT -p PARTITION, or --wait) go to both sbatch calls;
# CVSEARCH_OUT and CVSEARCH_ARGS (see cvsearch-array.sbatch) reach both jobs.
set -euo pipefail
shards=${SHARDS:-4}
array=$(sbatch --parsable --array="0-$((shards - 1))" "$@" slurm/cvsearch-array.sbatch)
array=${array%%;*}
echo "cvsearch shards: job array $array of $shards"
sbatch --dependency="afterok:$array" "$@" slurm/cvsearch-merge.sbatch
