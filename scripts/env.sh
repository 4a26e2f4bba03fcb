# Sourced by the scripts: lets Open MPI run as root (containers, CI) and oversubscribe
# cores, so that `mpirun -n 3` works on a 2-core laptop.
if [ "$(id -u)" = 0 ]; then
  export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
fi
export OMPI_MCA_rmaps_base_oversubscribe=1
