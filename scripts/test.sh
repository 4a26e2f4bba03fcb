#!/usr/bin/env bash
# The second command of the README: the whole test suite. Installs what is missing, then
# checks formatting and lints, and runs the unit tests and the integration tests, which
# launch the real binary under mpirun -n 1, 2 and 3, and cross-checks with pandas.
set -euo pipefail
cd "$(dirname "$0")/.."
./scripts/setup.sh
. scripts/env.sh
# The Python environment of the cross-checks against pandas (tests skip, saying why, without it).
if [ ! -x target/pyenv/bin/python ]; then
  python3 -m venv target/pyenv.new && target/pyenv.new/bin/pip install -q pandas tables && mv target/pyenv.new target/pyenv \
    || { rm -rf target/pyenv.new; echo "test: no Python environment: the pandas cross-checks will be skipped" >&2; }
fi
cargo fmt --all -- --check
cargo clippy --release --locked --all-targets -- -D warnings
cargo test --release --locked
