# pardata in a container: Debian 12 with Open MPI and HDF5, pardata built in release mode.
# The steps are those that CI runs on a clean Debian 12 machine (.ci/run: scripts/setup.sh
# installs the system packages, then the release build): change them there and here
# together (tests/container.rs checks that this file still calls them).
#   docker build -t pardata .
#   docker run --rm pardata                                         (pardata doctor)
#   docker run --rm pardata mpirun -n 2 pardata run jobs/tutorial.toml
#   docker run --rm --privileged --user root pardata ./scripts/test.sh   (the whole suite;
#     --privileged for the network namespaces and Slurm's daemons of the multi-host tests)
FROM debian:12
SHELL ["/bin/bash", "-o", "pipefail", "-c"]
ENV DEBIAN_FRONTEND=noninteractive
RUN apt-get update -qq \
 && apt-get install -y -qq --no-install-recommends ca-certificates curl sudo \
 && rm -rf /var/lib/apt/lists/*
# Rust from rustup, for every user of the image.
ENV RUSTUP_HOME=/usr/local/rustup CARGO_HOME=/usr/local/cargo PATH=/usr/local/cargo/bin:$PATH
RUN curl -sSf https://sh.rustup.rs | sh -s -- -y --profile minimal --default-toolchain stable \
      --component rustfmt,clippy
WORKDIR /opt/pardata
COPY . .
# The system packages (Open MPI, HDF5, libclang, pkg-config, a font), as CI installs them.
RUN ./scripts/setup.sh
RUN cargo build --release --locked \
 && ln -s /opt/pardata/target/release/pardata /usr/local/bin/pardata
# Open MPI in a container: allowed to run as root when asked to (CI), no cross-memory
# attach between ranks (container runtimes forbid the ptrace it needs), more ranks than
# cores allowed, and no probing for networks a container does not have.
ENV OMPI_ALLOW_RUN_AS_ROOT=1 \
    OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 \
    OMPI_MCA_btl_vader_single_copy_mechanism=none \
    OMPI_MCA_rmaps_base_oversubscribe=1 \
    OMPI_MCA_pml=ob1
# A user of its own by default.
RUN useradd --create-home --shell /bin/bash pardata && chown -R pardata: /opt/pardata
USER pardata
CMD ["pardata", "doctor"]
