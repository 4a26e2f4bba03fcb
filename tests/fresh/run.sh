#!/usr/bin/env bash
# The README's first command on a really fresh Debian 12 machine. debootstrap makes a
# bookworm --variant=minbase root under target/fresh/ (from the Debian mirror of this
# machine's apt sources); it gets this machine's certificate settings (an egress proxy's CA),
# its Rust toolchain where a user's rustup puts it (rustup's home and cargo's bin, bound in
# read-only), its cargo registry cache (an overlay, or a writable bind, so that crates are
# not downloaded again) and a clean clone of the committed HEAD in /root/pardata; then,
# chrooted with an empty environment, ./scripts/quickstart.sh (setup.sh's apt installs, the
# release build, the tutorial job on 2 ranks) must pass:
#   1. variant 1, the minbase root as debootstrap made it: exit 0, the tutorial's answer
#      (`... matches with ...`) and data/tutorial/cvsearch/results.json;
#   2. variant 2, a copy of the same pristine root with libclang-cpp14 installed first (its
#      libclang-cpp.so.14 once passed setup.sh's libclang check, which then installed
#      nothing, and bindgen failed with "Unable to find libclang"): setup.sh must install
#      libclang-dev, and the build (variant 1's target/, but mpi-sys's build script, bindgen,
#      run again) and the job must pass.
# Uncommitted changes are not part of the test: it clones the committed HEAD. FRESH_WORKTREE=1
# copies the working tree's tracked and untracked non-ignored files instead; FRESH_SOURCE=DIR
# clones another repository; FRESH_MIRROR=URL overrides the mirror; KEEP=1 keeps the roots.
# FRESH_SEED=FILE shares the build of the test command (scripts/test.sh), which writes "ok"
# to FILE once its own `cargo build --release --locked` of the same commit has passed: the
# fresh test waits for it before variant 1, and each root's target/release is then an
# overlay on a hard-link snapshot of this checkout's, less the outputs of the crates that
# probe the machine they are built on (mpi-sys and its bindgen and clang-sys, hdf5-metno-sys,
# the C libraries it finds through setup.sh's installs); those and every crate above them
# (mpi, hdf5, pardata) are built in the root. Anything else in FILE, or no FILE after 60 min:
# the roots build everything, as without FRESH_SEED.
# Logs: target/fresh/*.log. 15 min alone on 2 cores, about 40 beside the test command's other stages (the arrow, parquet and sqlparser crates included), without FRESH_SEED; with it, about 10 min for both variants (the steps in the roots run under nice).
# Needs root (or sudo), mounts and chroot; skips, saying why, without them.
set -euo pipefail
cd "$(dirname "$0")/../.."
repo=$PWD
skip() { echo "fresh test: skipped: $*" >&2; exit 0; }
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    exec sudo -E "$0" "$@"
  fi
  skip "needs root for debootstrap, mounts and chroot"
fi

work=$repo/target/fresh
log=
fail() {
  echo "fresh test: FAILED: $*" >&2
  if [ -n "$log" ] && [ -f "$log" ]; then
    echo "--- the last lines of $log" >&2
    tail -40 "$log" >&2
  fi
  exit 1
}
# Every mount point at or under DIR, deepest first.
mounts_under() {
  awk -v p="$1" '$5 == p || index($5, p "/") == 1 { print $5 }' /proc/self/mountinfo | sort -r
}
# Unmounts everything at or under DIR: umount, then umount -R, then a lazy unmount.
unmount_under() {
  local m _
  for _ in 1 2 3; do
    for m in $(mounts_under "$1"); do
      umount "$m" 2>/dev/null || umount -R "$m" 2>/dev/null || umount -l "$m" 2>/dev/null || true
    done
    [ -z "$(mounts_under "$1")" ] && return 0
    sleep 1
  done
  return 1
}
# Ends every process whose root is DIR or under it (orted and mpirun left by a job, a
# cargo or a dpkg of a step that timed out), TERM first, then KILL.
kill_inside() {
  local sig p root found
  for sig in TERM TERM KILL; do
    found=0
    for p in /proc/[0-9]*; do
      root=$(readlink "$p/root" 2>/dev/null) || continue
      case $root in
        "$1" | "$1"/*) kill -s "$sig" "${p#/proc/}" 2>/dev/null && found=1 ;;
      esac
    done
    [ "$found" = 0 ] && return 0
    sleep 2
  done
}
bg_pids=()
cleanup() {
  local code=$?
  set +e
  for pid in "${bg_pids[@]}"; do kill "$pid" 2>/dev/null; done
  for pid in "${bg_pids[@]}"; do wait "$pid" 2>/dev/null; done
  kill_inside "$work"
  if ! unmount_under "$work"; then
    echo "fresh test: FAILED: mounts left under $work:" $(mounts_under "$work") >&2
    exit 1
  fi
  if [ -z "${KEEP:-}" ] && [ -d "$work" ]; then
    rm -rf "$work"/root1 "$work"/root2 "$work"/cache1 "$work"/cache2 "$work"/rc "$work"/seed*
  fi
  exit "$code"
}

mkdir -p "$repo/target"
exec 9>"$repo/target/fresh.lock"
flock -n 9 || fail "another fresh test runs (target/fresh.lock)"
# What an earlier run that was killed may have left, then a new target/fresh.
kill_inside "$work"
unmount_under "$work" || fail "mounts left under $work from an earlier run:" $(mounts_under "$work")
rm -rf "$work"
mkdir -p "$work"
trap cleanup EXIT
trap 'echo "fresh test: interrupted (SIGHUP), cleaning up" >&2; exit 129' HUP
trap 'echo "fresh test: interrupted (SIGINT), cleaning up" >&2; exit 130' INT
trap 'echo "fresh test: interrupted (SIGTERM), cleaning up" >&2; exit 143' TERM

# Mounts and chroot, before the long steps: a container may refuse them even to root.
mkdir -p "$work/probe"
mount -t tmpfs tmpfs "$work/probe" 2>/dev/null || skip "this machine refuses mounts, even to root"
umount "$work/probe"
rmdir "$work/probe"
avail=$(df -Pk "$work" | awk 'NR == 2 { print int($4 / 1048576) }')
[ "$avail" -ge 10 ] || skip "only $avail GB free under target/ (the two roots and their builds take about 8)"

if ! command -v debootstrap >/dev/null; then
  command -v apt-get >/dev/null || skip "no debootstrap, and no apt-get to install it with"
  log=$work/host-apt.log
  { apt-get update && DEBIAN_FRONTEND=noninteractive apt-get install -y debootstrap; } >"$log" 2>&1 ||
    skip "debootstrap could not be installed: $(grep -m1 -E '^(E|W):' "$log" || tail -1 "$log")"
fi

# The host's Rust toolchain, as rustup installed it, and cargo's home (its registry cache).
command -v cargo >/dev/null || skip "no cargo on this machine to bind into the root"
command -v rustup >/dev/null || skip "cargo here is not rustup's (the root gets rustup's toolchain)"
rustup_home=$(rustup show home 2>/dev/null) || skip "rustup show home failed"
cargo_bin=$(dirname "$(command -v cargo)")
cargo_home=${CARGO_HOME:-$(dirname "$cargo_bin")}
[ -d "$rustup_home/toolchains" ] || skip "no toolchains in rustup's home $rustup_home"

# The Debian mirror of this machine's apt sources: deb822 (.sources) or one-line (.list)
# entries of type deb for bookworm (or stable), a security archive excepted, a /debian path
# preferred.
debian_mirror() {
  {
    for f in /etc/apt/sources.list.d/*.sources; do
      [ -f "$f" ] || continue
      awk 'BEGIN { RS = "" } {
        types = uris = suites = ""; n = split($0, lines, "\n")
        for (i = 1; i <= n; i++) {
          l = lines[i]; if (l ~ /^[ \t]*#/) continue
          k = tolower(l); sub(/:.*/, "", k); v = l; sub(/^[^:]*:[ \t]*/, "", v)
          if (k == "types") types = v; else if (k == "uris") uris = v; else if (k == "suites") suites = v
        }
        if ((" " types " ") !~ / deb / || (" " suites " ") !~ / (bookworm|stable) /) next
        split(uris, u, /[ \t]+/); for (j in u) if (u[j] != "") print u[j]
      }' "$f"
    done
    for f in /etc/apt/sources.list /etc/apt/sources.list.d/*.list; do
      [ -f "$f" ] || continue
      sed -e 's/#.*//' -e 's/\[[^]]*\]//' "$f" |
        awk '$1 == "deb" && ($3 == "bookworm" || $3 == "stable") { print $2 }'
    done
  } | { grep -v -e security || true; } | awk '{ print (/\/debian\/?$/ ? 0 : 1), $0 }' | sort -s -k1,1 |
    awk 'NR == 1 { print $2 }'
}
mirror=${FRESH_MIRROR:-}
[ -n "$mirror" ] || mirror=$(debian_mirror || true)
[ -n "$mirror" ] || mirror=http://deb.debian.org/debian
mirror=${mirror%/}

# The certificate variables of this environment, passed into the chroot.
cert_env=()
for v in SSL_CERT_FILE SSL_CERT_DIR CURL_CA_BUNDLE REQUESTS_CA_BUNDLE PIP_CERT GIT_SSL_CAINFO; do
  [ -n "${!v:-}" ] && cert_env+=("$v=${!v}")
done
# ROOT COMMAND: bash -c COMMAND in the root, as root logged in on a fresh machine would run it.
in_root() {
  chroot "$1" /usr/bin/env -i HOME=/root \
    PATH=/root/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
    "${cert_env[@]}" bash -c "$2" </dev/null
}

# This machine's settings in ROOT: the certificates (those of the distribution dereferenced,
# minbase has no ca-certificates, and the custom CA where update-ca-certificates finds it),
# pip's, cargo's and the resolver's settings, /etc/hosts; and the mount points.
settle() {
  local root=$1 v path
  mkdir -p "$root/etc/ssl" "$root/usr/local/share"
  cp -rL /etc/ssl/certs "$root/etc/ssl/" 2>/dev/null || true
  [ ! -d /usr/local/share/ca-certificates ] || cp -a /usr/local/share/ca-certificates "$root/usr/local/share/"
  for v in "${cert_env[@]}"; do
    path=${v#*=}
    if [ -e "$path" ] && [ ! -e "$root$path" ]; then
      mkdir -p "$root$(dirname "$path")" && cp -rL "$path" "$root$path"
    fi
  done
  [ ! -f /etc/pip.conf ] || cp /etc/pip.conf "$root/etc/pip.conf"
  cp -L /etc/resolv.conf "$root/etc/resolv.conf"
  [ ! -f /etc/hosts ] || cp /etc/hosts "$root/etc/hosts"
  mkdir -p "$root/root/.rustup" "$root/root/.cargo/bin" "$root/root/.cargo/registry"
  for f in config.toml config; do
    [ ! -f "$cargo_home/$f" ] || cp "$cargo_home/$f" "$root/root/.cargo/$f"
  done
}
# ROOT N: /proc, /sys, a /dev of its own (a tmpfs with the host's few character devices
# bound on files, its own devpts and /dev/shm for Open MPI: nothing that an rm -rf of
# the root could harm), the toolchain read-only and the registry cache.
registry_how=
mount_root() {
  local root=$1 n=$2 dev
  mount -t proc proc "$root/proc"
  mount -t sysfs -o ro sysfs "$root/sys" 2>/dev/null || mount --rbind /sys "$root/sys"
  mount -t tmpfs -o mode=755,nosuid tmpfs "$root/dev"
  for dev in null zero full random urandom tty; do
    touch "$root/dev/$dev"
    mount --bind "/dev/$dev" "$root/dev/$dev"
  done
  ln -s /proc/self/fd "$root/dev/fd"
  ln -s /proc/self/fd/0 "$root/dev/stdin"
  ln -s /proc/self/fd/1 "$root/dev/stdout"
  ln -s /proc/self/fd/2 "$root/dev/stderr"
  mkdir "$root/dev/pts" "$root/dev/shm"
  if mount -t devpts -o newinstance,ptmxmode=0666,mode=620,gid=5 devpts "$root/dev/pts" 2>/dev/null; then
    ln -s pts/ptmx "$root/dev/ptmx"
  else
    mount --bind /dev/pts "$root/dev/pts"
    touch "$root/dev/ptmx" && mount --bind /dev/ptmx "$root/dev/ptmx"
  fi
  mount -t tmpfs -o mode=1777,nosuid,nodev tmpfs "$root/dev/shm"
  mount --bind "$rustup_home" "$root/root/.rustup"
  mount -o remount,bind,ro "$root/root/.rustup" || fail "rustup's home could not be made read-only in the root"
  mount --bind "$cargo_bin" "$root/root/.cargo/bin"
  mount -o remount,bind,ro "$root/root/.cargo/bin" || fail "cargo's bin could not be made read-only in the root"
  if [ -d "$cargo_home/registry" ]; then
    mkdir -p "$work/cache$n/upper" "$work/cache$n/work"
    if mount -t overlay overlay -o "lowerdir=$cargo_home/registry,upperdir=$work/cache$n/upper,workdir=$work/cache$n/work" \
      "$root/root/.cargo/registry" 2>/dev/null; then
      registry_how="an overlay on $cargo_home/registry"
    else
      mount --bind "$cargo_home/registry" "$root/root/.cargo/registry"
      registry_how="$cargo_home/registry bound writable"
    fi
  else
    registry_how="none (no registry cache here)"
  fi
}
release_root() {
  kill_inside "$1"
  unmount_under "$1" || fail "mounts left under $1:" $(mounts_under "$1")
}

# The sources: a clean clone of the committed HEAD, or (FRESH_WORKTREE=1) the working tree.
source=${FRESH_SOURCE:-$repo}
head=$(git -C "$source" rev-parse HEAD) || fail "$source is not a git repository"
if [ -n "${FRESH_WORKTREE:-}" ]; then
  what="the working tree of $source (tracked and untracked non-ignored files, at $(git -C "$source" log -1 --format='%h + changes' HEAD))"
else
  changes=$(git -C "$source" status --porcelain --untracked-files=normal | wc -l)
  subject=$(git -C "$source" log -1 --format=%s HEAD)
  [ ${#subject} -le 60 ] || subject="${subject:0:57}..."
  what="a clean clone of the committed HEAD $(git -C "$source" rev-parse --short HEAD) ($subject)"
  [ "$changes" = 0 ] || what="$what; its $changes uncommitted changes are not part of the test (FRESH_WORKTREE=1 tests them)"
fi
place_sources() {
  local dest=$1
  if [ -n "${FRESH_WORKTREE:-}" ]; then
    mkdir -p "$dest"
    (cd "$source" && git ls-files -z --cached --others --exclude-standard |
      while IFS= read -r -d '' f; do { [ -e "$f" ] || [ -L "$f" ]; } && printf '%s\0' "$f"; done |
      tar --null --no-recursion -T - -cf -) | tar -C "$dest" -xf - || fail "copying the working tree failed"
  else
    git clone -q --no-local "$source" "$dest" || fail "git clone --no-local $source failed"
    [ "$(git -C "$dest" rev-parse HEAD)" = "$head" ] || git -C "$dest" checkout -q --detach "$head" ||
      fail "the clone is not at $head"
  fi
}

# The shared build (FRESH_SEED): waits for the test command's build, then snapshots its
# target/release (hard links: nothing is copied) without the machine-probing crates' outputs
# as $work/seed; sets seeded=1, or says why the roots build everything.
seeded=0
take_seed() {
  local waited=0 said probe
  [ -n "${FRESH_SEED:-}" ] || return 0
  while [ ! -s "$FRESH_SEED" ] && [ $waited -lt 3600 ]; do
    sleep 5
    waited=$((waited + 5))
  done
  said=$(cat "$FRESH_SEED" 2>/dev/null || echo "nothing after 60 min")
  if [ "$said" != ok ] || [ ! -d "$repo/target/release/deps" ]; then
    echo "fresh test: the test command's build said '$said': the roots build everything"
    return 0
  fi
  mkdir -p "$work/seed"
  (cd "$repo/target/release" && cp -al deps build .fingerprint "$work/seed/") ||
    fail "the hard-link snapshot of target/release failed"
  shopt -s nullglob
  for probe in mpi-sys mpi_sys clang-sys clang_sys hdf5-metno-sys hdf5_metno_sys; do
    rm -rf "$work"/seed/{build,.fingerprint}/"$probe"-* "$work"/seed/deps/{lib,}"$probe"-*
  done
  shopt -u nullglob
  seeded=1
  echo "fresh test: after waiting $waited s for the test command's build, the roots share it (without mpi-sys, clang-sys and hdf5-metno-sys)"
}
# ROOT N: the shared build as ROOT's target/release (an overlay: what the root builds stays
# in it).
mount_seed() {
  local root=$1 n=$2
  [ "$seeded" = 1 ] || return 0
  mkdir -p "$root/root/pardata/target/release" "$work/seed$n/upper" "$work/seed$n/work"
  mount -t overlay overlay -o "lowerdir=$work/seed,upperdir=$work/seed$n/upper,workdir=$work/seed$n/work" \
    "$root/root/pardata/target/release" || fail "the overlay of the shared build on $root failed"
}
# LOG: the crates that probe the machine must have been built in the root.
check_probes_built() {
  local crate
  for crate in mpi-sys hdf5-metno-sys; do
    grep -q "Compiling $crate" "$1" || fail "$crate was not built in the root: $1"
  done
}

# ROOT LOG: the README's command in the root's clone, under nice and a 75 min limit (the build runs niced beside the other stages of the test command), each
# line of its output stamped with its second; sets rc.
quickstart() {
  local root=$1
  log=$2
  rm -f "$work/rc"
  {
    code=0
    nice -n 10 timeout -k 30 4500 chroot "$root" /usr/bin/env -i HOME=/root \
      PATH=/root/.cargo/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin TERM=dumb \
      "${cert_env[@]}" bash -c 'cd /root/pardata && ./scripts/quickstart.sh' </dev/null 2>&1 || code=$?
    # What the run left behind (an orted, say) would hold the pipe open.
    kill_inside "$root" >/dev/null 2>&1
    echo "$code" >"$work/rc"
  } | stamp >"$log" &
  bg_pids=($!)
  wait $! || true
  bg_pids=()
  rc=$(cat "$work/rc" 2>/dev/null || echo "lost")
  [ "$rc" != 124 ] && [ "$rc" != 137 ] || fail "./scripts/quickstart.sh ran past 75 min in $root"
}
stamp() {
  local start=$SECONDS line
  while IFS= read -r line || [ -n "$line" ]; do
    printf '[+%ds] %s\n' $((SECONDS - start)) "$line"
  done
}
# LOG: "setup.sh N s, build N s, job N s" from its stamps (the build starts at cargo's first
# status line and ends at its Finished line).
phases() {
  awk '{ t = substr($1, 3) + 0; last = t }
    !seen && /^\[\+[0-9]+s\] +(Updating|Locking|Downloading|Downloaded|Compiling|Blocking|Fresh|Finished) / { b = t; seen = 1 }
    /^\[\+[0-9]+s\] +Finished / { f = t }
    END { printf "setup.sh %d s, build %d s, job %d s", b, f - b, last - f }' "$1"
}
# What setup.sh said it installed, from the log.
setup_said() {
  local said
  said=$(sed -n 's/^\[+[0-9]*s\] //; /^setup: /{ p; q; }' "$log")
  echo "${said:-setup.sh installed nothing}"
}
# ROOT: the checks on a quickstart's run (rc and log).
check_run() {
  local root=$1 answer
  [ "$rc" = 0 ] || fail "./scripts/quickstart.sh exited $rc in $root ($(setup_said))"
  answer=$(sed -n 's/^\[+[0-9]*s\] //; /matches with/ { p; q }' "$log")
  [ -n "$answer" ] || fail "no tutorial answer (a line with 'matches with') in $log"
  [ -s "$root/root/pardata/data/tutorial/cvsearch/results.json" ] ||
    fail "no data/tutorial/cvsearch/results.json in the clone in $root"
  echo "fresh test: the tutorial's answer: $answer"
}

echo "fresh test: the sources are $what"

# The pristine root: bookworm minbase, 15 min at most.
started=$SECONDS
log=$work/debootstrap.log
code=0
nice -n 10 timeout -k 30 900 debootstrap --variant=minbase bookworm "$work/root1" "$mirror" >"$log" 2>&1 &
bg_pids=($!)
wait $! || code=$?
bg_pids=()
unmount_under "$work/root1" || fail "debootstrap left mounts in $work/root1"
if [ "$code" = 124 ] || [ "$code" = 137 ]; then
  fail "debootstrap ran past 15 min"
elif [ "$code" != 0 ]; then
  # Refused by the machine or the network, not by this script: skip, saying why.
  why=$(grep -m1 -i -E 'Failed getting release|Couldn.t download|Temporary failure|Could not resolve|Connection (refused|timed out)|Network is unreachable|No route to host|Operation not permitted|Permission denied|cannot change root|noexec or nodev|Release signed by unknown key|Invalid Release|No space left' "$log") &&
    skip "debootstrap failed: $why"
  fail "debootstrap --variant=minbase bookworm $mirror exited $code"
fi
in_root "$work/root1" true 2>/dev/null || skip "chroot into the new root is refused"
debootstrap_s=$((SECONDS - started))
cp -a "$work/root1" "$work/root2" # the pristine copy for variant 2
echo "fresh test: debootstrap bookworm minbase from $mirror ok in $debootstrap_s s ($(du -sm "$work/root1" | cut -f1) MB)"

# Variant 1: the minbase root as it is.
started=$SECONDS
root=$work/root1
log=
settle "$root"
mount_root "$root" 1
echo "fresh test: toolchain $rustup_home and $cargo_bin read-only, registry cache: $registry_how"
place_sources "$root/root/pardata"
take_seed
mount_seed "$root" 1
echo "fresh test: variant 1: ./scripts/quickstart.sh in $root (log: target/fresh/variant1.log)"
quickstart "$root" "$work/variant1.log"
[ "$seeded" = 0 ] || check_probes_built "$log"
grep -q "Unable to find libclang" "$log" && fail "bindgen did not find libclang: setup.sh did not install it ($(setup_said))"
check_run "$root"
v1="fresh test: variant 1 (minbase): ok in $((SECONDS - started)) s ($(phases "$work/variant1.log")"
release_root "$root"
v1="$v1; root $(du -sm "$root" | cut -f1) MB)"
echo "$v1"

# Variant 2: the pristine copy with libclang-cpp14 (and no libclang-dev) installed first.
started=$SECONDS
root=$work/root2
settle "$root"
mount_root "$root" 2
log=$work/variant2-apt.log
nice -n 10 timeout -k 30 900 chroot "$root" /usr/bin/env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin DEBIAN_FRONTEND=noninteractive \
  bash -c 'apt-get update && apt-get install -y libclang-cpp14' </dev/null >"$log" 2>&1 ||
  fail "apt-get install libclang-cpp14 failed in $root"
apt_s=$((SECONDS - started))
in_root "$root" 'ldconfig -p | grep -q "libclang-cpp\.so\.14"' || fail "no libclang-cpp.so.14 in ldconfig's cache after installing libclang-cpp14"
! in_root "$root" 'dpkg -s libclang-dev' >/dev/null 2>&1 || fail "libclang-cpp14 brought libclang-dev: variant 2 tests nothing"
echo "fresh test: variant 2: libclang-cpp14 installed in $apt_s s (libclang-cpp.so.14 in ldconfig's cache, no libclang-dev)"
place_sources "$root/root/pardata"
if [ "$seeded" = 1 ]; then
  mount_seed "$root" 2
  echo "fresh test: variant 2: ./scripts/quickstart.sh on the shared build (log: target/fresh/variant2.log)"
else
  cp -a --reflink=auto "$work/root1/root/pardata/target" "$root/root/pardata/target" || fail "copying variant 1's target/ failed"
  shopt -s nullglob
  stale=("$root"/root/pardata/target/release/build/mpi-sys-* "$root"/root/pardata/target/release/.fingerprint/mpi-sys-*)
  shopt -u nullglob
  [ ${#stale[@]} -gt 0 ] || fail "no mpi-sys build outputs in variant 1's target/"
  rm -rf "${stale[@]}"
  echo "fresh test: variant 2: ./scripts/quickstart.sh with variant 1's target/ less mpi-sys's build outputs (log: target/fresh/variant2.log)"
fi
quickstart "$root" "$work/variant2.log"
grep -q "Unable to find libclang" "$log" && fail "bindgen did not find libclang: setup.sh did not install it ($(setup_said))"
check_run "$root"
in_root "$root" 'dpkg -s libclang-dev 2>/dev/null | grep -q "^Status: install ok installed"' ||
  fail "setup.sh did not install libclang-dev in the root with libclang-cpp14"
grep -q "Compiling mpi-sys" "$log" || fail "mpi-sys was not built again (bindgen did not run): $log"
v2="fresh test: variant 2 (minbase + libclang-cpp14): ok in $((SECONDS - started)) s (libclang-cpp14 $apt_s s, $(phases "$work/variant2.log")"
release_root "$root"
v2="$v2; root $(du -sm "$root" | cut -f1) MB)"
echo "$v2"

echo "fresh test: debootstrap: ok in $debootstrap_s s"
echo "$v1"
echo "$v2"
echo "fresh test: all passed"
