//! The one way in: [`World::run`] starts the world, installs the panic hook, runs the
//! program on every rank, agrees on its outcome and turns it into the process's exit code.
//!
//! Every program built on pardata (the `pardata` binary, the examples, a user's own crate)
//! starts here, so none can forget what keeps a job from hanging:
//! - a panic on any rank prints rank, host and place and aborts the whole job
//!   ([`super::panic`]);
//! - an `Err` returned by the program on some ranks is agreed on by all ranks, and rank 0
//!   prints one report naming each failing rank and its host; the exit code is 1;
//! - a rank whose program failed while other ranks are still busy (or blocked in a
//!   collective that the failed rank will never join) waits [`FAILURE_GRACE`] for them,
//!   then prints its own report and ends the job.
//!
//! A rank killed by a signal is its launcher's to report: `mpirun` and `srun` end the other
//! ranks and name the rank and host that died.

use std::error::Error;
use std::io::Write;
use std::process::ExitCode;
use std::sync::mpsc;
use std::time::Duration;

use super::failure::JobFailure;
use super::{panic, World};

/// How long a rank whose program failed waits for the other ranks to reach the end of
/// theirs and agree, before it ends the job on its own.
pub const FAILURE_GRACE: Duration = Duration::from_secs(10);

/// The exit code of a job whose program returned an error on some rank.
pub const FAILURE_EXIT_CODE: u8 = 1;

/// The error type a program given to [`World::run`] may return: anything that converts
/// into a boxed error (`String`, `&str`, any `std::error::Error`, `anyhow::Error`).
pub type ProgramError = Box<dyn Error + Send + Sync>;

impl World {
    /// Runs `program` on every rank of a new world and returns the exit code of the job.
    ///
    /// Starts MPI (a world of one rank without `mpirun`), installs the panic hook, runs
    /// the program, and agrees on its outcome: when every rank returned `Ok`, the exit code
    /// is success; otherwise rank 0 prints one line, `NAME: error: MESSAGE [rank R on
    /// HOST; ...]` (NAME is the program's file name), and the exit code is 1. A
    /// [`JobFailure`] returned by the program (already agreed on) is reported as it is.
    /// Only the rank that fails prints when the others do not reach the end within
    /// [`FAILURE_GRACE`].
    ///
    /// HDF5 filter plugins are disabled (`HDF5_PLUGIN_PRELOAD=::`) unless the environment
    /// names some, so that an input file cannot make the program load code.
    ///
    /// ```no_run
    /// use pardata::prelude::*;
    ///
    /// fn main() -> std::process::ExitCode {
    ///     World::run(|world| {
    ///         // The ranks share out 0..100 and square their items; rank 0 gets every result.
    ///         let items: Vec<u64> = (0..100).collect();
    ///         let squares = map_all(world, &items, Schedule::Static, |_, x| {
    ///             Ok::<u64, std::convert::Infallible>(x * x)
    ///         });
    ///         let total: u64 = squares.iter().filter_map(|r| r.result.as_ref().ok()).sum();
    ///         world.say(format_args!("sum of squares: {total}"));
    ///         if total != 328_350 {
    ///             return Err(format!("wrong sum {total}"));
    ///         }
    ///         Ok(())
    ///     })
    /// }
    /// ```
    pub fn run<E: Into<ProgramError>>(program: impl FnOnce(&World) -> Result<(), E>) -> ExitCode {
        World::run_with_threads(super::threads::requested_by_environment(), program)
    }

    /// [`World::run`] with `threads` compute threads per rank (`None`: the host's cores
    /// shared out among its ranks, see [`super::threads`]).
    ///
    /// ```no_run
    /// use pardata::prelude::*;
    ///
    /// fn main() -> std::process::ExitCode {
    ///     World::run_with_threads(Some(2), |world| {
    ///         world.say(format_args!("{} threads per rank", world.threads().per_rank));
    ///         Ok::<(), JobFailure>(())
    ///     })
    /// }
    /// ```
    pub fn run_with_threads<E: Into<ProgramError>>(
        threads: Option<usize>,
        program: impl FnOnce(&World) -> Result<(), E>,
    ) -> ExitCode {
        // Before any thread or HDF5 call exists.
        if std::env::var_os("HDF5_PLUGIN_PRELOAD").is_none() {
            std::env::set_var("HDF5_PLUGIN_PRELOAD", "::");
        }
        let name = program_name();
        let mut world = match World::init() {
            Ok(world) => world,
            Err(error) => {
                eprintln!("{name}: error: {error}");
                return ExitCode::from(FAILURE_EXIT_CODE);
            }
        };
        panic::install(world.rank(), world.host());
        world.start_threads(threads);
        if let Some(problem) = world.launch().size_mismatch(world.size()) {
            eprintln!("{name}: warning: {problem}");
        }
        let outcome = program(&world).map_err(Into::into);
        let agreed = world.agree_on_end(&name, outcome);
        let code = match agreed {
            Ok(()) => ExitCode::SUCCESS,
            Err(failure) => {
                if world.is_root() {
                    eprintln!("{name}: error: {failure}");
                }
                ExitCode::from(FAILURE_EXIT_CODE)
            }
        };
        drop(world); // finalizes MPI before the process exits
        code
    }

    /// Agrees on the program's outcome (a collective, over a communicator of its own, so that
    /// a failed rank's agreement never pairs with a collective that the others are still
    /// in). A rank that failed arms a timer
    /// first: if the others do not come within [`FAILURE_GRACE`], it reports its own
    /// error and exits, and the launcher ends the rest.
    fn agree_on_end(
        &self,
        name: &str,
        outcome: Result<(), ProgramError>,
    ) -> Result<(), JobFailure> {
        let error = match outcome {
            Ok(()) => return self.agree_over(&self.end_comm, Ok::<(), String>(())),
            Err(error) => error,
        };
        // A failure every rank already agreed on: every rank holds it, none is waiting.
        let error = match error.downcast::<JobFailure>() {
            Ok(failure) => return Err(*failure),
            Err(error) => error.to_string(),
        };
        let (agreed, timer) = mpsc::channel::<()>();
        let report = format!(
            "{name}: error: {error} [rank {} on {}; the other ranks did not reach the end within {} s: ending the job]",
            self.rank(),
            self.host(),
            FAILURE_GRACE.as_secs()
        );
        std::thread::spawn(move || {
            if let Err(mpsc::RecvTimeoutError::Timeout) = timer.recv_timeout(FAILURE_GRACE) {
                let mut stderr = std::io::stderr().lock();
                let _ = writeln!(stderr, "{report}");
                let _ = stderr.flush();
                std::process::exit(i32::from(FAILURE_EXIT_CODE));
            }
        });
        let result = self.agree_over(&self.end_comm, Err::<(), _>(error));
        let _ = agreed.send(());
        result
    }
}

/// The running program's file name, for its messages ("pardata" when it has none).
fn program_name() -> String {
    std::env::args_os()
        .next()
        .and_then(|path| {
            std::path::Path::new(&path)
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
        })
        .unwrap_or_else(|| "pardata".into())
}
