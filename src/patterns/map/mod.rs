//! The map: apply a function to every item of a list that all ranks know, spread over the
//! ranks, and bring the results back to rank 0 in input order.
//!
//! Two schedules:
//! - [`Schedule::Static`]: each rank takes one contiguous block of the items (sizes differ by
//!   at most one) and no message flows until the results are gathered. Best when items cost
//!   about the same.
//! - [`Schedule::Dynamic`]: rank 0 hands out items to whichever rank returns a result (each
//!   worker holds two per thread: one running, one queued, so none waits while rank 0 is
//!   busy), and works on items itself between messages. Best when costs are uneven.
//!
//! Two ways to run a rank's items: [`map`] runs them one at a time on the rank's own thread
//! (the function may be `FnMut`); [`map_on_threads`] runs as many at once as the rank has
//! compute threads (the function is `Fn + Sync`), while the rank's own thread does all the
//! communication. An item's result never depends on where it ran, so a map's
//! output is the same at every number of ranks and threads.
//!
//! The function returns a `Result`: an item's error is kept with its index, its rank and its
//! message, and the map goes on with the other items; it never stops the map or leaves a
//! rank waiting. (A panic, as everywhere, aborts the job.) The map is a collective: every
//! rank calls it with the same items, in the same order.

mod dispatch;
mod runner;

use std::fmt::Display;

use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};

use crate::runtime::World;
use runner::{Inline, Pool, Runner};

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

impl<R> ItemResult<R> {
    /// Item `index`'s outcome on `rank`, its error kept as text.
    fn of<E: Display>(index: usize, rank: usize, outcome: Result<R, E>) -> Self {
        Self {
            index,
            rank,
            result: outcome.map_err(|e| e.to_string()),
        }
    }
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
    let rank = world.rank();
    let run = |index: usize| ItemResult::of(index, rank, work(index, &items[index]));
    let lanes = vec![1; world.size()];
    run_schedule(world, items.len(), schedule, &mut Inline::new(run), &lanes)
}

/// [`map`] on the rank's compute threads: each rank runs as many items at once as it has
/// threads (`--threads`, see [`crate::runtime::threads`]); the items it finishes count as
/// the progress of the step named `step` (shown where the front end shows progress).
///
/// ```
/// # use pardata::prelude::*;
/// # fn main() -> std::process::ExitCode {
/// # World::run(|world| {
/// let items: Vec<u64> = (1..=100).collect();
/// let results = map_on_threads(world, &items, Schedule::Dynamic, "squares", |_, x| {
///     Ok::<u64, String>(x * x)
/// });
/// if let Some(results) = results {
///     // Rank 0: every item's outcome, in input order, wherever it ran.
///     assert!(results.iter().all(|r| r.result == Ok((r.index as u64 + 1).pow(2))));
/// }
/// # Ok::<(), JobFailure>(())
/// # })
/// # }
/// ```
pub fn map_on_threads<I, R, E>(
    world: &World,
    items: &[I],
    schedule: Schedule,
    step: &str,
    work: impl Fn(usize, &I) -> Result<R, E> + Sync,
) -> Option<Vec<ItemResult<R>>>
where
    I: Sync,
    R: Serialize + DeserializeOwned + Send,
    E: Display,
{
    let rank = world.rank();
    let run = |index: usize| ItemResult::of(index, rank, work(index, &items[index]));
    let threads = rayon::current_num_threads();
    let lanes = match schedule {
        Schedule::Dynamic => world.all_gather(&threads),
        Schedule::Static => Vec::new(),
    };
    let progress = world.progress(step, Some(items.len() as u64));
    rayon::in_place_scope(|scope| {
        let mut pool = Pool::new(scope, &run, threads, progress);
        run_schedule(world, items.len(), schedule, &mut pool, &lanes)
    })
}

/// Runs `count` items by `schedule` on each rank's `runner`; rank 0 gets the results.
fn run_schedule<R>(
    world: &World,
    count: usize,
    schedule: Schedule,
    runner: &mut impl Runner<R>,
    lanes: &[usize],
) -> Option<Vec<ItemResult<R>>>
where
    R: Serialize + DeserializeOwned,
{
    match schedule {
        Schedule::Static => {
            let mine = dispatch::own_block(runner, block(count, world.size(), world.rank()));
            world
                .gather(&mine)
                .map(|all| all.into_iter().flatten().collect())
        }
        Schedule::Dynamic if world.is_root() => {
            Some(dispatch::dispatch(world, count, runner, lanes))
        }
        Schedule::Dynamic => {
            dispatch::pull(world, runner);
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

/// [`map_on_threads`], with the results on every rank.
///
/// ```
/// # use pardata::prelude::*;
/// # fn main() -> std::process::ExitCode {
/// # World::run(|world| {
/// let words = ["a", "bb", "ccc"];
/// let lengths = map_all_on_threads(world, &words, Schedule::Static, "lengths", |_, s| {
///     Ok::<usize, String>(s.len())
/// });
/// let lengths: Vec<usize> = lengths.into_iter().filter_map(|r| r.result.ok()).collect();
/// assert_eq!(lengths, [1, 2, 3]); // on every rank
/// # Ok::<(), JobFailure>(())
/// # })
/// # }
/// ```
pub fn map_all_on_threads<I, R, E>(
    world: &World,
    items: &[I],
    schedule: Schedule,
    step: &str,
    work: impl Fn(usize, &I) -> Result<R, E> + Sync,
) -> Vec<ItemResult<R>>
where
    I: Sync,
    R: Serialize + DeserializeOwned + Send,
    E: Display,
{
    let on_root = map_on_threads(world, items, schedule, step, work);
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
