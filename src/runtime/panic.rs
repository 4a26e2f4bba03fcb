//! The panic hook: a panic on one rank prints rank, host, message and place, then aborts
//! the whole job with `MPI_Abort`, so the other ranks never wait for a rank that is gone.
//!
//! The one exception is [`catch`]: a panic inside it (a task of the futures executor) is
//! recorded with its backtrace and unwinds to the caller as a [`CaughtPanic`], so that it
//! can be reported where the task's result is read, and the job goes on.

use std::cell::{Cell, RefCell};
use std::io::Write;
use std::panic::{AssertUnwindSafe, PanicHookInfo};

use mpi::topology::{Communicator, SimpleCommunicator};

/// The exit code the job ends with after a panic.
pub const PANIC_EXIT_CODE: i32 = 101;

thread_local! {
    static CATCHING: Cell<bool> = const { Cell::new(false) };
    static CAUGHT: RefCell<Option<CaughtPanic>> = const { RefCell::new(None) };
}

/// A panic caught by [`catch`]: its message (with its place) and this rank's backtrace.
#[derive(Debug, Clone)]
pub struct CaughtPanic {
    /// `panicked at FILE:LINE: MESSAGE`, or without the place when it is unknown.
    pub message: String,
    /// This rank's backtrace at the panic, always captured.
    pub backtrace: String,
}

fn describe(info: &PanicHookInfo<'_>) -> String {
    let message = info
        .payload()
        .downcast_ref::<&str>()
        .map(|s| s.to_string())
        .or_else(|| info.payload().downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "a panic without a message".into());
    let place = info
        .location()
        .map(|l| format!(" at {}:{}", l.file(), l.line()))
        .unwrap_or_default();
    format!("panicked{place}: {message}")
}

/// Installs the hook for this process. Call once, after MPI is initialised.
pub fn install(rank: usize, host: &str) {
    let host = host.to_string();
    std::panic::set_hook(Box::new(move |info| {
        if CATCHING.with(Cell::get) {
            let backtrace = std::backtrace::Backtrace::force_capture().to_string();
            CAUGHT.with(|c| {
                *c.borrow_mut() = Some(CaughtPanic {
                    message: describe(info),
                    backtrace,
                })
            });
            return;
        }
        let backtrace = std::backtrace::Backtrace::capture();
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(stderr, "pardata: rank {rank} on {host} {}", describe(info));
        if backtrace.status() == std::backtrace::BacktraceStatus::Captured {
            let _ = writeln!(stderr, "{backtrace}");
        }
        let _ = writeln!(
            stderr,
            "pardata: aborting all ranks (exit code {PANIC_EXIT_CODE})"
        );
        let _ = stderr.flush();
        SimpleCommunicator::world().abort(PANIC_EXIT_CODE);
    }));
}

/// Runs `work`; a panic inside it comes back as `Err` instead of aborting the job.
pub fn catch<R>(work: impl FnOnce() -> R) -> Result<R, CaughtPanic> {
    let was_catching = CATCHING.with(|c| c.replace(true));
    let outcome = std::panic::catch_unwind(AssertUnwindSafe(work));
    CATCHING.with(|c| c.set(was_catching));
    outcome.map_err(|payload| {
        CAUGHT
            .with(|c| c.borrow_mut().take())
            .unwrap_or_else(|| CaughtPanic {
                message: payload
                    .downcast_ref::<&str>()
                    .map_or("a panic".into(), |s| s.to_string()),
                backtrace: String::new(),
            })
    })
}
