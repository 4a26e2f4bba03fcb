# Sourced by bench/tables.sh, bench/groupby.sh and bench/sort_topk.sh: `best`, the best of
# 3 wall seconds of "$@" (its output discarded), and `inside`, the best of 3 of pardata's
# own seconds (the "seconds" of its JSON: the query, not the MPI start; needs $py), and
# `peak`, the largest peak memory of a rank in one run of "$@", in MB.
best() {
  local best=999999 t0 t1 t
  for _ in 1 2 3; do
    t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc); if (( $(echo "$t < $best" | bc) )); then best=$t; fi
  done
  echo "$best"
}
inside() {
  local best=999999 t
  for _ in 1 2 3; do
    t=$("$@" --format json | $py -c 'import json,sys; print(json.load(sys.stdin)["seconds"])')
    if (( $(echo "$t < $best" | bc) )); then best=$t; fi
  done
  printf "%.3f" "$best"
}
peak() {
  "$@" --format json | $py -c 'import json,sys; print(max(r["peak_memory_bytes"] or 0 for r in json.load(sys.stdin)["ranks"]) // 1000000)'
}
