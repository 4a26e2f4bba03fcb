//! The stall watchdog (`--stall-timeout SECONDS`): a rank that has waited that long in one
//! communication call stops the job with a message, instead of hanging for ever.
//!
//! MPI cannot tell a peer that computes for a long time from one whose host or network is
//! gone: a cut link leaves every rank blocked in its next collective, and Open MPI 4.1
//! notices nothing (measured with network namespaces: a job whose link was cut ran until it
//! was killed). So every blocking call of [`World`] marks when it started waiting; a thread
//! looks once a second, and a wait longer than the limit ends this rank's process with an
//! error naming the rank, the host and the call. Its launcher then ends the other ranks.
//! Off by default: a limit must exceed the longest legitimate wait (the most unbalanced
//! step of the job), which only the user knows.

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use super::World;

/// The exit code of a rank stopped by the watchdog.
pub const STALLED: i32 = 3;

/// What the rank is waiting in, shared with the watchdog's thread.
#[derive(Debug)]
pub(crate) struct Watch {
    origin: Instant,
    /// Milliseconds since `origin` at which the current wait began, plus one; 0: no wait.
    waiting_since: AtomicU64,
    call: Mutex<&'static str>,
}

impl Watch {
    pub(crate) fn new() -> Watch {
        Watch {
            origin: Instant::now(),
            waiting_since: AtomicU64::new(0),
            call: Mutex::new(""),
        }
    }

    /// Marks the start of a wait in `call`; returns the instant, for the span.
    pub(crate) fn enter(&self, call: &'static str) -> Instant {
        let now = Instant::now();
        if let Ok(mut current) = self.call.lock() {
            *current = call;
        }
        let millis = u64::try_from(now.duration_since(self.origin).as_millis()).unwrap_or(0);
        self.waiting_since.store(millis + 1, Ordering::Release);
        now
    }

    /// Marks the end of the current wait.
    pub(crate) fn leave(&self) {
        self.waiting_since.store(0, Ordering::Release);
    }

    /// How long the current wait has lasted, and in what; `None` when not waiting.
    fn current(&self) -> Option<(Duration, &'static str)> {
        let since = self.waiting_since.load(Ordering::Acquire).checked_sub(1)?;
        let waited = self
            .origin
            .elapsed()
            .saturating_sub(Duration::from_millis(since));
        let call = self.call.lock().map_or("a collective", |c| *c);
        Some((waited, call))
    }
}

impl World {
    /// Starts the watchdog: a wait longer than `limit` in one call ends this rank (every
    /// rank calls it, with the same limit).
    pub fn watch_for_stalls(&self, limit: Duration) {
        let watch = Arc::clone(&self.watch);
        let (rank, host) = (self.rank(), self.host().to_string());
        let spawned = std::thread::Builder::new()
            .name("pardata-watchdog".into())
            .spawn(move || loop {
                std::thread::sleep(Duration::from_secs(1).min(limit));
                if let Some((waited, call)) = watch.current().filter(|(w, _)| *w >= limit) {
                    eprintln!(
                        "pardata: error: rank {rank} on {host} waited {:.0} s in {call} for the \
                         other ranks (--stall-timeout {}): a rank, its host or the network \
                         between hosts is gone; stopping",
                        waited.as_secs_f64(),
                        limit.as_secs()
                    );
                    std::process::exit(STALLED);
                }
            });
        if let Err(error) = spawned {
            eprintln!("pardata: warning: no stall watchdog on rank {rank}: {error}");
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wait_is_measured_from_its_start_until_it_ends() {
        let watch = Watch::new();
        assert!(watch.current().is_none());
        watch.enter("all_gather");
        std::thread::sleep(Duration::from_millis(30));
        let (waited, call) = watch.current().expect("waiting");
        assert_eq!(call, "all_gather");
        assert!(waited >= Duration::from_millis(25), "{waited:?}");
        watch.leave();
        assert!(watch.current().is_none());
    }
}
