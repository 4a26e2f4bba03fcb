#!/usr/bin/env bash
# pardata over several hosts, for real: three network namespaces on this machine (pd-a,
# pd-b, pd-c; 10.77.0.11-13 on a bridge, each with its own hostname) are the hosts of
# hostfiles/namespaces, and Open MPI starts the ranks in them through tests/hosts/netns-agent
# (where it would use ssh), with hostfiles/multi-host.tune. Checks:
#   1. doctor sees 3 ranks on 3 hosts;
#   2. correlate (blocks and bag engines, top 5 and the full matrix) gives the same bytes
#      over the three hosts as on one, and the series really crossed the veth links;
#   3. killing one host's processes mid-run ends the job, non-zero, within 20 s;
#   4. cutting one host's link mid-run ends the job, non-zero, within 40 s.
# Run from the repository's root after `cargo build --release` (scripts/test.sh does).
# Needs root (or sudo) for the namespaces; skips, saying why, without.
set -euo pipefail
cd "$(dirname "$0")/../.."
. scripts/env.sh
TEST_NAME="hosts test" ROOT_FOR="network namespaces" . scripts/as-root.sh "$@"
command -v ip >/dev/null || { apt-get install -y -qq iproute2 >/dev/null; }
# Root in a container without the network capabilities cannot make namespaces: say so.
if ! ip netns add pd-probe 2>/dev/null || ! ip netns del pd-probe 2>/dev/null; then
  echo "hosts test: skipped (this machine refuses network namespaces, even to root)" >&2
  exit 0
fi
hosts=(pd-a pd-b pd-c)
work=$(mktemp -d /tmp/pardata-hosts.XXXXXX)
cleanup() {
  for h in "${hosts[@]}"; do
    ip netns pids "$h" 2>/dev/null | xargs -r kill -9 2>/dev/null || true
    ip netns del "$h" 2>/dev/null || true
    # The root side of the link outlives a namespace that a stray process still holds.
    ip link del "veth-$h" 2>/dev/null || true
  done
  ip link del pd-br 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT
cleanup
mkdir -p "$work"
fail() { echo "hosts test: FAILED: $*" >&2; exit 1; }

ip link add pd-br type bridge
ip addr add 10.77.0.1/24 dev pd-br
ip link set pd-br up
for i in "${!hosts[@]}"; do
  h=${hosts[$i]}
  ip netns add "$h"
  ip link add "veth-$h" type veth peer name eth0 netns "$h"
  ip link set "veth-$h" master pd-br up
  ip -n "$h" addr add "10.77.0.$((11 + i))/24" dev eth0
  ip -n "$h" link set eth0 up
  ip -n "$h" link set lo up
done
pardata=$PWD/target/release/pardata
# Over the namespaces: their hostfile, the multi-host settings, the agent, and TCP on the
# bridge's network only (for the daemons and between the ranks).
across=(mpirun --hostfile hostfiles/namespaces --tune hostfiles/multi-host.tune
  --mca plm_rsh_agent "$PWD/tests/hosts/netns-agent"
  --mca oob_tcp_if_include 10.77.0.0/24 --mca btl tcp,self,vader --mca btl_tcp_if_include 10.77.0.0/24
  -n 3)
moved() { local total=0; for h in "${hosts[@]}"; do
  total=$((total + $(cat "/sys/class/net/veth-$h/statistics/rx_bytes") + $(cat "/sys/class/net/veth-$h/statistics/tx_bytes"))); done
  echo "$total"; }

doctor=$(timeout 60 "${across[@]}" "$pardata" doctor) || fail "doctor across the hosts: $doctor"
grep -q "world:        3 ranks on 3 hosts" <<<"$doctor" || fail "doctor: $doctor"
for i in 0 1 2; do grep -q "rank $i: ${hosts[$i]} " <<<"$doctor" || fail "rank $i is not on ${hosts[$i]}: $doctor"; done
echo "hosts test: doctor sees 3 ranks on pd-a, pd-b, pd-c"

"$pardata" prep --quiet --out "$work/data" --days 60 >/dev/null
mpirun -n 2 "$pardata" convert --quiet "$work/data/json" >/dev/null
for engine in blocks bag; do
  mpirun -n 3 "$pardata" correlate "$work/data/json" --engine "$engine" --top 5 --matrix "$work/one-$engine.h5" --quiet >"$work/one-$engine.txt" ||
    fail "correlate on one host"
  before=$(moved)
  timeout 120 "${across[@]}" "$pardata" correlate "$work/data/json" --engine "$engine" --top 5 --matrix "$work/three-$engine.h5" --quiet >"$work/three-$engine.txt" ||
    fail "correlate --engine $engine across the hosts: $(cat "$work/three-$engine.txt")"
  crossed=$(( $(moved) - before ))
  # Everything but the timings: the answer, the top 5, the exchange volumes.
  diff <(grep -v ' s on\| s on the busiest' "$work/one-$engine.txt") <(grep -v ' s on\| s on the busiest' "$work/three-$engine.txt") ||
    fail "--engine $engine: the results differ across hosts"
  cmp "$work/one-$engine.h5" "$work/three-$engine.h5" || fail "--engine $engine: the matrices differ"
  # 21 series of 12,660 points are 2.1 MB: at least half of them must have crossed.
  [ "$crossed" -gt 1000000 ] || fail "--engine $engine: only $crossed bytes crossed the veth links"
  echo "hosts test: correlate --engine $engine across 3 hosts = on one host ($crossed bytes over the links)"
done

# A long search, then a fault on one host; the job must end, non-zero, in bounded time.
fault() {
  local what=$1 limit=$2 inject=$3
  timeout -k 5 120 "${across[@]}" "$pardata" cvsearch --out "$work/search-$what" --samples 200 --quiet \
    >"$work/$what.out" 2>&1 &
  local job=$!
  sleep 4
  local start=$(date +%s)
  eval "$inject"
  local code=0
  wait "$job" || code=$?
  local took=$(( $(date +%s) - start ))
  [ "$code" != 0 ] || fail "$what: the job succeeded"
  [ "$code" != 124 ] || fail "$what: the job hung ($(tail -5 "$work/$what.out"))"
  [ "$took" -le "$limit" ] || fail "$what: the job took $took s to end (limit $limit s)"
  [ ! -e "$work/search-$what/results.json" ] || fail "$what: a failed search wrote results"
  echo "hosts test: $what: the job ended in $took s with exit $code"
  for h in "${hosts[@]}"; do ip netns pids "$h" | xargs -r kill -9 2>/dev/null || true; done
}
fault "killing pd-c's processes" 20 'ip netns pids pd-c | xargs -r kill -9'
fault "cutting pd-b's link" 40 'ip link set veth-pd-b down'
ip link set veth-pd-b up
echo "hosts test: all passed"
