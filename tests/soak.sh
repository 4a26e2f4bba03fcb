#!/usr/bin/env bash
# Soak: the tutorial job RUNS times in a row (default 50) on 4 ranks (oversubscribed on a
# small machine), in a scratch folder. Every run must succeed, leave outputs identical to
# the first run's (every file hashed; cvsearch's timings.csv, which records seconds, aside),
# and not hold more memory per rank than the early runs did (the peak resident memory each
# rank reports, compared between the first and the last ten runs). Bounded: a run that
# takes over 120 s fails the soak.
#   tests/soak.sh [RUNS]      (from the repository's root, after cargo build --release)
set -euo pipefail
cd "$(dirname "$0")/.."
. scripts/env.sh
runs=${1:-50}
repo=$PWD
work=$(mktemp -d /tmp/pardata-soak.XXXXXX)
trap 'rm -rf "$work"' EXIT
cd "$work"
fail() { echo "soak: FAILED: $*" >&2; exit 1; }
started=$(date +%s)
: >peaks
for ((run = 1; run <= runs; run++)); do
  timeout -k 10 120 mpirun -n 4 --oversubscribe "$repo/target/release/pardata" run "$repo/jobs/tutorial.toml" \
    --format json --quiet >"out.json" 2>"err.txt" || fail "run $run: $(tail -5 err.txt)"
  # The largest peak any rank reported in this run.
  python3 -c '
import json, sys
steps = json.load(open("out.json"))["steps"]
print(max(r["peak_memory_bytes"] or 0 for s in steps if isinstance(s["result"].get("ranks"), list) for r in s["result"]["ranks"]))
' >>peaks
  find data -type f ! -name timings.csv -print0 | sort -z | xargs -0 sha256sum >"hashes-$run"
  if [ "$run" -gt 1 ]; then
    cmp -s hashes-1 "hashes-$run" || fail "run $run wrote other bytes: $(diff hashes-1 "hashes-$run" | head -5)"
    rm "hashes-$run"
  fi
done
python3 - "$runs" <<'PY' || fail "the memory per rank grew"
import sys
peaks = [int(line) for line in open("peaks")]
runs = int(sys.argv[1])
window = max(1, min(10, runs // 3))
early, late = max(peaks[:window]), max(peaks[-window:])
print(f"soak: peak memory per rank {early / 1e6:.0f} MB in the first {window} runs, {late / 1e6:.0f} MB in the last {window}")
assert late <= early * 1.05 + 8e6, "grew"
PY
echo "soak: $runs runs of the tutorial job on 4 ranks, all succeeded with identical outputs, in $(( $(date +%s) - started )) s"
