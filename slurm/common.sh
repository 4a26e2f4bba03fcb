# Sourced by the sbatch templates (which find the repository, PARDATA_HOME, from their own
# path): the log header, the command to run, and a way to run it that stops cleanly when
# Slurm signals the batch shell before the time limit (#SBATCH --signal=B:TERM@120).
# The job runs in the folder it was submitted from (Slurm's default): relative paths in
# the job file and the command are taken from there.
#   PARDATA   the pardata binary (default: $PARDATA_HOME/target/release/pardata, else
#             pardata on the PATH)
#   JOB       the job file the templates run (default: $PARDATA_HOME/jobs/tutorial.toml)
#   arguments given to the template after its name are the pardata command to run instead
#   of the job: sbatch slurm/tutorial-mpirun.sbatch correlate mydata/ --top 5
if [ -z "${PARDATA:-}" ]; then
  PARDATA=$PARDATA_HOME/target/release/pardata
  [ -x "$PARDATA" ] || PARDATA=$(command -v pardata || echo "$PARDATA")
fi
JOB=${JOB:-$PARDATA_HOME/jobs/tutorial.toml}
if [ $# -gt 0 ]; then
  command=("$@")
else
  command=(run "$JOB")
fi

# The header of the job's log: what Slurm gave the job, and what pardata sees of it.
#   log_header LAUNCHER...   e.g. log_header mpirun, log_header srun --mpi=pmix
log_header() {
  echo "== $(date -Is) ${SLURM_JOB_NAME:-job} ${SLURM_JOB_ID:-?} on ${SLURM_JOB_NODELIST:-?}"
  env | grep '^SLURM_' | sort
  echo "== pardata doctor"
  "$@" "$PARDATA" doctor || echo "pardata doctor failed (exit $?)"
  echo "=="
}

# Runs "$@" in the background and waits for it. When the batch shell gets SIGTERM or
# SIGINT (Slurm's warning before the time limit, or scancel --batch), the signal goes on
# to the command (mpirun and srun pass it to every rank): pardata stops, outputs already
# complete stay, unfinished ones are never left under their final names. Returns the
# command's exit status, or 143 (128 + SIGTERM) when the job was signalled, whatever the
# launcher made of it (mpirun exits 1).
run_until_signalled() {
  "$@" &
  local child=$! signalled=0
  trap 'signalled=1; echo "pardata: $(date -Is): the batch job was signalled (its time limit is near, or scancel): stopping $1" >&2; kill -TERM "$child" 2>/dev/null' TERM INT
  local status=0
  wait "$child" || status=$?
  # wait returns early when a trapped signal arrives: wait again for the command itself.
  while kill -0 "$child" 2>/dev/null; do
    status=0
    wait "$child" || status=$?
  done
  trap - TERM INT
  if [ "$signalled" = 1 ]; then
    echo "pardata: $(date -Is): stopped (the command exited with $status)" >&2
    return 143
  fi
  return "$status"
}
