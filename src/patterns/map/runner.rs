//! Where a rank runs the items of a map that it keeps.
//!
//! - [`Inline`]: on the rank's own thread, one at a time, when the next result is asked
//!   for (the [`map`](super::map) of an `FnMut`).
//! - [`Pool`]: on the rank's compute threads (rayon's pool), as many at once as it has
//!   threads (the [`map_on_threads`](super::map_on_threads) of a `Fn + Sync`).
//!
//! Either way only the rank's own thread communicates. A panic on a compute thread is
//! caught there and raised again on the rank's own thread, whose panic hook ends the job;
//! so no compute thread ever calls MPI, not even to abort.

use std::collections::VecDeque;
use std::sync::mpsc::{channel, Receiver, Sender};
use std::time::{Duration, Instant};

use super::ItemResult;
use crate::runtime::panic::{catch, CaughtPanic};
use crate::runtime::progress::Progress;

/// An item's outcome and the seconds it took.
pub(super) struct Finished<R> {
    pub(super) result: ItemResult<R>,
    pub(super) seconds: f64,
}

/// Runs the items a rank keeps; [`super::dispatch`] decides which.
pub(super) trait Runner<R> {
    /// How many items it runs at once.
    fn lanes(&self) -> usize;

    /// Whether an item runs on the calling thread (which then answers no message until
    /// the item ends).
    fn runs_on_caller(&self) -> bool;

    /// Items it was given and has not returned yet.
    fn holding(&self) -> usize;

    /// Takes item `index` to run.
    fn start(&mut self, index: usize);

    /// The next finished item, waiting at most `patience` for one (`None`: as long as it
    /// takes); `None` when none is held or none finished in time.
    fn next_finished(&mut self, patience: Option<Duration>) -> Option<Finished<R>>;
}

/// Runs each item on the calling thread when its result is asked for, in the order given.
pub(super) struct Inline<F> {
    run: F,
    queued: VecDeque<usize>,
}

impl<F> Inline<F> {
    pub(super) fn new(run: F) -> Self {
        Self {
            run,
            queued: VecDeque::new(),
        }
    }
}

impl<R, F: FnMut(usize) -> ItemResult<R>> Runner<R> for Inline<F> {
    fn lanes(&self) -> usize {
        1
    }

    fn runs_on_caller(&self) -> bool {
        true
    }

    fn holding(&self) -> usize {
        self.queued.len()
    }

    fn start(&mut self, index: usize) {
        self.queued.push_back(index);
    }

    fn next_finished(&mut self, _patience: Option<Duration>) -> Option<Finished<R>> {
        let index = self.queued.pop_front()?;
        let started = Instant::now();
        let result = (self.run)(index);
        Some(Finished {
            result,
            seconds: started.elapsed().as_secs_f64(),
        })
    }
}

/// What a compute thread sends back: its item's outcome, or the panic that ended it.
type Outcome<R> = Result<Finished<R>, CaughtPanic>;

/// Runs items on the compute threads of a rayon scope, and counts them as progress.
pub(super) struct Pool<'a, 'scope, 'w, R, F> {
    scope: &'a rayon::Scope<'scope>,
    run: &'scope F,
    lanes: usize,
    holding: usize,
    sender: Sender<Outcome<R>>,
    receiver: Receiver<Outcome<R>>,
    progress: Progress<'w>,
}

impl<'a, 'scope, 'w, R, F> Pool<'a, 'scope, 'w, R, F> {
    /// Runs items with `run` on `lanes` threads of `scope`, each finished one counted on
    /// `progress`.
    pub(super) fn new(
        scope: &'a rayon::Scope<'scope>,
        run: &'scope F,
        lanes: usize,
        progress: Progress<'w>,
    ) -> Self {
        let (sender, receiver) = channel();
        Self {
            scope,
            run,
            lanes: lanes.max(1),
            holding: 0,
            sender,
            receiver,
            progress,
        }
    }
}

impl<'scope, R, F> Runner<R> for Pool<'_, 'scope, '_, R, F>
where
    R: Send + 'scope,
    F: Fn(usize) -> ItemResult<R> + Sync,
{
    fn lanes(&self) -> usize {
        self.lanes
    }

    fn runs_on_caller(&self) -> bool {
        false
    }

    fn holding(&self) -> usize {
        self.holding
    }

    fn start(&mut self, index: usize) {
        let run = self.run;
        let sender = self.sender.clone();
        self.holding += 1;
        self.scope.spawn(move |_| {
            let started = Instant::now();
            let outcome = catch(|| run(index)).map(|result| Finished {
                result,
                seconds: started.elapsed().as_secs_f64(),
            });
            // The receiver lives until every item it was given has come back.
            let _ = sender.send(outcome);
        });
    }

    fn next_finished(&mut self, patience: Option<Duration>) -> Option<Finished<R>> {
        if self.holding == 0 {
            return None;
        }
        let outcome = match patience {
            Some(patience) => self.receiver.recv_timeout(patience).ok()?,
            None => self.receiver.recv().ok()?,
        };
        self.holding -= 1;
        match outcome {
            Ok(finished) => {
                self.progress.advance(1);
                Some(finished)
            }
            Err(panic) => panic!("on a compute thread, {}", panic.message),
        }
    }
}
