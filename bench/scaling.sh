#!/usr/bin/env bash
# Scaling: strong scaling of convert, correlate (many series) and cvsearch from 1 rank up
# to RANKS (default: the machine's cores), and weak scaling of correlate (series growing as
# the square root of the ranks, so that each rank's share of the pairs stays the same),
# with the exchange volume correlate measured against its plan's. In-program seconds (what
# each command prints), so MPI's start-up is left out; the best of two runs.
#   bench/scaling.sh [RANKS]
set -euo pipefail
. "$(dirname "$0")/lib.sh"
max=${1:-$(nproc)}
pardata=target/release/pardata
inside() { sed -n 's/.* in \([0-9.]*\) s on [0-9]* rank.*/\1/p' | awk 'NR == 1'; }
best() { local a b; a=$("$@" | inside); b=$("$@" | inside); awk -v a="$a" -v b="$b" 'BEGIN { print (a < b) ? a : b }'; }
# convert keeps frames that are up to date: each timed run starts without them.
fresh_convert() { rm -f "$work"/conv/json/*.h5; mpirun -n "$1" $pardata convert --quiet "$work/conv/json"; }

# convert: 120 JSON Lines files of 60 days.
$pardata prep --quiet --out "$work/conv" --symbols 120 --days 60 --json-days 60 >/dev/null
rm -rf "$work/conv/minute"
# correlate: 2,000 series of 4,220 points (strong); 1,000 x sqrt(ranks) (weak).
$pardata prep --quiet --out "$work/many" --symbols 2000 --days 20 --json-days 20 >/dev/null
rm -rf "$work/many/minute"
mpirun -n "$max" $pardata convert --quiet "$work/many/json" >/dev/null
printf '%6s %12s %12s %12s %14s %26s\n' ranks convert correlate cvsearch "weak corr." "exchanged / plan, MB"
declare -A base
for ((n = 1; n <= max; n++)); do
  conv=$(best fresh_convert "$n")
  corr=$(best mpirun -n "$n" $pardata correlate --quiet "$work/many/json")
  cvs=$(best mpirun -n "$n" $pardata cvsearch --quiet --samples 20 --splits 2 --out "$work/cvs")
  # Weak: the first round(1000 * sqrt(n)) series.
  count=$(awk -v n="$n" 'BEGIN { printf "%d", 1000 * sqrt(n) + 0.5 }')
  rm -rf "$work/weak" && mkdir "$work/weak"
  printf '%s\n' "$work/many/json"/*.h5 | awk -v c="$count" 'NR <= c' | xargs -I{} ln -s {} "$work/weak/"
  weak=$(best mpirun -n "$n" $pardata correlate --quiet "$work/weak")
  volume=$(mpirun -n "$n" $pardata correlate --quiet "$work/many/json" | sed -n 's/.*exchanged \([0-9.]*\) MB (the plan needs \([0-9.]*\) MB).*/\1 \/ \2/p')
  [ "$n" = 1 ] && base=([conv]=$conv [corr]=$corr [cvs]=$cvs [weak]=$weak)
  speed() { awk -v a="${base[$1]}" -v b="$2" -v n="$n" 'BEGIN { printf "%.3f (%.2fx)", b, a / b }'; }
  printf '%6s %12s %12s %12s %14s %26s\n' "$n" "$(speed conv "$conv")" "$(speed corr "$corr")" "$(speed cvs "$cvs")" \
    "$(awk -v a="${base[weak]}" -v b="$weak" 'BEGIN { printf "%.3f (%.0f%%)", b, 100 * a / b }')" "$volume"
done
echo "(strong: seconds and speed-up over 1 rank; weak: seconds and efficiency, 1000 x sqrt(ranks) series)"
