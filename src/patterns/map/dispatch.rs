//! The two schedules of a map over a rank's [`Runner`].
//!
//! - [`own_block`]: the static schedule's part of a rank, its block run to the end.
//! - [`dispatch`] and [`pull`]: the dynamic schedule. Rank 0 keeps every worker's queue
//!   full (an item per thread where rank 0's items run on compute threads, so it answers
//!   at once; two per thread where they run on its own thread, so none waits while rank 0
//!   is busy;
//!   see [`Dispatch::depth`]; at first no more than the worker's threads' share of the
//!   items) and runs items of its own while any are left; a worker runs what it is sent and returns each result as
//!   it finishes.
//!
//! Only the rank's own thread calls these, so only it communicates. Where items run on
//! compute threads, the rank's thread looks for messages at least every [`POLL`] while
//! it waits for one of its own items.

use std::ops::Range;
use std::time::Duration;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::runner::Runner;
use super::ItemResult;
use crate::runtime::World;

/// Items each thread of a worker holds at least: one it runs and one queued, so that a
/// worker never waits for rank 0 (busy with an item of its own) to hand out the next.
const IN_FLIGHT: usize = 2;

/// The most items a thread of a worker holds: where items differ in cost, rank 0 queues
/// more (its own longest item over its mean, see [`Dispatch::depth`]), so that a worker
/// does not run dry while rank 0 is inside a long item.
const MOST_IN_FLIGHT: usize = 16;

/// Items shorter than this, on average, are queued two per thread even where rank 0
/// answers at once (see [`Dispatch::depth`]).
const SHORT: Duration = Duration::from_millis(2);

/// The longest the rank's thread waits for an item of its own, while messages may come,
/// before it looks at them.
const POLL: Duration = Duration::from_micros(200);

/// Runs the items of `block` and returns their results in input order.
pub(super) fn own_block<R>(runner: &mut impl Runner<R>, block: Range<usize>) -> Vec<ItemResult<R>> {
    let count = block.len();
    block.for_each(|index| runner.start(index));
    let mut results: Vec<ItemResult<R>> = (0..count)
        .filter_map(|_| runner.next_finished(None))
        .map(|finished| finished.result)
        .collect();
    results.sort_by_key(|r| r.index);
    results
}

/// Rank 0's side of the dynamic schedule: keep every worker's queue full, run items on
/// `runner` while any are left, collect results as they come. `lanes[w]`: how many items
/// rank `w` runs at once.
pub(super) fn dispatch<R>(
    world: &World,
    count: usize,
    runner: &mut impl Runner<R>,
    lanes: &[usize],
) -> Vec<ItemResult<R>>
where
    R: Serialize + DeserializeOwned,
{
    let mut state = Dispatch {
        results: (0..count).map(|_| None).collect(),
        next: 0,
        in_flight: vec![0; world.size()],
        lanes: lanes.to_vec(),
        busy: 0,
        own_seconds: (0.0, 0.0, 0),
        answers_at_once: !runner.runs_on_caller(),
    };
    // At first each worker gets what it should hold, but no more than its threads' share
    // of all items, so that a few items are spread over every rank's threads (rank 0's too).
    let all_lanes: usize = lanes.iter().sum();
    let first: Vec<usize> = (0..world.size())
        .map(|w| {
            state
                .depth(w)
                .min((count * lanes[w]).div_ceil(all_lanes.max(1)))
        })
        .collect();
    for round in 0..first.iter().copied().max().unwrap_or(0) {
        for (worker, &quota) in first.iter().enumerate().skip(1) {
            if round < quota {
                state.hand_out(world, worker);
            }
        }
    }
    for worker in 1..world.size() {
        if state.in_flight[worker] == 0 {
            world.send(worker, &None::<usize>);
        } else {
            state.busy += 1;
        }
    }
    while state.next < count || state.busy > 0 || runner.holding() > 0 {
        while let Some((from, done)) = world.try_receive_any::<ItemResult<R>>() {
            state.take(world, from, done);
        }
        // Rank 0's threads take theirs before the workers' queues are filled up.
        while runner.holding() < runner.lanes() && state.next < count {
            runner.start(state.next);
            state.next += 1;
        }
        if state.next < count {
            for worker in 1..world.size() {
                state.top_up(world, worker);
            }
        }
        if runner.holding() > 0 {
            let patience = (state.busy > 0).then_some(POLL);
            if let Some(finished) = runner.next_finished(patience) {
                state.timed(finished.seconds);
                let index = finished.result.index;
                state.results[index] = Some(finished.result);
            }
        } else if state.busy > 0 {
            let (from, done) = world.receive_any::<ItemResult<R>>();
            state.take(world, from, done);
        }
    }
    state
        .results
        .into_iter()
        .map(|r| r.expect("every item was run exactly once"))
        .collect()
}

/// What rank 0 knows while dispatching.
struct Dispatch<R> {
    results: Vec<Option<ItemResult<R>>>,
    /// The first item not handed out yet.
    next: usize,
    /// Items handed to each worker and not yet returned.
    in_flight: Vec<usize>,
    /// How many items each rank runs at once.
    lanes: Vec<usize>,
    /// Workers not yet told to stop.
    busy: usize,
    /// Rank 0's own items: total and longest seconds, and how many.
    own_seconds: (f64, f64, usize),
    /// Whether rank 0 runs its items on compute threads, so that its own thread answers a
    /// worker within [`POLL`].
    answers_at_once: bool,
}

impl<R> Dispatch<R> {
    /// Sends `worker` the next item, if any is left.
    fn hand_out(&mut self, world: &World, worker: usize) -> bool {
        if self.next >= self.results.len() {
            return false;
        }
        world.send(worker, &Some(self.next));
        self.next += 1;
        self.in_flight[worker] += 1;
        true
    }

    /// Records the seconds of one of rank 0's own items.
    fn timed(&mut self, seconds: f64) {
        let (total, longest, count) = self.own_seconds;
        self.own_seconds = (total + seconds, longest.max(seconds), count + 1);
    }

    /// How many items `worker` should hold.
    ///
    /// Where rank 0 answers at once (its items run on compute threads), one for each of
    /// the worker's threads: a thread that returns a result waits for its next item at
    /// most [`POLL`] and a message's flight, and nothing waits queued behind a running
    /// item while other ranks' threads run dry at the end. Only where rank 0's items take
    /// less than [`SHORT`] (where that wait would matter) one more per thread is queued.
    ///
    /// Where rank 0 answers only between its own items, two per thread (one running, one
    /// queued), plus rank 0's longest item over its mean item (how many items a worker may
    /// finish while rank 0 is in one), at most [`MOST_IN_FLIGHT`] per thread; in all no
    /// more than the threads' fair share of the items left, but never fewer than two per
    /// thread.
    fn depth(&self, worker: usize) -> usize {
        let lanes = self.lanes[worker];
        if self.answers_at_once {
            let (total, _, count) = self.own_seconds;
            let short = count > 0 && total < SHORT.as_secs_f64() * count as f64;
            return if short { IN_FLIGHT * lanes } else { lanes };
        }
        let (total, longest, count) = self.own_seconds;
        let spread = if count > 0 && total > 0.0 {
            (longest * count as f64 / total).ceil() as usize
        } else {
            0
        };
        let all_lanes: usize = self.lanes.iter().sum();
        let fair = (self.results.len() - self.next) * lanes / all_lanes.max(1) + 1;
        ((IN_FLIGHT + spread).min(MOST_IN_FLIGHT) * lanes)
            .min(fair)
            .max(IN_FLIGHT * lanes)
    }

    /// Fills `worker`'s queue up to [`Dispatch::depth`].
    fn top_up(&mut self, world: &World, worker: usize) {
        while self.in_flight[worker] < self.depth(worker) && self.hand_out(world, worker) {}
    }

    /// Records a worker's result and refills its queue, or stops it when it has nothing left.
    fn take(&mut self, world: &World, worker: usize, done: ItemResult<R>) {
        let index = done.index;
        self.results[index] = Some(done);
        self.in_flight[worker] -= 1;
        self.top_up(world, worker);
        if self.in_flight[worker] == 0 {
            world.send(worker, &None::<usize>);
            self.busy -= 1;
        }
    }
}

/// A worker's side of the dynamic schedule: run each item rank 0 sends on `runner` and
/// return its result as it finishes, until told to stop (which rank 0 does only once every
/// item it sent has come back).
pub(super) fn pull<R>(world: &World, runner: &mut impl Runner<R>)
where
    R: Serialize + DeserializeOwned,
{
    let mut stopped = false;
    while !stopped || runner.holding() > 0 {
        if runner.holding() == 0 {
            match world.receive_from::<Option<usize>>(0) {
                Some(index) => runner.start(index),
                None => stopped = true,
            }
            continue;
        }
        while !stopped {
            match world.try_receive_from::<Option<usize>>(0) {
                Some(Some(index)) => runner.start(index),
                Some(None) => stopped = true,
                None => break,
            }
        }
        if let Some(finished) = runner.next_finished(Some(POLL)) {
            world.send(0, &finished.result);
        }
    }
}
