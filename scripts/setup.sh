#!/usr/bin/env bash
# Installs the system packages pardata builds and runs with, when they are missing:
# Open MPI (mpirun and headers), HDF5, libclang (for rsmpi's bindgen), pkg-config, and a
# font for the PNG pictures.
# Uses apt-get as root or through sudo; elsewhere prints what to install and stops.
set -euo pipefail

missing=()
command -v pkg-config >/dev/null 2>&1 || missing+=(pkg-config)
command -v mpirun >/dev/null 2>&1 || missing+=(openmpi-bin)
pkg-config --exists ompi 2>/dev/null || missing+=(libopenmpi-dev)
pkg-config --exists hdf5 2>/dev/null || missing+=(libhdf5-dev)
# libclang as rsmpi's bindgen (clang-sys) looks for it: LIBCLANG_PATH, llvm-config's
# libdir, then the usual library folders, for libclang.so, libclang.so.* or
# libclang-<version>.so* (libclang-cpp.so is another library and does not count); and
# clang's own headers (stddef.h), which bindgen needs to parse mpi.h.
has_libclang() {
  local dirs=() dir file
  [ -n "${LIBCLANG_PATH:-}" ] && dirs+=("$LIBCLANG_PATH")
  command -v llvm-config >/dev/null 2>&1 && dirs+=("$(llvm-config --libdir)")
  dirs+=(/usr/lib /usr/lib64 /usr/local/lib /usr/lib/*-linux-gnu /usr/lib/llvm-*/lib /usr/local/opt/llvm/lib)
  for dir in "${dirs[@]}"; do
    for file in "$dir"/libclang.so "$dir"/libclang.so.* "$dir"/libclang-[0-9]*.so*; do
      [ -e "$file" ] && return 0
    done
  done
  return 1
}
has_clang_headers() {
  local header
  for header in /usr/lib/llvm-*/lib/clang/*/include/stddef.h /usr/lib/clang/*/include/stddef.h \
    /usr/lib64/clang/*/include/stddef.h /usr/local/lib/clang/*/include/stddef.h; do
    [ -e "$header" ] && return 0
  done
  [ -n "${LIBCLANG_PATH:-}" ] && return 0 # the user pointed at a clang of their own
  return 1
}
{ has_libclang && has_clang_headers; } || missing+=(libclang-dev)
command -v cc >/dev/null 2>&1 || missing+=(build-essential)
python3 -m venv --help >/dev/null 2>&1 || missing+=(python3-venv)
# A font for the text of the PNG pictures (the SVGs need none).
[ -d /usr/share/fonts/truetype/dejavu ] || missing+=(fonts-dejavu-core)

if [ ${#missing[@]} -gt 0 ]; then
  echo "setup: installing ${missing[*]}"
  if command -v apt-get >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
    apt-get update -qq
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  elif command -v apt-get >/dev/null 2>&1 && command -v sudo >/dev/null 2>&1; then
    sudo apt-get update -qq
    sudo DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "${missing[@]}" >/dev/null
  else
    cat >&2 <<'HELP'
setup: pardata needs Open MPI, HDF5 (1.10 to 1.14), libclang and pkg-config. Install them with:
  Debian/Ubuntu:  sudo apt-get install -y openmpi-bin libopenmpi-dev libhdf5-dev libclang-dev pkg-config
  Fedora/RHEL:    sudo dnf install -y openmpi openmpi-devel hdf5-devel clang-devel pkgconf-pkg-config
                  module load mpi/openmpi-x86_64
  macOS:          brew install open-mpi hdf5 llvm pkg-config
  HPC cluster:    module load openmpi hdf5 llvm   (names vary: see `module avail`), or
                  spack install openmpi hdf5 llvm && spack load openmpi hdf5 llvm
then run this command again.
HELP
    exit 1
  fi
fi

if ! command -v cargo >/dev/null 2>&1; then
  echo "setup: Rust is missing: install it from https://rustup.rs, then run this command again" >&2
  exit 1
fi
