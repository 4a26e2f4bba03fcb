#!/usr/bin/env bash
# The first command of the README: installs what is missing, builds pardata in release
# mode, and runs the tutorial job on 2 ranks with mpirun (outputs under data/tutorial).
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh
cargo build --release --locked
mpirun -n 2 target/release/pardata run jobs/tutorial.toml
