#!/usr/bin/env bash
# The second command of the README: the whole test suite. Installs what is missing, then
# checks formatting and lints, and runs the unit tests and the integration tests, which
# launch the real binary under mpirun -n 1, 2 and 3.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh
cargo fmt --all -- --check
cargo clippy --release --locked --all-targets -- -D warnings
cargo test --release --locked
