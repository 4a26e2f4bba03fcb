//! `Bag<T>`: a lazy collection partitioned over the ranks, the collections lesson of the
//! tutorial (Dask bags, Spark RDDs) on MPI.
//!
//! A bag is a recipe: sources and narrow operations (`map`, `filter`, `flat_map`,
//! `map_partitions`) are chained into one pass over each rank's partition when an action
//! runs; wide operations (`product`, `group_by`, `fold_by`, `aggregate_by`,
//! `join`, `distinct`, `frequencies`, `repartition`) end a stage with one exchange between
//! the ranks (for the keyed ones, a shuffle by key ranges cut from a sample of the keys).
//! Actions (`collect`, `count`, `fold`, `max_by`, `top_k`, `take`, ...) run the
//! recipe; they are collectives, so every rank calls them in the same order.
//! [`Bag::explain`] prints the stages; [`Bag::plan_log`] tells what the planner chose at run
//! time (broadcast or shuffle join, combining before a shuffle or not).
//!
//! Order and rank counts: a source is cut into contiguous blocks in rank order, and every
//! operation keeps the order of its input, so `collect` gives what a sequential loop over
//! the same steps gives, at any rank count. Grouped results come in ascending key order,
//! each group's values in input order. `persist` computes a partition once for several bags
//! (both sides of a product).

mod actions;
mod stage;
mod wide;

use std::cell::RefCell;
use std::fmt;
use std::rc::Rc;

use serde::de::DeserializeOwned;
use serde::Serialize;

pub use stage::Stage;
pub use wide::{JoinStrategy, BROADCAST_JOIN_LIMIT};

use super::map::block;
use crate::runtime::progress::Progress;
use crate::runtime::{Activity, JobFailure, World};

/// What a bag's elements must allow: to travel between ranks.
pub trait Element: Serialize + DeserializeOwned + 'static {}
impl<T: Serialize + DeserializeOwned + 'static> Element for T {}

type Partition<'w, T> = Box<dyn FnOnce() -> Box<dyn Iterator<Item = T> + 'w> + 'w>;

/// A lazy, partitioned collection (see the module header).
#[must_use = "bags are lazy and do nothing unless an action runs them"]
pub struct Bag<'w, T> {
    world: &'w World,
    partition: Partition<'w, T>,
    stages: Vec<Stage>,
    log: PlanLog,
}

/// The decisions the planner made while a bag ran, one line each (see [`Bag::plan_log`]).
#[derive(Debug, Clone, Default)]
pub struct PlanLog(Rc<RefCell<Vec<String>>>);

impl PlanLog {
    fn record(&self, decision: String) {
        self.0.borrow_mut().push(decision);
    }

    /// The decisions so far, in the order they were made.
    pub fn decisions(&self) -> Vec<String> {
        self.0.borrow().clone()
    }
}

impl fmt::Display for PlanLog {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.decisions().join("\n"))
    }
}

impl<'w, T: Element> Bag<'w, T> {
    /// A bag of a source, its one stage.
    fn new(world: &'w World, source: Stage, partition: Partition<'w, T>) -> Bag<'w, T> {
        let label = progress_label(0, &source);
        Bag {
            world,
            partition: Box::new(move || counted(world, &label, partition())),
            stages: vec![source],
            log: PlanLog::default(),
        }
    }

    /// A bag made from this one: `plan` edits the list of stages, `make` turns this bag's
    /// recipe into the new one (with the world and the log of decisions at hand).
    fn derive<U>(
        self,
        plan: impl FnOnce(&mut Vec<Stage>),
        make: impl FnOnce(&'w World, PlanLog, Partition<'w, T>) -> Partition<'w, U>,
    ) -> Bag<'w, U> {
        let Bag {
            world,
            partition,
            mut stages,
            log,
        } = self;
        plan(&mut stages);
        Bag {
            world,
            partition: make(world, log.clone(), partition),
            stages,
            log,
        }
    }

    /// A bag whose recipe ends a stage with `stage` (a wide operation): the next stage
    /// starts from what `make`'s partition gives, counted for the progress view.
    fn wide<U: 'w>(
        self,
        stage: Stage,
        make: impl FnOnce(&'w World, PlanLog, Partition<'w, T>) -> Partition<'w, U>,
    ) -> Bag<'w, U> {
        let label = progress_label(self.stages.len(), &stage);
        self.derive(
            |stages| stages.push(stage),
            move |world, log, partition| {
                let made = make(world, log, partition);
                Box::new(move || counted(world, &label, made()))
            },
        )
    }

    /// A handle on the decisions the planner makes while this bag runs (which strategy a
    /// join or an aggregation took, and why); read it after the action.
    pub fn plan_log(&self) -> PlanLog {
        self.log.clone()
    }

    /// A bag of `items` (every rank passes the same vector; each keeps its block).
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let bag = Bag::from_vec(world, vec![3, 1, 2]);
    /// assert_eq!(bag.collect_all(), [3, 1, 2]); // on every rank, in input order
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn from_vec(world: &'w World, items: Vec<T>) -> Bag<'w, T> {
        let range = block(items.len(), world.size(), world.rank());
        let stage = Stage::new("from_vec", format!("{} items", items.len()));
        Bag::new(
            world,
            stage,
            Box::new(move || Box::new(items.into_iter().skip(range.start).take(range.len()))),
        )
    }

    /// A bag of the items each rank already holds: rank r's `items` are its partition, and
    /// the bag's order is rank 0's items, then rank 1's, and so on.
    pub fn from_local(world: &'w World, items: Vec<T>) -> Bag<'w, T> {
        let stage = Stage::new("from_local", "each rank's own items");
        Bag::new(world, stage, Box::new(move || Box::new(items.into_iter())))
    }

    /// A bag made by `read` from each of `sources` (every rank passes the same list; each
    /// reads its block): "each rank reads its slice of files".
    pub fn from_sources<S: 'w>(
        world: &'w World,
        sources: Vec<S>,
        read: impl Fn(&S) -> T + 'w,
    ) -> Bag<'w, T> {
        let range = block(sources.len(), world.size(), world.rank());
        let stage = Stage::new(
            "from_sources",
            format!("{} sources, read where they fall", sources.len()),
        );
        Bag::new(
            world,
            stage,
            Box::new(move || {
                Box::new(
                    sources
                        .into_iter()
                        .skip(range.start)
                        .take(range.len())
                        .map(move |s| read(&s)),
                )
            }),
        )
    }

    /// A bag made by `read` from each of `sources`, as [`Bag::from_sources`], for readers
    /// that can fail (a missing or malformed file): every rank reads its block now, not
    /// lazily, and the ranks agree on the outcome (a collective), so that a bad source on
    /// one rank is an error on every rank, naming the rank and host, instead of a panic or
    /// a hang.
    ///
    /// ```no_run
    /// use pardata::prelude::*;
    ///
    /// # fn main() -> std::process::ExitCode {
    /// World::run(|world| {
    ///     let files = vec!["a.txt".to_string(), "b.txt".to_string()];
    ///     let lines = Bag::try_from_sources(world, files, |path| {
    ///         std::fs::read_to_string(path).map_err(|e| format!("{path}: {e}"))
    ///     })?
    ///     .map(|text| text.lines().count() as u64)
    ///     .sum();
    ///     world.say(format_args!("{lines} lines"));
    ///     Ok::<(), JobFailure>(())
    /// })
    /// # }
    /// ```
    pub fn try_from_sources<S, E: fmt::Display>(
        world: &'w World,
        sources: Vec<S>,
        read: impl Fn(&S) -> Result<T, E>,
    ) -> Result<Bag<'w, T>, JobFailure> {
        let range = block(sources.len(), world.size(), world.rank());
        let count = sources.len();
        let mine: Result<Vec<T>, E> = sources[range].iter().map(read).collect();
        let items = world.agree(mine)?;
        let stage = Stage::new(
            "try_from_sources",
            format!("{count} sources, read where they fall"),
        );
        Ok(Bag::new(
            world,
            stage,
            Box::new(move || Box::new(items.into_iter())),
        ))
    }

    /// A bag whose recipe adds `step` to the current stage (fused with its other steps).
    fn narrow<U: Element>(
        self,
        name: &'static str,
        step: impl FnOnce(Box<dyn Iterator<Item = T> + 'w>) -> Box<dyn Iterator<Item = U> + 'w> + 'w,
    ) -> Bag<'w, U> {
        let plan = |stages: &mut Vec<Stage>| {
            if let Some(last) = stages.last_mut() {
                last.steps.push(name);
            }
        };
        self.derive(plan, |_, _, partition| Box::new(move || step(partition())))
    }

    /// Applies `f` to every element (fused with the other narrow steps of the stage).
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let squares = Bag::from_vec(world, (0..5).collect()).map(|x: i64| x * x);
    /// assert_eq!(squares.collect_all(), [0, 1, 4, 9, 16]);
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn map<U: Element>(self, f: impl Fn(T) -> U + 'w) -> Bag<'w, U> {
        self.narrow("map", move |items| Box::new(items.map(f)))
    }

    /// Keeps the elements for which `keep` is true.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let evens = Bag::from_vec(world, (0..10).collect()).filter(|x: &i64| x % 2 == 0);
    /// assert_eq!(evens.collect_all(), [0, 2, 4, 6, 8]);
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn filter(self, keep: impl Fn(&T) -> bool + 'w) -> Bag<'w, T> {
        self.narrow("filter", move |items| Box::new(items.filter(keep)))
    }

    /// Replaces every element by the elements `f` gives for it.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let words = Bag::from_vec(world, vec!["a b".to_string(), "c".to_string()])
    ///     .flat_map(|line| line.split(' ').map(String::from).collect::<Vec<_>>());
    /// assert_eq!(words.collect_all(), ["a", "b", "c"]);
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn flat_map<U: Element, I: IntoIterator<Item = U> + 'w>(
        self,
        f: impl Fn(T) -> I + 'w,
    ) -> Bag<'w, U> {
        self.narrow("flat_map", move |items| Box::new(items.flat_map(f)))
    }

    /// Applies `f` to each rank's whole partition at once.
    pub fn map_partitions<U: Element>(self, f: impl FnOnce(Vec<T>) -> Vec<U> + 'w) -> Bag<'w, U> {
        self.narrow("map_partitions", move |items| {
            Box::new(f(items.collect()).into_iter())
        })
    }

    /// Computes this rank's partition once, to be used by several bags (Spark's `cache`),
    /// such as both sides of a product.
    pub fn persist(self) -> Persisted<'w, T>
    where
        T: Clone,
    {
        let (items, world, mut stages, log) = self.run();
        if let Some(last) = stages.last_mut() {
            last.steps.push("persisted");
        }
        Persisted {
            world,
            items: Rc::new(items),
            stages,
            log,
        }
    }

    /// The plan: one line per stage, with the exchanges between stages.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let plan = Bag::from_vec(world, (0..5).collect::<Vec<i64>>())
    ///     .map(|x| x + 1)
    ///     .distinct()
    ///     .explain();
    /// assert!(plan.contains("map"), "{plan}");
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn explain(&self) -> String {
        self.explained()
    }

    /// The plan as data: one [`Stage`] per exchange, in order (a product's or a join's
    /// right side before the stage that takes it in).
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let stages = Bag::from_vec(world, vec![3_i64, 1, 2])
    ///     .filter(|x| *x > 1)
    ///     .fold_by(|x| x % 2, || 0, |sum, x| sum + x, |a, b| a + b)
    ///     .stages();
    /// let operations: Vec<_> = stages.iter().map(|s| s.operation).collect();
    /// assert_eq!(operations, ["from_vec", "fold_by"]);
    /// assert_eq!(stages[0].steps, ["filter"]);
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn stages(&self) -> Vec<Stage> {
        self.stages.clone()
    }

    fn explained(&self) -> String {
        self.stages
            .iter()
            .enumerate()
            .map(|(i, s)| format!("stage {i}: {s}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// This rank's partition, computed (the stage runs here).
    fn run(self) -> (Vec<T>, &'w World, Vec<Stage>, PlanLog) {
        let (world, partition) = (self.world, self.partition);
        let items = world.time_enclosing(Activity::Compute, "bag stages", || partition().collect());
        (items, world, self.stages, self.log)
    }
}

/// A bag's partition computed once (see [`Bag::persist`]).
pub struct Persisted<'w, T> {
    world: &'w World,
    items: Rc<Vec<T>>,
    stages: Vec<Stage>,
    log: PlanLog,
}

impl<'w, T: Element + Clone> Persisted<'w, T> {
    /// A bag of the persisted elements.
    pub fn bag(&self) -> Bag<'w, T> {
        let items = Rc::clone(&self.items);
        Bag {
            world: self.world,
            partition: Box::new(move || Box::new((0..items.len()).map(move |i| items[i].clone()))),
            stages: self.stages.clone(),
            log: self.log.clone(),
        }
    }
}

/// How the progress of stage `index` is labelled: its operation's name.
fn progress_label(index: usize, stage: &Stage) -> String {
    format!("bag stage {index} ({})", stage.operation)
}

/// A stage's elements, counted for the progress view as the next stage takes them in (a
/// collective when progress is shown: the ranks add up the stage's size, when known).
/// Every rank and stage counts about 256 times, so that a few expensive elements still
/// show progress and millions of cheap ones do not pay for counting.
fn counted<'w, T: 'w>(
    world: &'w World,
    label: &str,
    items: Box<dyn Iterator<Item = T> + 'w>,
) -> Box<dyn Iterator<Item = T> + 'w> {
    if !world.shows_progress() {
        return items;
    }
    let (low, high) = items.size_hint();
    let local = (high == Some(low)).then_some(low as u64);
    let total = world.all_gather(&local).into_iter().sum::<Option<u64>>();
    Box::new(Counted {
        items,
        progress: world.progress(label, total),
        every: local.map_or(64, |n| (n / 256).clamp(1, 4096)),
        pending: 0,
    })
}

/// An iterator that counts what it yields into a progress (see [`counted`]).
struct Counted<'w, T> {
    items: Box<dyn Iterator<Item = T> + 'w>,
    progress: Progress<'w>,
    every: u64,
    pending: u64,
}

impl<T> Iterator for Counted<'_, T> {
    type Item = T;

    fn next(&mut self) -> Option<T> {
        let item = self.items.next();
        if item.is_some() {
            self.pending += 1;
            if self.pending == self.every {
                self.progress.advance(self.pending);
                self.pending = 0;
            }
        }
        item
    }

    fn size_hint(&self) -> (usize, Option<usize>) {
        self.items.size_hint()
    }
}

impl<T> Drop for Counted<'_, T> {
    fn drop(&mut self) {
        self.progress.advance(self.pending);
    }
}

/// Every rank's `items`, in rank order, on every rank (on one rank, without encoding).
fn all_gather_items<E: Element>(world: &World, items: Vec<E>) -> Vec<E> {
    if world.size() == 1 {
        return items;
    }
    world.all_gather(&items).into_iter().flatten().collect()
}

/// Every rank's `items`, in rank order, on rank 0 (on one rank, without encoding).
fn gather_items<E: Element>(world: &World, items: Vec<E>) -> Option<Vec<E>> {
    if world.size() == 1 {
        return Some(items);
    }
    world
        .gather(&items)
        .map(|parts| parts.into_iter().flatten().collect())
}

/// Every rank's `items`, in rank order, on the ranks that `want` them (a collective; the
/// others get nothing): an all-gather that skips the ranks with no use for the data.
fn all_gather_where_wanted<E: Element + Clone>(world: &World, items: Vec<E>, want: bool) -> Vec<E> {
    if world.size() == 1 {
        return items;
    }
    let wanted = world.all_gather(&want);
    let bytes = encode_items(&items);
    let parts = (0..world.size())
        .map(|r| {
            if wanted[r] && r != world.rank() {
                bytes.clone()
            } else {
                Vec::new()
            }
        })
        .collect();
    let own = if want { items } else { Vec::new() };
    send_encoded(world, parts, own)
}

/// Sends `outgoing[r]` to rank r and returns what every rank sent here, in rank order (this
/// rank's own part stays as it is, neither encoded nor sent).
fn exchange<E: Element>(world: &World, mut outgoing: Vec<Vec<E>>) -> Vec<E> {
    let own = std::mem::take(&mut outgoing[world.rank()]);
    if world.size() == 1 {
        return own;
    }
    let parts = outgoing.iter().map(|part| encode_items(part)).collect();
    send_encoded(world, parts, own)
}

/// A rank's elements as postcard bytes; nothing at all for no elements.
fn encode_items<E: Element>(items: &[E]) -> Vec<u8> {
    if items.is_empty() {
        return Vec::new();
    }
    postcard::to_stdvec(items).expect("elements encode")
}

/// Sends the encoded `parts[r]` to rank r (a variable-count all-to-all) and decodes what
/// every other rank sent here, with `own` in this rank's place: everything in rank order.
fn send_encoded<E: Element>(world: &World, parts: Vec<Vec<u8>>, own: Vec<E>) -> Vec<E> {
    let counts: Vec<usize> = parts.iter().map(Vec::len).collect();
    let (bytes, received) = world.all_to_all_slices(&parts.concat(), &counts);
    let mut own = Some(own);
    let mut offset = 0;
    let mut items = Vec::new();
    for (rank, count) in received.into_iter().enumerate() {
        if rank == world.rank() {
            items.extend(own.take().unwrap_or_default());
        } else if count > 0 {
            let part: Vec<E> = postcard::from_bytes(&bytes[offset..offset + count])
                .expect("ranks run the same program, so their messages decode");
            items.extend(part);
        }
        offset += count;
    }
    items
}
