//! The map: apply a function to every item of a list that all ranks know, spread over the
//! ranks, and bring the results back to rank 0 in input order.
//!
//! Two schedules:
//! - [`Schedule::Static`]: each rank takes one contiguous block of the items (sizes differ by
//!   at most one) and no message flows until the results are gathered. Best when items cost
//!   about the same.
//! - [`Schedule::Dynamic`]: rank 0 hands out one item at a time to whichever rank asks
//!   (workers pull, returning their last result with each request) and works on items
//!   itself between requests. Best when costs are uneven.
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
    Static,
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
pub fn block(items: usize, ranks: usize, rank: usize) -> std::ops::Range<usize> {
    let base = items / ranks;
    let extra = items % ranks;
    let start = rank * base + rank.min(extra);
    start..start + base + usize::from(rank < extra)
}

/// A worker's message to rank 0: the result of its last item, if any, and a request for
/// the next one.
type Request<R> = Option<ItemResult<R>>;

/// Rank 0's side of the dynamic schedule: serve requests, work between them.
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
        workers: world.size() - 1,
    };
    while state.next < count || state.workers > 0 {
        while let Some((from, request)) = world.try_receive_any::<Request<R>>() {
            state.serve(world, from, request);
        }
        if let Some(index) = state.take_next() {
            let done = run(index);
            state.record(done);
        } else if state.workers > 0 {
            let (from, request) = world.receive_any::<Request<R>>();
            state.serve(world, from, request);
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
    next: usize,
    /// Workers not yet told to stop.
    workers: usize,
}

impl<R: Serialize> Dispatch<R> {
    fn take_next(&mut self) -> Option<usize> {
        let index = self.next;
        (index < self.results.len()).then(|| {
            self.next += 1;
            index
        })
    }

    fn record(&mut self, done: ItemResult<R>) {
        let index = done.index;
        self.results[index] = Some(done);
    }

    /// Takes a worker's result and answers with its next item, or with stop.
    fn serve(&mut self, world: &World, from: usize, request: Request<R>) {
        if let Some(done) = request {
            self.record(done);
        }
        let next = self.take_next();
        if next.is_none() {
            self.workers -= 1;
        }
        world.send(from, &next);
    }
}

/// A worker's side of the dynamic schedule: ask, run, return the result with the next ask.
fn pull<R>(world: &World, mut run: impl FnMut(usize) -> ItemResult<R>)
where
    R: Serialize + DeserializeOwned,
{
    let mut last: Request<R> = None;
    loop {
        world.send(0, &last);
        match world.receive_from::<Option<usize>>(0) {
            Some(index) => last = Some(run(index)),
            None => return,
        }
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
