//! The wide operations of [`Bag`]: those that end a stage with an exchange between ranks.
//!
//! Keyed operations route every element to the rank that owns its key's range; the ranges
//! are cut from a sample of every rank's keys, so rank r's keys all precede rank r+1's and
//! grouped results, sorted on each rank, come in ascending key order across the ranks.
//! `fold_by` combines on each rank before the shuffle (Dask's `foldby`, Spark's
//! `combineByKey`); `aggregate_by` lets the planner decide whether combining pays, from a
//! sample of the keys; `join` broadcasts a small right side instead of shuffling both.
//! A product all-gathers its right side (put the smaller side right): elements never travel
//! per pair, the cost that made the tutorial's Spark version slow.

use std::collections::{BTreeMap, BTreeSet};

use super::{all_gather_items, all_gather_where_wanted, exchange, Bag, Element, PlanLog, Stage};
use crate::patterns::map::block;
use crate::runtime::World;

/// How `join` brings matching elements together.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinStrategy {
    /// Broadcast when the right side has at most [`BROADCAST_JOIN_LIMIT`] elements.
    Auto,
    /// Every rank receives the whole right side; the left side stays where it is. The
    /// result comes in left input order, each element's matches in right input order.
    Broadcast,
    /// Both sides are shuffled by key ranges. The result comes in ascending key order, and
    /// within a key in left, then right, input order.
    Shuffle,
}

/// The most right-side elements `JoinStrategy::Auto` broadcasts (a count, not bytes, so
/// that the choice, and with it the result's order, is the same at every rank count).
pub const BROADCAST_JOIN_LIMIT: u64 = 100_000;

/// How many keys per rank the planner looks at to decide whether combining pays.
const PLANNER_SAMPLE: usize = 4096;

/// How a keyed aggregation runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Aggregation {
    /// Fold on each rank, shuffle one partial value per key, combine.
    CombineFirst,
    /// Decide from a sample: combine first unless most sampled keys are distinct.
    Planned,
}

impl<'w, T: Element> Bag<'w, T> {
    /// Every element with every element of `right`, as pairs, left-major: `right` is
    /// computed and all-gathered to the ranks with left elements (each holds it whole), the
    /// left side stays where it is.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let pairs = Bag::from_vec(world, vec![1, 2]).product(Bag::from_vec(world, vec!['x', 'y']));
    /// assert_eq!(pairs.collect_all(), [(1, 'x'), (1, 'y'), (2, 'x'), (2, 'y')]);
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn product<U: Element + Clone>(mut self, right: Bag<'w, U>) -> Bag<'w, (T, U)>
    where
        T: Clone,
    {
        self.stages
            .extend(right.stages.iter().map(Stage::on_the_right));
        let right_partition = right.partition;
        self.wide(
            Stage::new(
                "product",
                "the right side all-gathered to the ranks with left elements",
            ),
            move |world, _, left| {
                Box::new(move || {
                    let left: Vec<T> = left().collect();
                    let right_items = all_gather_where_wanted(
                        world,
                        right_partition().collect(),
                        !left.is_empty(),
                    );
                    let width = right_items.len();
                    Box::new(
                        (0..left.len() * width).map(move |k| {
                            (left[k / width].clone(), right_items[k % width].clone())
                        }),
                    )
                })
            },
        )
    }

    /// Sends each element to the rank that owns its key's range, with its key, keeping
    /// input order within a key.
    fn shuffle<K: Element + Ord + Clone>(
        self,
        key: impl Fn(&T) -> K + 'w,
        name: &'static str,
    ) -> Bag<'w, (K, T)> {
        let stage = Stage::new(
            name,
            "shuffle by key ranges (sampled splitters, variable-count all-to-all)",
        );
        self.wide(stage, move |world, _, previous| {
            Box::new(move || {
                let keyed = previous().map(|item| (key(&item), item)).collect();
                Box::new(route_by_key(world, keyed).into_iter())
            })
        })
    }

    /// Groups elements by key: `(key, values)` in ascending key order, values in input order.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let by_parity = Bag::from_vec(world, (1..=6).collect::<Vec<i64>>()).group_by(|x| x % 2);
    /// assert_eq!(by_parity.collect_all(), [(0, vec![2, 4, 6]), (1, vec![1, 3, 5])]);
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn group_by<K: Element + Ord + Clone>(
        self,
        key: impl Fn(&T) -> K + 'w,
    ) -> Bag<'w, (K, Vec<T>)> {
        self.shuffle(key, "group_by").map_partitions(|pairs| {
            let mut groups: BTreeMap<K, Vec<T>> = BTreeMap::new();
            for (k, v) in pairs {
                groups.entry(k).or_default().push(v);
            }
            groups.into_iter().collect()
        })
    }

    /// Folds the elements of each key into one value, combining on each rank before the
    /// shuffle (Dask's `foldby`, Spark's `combineByKey`): `(key, folded)` in key order.
    /// `init` must be neutral for `combine`, and `combine` must agree with `fold`.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let sums = Bag::from_vec(world, (1..=6).collect::<Vec<i64>>())
    ///     .fold_by(|x| x % 2, || 0, |sum, x| sum + x, |a, b| a + b);
    /// assert_eq!(sums.collect_all(), [(0, 12), (1, 9)]);
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn fold_by<K, A>(
        self,
        key: impl Fn(&T) -> K + 'w,
        init: impl Fn() -> A + 'w,
        fold: impl Fn(A, T) -> A + 'w,
        combine: impl Fn(A, A) -> A + 'w,
    ) -> Bag<'w, (K, A)>
    where
        K: Element + Ord + Clone,
        A: Element,
    {
        self.aggregate(key, init, fold, combine, Aggregation::CombineFirst)
    }

    /// `fold_by` with the planner's choice: it samples up to 4,096 keys per rank and
    /// combines before the shuffle unless most sampled keys are distinct (where combining
    /// costs a table and saves nothing), in which case the elements are shuffled as they
    /// are and folded where they land. The same result either way; the choice and its
    /// reason go to [`Bag::plan_log`].
    pub fn aggregate_by<K, A>(
        self,
        key: impl Fn(&T) -> K + 'w,
        init: impl Fn() -> A + 'w,
        fold: impl Fn(A, T) -> A + 'w,
        combine: impl Fn(A, A) -> A + 'w,
    ) -> Bag<'w, (K, A)>
    where
        K: Element + Ord + Clone,
        A: Element,
    {
        self.aggregate(key, init, fold, combine, Aggregation::Planned)
    }

    fn aggregate<K, A>(
        self,
        key: impl Fn(&T) -> K + 'w,
        init: impl Fn() -> A + 'w,
        fold: impl Fn(A, T) -> A + 'w,
        combine: impl Fn(A, A) -> A + 'w,
        how: Aggregation,
    ) -> Bag<'w, (K, A)>
    where
        K: Element + Ord + Clone,
        A: Element,
    {
        let stage = match how {
            Aggregation::CombineFirst => Stage::new(
                "fold_by",
                "combine on each rank, shuffle one value per key by key ranges",
            ),
            Aggregation::Planned => Stage::new(
                "aggregate_by",
                "combine first unless a sample of the keys says it saves little, then shuffle \
                 by key ranges",
            ),
        };
        self.wide(stage, move |world, log, previous| {
            Box::new(move || {
                let mut items = previous().map(move |item| (key(&item), item));
                let head: Vec<(K, T)> = items.by_ref().take(PLANNER_SAMPLE).collect();
                let combine_first =
                    how == Aggregation::CombineFirst || combining_pays(world, &log, &head);
                let keyed = head.into_iter().chain(items);
                let totals = if combine_first {
                    let partial = fold_into(BTreeMap::new(), keyed, &init, &fold);
                    let routed = route_by_key(world, partial.into_iter().collect());
                    fold_into(
                        BTreeMap::new(),
                        routed.into_iter(),
                        || None,
                        |so_far, value| {
                            Some(match so_far {
                                Some(so_far) => combine(so_far, value),
                                None => value,
                            })
                        },
                    )
                    .into_iter()
                    .filter_map(|(k, total)| total.map(|total| (k, total)))
                    .collect()
                } else {
                    fold_into(
                        BTreeMap::new(),
                        route_by_key(world, keyed.collect()).into_iter(),
                        &init,
                        &fold,
                    )
                };
                Box::new(totals.into_iter())
            })
        })
    }

    /// Each distinct element once, in ascending order.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let kinds = Bag::from_vec(world, vec![3, 1, 3, 2, 1]).distinct();
    /// assert_eq!(kinds.collect_all(), [1, 2, 3]);
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn distinct(self) -> Bag<'w, T>
    where
        T: Ord + Clone,
    {
        self.fold_by(|t: &T| t.clone(), || (), |(), _| (), |(), ()| ())
            .map(|(k, ())| k)
    }

    /// How often each distinct element occurs, in ascending order.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let counts = Bag::from_vec(world, vec!['b', 'a', 'b']).frequencies();
    /// assert_eq!(counts.collect_all(), [('a', 1), ('b', 2)]);
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn frequencies(self) -> Bag<'w, (T, u64)>
    where
        T: Ord + Clone,
    {
        self.fold_by(|t: &T| t.clone(), || 0u64, |n, _| n + 1, |a, b| a + b)
    }

    /// Pairs the elements of two keyed bags with equal keys, `(key, (left, right))` for
    /// every match, with [`JoinStrategy::Auto`].
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let names = Bag::from_vec(world, vec![(1, "ann".to_string()), (2, "bob".to_string())]);
    /// let ages = Bag::from_vec(world, vec![(2, 41), (1, 37), (3, 9)]);
    /// let joined = names.join(ages).collect_all();
    /// assert_eq!(joined, [(1, ("ann".to_string(), 37)), (2, ("bob".to_string(), 41))]);
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn join<K, V, W>(self, right: Bag<'w, (K, W)>) -> Bag<'w, (K, (V, W))>
    where
        T: Into<(K, V)>,
        K: Element + Ord + Clone,
        V: Element + Clone,
        W: Element + Clone,
    {
        self.join_with(right, JoinStrategy::Auto)
    }

    /// `join` with a chosen strategy (the order of the result depends on it; see
    /// [`JoinStrategy`]). The strategy taken goes to [`Bag::plan_log`].
    pub fn join_with<K, V, W>(
        mut self,
        right: Bag<'w, (K, W)>,
        strategy: JoinStrategy,
    ) -> Bag<'w, (K, (V, W))>
    where
        T: Into<(K, V)>,
        K: Element + Ord + Clone,
        V: Element + Clone,
        W: Element + Clone,
    {
        self.stages
            .extend(right.stages.iter().map(Stage::on_the_right));
        let right_partition = right.partition;
        let stage = Stage::new(
            "join",
            format!(
                "({strategy:?}) broadcast a right side of at most {BROADCAST_JOIN_LIMIT} \
                 elements, else shuffle both sides by key ranges"
            ),
        );
        self.wide(stage, move |world, log, left| {
            Box::new(move || {
                let rights: Vec<(K, W)> = right_partition().collect();
                let broadcast = match strategy {
                    JoinStrategy::Broadcast => true,
                    JoinStrategy::Shuffle => false,
                    JoinStrategy::Auto => {
                        let total: u64 = world.all_gather(&(rights.len() as u64)).iter().sum();
                        let broadcast = total <= BROADCAST_JOIN_LIMIT;
                        log.record(format!(
                            "join: the right side has {total} elements: {}",
                            if broadcast {
                                "broadcast it"
                            } else {
                                "shuffle both sides"
                            }
                        ));
                        broadcast
                    }
                };
                // The left side is taken in whole either way, so that each stage's input
                // is counted on its own (see `counted`).
                let lefts: Vec<(K, V)> = left().map(Into::into).collect();
                if broadcast {
                    broadcast_join(world, lefts, rights)
                } else {
                    shuffle_join(world, lefts, rights)
                }
            })
        })
    }

    /// The same elements, in the same order, spread evenly over the ranks again (after a
    /// filter left some ranks with little).
    pub fn repartition(self) -> Bag<'w, T> {
        let stage = Stage::new(
            "repartition",
            "even blocks again (variable-count all-to-all)",
        );
        self.wide(stage, move |world, _, previous| {
            Box::new(move || {
                let items: Vec<T> = previous().collect();
                let counts = world.all_gather(&(items.len() as u64));
                let total: u64 = counts.iter().sum();
                let start: u64 = counts[..world.rank()].iter().sum();
                let ends: Vec<u64> = (0..world.size())
                    .map(|r| block(total as usize, world.size(), r).end as u64)
                    .collect();
                let mut outgoing: Vec<Vec<T>> = (0..world.size()).map(|_| Vec::new()).collect();
                for (i, item) in items.into_iter().enumerate() {
                    let owner = ends.partition_point(|&end| end <= start + i as u64);
                    outgoing[owner].push(item);
                }
                Box::new(exchange(world, outgoing).into_iter())
            })
        })
    }
}

/// Joins the left elements where they are against the whole right side.
fn broadcast_join<'w, K, V, W>(
    world: &World,
    lefts: Vec<(K, V)>,
    rights: Vec<(K, W)>,
) -> Box<dyn Iterator<Item = (K, (V, W))> + 'w>
where
    K: Element + Ord + Clone,
    V: Element + Clone,
    W: Element + Clone,
{
    let mut table: BTreeMap<K, Vec<W>> = BTreeMap::new();
    for (k, w) in all_gather_items(world, rights) {
        table.entry(k).or_default().push(w);
    }
    Box::new(lefts.into_iter().flat_map(move |(k, v)| {
        let matches = table.get(&k).cloned().unwrap_or_default();
        matches
            .into_iter()
            .map(move |w| (k.clone(), (v.clone(), w)))
    }))
}

/// Joins both sides where their keys' range lives.
fn shuffle_join<'w, K, V, W>(
    world: &World,
    lefts: Vec<(K, V)>,
    rights: Vec<(K, W)>,
) -> Box<dyn Iterator<Item = (K, (V, W))> + 'w>
where
    K: Element + Ord + Clone,
    V: Element + Clone,
    W: Element + Clone,
{
    let tagged: Vec<(K, Side<V, W>)> = lefts
        .into_iter()
        .map(|(k, v)| (k, Side::Left(v)))
        .chain(rights.into_iter().map(|(k, w)| (k, Side::Right(w))))
        .collect();
    let mut sides: BTreeMap<K, (Vec<V>, Vec<W>)> = BTreeMap::new();
    for (k, side) in route_by_key(world, tagged) {
        let (lefts, rights) = sides.entry(k).or_default();
        match side {
            Side::Left(v) => lefts.push(v),
            Side::Right(w) => rights.push(w),
        }
    }
    Box::new(sides.into_iter().flat_map(|(k, (lefts, rights))| {
        let mut matches = Vec::with_capacity(lefts.len() * rights.len());
        for v in &lefts {
            for w in &rights {
                matches.push((k.clone(), (v.clone(), w.clone())));
            }
        }
        matches
    }))
}

/// Which side of a join an element comes from.
#[derive(serde::Serialize, serde::Deserialize)]
enum Side<V, W> {
    Left(V),
    Right(W),
}

/// Folds keyed values into `totals`, one table lookup per value.
fn fold_into<K: Ord, A, V>(
    mut totals: BTreeMap<K, A>,
    keyed: impl Iterator<Item = (K, V)>,
    init: impl Fn() -> A,
    fold: impl Fn(A, V) -> A,
) -> BTreeMap<K, A> {
    let mut last: Option<(K, A)> = None;
    for (k, v) in keyed {
        // Runs of one key (sorted or clustered input) fold without a lookup.
        let acc = match last.take() {
            Some((held, acc)) if held == k => acc,
            Some((held, acc)) => {
                totals.insert(held, acc);
                totals.remove(&k).unwrap_or_else(&init)
            }
            None => totals.remove(&k).unwrap_or_else(&init),
        };
        last = Some((k, fold(acc, v)));
    }
    if let Some((held, acc)) = last {
        totals.insert(held, acc);
    }
    totals
}

/// Whether combining before the shuffle saves enough (a collective): true unless more
/// than half of the keys sampled on all ranks are distinct on their rank.
fn combining_pays<K: Ord, T>(world: &World, log: &PlanLog, keyed: &[(K, T)]) -> bool {
    let sample = &keyed[..keyed.len().min(PLANNER_SAMPLE)];
    let distinct = sample.iter().map(|(k, _)| k).collect::<BTreeSet<_>>().len();
    let (sampled, distinct) = world
        .all_gather(&(sample.len() as u64, distinct as u64))
        .into_iter()
        .fold((0, 0), |(s, d), (s1, d1)| (s + s1, d + d1));
    let pays = 2 * distinct <= sampled;
    log.record(format!(
        "aggregate_by: {distinct} distinct among {sampled} sampled keys: {}",
        if pays {
            "combine on each rank before the shuffle"
        } else {
            "shuffle the elements as they are (combining would save little)"
        }
    ));
    pays
}

/// Sends each keyed element to the rank that owns its key's range (a collective), keeping
/// input order within a key. The ranges come from a sample of every rank's keys (up to 64
/// each, all-gathered and cut at quantiles).
fn route_by_key<K: Element + Ord + Clone, V: Element>(
    world: &World,
    keyed: Vec<(K, V)>,
) -> Vec<(K, V)> {
    if world.size() == 1 {
        return keyed;
    }
    let splitters = splitters(world, keyed.iter().map(|(k, _)| k.clone()).collect());
    let mut outgoing: Vec<Vec<(K, V)>> = (0..world.size()).map(|_| Vec::new()).collect();
    for (k, v) in keyed {
        outgoing[splitters.partition_point(|s| s <= &k)].push((k, v));
    }
    exchange(world, outgoing)
}

/// `ranks - 1` keys that cut every rank's keys into ranges of about equal size, the same on
/// every rank (a collective).
fn splitters<K: Element + Ord + Clone>(world: &World, mut keys: Vec<K>) -> Vec<K> {
    const SAMPLE: usize = 64;
    keys.sort();
    keys.dedup();
    let step = keys.len().div_ceil(SAMPLE).max(1);
    let sample: Vec<K> = keys.into_iter().step_by(step).collect();
    let mut all: Vec<K> = world.all_gather(&sample).into_iter().flatten().collect();
    all.sort();
    all.dedup();
    let ranks = world.size();
    (1..ranks)
        .filter_map(|r| all.get(r * all.len() / ranks).cloned())
        .collect()
}
