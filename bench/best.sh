# Sourced by bench/tables.sh and bench/groupby.sh: the best of 3 wall seconds of "$@"
# (its output discarded).
best() {
  local best=999999 t0 t1 t
  for _ in 1 2 3; do
    t0=$(date +%s.%N); "$@" >/dev/null 2>&1; t1=$(date +%s.%N)
    t=$(echo "$t1 - $t0" | bc); if (( $(echo "$t < $best" | bc) )); then best=$t; fi
  done
  echo "$best"
}
