//! The panic hook: a panic on one rank prints rank, host, message and place, then aborts
//! the whole job with `MPI_Abort`, so the other ranks never wait for a rank that is gone.

use std::io::Write;

use mpi::topology::{Communicator, SimpleCommunicator};

/// The exit code the job ends with after a panic.
pub const PANIC_EXIT_CODE: i32 = 101;

/// Installs the hook for this process. Call once, after MPI is initialised.
pub fn install(rank: usize, host: &str) {
    let host = host.to_string();
    std::panic::set_hook(Box::new(move |info| {
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
        let backtrace = std::backtrace::Backtrace::capture();
        let mut stderr = std::io::stderr().lock();
        let _ = writeln!(
            stderr,
            "pardata: rank {rank} on {host} panicked{place}: {message}"
        );
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
