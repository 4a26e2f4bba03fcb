#!/usr/bin/env bash
# The Slurm templates (slurm/) on a real Slurm: installs Debian's slurm-wlm and munge when
# missing, starts a one-node cluster on this machine (munged, slurmctld, slurmd, without
# systemd), and submits with `sbatch --wait`:
#   1. slurm/tutorial-mpirun.sbatch on 2 tasks: exit 0, the job's outputs, doctor's header;
#   2. slurm/tutorial-srun.sbatch (srun --mpi=pmix): the same;
#   3. a job whose job file is wrong: sbatch --wait exits non-zero;
#   4. slurm/cvsearch-submit.sh: a 3-element array and the merge, scores as one run's;
#   5. a running job signalled as at its time limit (scancel --batch --signal=TERM): it
#      stops within seconds, says so, exits 143, and leaves no output half-written.
# Run from the repository's root after `cargo build --release` (scripts/test.sh does both).
# Needs root (or sudo) for the packages and the daemons; skips, saying why, without.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/env.sh
TEST_NAME="slurm test" ROOT_FOR="slurmd and slurmctld" . scripts/as-root.sh "$@"
if ! command -v slurmctld >/dev/null || ! command -v munged >/dev/null; then
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq slurm-wlm munge >/dev/null; } ||
    { echo "slurm test: FAILED to install slurm-wlm and munge" >&2; exit 1; }
fi

work=$(mktemp -d /tmp/pardata-slurm.XXXXXX)
pids=()
cleanup() {
  for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
  sleep 1
  # A slurmd still trying to register can outlive SIGTERM.
  for pid in "${pids[@]}"; do kill -9 "$pid" 2>/dev/null || true; done
  [ -n "${KEEP:-}" ] || rm -rf "$work"
}
trap cleanup EXIT
fail() { echo "slurm test: FAILED: $*" >&2; for log in "$work"/log/*; do echo "--- $log" >&2; tail -20 "$log" >&2; done; exit 1; }

node=$(hostname -s)
mkdir -p "$work"/{etc,state,spool,log,run} /run/munge
chown munge: /run/munge 2>/dev/null || true
cat >"$work/etc/slurm.conf" <<CONF
ClusterName=pardata-test
SlurmctldHost=$node
SlurmUser=root
SlurmdUser=root
AuthType=auth/munge
CryptoType=crypto/munge
MpiDefault=none
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
SelectType=select/cons_tres
SelectTypeParameters=CR_Core
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SwitchType=switch/none
ReturnToService=2
StateSaveLocation=$work/state
SlurmdSpoolDir=$work/spool
SlurmctldPidFile=$work/run/slurmctld.pid
SlurmdPidFile=$work/run/slurmd.pid
SlurmctldLogFile=$work/log/slurmctld.log
SlurmdLogFile=$work/log/slurmd.log
PlugStackConfig=$work/etc/plugstack.conf
MinJobAge=600
NodeName=$node CPUs=$(nproc) State=UNKNOWN
PartitionName=debug Nodes=ALL Default=YES MaxTime=INFINITE State=UP
CONF
: >"$work/etc/plugstack.conf"
export SLURM_CONF=$work/etc/slurm.conf

# munged's socket, not its process, tells whether it serves (a munged left from an earlier
# installation may run without one).
if [ ! -S /run/munge/munge.socket.2 ]; then
  runuser -u munge -- munged 2>>"$work/log/munged.log" || munged --force 2>>"$work/log/munged.log" ||
    fail "munged did not start"
  pids+=("$(cat /run/munge/munged.pid)")
fi
slurmctld -D -f "$SLURM_CONF" >>"$work/log/slurmctld.out" 2>&1 &
pids+=($!)
slurmd -D -f "$SLURM_CONF" -N "$node" >>"$work/log/slurmd.out" 2>&1 &
pids+=($!)
for _ in $(seq 60); do
  sinfo -h -o '%T' 2>/dev/null | grep -q idle && break
  sleep 1
done
sinfo -h -o '%T' | grep -q idle || fail "the node never became idle: $(sinfo 2>&1)"
echo "slurm test: a one-node cluster on $node ($(nproc) CPUs), Slurm $(sinfo -V)"

# A small job: the tutorial's steps on 20 days and a 4-candidate search.
data=$work/data
cat >"$work/small.toml" <<TOML
name = "small"
[[step]]
args = ["prep", "--out", "$data", "--days", "20", "--json-days", "20"]
[[step]]
args = ["convert", "$data/json"]
[[step]]
args = ["correlate", "$data/json", "--top", "3"]
[[step]]
args = ["cvsearch", "--out", "$data/cvsearch", "--samples", "4"]
TOML
export JOB=$work/small.toml PARDATA=$PWD/target/release/pardata

# sbatch --wait SCRIPT with OPTIONS, in the repository's root; prints the job's log.
submit() {
  local script=$1; shift
  local out=$work/log/job-%j.out
  local code=0
  sbatch --wait --output="$out" "$@" "$script" >"$work/submitted" || code=$?
  job=$(grep -o '[0-9]*' "$work/submitted" | tail -1)
  log=$work/log/job-$job.out
  return $code
}

started=$(date +%s)
submit slurm/tutorial-mpirun.sbatch --ntasks=2 || fail "the mpirun template failed ($(cat "$log"))"
grep -q "matches with" "$log" || fail "no correlate answer in the log"
grep -q "launcher:     Open MPI mpirun, 2 ranks started, in Slurm job $job" "$log" || fail "no doctor header"
grep -q '^SLURM_JOB_ID=' "$log" || fail "no SLURM_ variables in the header"
for f in "$data"/json/aet.h5 "$data"/cvsearch/results.json; do [ -s "$f" ] || fail "no $f"; done
echo "slurm test: mpirun template ok ($(( $(date +%s) - started )) s)"

# From another folder, with a command instead of the job: the template finds the repository.
mkdir -p "$work/elsewhere"
code=0
(cd "$work/elsewhere" && env -u PARDATA -u JOB sbatch --wait --ntasks=2 --output="$work/log/job-%j.out" \
  "$OLDPWD/slurm/tutorial-mpirun.sbatch" correlate "$data/json" --top 2 >"$work/submitted") || code=$?
job=$(grep -o '[0-9]*' "$work/submitted" | tail -1)
log=$work/log/job-$job.out
[ "$code" = 0 ] || fail "the template submitted from another folder failed ($(cat "$log"))"
grep -q "matches with" "$log" || fail "the command given to the template did not run ($(cat "$log"))"
echo "slurm test: the template submitted from another folder with a command ok"

rm -rf "$data"
submit slurm/tutorial-srun.sbatch --ntasks=2 || fail "the srun template failed ($(cat "$log"))"
grep -q "launcher:     Slurm srun (PMIx), 2 ranks started" "$log" || fail "srun's ranks: $(grep -A3 launcher "$log")"
grep -q "world:        2 ranks" "$log" || fail "srun did not make a world of 2"
[ -s "$data/cvsearch/results.json" ] || fail "srun: no search results"
echo "slurm test: srun --mpi=pmix template ok"

printf '[[step]]\nargs = ["correlate", "%s/nowhere"]\n' "$work" >"$work/bad.toml"
if JOB=$work/bad.toml submit slurm/tutorial-mpirun.sbatch --ntasks=2; then
  fail "a failing job's sbatch --wait exited 0"
fi
grep -q "pardata: error: .*nowhere" "$log" || fail "the failure is not in the log"
echo "slurm test: a failing job fails sbatch --wait ok"

export CVSEARCH_OUT=$work/search CVSEARCH_ARGS="--samples 6 --splits 2 --seed 3"
SHARDS=3 slurm/cvsearch-submit.sh --wait --ntasks=1 --output="$work/log/job-%A_%a.out" >"$work/submitted" ||
  fail "the cvsearch array or its merge failed"
for k in 0 1 2; do [ -s "$CVSEARCH_OUT/shards/shard-$k-of-3.json" ] || fail "no shard $k"; done
"$PARDATA" cvsearch --out "$work/whole" $CVSEARCH_ARGS --quiet >/dev/null
python3 - "$CVSEARCH_OUT/results.json" "$work/whole/results.json" <<'PY' || fail "the merged search differs from one run"
import json, sys
merged, whole = (json.load(open(p)) for p in sys.argv[1:])
key = lambda r: [(f["candidate"], f["split"], f["validation_accuracy"]) for f in r["fits"]]
assert key(merged) == key(whole) and merged["ranking"] == whole["ranking"]
PY
echo "slurm test: cvsearch job array and merge ok"

# A long search, signalled as Slurm does before the time limit.
printf '[[step]]\nargs = ["cvsearch", "--out", "%s/long", "--samples", "5000"]\n' "$work" >"$work/long.toml"
job=$(JOB=$work/long.toml sbatch --parsable --ntasks=2 --output="$work/log/job-%j.out" slurm/tutorial-mpirun.sbatch) ||
  fail "the long job was not submitted"
log=$work/log/job-$job.out
for _ in $(seq 60); do grep -q '^==$' "$log" 2>/dev/null && break; sleep 1; done
sleep 3
signalled=$(date +%s)
scancel --batch --signal=TERM "$job"
for _ in $(seq 30); do squeue -h -j "$job" 2>/dev/null | grep -q . || break; sleep 1; done
took=$(( $(date +%s) - signalled ))
squeue -h -j "$job" 2>/dev/null | grep -q . && fail "the signalled job still runs after 30 s"
grep -q "the batch job was signalled" "$log" || fail "the job did not say it was signalled"
scontrol show job "$job" | grep -q "ExitCode=143:0" || fail "exit code: $(scontrol show job "$job" | grep -o 'ExitCode=[^ ]*')"
[ ! -e "$work/long/results.json" ] || fail "a stopped search left results"
leftovers=$({ find "$work/long" -type f 2>/dev/null || true; } | wc -l)
echo "slurm test: a signalled job stopped in ${took} s with exit 143 ($leftovers files under its output folder) ok"
echo "slurm test: all passed"
