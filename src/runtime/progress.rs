//! The progress of a step, counted over all ranks: every rank counts the units it finished
//! ([`super::tally`]) and rank 0 hands the running sum to a view.
//!
//! Views are the front end's business (`report::progress` draws a bar or prints lines): it
//! installs a maker of views on every rank with [`World::show_progress`], and every layer
//! (workloads, the Bag's stages, the futures executor) reports through [`World::progress`]
//! without knowing how, or whether, progress is shown. With no maker installed (`--quiet`,
//! or a program that wants none), counting is skipped altogether.

use std::rc::Rc;

use super::tally::Tally;
use super::World;

/// What shows one step's progress on rank 0.
pub trait ProgressView {
    /// All ranks together have finished `done` units.
    fn update(&mut self, done: u64);
    /// The step is over (`done` units in all).
    fn close(&mut self, done: u64);
}

/// Makes the view of a step from its label and its total, if known (called on rank 0).
pub type ViewMaker = Rc<dyn Fn(&str, Option<u64>) -> Box<dyn ProgressView>>;

/// The progress of one step (every rank makes it at the same point; rank 0 shows it). It
/// finishes when dropped, so an early return cannot leave a count unreceived.
pub struct Progress<'w> {
    counting: Option<(Tally<'w>, Option<Box<dyn ProgressView>>)>,
}

impl World {
    /// Shows the progress of every later step with views from `maker` (every rank calls it,
    /// so that all ranks count alike).
    pub fn show_progress(&self, maker: ViewMaker) {
        *self.progress_views.borrow_mut() = Some(maker);
    }

    /// Whether progress is counted and shown (the same on every rank).
    pub fn shows_progress(&self) -> bool {
        self.progress_views.borrow().is_some()
    }

    /// Starts the progress of a step of `total` units over all ranks (`None`: not known).
    pub fn progress(&self, label: &str, total: Option<u64>) -> Progress<'_> {
        let maker = self.progress_views.borrow().clone();
        Progress {
            counting: maker.map(|maker| {
                let view = self.is_root().then(|| maker(label, total));
                (self.tally(), view)
            }),
        }
    }
}

impl Progress<'_> {
    /// Counts `units` finished on this rank.
    pub fn advance(&mut self, units: u64) {
        if let Some((tally, view)) = self.counting.as_mut() {
            if let (Some(done), Some(view)) = (tally.add(units), view.as_mut()) {
                view.update(done);
            }
        }
    }

    /// Waits for every rank's count (rank 0) and closes the view.
    pub fn finish(self) {}
}

impl Drop for Progress<'_> {
    fn drop(&mut self) {
        if let Some((tally, mut view)) = self.counting.take() {
            let done = tally.finish(|done| {
                if let Some(view) = view.as_mut() {
                    view.update(done);
                }
            });
            if let (Some(done), Some(view)) = (done, view.as_mut()) {
                view.close(done);
            }
        }
    }
}
