//! The SPMD world: every rank runs the same program, and this layer is the only one that
//! talks to MPI.
//!
//! [`World`] owns the MPI environment (initialised with or without `mpirun`: a plain
//! `pardata ...` is a world of one rank) and gives the layers above it what they need:
//! rank, size and host; typed collectives ([`collective`]) and messages
//! ([`point_to_point`]); failure agreement, so that an error on any rank ends every rank
//! together ([`failure`]); a panic hook that aborts the job instead of leaving ranks
//! hanging ([`panic`]); per-rank timing spans and byte counters ([`metrics`]); a progress
//! tally that counts the work of all ranks on rank 0 ([`tally`]) and the progress of steps
//! built on it, shown by whatever view the front end installed ([`progress`]); each rank's
//! clock offset from rank 0's, for the trace and the report ([`World::clock_offsets`]);
//! what launched the ranks and where they run ([`launch`]); each rank's pool of compute
//! threads ([`threads`]); a watchdog for waits that
//! never end ([`watchdog`]); test-only fault injection ([`fault`]); and the one way in,
//! [`World::run`], which starts the world, installs the panic hook and agrees on the
//! program's outcome ([`run`]).
//!
//! Not done yet: communicators smaller than the world.
//!
//! [`panic`]: mod@panic

pub mod collective;
pub mod failure;
pub mod fault;
pub mod launch;
pub mod metrics;
pub mod panic;
pub mod point_to_point;
pub mod progress;
pub mod run;
pub mod tally;
pub mod threads;
pub mod top;
pub mod watchdog;
pub mod wire;

use std::cell::RefCell;
use std::fmt::Display;

use mpi::environment::Universe;
use mpi::topology::{Communicator, SimpleCommunicator};

pub use failure::{JobFailure, RankError};
pub use metrics::{Activity, RankMetrics};
pub use top::{Scored, TopK};

/// Errors of the runtime itself (before any work can be agreed on).
#[derive(Debug, thiserror::Error)]
pub enum RuntimeError {
    /// MPI could not be initialised (it already was), or gave a negative rank or size.
    #[error("MPI could not be initialised (was it initialised twice?)")]
    Init,
}

/// The world of all ranks running this program: made by [`World::run`], which hands it to
/// the program on every rank.
///
/// ```
/// # use pardata::prelude::*;
/// # fn main() -> std::process::ExitCode {
/// World::run(|world| {
///     assert!(world.rank() < world.size());
///     // Every rank's rank, summed on every rank: 0 + 1 + ... + (size - 1).
///     let sum: usize = world.all_gather(&world.rank()).iter().sum();
///     assert_eq!(sum, world.size() * (world.size() - 1) / 2);
///     Ok::<(), JobFailure>(())
/// })
/// # }
/// ```
pub struct World {
    // Field order matters: communicators are freed before the universe finalizes MPI.
    comm: SimpleCommunicator,
    tally_comm: SimpleCommunicator,
    task_comm: SimpleCommunicator,
    /// The end of the program's agreement ([`World::run`]), apart from the program's own
    /// collectives.
    end_comm: SimpleCommunicator,
    rank: usize,
    size: usize,
    host: String,
    metrics: RefCell<metrics::Metrics>,
    progress_views: RefCell<Option<progress::ViewMaker>>,
    launch: launch::Launch,
    threads: threads::Threads,
    watch: std::sync::Arc<watchdog::Watch>,
    _universe: Universe,
}

impl World {
    /// Initialises MPI (a single rank when not launched by `mpirun` or `srun`).
    pub fn init() -> Result<World, RuntimeError> {
        // Read before MPI starts: an Open MPI singleton sets PMIx variables of its own.
        let launch = launch::Launch::detect();
        launch.prepare_singleton();
        let universe = mpi::initialize().ok_or(RuntimeError::Init)?;
        let comm = universe.world();
        let tally_comm = comm.duplicate();
        let task_comm = comm.duplicate();
        let end_comm = comm.duplicate();
        let rank = usize::try_from(comm.rank()).map_err(|_| RuntimeError::Init)?;
        let size = usize::try_from(comm.size()).map_err(|_| RuntimeError::Init)?;
        let host = mpi::environment::processor_name().unwrap_or_else(|_| "unknown-host".into());
        Ok(World {
            comm,
            tally_comm,
            task_comm,
            end_comm,
            rank,
            size,
            host,
            metrics: RefCell::new(metrics::Metrics::new()),
            progress_views: RefCell::new(None),
            launch,
            threads: threads::Threads {
                per_rank: 1,
                cores: threads::cores(),
                ranks_on_host: 1,
                requested: false,
            },
            watch: std::sync::Arc::new(watchdog::Watch::new()),
            _universe: universe,
        })
    }

    /// This rank's index, 0..size.
    pub fn rank(&self) -> usize {
        self.rank
    }

    /// The number of ranks.
    pub fn size(&self) -> usize {
        self.size
    }

    /// The host this rank runs on, as MPI names it.
    pub fn host(&self) -> &str {
        &self.host
    }

    /// This rank's compute threads, and how their number was chosen ([`threads`]).
    pub fn threads(&self) -> threads::Threads {
        self.threads
    }

    /// Sizes and starts this rank's pool of compute threads (a collective, done once by
    /// [`World::run`]).
    fn start_threads(&mut self, requested: Option<usize>) {
        let mut chosen = threads::choose(self, requested);
        threads::start(&chosen);
        chosen.per_rank = rayon::current_num_threads();
        self.threads = chosen;
    }

    /// How this process was launched (read before MPI started).
    pub fn launch(&self) -> &launch::Launch {
        &self.launch
    }

    /// Whether this is rank 0, the rank that prints and writes shared outputs.
    pub fn is_root(&self) -> bool {
        self.rank == 0
    }

    /// Waits until every rank has come here (a collective).
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// world.barrier(); // no rank goes on before every rank has come here
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn barrier(&self) {
        let start = self.watch.enter("barrier");
        mpi::collective::CommunicatorCollectives::barrier(&self.comm);
        self.watch.leave();
        self.metrics
            .borrow_mut()
            .record(Activity::Wait, "barrier", start, 0);
    }

    /// Prints a line on stdout, once for the whole job (from rank 0). The one place where
    /// workloads print results.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// world.say(format_args!("{} ranks", world.size())); // printed once, by rank 0
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn say(&self, text: impl Display) {
        if self.is_root() {
            use std::io::Write;
            // A reader that stopped reading (`| head`) is not an error of the job's: the
            // rest of the text goes nowhere, as with `cat`.
            let _ = writeln!(std::io::stdout().lock(), "{text}");
        }
    }

    /// Runs `work` as a span of the given activity, recording its time on this rank.
    pub fn time<R>(
        &self,
        activity: Activity,
        name: impl AsRef<str>,
        work: impl FnOnce() -> R,
    ) -> R {
        let start = metrics::now();
        let result = work();
        self.metrics
            .borrow_mut()
            .record(activity, name.as_ref(), start, 0);
        result
    }

    /// Runs `work` as a span of the given activity that may enclose other spans (the
    /// collectives it calls): those keep their own time, the activity gets the rest.
    pub fn time_enclosing<R>(
        &self,
        activity: Activity,
        name: &'static str,
        work: impl FnOnce() -> R,
    ) -> R {
        let (start, mark) = (metrics::now(), self.metrics.borrow().mark());
        let result = work();
        self.metrics
            .borrow_mut()
            .record_enclosing(activity, name, start, mark);
        result
    }

    /// This rank's time per activity and bytes moved so far.
    pub fn local_metrics(&self) -> RankMetrics {
        self.metrics.borrow().summary(self.rank, &self.host)
    }

    /// This rank's spans so far, with the wall clock (Unix microseconds) at its start.
    pub fn spans(&self) -> (u64, Vec<metrics::Span>) {
        self.metrics.borrow().spans()
    }

    /// The wall clock now, in Unix microseconds, of every rank just after a barrier, on
    /// rank 0 (`None` elsewhere): how far each rank's clock is from rank 0's (a collective).
    pub fn clock_offsets(&self) -> Option<Vec<i64>> {
        self.barrier();
        let now = metrics::unix_micros();
        self.gather(&now).map(|clocks| {
            clocks
                .iter()
                .map(|&c| c as i64 - clocks[0] as i64)
                .collect()
        })
    }

    /// Every rank's metrics, gathered on every rank (a collective).
    pub fn all_metrics(&self) -> Vec<RankMetrics> {
        let mine = self.local_metrics();
        self.all_gather(&mine)
    }

    fn record_comm(&self, name: &'static str, start: std::time::Instant, sent: u64, received: u64) {
        self.watch.leave();
        let mut metrics = self.metrics.borrow_mut();
        metrics.record(Activity::Comm, name, start, sent + received);
        metrics.count_bytes(sent, received);
    }
}
