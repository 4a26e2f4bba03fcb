#!/usr/bin/env bash
# The second command of the README: the whole test suite. Installs what is missing, then
# checks formatting and lints, and runs the unit tests and the integration tests, which
# launch the real binary under mpirun -n 1, 2 and 3, and cross-checks with pandas; then
# the Slurm templates on a real Slurm (tests/slurm/run.sh) and the hostfiles across
# network namespaces (tests/hosts/run.sh).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh
# The Python environment of the cross-checks against pandas, pyarrow, DuckDB and scikit-learn
# (tests skip, saying why, without it).
if ! target/pyenv/bin/python -c 'import pandas, tables, sklearn, pyarrow, h5py, duckdb' 2>/dev/null; then
  rm -rf target/pyenv
  python3 -m venv target/pyenv.new && target/pyenv.new/bin/pip install -q pandas tables scikit-learn pyarrow h5py duckdb && mv target/pyenv.new target/pyenv \
    || { rm -rf target/pyenv.new; echo "test: no Python environment: the pandas and scikit-learn cross-checks will be skipped" >&2; }
fi
# Headless Chromium for the HTML report's browser test (it skips, saying why, without it).
if ! command -v chromium >/dev/null 2>&1 && command -v apt-get >/dev/null 2>&1; then
  if [ "$(id -u)" = 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || echo "test: no chromium: the browser test will be skipped" >&2
  elif command -v sudo >/dev/null 2>&1; then
    { sudo apt-get update -qq && sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; } || echo "test: no chromium: the browser test will be skipped" >&2
  fi
fi
# Every stage runs, even after one fails, so that one run reports every failure; the
# command fails if any stage did.
failed=()
stage() {
  local name=$1 started=$SECONDS
  shift
  echo "test: $name"
  "$@" || failed+=("$name")
  echo "test: $name: $((SECONDS - started)) s"
}
# A fresh Debian 12 root (debootstrap) runs the README's first command, in the background
# of the other stages (it is mostly waiting on the network and on a niced build).
# It shares the release build below (FRESH_SEED): only the crates that probe the machine,
# and those above them, are built in its roots.
mkdir -p target
rm -f target/fresh-seed
FRESH_SEED=$PWD/target/fresh-seed tests/fresh/run.sh >target/fresh-machine.log 2>&1 &
fresh=$!
stage "formatting" cargo fmt --all -- --check
started=$SECONDS
if cargo build --release --locked; then echo ok >target/fresh-seed; else
  echo failed >target/fresh-seed
  failed+=("release build")
fi
echo "test: release build: $((SECONDS - started)) s"
stage "lints" cargo clippy --release --locked --all-targets -- -D warnings
stage "unit and integration tests" cargo test --release --locked --no-fail-fast
# The API documentation builds without a warning (broken links, missing docs).
stage "docs" env RUSTDOCFLAGS="-D warnings" cargo doc --release --locked --no-deps --lib
# A crate of its own that depends on pardata by path builds and runs under mpirun.
stage "pardata as a dependency" tests/external/run.sh
# The Slurm templates on a real one-node Slurm (installs slurm-wlm and munge; needs root).
stage "Slurm templates" tests/slurm/run.sh
# Several hosts for real: network namespaces joined by veth links (needs root).
stage "several hosts" tests/hosts/run.sh
# The tutorial job 30 times in a row on 4 ranks: same outputs, no growing memory.
stage "soak" tests/soak.sh 30
# The parsers of untrusted input under cargo fuzz, 40 s each (fuzz/run.sh).
stage "fuzzing" fuzz/run.sh 40
echo "test: the fresh machine (tests/fresh/run.sh, in the background until now)"
if wait "$fresh"; then
  grep '^fresh test:' target/fresh-machine.log || true
else
  tail -40 target/fresh-machine.log
  failed+=("fresh machine")
fi
if [ -f target/fault-matrix.md ]; then
  echo "test: the fault matrix (tests/fault_matrix.rs):"
  cat target/fault-matrix.md
fi
if [ ${#failed[@]} -gt 0 ]; then
  printf 'test: FAILED: %s\n' "${failed[@]}" >&2
  exit 1
fi
echo "test: all passed in $SECONDS s"
