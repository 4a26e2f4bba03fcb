//! Each rank's pool of compute threads (rayon's global pool), sized so that the ranks of
//! one node share its cores: `--threads N` (or `$PARDATA_THREADS`) when given; else, when
//! the launcher bound the rank to some of the host's cores (its affinity mask, as
//! `sched_getaffinity` gives it, holds fewer than the host has online), those cores;
//! else the host's cores divided by the ranks on it; at least one.
//!
//! MPI is only ever called from the rank's main thread (the pool's threads compute, never
//! communicate), so MPI's default thread level is all it needs. Work that the pool splits
//! keeps its results in input order, so that no output depends on how the threads were
//! scheduled.

use std::collections::BTreeMap;

use super::World;

/// How a rank's threads were chosen, for `doctor`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize)]
pub struct Threads {
    /// The pool's threads on this rank.
    pub per_rank: usize,
    /// The cores this process may run on.
    pub cores: usize,
    /// The ranks on this rank's host.
    pub ranks_on_host: usize,
    /// Whether `--threads` (or `$PARDATA_THREADS`) chose `per_rank`.
    pub requested: bool,
}

impl Threads {
    /// Whether the ranks of this host run more threads than it has cores for.
    pub fn oversubscribed(&self) -> bool {
        self.per_rank * self.ranks_on_host > self.cores
    }
}

/// The threads per rank `$PARDATA_THREADS` asks for, if it is a positive number.
pub fn requested_by_environment() -> Option<usize> {
    std::env::var("PARDATA_THREADS")
        .ok()
        .and_then(|v| v.trim().parse().ok())
        .filter(|&n| n > 0)
}

/// The cores this process may run on.
pub fn cores() -> usize {
    std::thread::available_parallelism().map_or(1, usize::from)
}

/// The threads of each rank: `requested`, or this host's cores shared out among its
/// ranks (a collective: every rank learns every rank's host).
pub(super) fn choose(world: &World, requested: Option<usize>) -> Threads {
    let hosts = world.all_gather(&world.host().to_string());
    let mut per_host: BTreeMap<&str, usize> = BTreeMap::new();
    for host in &hosts {
        *per_host.entry(host.as_str()).or_default() += 1;
    }
    let ranks_on_host = per_host.get(world.host()).copied().unwrap_or(1);
    let cores = cores();
    let bound = super::launch::host_cores().is_some_and(|online| cores < online);
    let shared = match bound {
        true => cores,
        false => cores / ranks_on_host,
    };
    Threads {
        per_rank: requested.unwrap_or(shared.max(1)),
        cores,
        ranks_on_host,
        requested: requested.is_some(),
    }
}

/// Starts the global pool with `threads.per_rank` threads. A pool that some earlier code
/// of the process already started stays as it is.
pub(super) fn start(threads: &Threads) {
    let _already_started = rayon::ThreadPoolBuilder::new()
        .num_threads(threads.per_rank)
        .thread_name(|i| format!("pardata-compute-{i}"))
        .build_global();
}
