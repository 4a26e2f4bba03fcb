#!/usr/bin/env bash
# Fuzzes pardata's parsers of untrusted input for SECONDS each (default 60): the JSON Lines
# stock records, the minute-bar CSV, the samples CSV, the job file, the hostfile check and
# the pickled object arrays of pandas HDF5 frames.
# Installs cargo-fuzz
# when missing. The machine has stable Rust only: RUSTC_BOOTSTRAP=1 lets cargo-fuzz use
# the compiler flags it needs, and no sanitizer is used (a panic or an abort is what the
# targets look for). The committed seeds (fuzz/corpus/TARGET) are read; what the fuzzer
# finds goes to fuzz/target/corpus, and a crash to fuzz/artifacts/TARGET, failing the run.
#   fuzz/run.sh [SECONDS] [TARGET...]      (longer: fuzz/run.sh 3600 json_records)
set -euo pipefail
cd "$(dirname "$0")"
. ../scripts/env.sh
seconds=${1:-60}
shift || true
targets=("$@")
[ ${#targets[@]} -gt 0 ] || targets=(json_records minute_csv digits_csv job_file hostfile pickled_objects)
command -v cargo-fuzz >/dev/null || cargo install cargo-fuzz --locked --quiet
export RUSTC_BOOTSTRAP=1
cargo fuzz build --sanitizer none -O >/dev/null 2>&1 || cargo fuzz build --sanitizer none -O
for target in "${targets[@]}"; do
  mkdir -p "target/corpus/$target"
  summary=$(cargo fuzz run --sanitizer none -O "$target" "target/corpus/$target" "corpus/$target" -- \
    -max_total_time="$seconds" -max_len=65536 2>&1 | tail -20) || {
    echo "$summary" >&2
    echo "fuzz: $target FAILED: the input that crashed it is in fuzz/artifacts/$target/; add it as a regression test" >&2
    exit 1
  }
  echo "fuzz: $target: $(grep -o 'Done [0-9]* runs in [0-9]* second(s)' <<<"$summary"), no crash"
done
