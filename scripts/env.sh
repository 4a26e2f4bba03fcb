# Sourced by the scripts: lets Open MPI run as root (containers, CI), oversubscribe cores
# so that `mpirun -n 3` works on a 2-core laptop, and use its shared-memory/TCP transport
# directly (pml ob1) instead of probing for UCX and libfabric networks at every start,
# which costs about 0.2 s per run on a machine without them. On a cluster, leave the PML to
# Open MPI (the Slurm templates do not source this file).
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_rmaps_base_oversubscribe=1
export OMPI_MCA_pml=${OMPI_MCA_pml:-ob1}
