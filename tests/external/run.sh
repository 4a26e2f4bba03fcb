#!/usr/bin/env bash
# pardata as a dependency: builds tests/external (a crate of its own, `wordcount`, whose
# Cargo.toml has only the line `pardata = { path = "../.." }`) and runs it under
# `mpirun -n 2`:
#   1. on 12 text files written here: its three most frequent words and their counts equal
#      those the shell counts (tr | sort | uniq -c: an independent reference), at 1 and 2
#      ranks;
#   2. with a file that does not exist, read by rank 1: the job fails (exit 1) at once with
#      one report, from rank 0, that names the file, rank 1 and its host.
# The build shares this checkout's target/, Cargo.lock's versions and its release
# profile's debug setting (given through the environment, not the crate's Cargo.toml), so
# only the dependency graph's differences are compiled.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/env.sh
repo=$PWD
work=$(mktemp -d)
trap 'rm -rf "$work" "$repo/tests/external/Cargo.lock"' EXIT
fail() {
  echo "external test: FAILED: $*" >&2
  exit 1
}

cp Cargo.lock tests/external/Cargo.lock
started=$(date +%s)
CARGO_TARGET_DIR=$repo/target CARGO_PROFILE_RELEASE_DEBUG=line-tables-only cargo build --release --quiet --manifest-path tests/external/Cargo.toml ||
  fail "the crate that depends on pardata does not build"
echo "external test: a crate with only the dependency line builds ($(( $(date +%s) - started )) s)"
program=$repo/target/release/wordcount

python3 - "$work" <<'PY'
import random, sys
rng = random.Random(7)
words = ["the", "of", "and", "to", "in", "data", "rank", "Frame", "MPI", "series"]
weights = [40, 25, 21, 13, 8, 5, 3, 2, 2, 1]
for i in range(12):
    with open(f"{sys.argv[1]}/part-{i:02}.txt", "w") as f:
        for line in range(rng.randint(0, 60)):
            f.write(" ".join(rng.choices(words, weights, k=rng.randint(1, 12))) + "\n")
PY
expected=$(cat "$work"/part-*.txt | tr -s '[:space:]' '\n' | grep -v '^$' | tr 'A-Z' 'a-z' |
  sort | uniq -c | sort -k1,1nr -k2,2 | head -3 | awk '{print $2 ": " $1}')
for ranks in 1 2; do
  got=$(timeout -k 5 120 mpirun -q -n "$ranks" "$program" "$work"/part-*.txt) ||
    fail "wordcount on $ranks ranks failed"
  [ "$got" = "$expected" ] || fail "on $ranks ranks: got\n$got\nexpected\n$expected"
done
echo "external test: wordcount gives the shell's counts at 1 and 2 ranks ok"

code=0
started=$(date +%s)
timeout -k 5 60 mpirun -q -n 2 "$program" "$work/part-00.txt" "$work/missing.txt" >"$work/out" 2>"$work/err" || code=$?
took=$(( $(date +%s) - started ))
[ "$code" = 1 ] || fail "a missing file: exit $code, expected 1 ($(cat "$work/err"))"
reports=$(grep -c '^wordcount: error: ' "$work/err" || true)
[ "$reports" = 1 ] || fail "a missing file: $reports reports, expected one ($(cat "$work/err"))"
grep -q "^wordcount: error: cannot read $work/missing.txt: .* \[rank 1 on [^];]*\]$" "$work/err" ||
  fail "the report does not name the file, rank 1 and its host: $(cat "$work/err")"
! grep -q "did not reach the end" "$work/err" || fail "the ranks did not agree: $(cat "$work/err")"
[ "$took" -lt 10 ] || fail "a missing file took $took s to end the job (the ranks agree at once)"
echo "external test: a missing file on rank 1 fails the job in ${took} s with one report ok"
echo "external test: all passed"
