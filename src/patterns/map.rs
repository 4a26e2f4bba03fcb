//! The map: apply a function to every item of a list that all ranks know, spread over the
//! ranks, and bring the results back to rank 0 in input order.
//!
//! Two schedules:
//! - [`Schedule::Static`]: each rank takes one contiguous block of the items (sizes differ by
//!   at most one) and no message flows until the results are gathered. Best when items cost
//!   about the same.
//! - [`Schedule::Dynamic`]: rank 0 hands out items one at a time to whichever rank returns
//!   a result (each worker holds two: one running, one queued, so none waits while rank 0
//!   is busy), and works on items itself between messages. Best when costs are uneven.
//!
//! The function returns a `Result`: an item's error is kept with its index, its rank and its
//! message, and the map goes on with the other items; it never stops the map or leaves a
//! rank waiting. (A panic, as everywhere, aborts the job.) The map is a collective: every
//! rank calls it with the same items, in the same order.

use std::fmt::Display;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::runtime::World;

/// How items are assigned to ranks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Schedule {
    /// One contiguous block of items per rank, fixed in advance.
    Static,
    /// Items handed out by rank 0 one at a time as ranks return results.
    Dynamic,
}

/// What became of one item.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ItemResult<R> {
    /// The item's position in the input.
    pub index: usize,
    /// The rank that ran it.
    pub rank: usize,
    /// The function's value, or its error as text.
    pub result: Result<R, String>,
}

/// Maps `work` over `items`; rank 0 gets every item's result in input order, the other
/// ranks `None`.
///
/// ```
/// # use pardata::prelude::*;
/// # fn main() -> std::process::ExitCode {
/// # World::run(|world| {
/// let items: Vec<u64> = (1..=4).collect();
/// let results = map(world, &items, Schedule::Dynamic, |_, x| {
///     if *x == 3 { Err("three is bad") } else { Ok(x * 10) }
/// });
/// if let Some(results) = results {
///     // Rank 0: every item's outcome, in input order; the error is kept with its item.
///     assert_eq!(results[0].result, Ok(10));
///     assert_eq!(results[2].result, Err("three is bad".to_string()));
/// }
/// # Ok::<(), JobFailure>(())
/// # })
/// # }
/// ```
pub fn map<I, R, E>(
    world: &World,
    items: &[I],
    schedule: Schedule,
    mut work: impl FnMut(usize, &I) -> Result<R, E>,
) -> Option<Vec<ItemResult<R>>>
where
    R: Serialize + DeserializeOwned,
    E: Display,
{
    let mut run = |index: usize| ItemResult {
        index,
        rank: world.rank(),
        result: work(index, &items[index]).map_err(|e| e.to_string()),
    };
    match schedule {
        Schedule::Static => {
            let mine: Vec<ItemResult<R>> = block(items.len(), world.size(), world.rank())
                .map(&mut run)
                .collect();
            world
                .gather(&mine)
                .map(|all| all.into_iter().flatten().collect())
        }
        Schedule::Dynamic if world.is_root() => Some(dispatch(world, items.len(), run)),
        Schedule::Dynamic => {
            pull(world, run);
            None
        }
    }
}

/// [`map`], with the results on every rank.
///
/// ```
/// # use pardata::prelude::*;
/// # fn main() -> std::process::ExitCode {
/// # World::run(|world| {
/// let lengths = map_all(world, &["a", "bb", "ccc"], Schedule::Static, |_, s| {
///     Ok::<usize, String>(s.len())
/// });
/// let lengths: Vec<usize> = lengths.into_iter().filter_map(|r| r.result.ok()).collect();
/// assert_eq!(lengths, [1, 2, 3]); // on every rank
/// # Ok::<(), JobFailure>(())
/// # })
/// # }
/// ```
pub fn map_all<I, R, E>(
    world: &World,
    items: &[I],
    schedule: Schedule,
    work: impl FnMut(usize, &I) -> Result<R, E>,
) -> Vec<ItemResult<R>>
where
    R: Serialize + DeserializeOwned,
    E: Display,
{
    let on_root = map(world, items, schedule, work);
    world.broadcast(on_root.as_ref())
}

/// The block of `0..items` that rank `rank` of `ranks` takes: sizes differ by at most one,
/// larger blocks first.
///
/// ```
/// use pardata::patterns::map::block;
///
/// assert_eq!(block(10, 3, 0), 0..4);
/// assert_eq!(block(10, 3, 1), 4..7);
/// assert_eq!(block(10, 3, 2), 7..10);
/// ```
pub fn block(items: usize, ranks: usize, rank: usize) -> std::ops::Range<usize> {
    let base = items / ranks;
    let extra = items % ranks;
    let start = rank * base + rank.min(extra);
    start..start + base + usize::from(rank < extra)
}

/// Items each worker holds at least: one it runs and one queued, so that a worker never
/// waits for rank 0 (busy with an item of its own) to hand out the next.
const IN_FLIGHT: usize = 2;

/// The most items a worker holds: where items differ in cost, rank 0 queues more (its own
/// longest item over its mean, see [`Dispatch::depth`]), so that a worker does not run dry
/// while rank 0 is inside a long item.
const MOST_IN_FLIGHT: usize = 16;

/// Rank 0's side of the dynamic schedule: keep every worker's queue full, work on items
/// itself while any are left, collect results as they come.
fn dispatch<R>(
    world: &World,
    count: usize,
    mut run: impl FnMut(usize) -> ItemResult<R>,
) -> Vec<ItemResult<R>>
where
    R: Serialize + DeserializeOwned,
{
    let mut state = Dispatch {
        results: (0..count).map(|_| None).collect(),
        next: 0,
        in_flight: vec![0; world.size()],
        busy: 0,
        own_seconds: (0.0, 0.0, 0),
    };
    for _ in 0..IN_FLIGHT {
        for worker in 1..world.size() {
            state.hand_out(world, worker);
        }
    }
    for worker in 1..world.size() {
        if state.in_flight[worker] == 0 {
            world.send(worker, &None::<usize>);
        } else {
            state.busy += 1;
        }
    }
    while state.next < count || state.busy > 0 {
        while let Some((from, done)) = world.try_receive_any::<ItemResult<R>>() {
            state.take(world, from, done);
        }
        if state.next < count {
            for worker in 1..world.size() {
                state.top_up(world, worker);
            }
        }
        if state.next < count {
            let index = state.next;
            state.next += 1;
            let started = std::time::Instant::now();
            let done = run(index);
            state.timed(started.elapsed().as_secs_f64());
            state.results[index] = Some(done);
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
    /// Workers not yet told to stop.
    busy: usize,
    /// Rank 0's own items: total and longest seconds, and how many.
    own_seconds: (f64, f64, usize),
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

    /// How many items a worker should hold: two, plus rank 0's longest item over its mean
    /// item (how many items a worker may finish while rank 0 is in one), at most
    /// [`MOST_IN_FLIGHT`], and no more than a fair share of the items left.
    fn depth(&self, ranks: usize) -> usize {
        let (total, longest, count) = self.own_seconds;
        let spread = if count > 0 && total > 0.0 {
            (longest * count as f64 / total).ceil() as usize
        } else {
            0
        };
        let fair = (self.results.len() - self.next) / ranks + 1;
        (IN_FLIGHT + spread)
            .min(MOST_IN_FLIGHT)
            .min(fair)
            .max(IN_FLIGHT)
    }

    /// Fills `worker`'s queue up to [`Dispatch::depth`].
    fn top_up(&mut self, world: &World, worker: usize) {
        while self.in_flight[worker] < self.depth(world.size()) && self.hand_out(world, worker) {}
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

/// A worker's side of the dynamic schedule: run each item rank 0 sends, return its result,
/// until told to stop.
fn pull<R>(world: &World, mut run: impl FnMut(usize) -> ItemResult<R>)
where
    R: Serialize + DeserializeOwned,
{
    while let Some(index) = world.receive_from::<Option<usize>>(0) {
        world.send(0, &run(index));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn blocks_cover_in_order_and_differ_by_at_most_one() {
        for items in 0..30 {
            for ranks in 1..7 {
                let blocks: Vec<_> = (0..ranks).map(|r| block(items, ranks, r)).collect();
                assert_eq!(blocks[0].start, 0);
                assert_eq!(blocks[ranks - 1].end, items);
                assert!(blocks.windows(2).all(|w| w[0].end == w[1].start));
                let lens: Vec<usize> = blocks.iter().map(|b| b.len()).collect();
                assert!(lens.iter().max().unwrap() - lens.iter().min().unwrap() <= 1);
            }
        }
    }
}
