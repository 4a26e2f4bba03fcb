# Sourced by the tests that need root (network namespaces, Slurm's daemons), with the
# script's arguments: re-runs the script through sudo when that needs no password, or
# exits 0 saying that the test is skipped and why.
#   TEST_NAME="hosts test" ROOT_FOR="network namespaces" . scripts/as-root.sh "$@"
if [ "$(id -u)" != 0 ]; then
  if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
    exec sudo -E "$0" "$@"
  fi
  echo "$TEST_NAME: skipped (needs root for $ROOT_FOR)" >&2
  exit 0
fi
