//! `Bag<T>`: a lazy collection partitioned over the ranks, the collections lesson of the
//! tutorial (Dask bags, Spark RDDs) on MPI.
//!
//! A bag is a recipe: sources and narrow operations (`map`, `filter`, `flat_map`,
//! `map_partitions`) are chained into one pass over each rank's partition when an action
//! runs; wide operations (`product`, `group_by`, `fold_by`, `distinct`, `frequencies`) end
//! a stage with one exchange between the ranks (for the keyed ones, a shuffle by key ranges
//! cut from a sample of the keys). Actions (`collect`, `count`, `fold`,
//! `max_by`, `top_k`, `take`, ...) run the recipe; they are collectives, so every rank
//! calls them in the same order. [`Bag::explain`] prints the stages.
//!
//! Order and rank counts: a source is cut into contiguous blocks in rank order, and every
//! operation keeps the order of its input, so `collect` gives what a sequential loop over
//! the same steps gives, at any rank count. A product pairs each element of the left bag
//! with every element of the right one, which every rank receives whole (the smaller side
//! is the one to put right): elements never travel per pair, the cost that made the
//! tutorial's Spark version slow. Grouped results come in ascending key order, each group's
//! values in input order.
//!
//! `persist` computes a partition once for several bags (both sides of a product).
//!
//! Not done yet: a broadcast join for a small side, and a planner choosing between
//! `group_by` and `fold_by`.

use std::collections::BTreeMap;

use serde::de::DeserializeOwned;
use serde::Serialize;

use super::map::block;
use crate::runtime::World;

/// What a bag's elements must allow: to travel between ranks.
pub trait Element: Serialize + DeserializeOwned + 'static {}
impl<T: Serialize + DeserializeOwned + 'static> Element for T {}

type Partition<'w, T> = Box<dyn FnOnce() -> Box<dyn Iterator<Item = T> + 'w> + 'w>;

/// A lazy, partitioned collection (see the module header).
#[must_use = "bags are lazy and do nothing unless an action runs them"]
pub struct Bag<'w, T> {
    world: &'w World,
    partition: Partition<'w, T>,
    stages: Vec<String>,
}

impl<'w, T: Element> Bag<'w, T> {
    fn new(world: &'w World, stages: Vec<String>, partition: Partition<'w, T>) -> Bag<'w, T> {
        Bag {
            world,
            partition,
            stages,
        }
    }

    /// A bag of `items` (every rank passes the same vector; each keeps its block).
    pub fn from_vec(world: &'w World, items: Vec<T>) -> Bag<'w, T> {
        let range = block(items.len(), world.size(), world.rank());
        let stage = format!("from_vec: {} items", items.len());
        Bag::new(
            world,
            vec![stage],
            Box::new(move || Box::new(items.into_iter().skip(range.start).take(range.len()))),
        )
    }

    /// A bag of the items each rank already holds: rank r's `items` are its partition, and
    /// the bag's order is rank 0's items, then rank 1's, and so on.
    pub fn from_local(world: &'w World, items: Vec<T>) -> Bag<'w, T> {
        let stage = "from_local: each rank's own items".to_string();
        Bag::new(
            world,
            vec![stage],
            Box::new(move || Box::new(items.into_iter())),
        )
    }

    /// A bag made by `read` from each of `sources` (every rank passes the same list; each
    /// reads its block): "each rank reads its slice of files".
    pub fn from_sources<S: 'w>(
        world: &'w World,
        sources: Vec<S>,
        read: impl Fn(&S) -> T + 'w,
    ) -> Bag<'w, T> {
        let range = block(sources.len(), world.size(), world.rank());
        let stage = format!(
            "from_sources: {} sources, read where they fall",
            sources.len()
        );
        Bag::new(
            world,
            vec![stage],
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

    fn narrow<U: Element>(
        mut self,
        name: &str,
        step: impl FnOnce(Box<dyn Iterator<Item = T> + 'w>) -> Box<dyn Iterator<Item = U> + 'w> + 'w,
    ) -> Bag<'w, U> {
        let previous = self.partition;
        let last = self.stages.len() - 1;
        self.stages[last] += &format!(" -> {name}");
        Bag::new(self.world, self.stages, Box::new(move || step(previous())))
    }

    /// Applies `f` to every element (fused with the other narrow steps of the stage).
    pub fn map<U: Element>(self, f: impl Fn(T) -> U + 'w) -> Bag<'w, U> {
        self.narrow("map", move |items| Box::new(items.map(f)))
    }

    /// Keeps the elements for which `keep` is true.
    pub fn filter(self, keep: impl Fn(&T) -> bool + 'w) -> Bag<'w, T> {
        self.narrow("filter", move |items| Box::new(items.filter(keep)))
    }

    /// Replaces every element by the elements `f` gives for it.
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

    /// This rank's partition, computed (the stage runs here).
    fn run(self) -> (Vec<T>, &'w World, Vec<String>) {
        let items = (self.partition)().collect();
        (items, self.world, self.stages)
    }

    /// Every element with every element of `right`, as pairs: `right` is computed and
    /// all-gathered (every rank holds it whole), the left side stays where it is.
    pub fn product<U: Element + Clone>(self, right: Bag<'w, U>) -> Bag<'w, (T, U)>
    where
        T: Clone,
    {
        let world = self.world;
        let mut stages = self.stages.clone();
        stages.extend(right.stages.iter().map(|s| format!("  (right side) {s}")));
        stages.push("product: the right side all-gathered to every rank".into());
        let (left_partition, right_partition) = (self.partition, right.partition);
        Bag::new(
            world,
            stages,
            Box::new(move || {
                let right_items: Vec<U> = world
                    .all_gather(&right_partition().collect::<Vec<U>>())
                    .into_iter()
                    .flatten()
                    .collect();
                let left: Vec<T> = left_partition().collect();
                Box::new(left.into_iter().flat_map(move |a| {
                    right_items.clone().into_iter().map(move |b| (a.clone(), b))
                }))
            }),
        )
    }

    /// Sends each element to the rank that owns its key's range, keeping input order within
    /// a key. The ranges come from a sample of every rank's keys (up to 64 each, all-gathered
    /// and cut at quantiles), so rank r's keys all precede rank r+1's: grouped results,
    /// sorted on each rank, are then in ascending key order across the ranks.
    fn shuffle<K: Element + Ord + Clone>(
        self,
        key: impl Fn(&T) -> K + 'w,
        name: &str,
    ) -> Bag<'w, (K, T)> {
        let world = self.world;
        let mut stages = self.stages;
        stages.push(format!(
            "{name}: shuffle by key ranges (sampled splitters, variable-count all-to-all)"
        ));
        let previous = self.partition;
        Bag::new(
            world,
            stages,
            Box::new(move || {
                let keyed: Vec<(K, T)> = previous().map(|item| (key(&item), item)).collect();
                let splitters = splitters(world, keyed.iter().map(|(k, _)| k.clone()).collect());
                let mut outgoing: Vec<Vec<(K, T)>> =
                    (0..world.size()).map(|_| Vec::new()).collect();
                for (k, item) in keyed {
                    outgoing[splitters.partition_point(|s| s <= &k)].push((k, item));
                }
                Box::new(exchange(world, outgoing).into_iter())
            }),
        )
    }

    /// Groups elements by key: `(key, values)` in ascending key order, values in input order.
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
        let combined = self.map_partitions(move |items| {
            let mut partial: BTreeMap<K, A> = BTreeMap::new();
            for item in items {
                let k = key(&item);
                let acc = partial.remove(&k).unwrap_or_else(&init);
                partial.insert(k, fold(acc, item));
            }
            partial.into_iter().collect::<Vec<(K, A)>>()
        });
        combined
            .shuffle(|(k, _): &(K, A)| k.clone(), "fold_by")
            .map_partitions(move |pairs| {
                let mut totals: BTreeMap<K, A> = BTreeMap::new();
                for (k, (_, partial)) in pairs {
                    let total = match totals.remove(&k) {
                        Some(so_far) => combine(so_far, partial),
                        None => partial,
                    };
                    totals.insert(k, total);
                }
                totals.into_iter().collect()
            })
    }

    /// Each distinct element once, in ascending order.
    pub fn distinct(self) -> Bag<'w, T>
    where
        T: Ord + Clone,
    {
        self.fold_by(|t: &T| t.clone(), || (), |(), _| (), |(), ()| ())
            .map(|(k, ())| k)
    }

    /// How often each distinct element occurs, in ascending order.
    pub fn frequencies(self) -> Bag<'w, (T, u64)>
    where
        T: Ord + Clone,
    {
        self.fold_by(|t: &T| t.clone(), || 0u64, |n, _| n + 1, |a, b| a + b)
    }

    /// Pairs the elements of two keyed bags with equal keys: `(key, (left, right))` for every
    /// match, in ascending key order (a shuffle of both sides by the same key ranges).
    pub fn join<K, V, W>(self, right: Bag<'w, (K, W)>) -> Bag<'w, (K, (V, W))>
    where
        T: Into<(K, V)> + Clone,
        K: Element + Ord + Clone,
        V: Element + Clone,
        W: Element + Clone,
    {
        let world = self.world;
        let tagged_left = self.map(|t| {
            let (k, v): (K, V) = t.into();
            (k, Side::<V, W>::Left(v))
        });
        let tagged_right = right.map(|(k, w)| (k, Side::<V, W>::Right(w)));
        let mut stages = tagged_left.stages.clone();
        stages.extend(
            tagged_right
                .stages
                .iter()
                .map(|s| format!("  (right side) {s}")),
        );
        let (left_partition, right_partition) = (tagged_left.partition, tagged_right.partition);
        let both: Bag<'w, (K, Side<V, W>)> = Bag::new(
            world,
            stages,
            Box::new(move || Box::new(left_partition().chain(right_partition()))),
        );
        both.group_by(|(k, _)| k.clone()).flat_map(|(k, sides)| {
            let (mut lefts, mut rights) = (Vec::new(), Vec::new());
            for (_, side) in sides {
                match side {
                    Side::Left(v) => lefts.push(v),
                    Side::Right(w) => rights.push(w),
                }
            }
            let mut matches = Vec::with_capacity(lefts.len() * rights.len());
            for v in &lefts {
                for w in &rights {
                    matches.push((k.clone(), (v.clone(), w.clone())));
                }
            }
            matches
        })
    }

    /// The same elements, in the same order, spread evenly over the ranks again (after a
    /// filter left some ranks with little).
    pub fn repartition(self) -> Bag<'w, T> {
        let world = self.world;
        let mut stages = self.stages;
        stages.push("repartition: even blocks again (variable-count all-to-all)".into());
        let previous = self.partition;
        Bag::new(
            world,
            stages,
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
            }),
        )
    }

    /// Computes this rank's partition once, to be used by several bags (Spark's `cache`),
    /// such as both sides of a product.
    pub fn persist(self) -> Persisted<'w, T>
    where
        T: Clone,
    {
        let (items, world, mut stages) = self.run();
        let last = stages.len() - 1;
        stages[last] += " -> persisted";
        Persisted {
            world,
            items: std::rc::Rc::new(items),
            stages,
        }
    }

    /// The plan: one line per stage, with the exchanges between stages.
    pub fn explain(&self) -> String {
        self.stages
            .iter()
            .enumerate()
            .map(|(i, s)| format!("stage {i}: {s}"))
            .collect::<Vec<_>>()
            .join("\n")
    }

    /// Every element, in order, on rank 0 (`None` elsewhere).
    pub fn collect(self) -> Option<Vec<T>> {
        let (items, world, _) = self.run();
        world
            .gather(&items)
            .map(|parts| parts.into_iter().flatten().collect())
    }

    /// Every element, in order, on every rank.
    pub fn collect_all(self) -> Vec<T> {
        let (items, world, _) = self.run();
        world.all_gather(&items).into_iter().flatten().collect()
    }

    /// The number of elements, on every rank.
    pub fn count(self) -> u64 {
        let (items, world, _) = self.run();
        world.all_gather(&(items.len() as u64)).into_iter().sum()
    }

    /// Folds every element in input order (each rank folds its partition from `init`, then
    /// the partial results are combined in rank order, starting from `init` again: `init`
    /// must be neutral for `combine`), on every rank.
    pub fn fold<A: Element + Clone>(
        self,
        init: A,
        fold: impl Fn(A, T) -> A,
        combine: impl Fn(A, A) -> A,
    ) -> A {
        let (items, world, _) = self.run();
        let partial = items.into_iter().fold(init.clone(), &fold);
        world.all_gather(&partial).into_iter().fold(init, combine)
    }

    /// The sum of the elements, on every rank.
    pub fn sum(self) -> T
    where
        T: std::ops::Add<Output = T> + Default + Clone,
    {
        self.fold(T::default(), |a, x| a + x, |a, b| a + b)
    }

    /// Combines the elements in input order with `f`; `None` for an empty bag. On every rank.
    pub fn reduce(self, f: impl Fn(T, T) -> T) -> Option<T> {
        let (items, world, _) = self.run();
        let partial = items.into_iter().reduce(&f);
        world.all_gather(&partial).into_iter().flatten().reduce(f)
    }

    /// The smallest element (ties: the earliest), on every rank.
    pub fn min(self) -> Option<T>
    where
        T: Ord,
    {
        self.reduce(|a, b| if b < a { b } else { a })
    }

    /// The largest element (ties: the earliest), on every rank.
    pub fn max(self) -> Option<T>
    where
        T: Ord,
    {
        self.reduce(|a, b| if b > a { b } else { a })
    }

    /// The first `n` elements in order, on every rank.
    pub fn take(self, n: usize) -> Vec<T> {
        let (items, world, _) = self.run();
        let mine: Vec<T> = items.into_iter().take(n).collect();
        world
            .all_gather(&mine)
            .into_iter()
            .flatten()
            .take(n)
            .collect()
    }

    /// The `k` largest elements by `key`, largest first, ties to the earlier element, on
    /// every rank: each rank keeps its own top `k` (no full sort), rank 0's merge decides.
    pub fn top_k<S: PartialOrd>(self, k: usize, key: impl Fn(&T) -> S) -> Vec<T> {
        let (items, world, _) = self.run();
        let offset = world.all_gather(&(items.len() as u64))[..world.rank()]
            .iter()
            .sum::<u64>();
        let local = best_k(
            items
                .into_iter()
                .enumerate()
                .map(|(i, t)| (offset + i as u64, t))
                .collect(),
            k,
            &key,
        );
        let merged = best_k(
            world.all_gather(&local).into_iter().flatten().collect(),
            k,
            &key,
        );
        merged.into_iter().map(|(_, t)| t).collect()
    }

    /// The largest element by `key` (ties: the earliest), on every rank.
    pub fn max_by<S: PartialOrd>(self, key: impl Fn(&T) -> S) -> Option<T> {
        self.top_k(1, key).into_iter().next()
    }
}

/// Which side of a join an element comes from.
#[derive(Clone, serde::Serialize, serde::Deserialize)]
enum Side<V, W> {
    Left(V),
    Right(W),
}

/// A bag's partition computed once (see [`Bag::persist`]).
pub struct Persisted<'w, T> {
    world: &'w World,
    items: std::rc::Rc<Vec<T>>,
    stages: Vec<String>,
}

impl<'w, T: Element + Clone> Persisted<'w, T> {
    /// A bag of the persisted elements.
    pub fn bag(&self) -> Bag<'w, T> {
        let items = std::rc::Rc::clone(&self.items);
        Bag::new(
            self.world,
            self.stages.clone(),
            Box::new(move || Box::new((0..items.len()).map(move |i| items[i].clone()))),
        )
    }
}

/// The `k` best of `(position, element)` by key, largest first, ties to the smaller
/// position; incomparable keys (NaN) never beat a comparable one.
fn best_k<T, S: PartialOrd>(
    mut items: Vec<(u64, T)>,
    k: usize,
    key: &impl Fn(&T) -> S,
) -> Vec<(u64, T)> {
    use std::cmp::Ordering;
    items.sort_by(|(i, a), (j, b)| {
        let (ka, kb) = (key(a), key(b));
        let (a_void, b_void) = (ka.partial_cmp(&ka).is_none(), kb.partial_cmp(&kb).is_none());
        let by_key = match (a_void, b_void) {
            (false, false) => kb.partial_cmp(&ka).unwrap_or(Ordering::Equal),
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (true, true) => Ordering::Equal,
        };
        by_key.then(i.cmp(j))
    });
    items.truncate(k);
    items
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

/// Sends `outgoing[r]` to rank r and returns what every rank sent here, in rank order.
fn exchange<E: Element>(world: &World, outgoing: Vec<Vec<E>>) -> Vec<E> {
    let encoded: Vec<Vec<u8>> = outgoing
        .iter()
        .map(|part| postcard::to_stdvec(part).expect("elements encode"))
        .collect();
    let counts: Vec<usize> = encoded.iter().map(Vec::len).collect();
    let (bytes, received) = world.all_to_all_slices(&encoded.concat(), &counts);
    let mut offset = 0;
    let mut items = Vec::new();
    for count in received {
        let part: Vec<E> = postcard::from_bytes(&bytes[offset..offset + count])
            .expect("ranks run the same program, so their messages decode");
        items.extend(part);
        offset += count;
    }
    items
}
