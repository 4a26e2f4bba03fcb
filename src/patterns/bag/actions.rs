//! The actions of [`Bag`]: they run the recipe and bring results together. Each is a
//! collective (every rank calls it); all but `collect` give their result on every rank.

use super::{all_gather_items, gather_items, Bag, Element};

impl<'w, T: Element> Bag<'w, T> {
    /// Every element, in order, on rank 0 (`None` elsewhere).
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let all = Bag::from_vec(world, vec![1, 2, 3]).collect();
    /// if world.is_root() {
    ///     assert_eq!(all, Some(vec![1, 2, 3]));
    /// } else {
    ///     assert_eq!(all, None);
    /// }
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn collect(self) -> Option<Vec<T>> {
        let (items, world, _, _) = self.run();
        gather_items(world, items)
    }

    /// Every element, in order, on every rank.
    pub fn collect_all(self) -> Vec<T> {
        let (items, world, _, _) = self.run();
        all_gather_items(world, items)
    }

    /// The number of elements.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// assert_eq!(Bag::from_vec(world, (0..100).collect::<Vec<u32>>()).count(), 100);
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn count(self) -> u64 {
        let (items, world, _, _) = self.run();
        world.all_gather(&(items.len() as u64)).into_iter().sum()
    }

    /// Folds every element in input order (each rank folds its partition from `init`, then
    /// the partial results are combined in rank order, starting from `init` again: `init`
    /// must be neutral for `combine`).
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let longest = Bag::from_vec(world, vec!["ab".to_string(), "abcd".to_string()])
    ///     .fold(0, |best, s| best.max(s.len()), |a, b| a.max(b));
    /// assert_eq!(longest, 4);
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn fold<A: Element + Clone>(
        self,
        init: A,
        fold: impl Fn(A, T) -> A,
        combine: impl Fn(A, A) -> A,
    ) -> A {
        let (items, world, _, _) = self.run();
        let partial = items.into_iter().fold(init.clone(), &fold);
        all_gather_items(world, vec![partial])
            .into_iter()
            .fold(init, combine)
    }

    /// The sum of the elements.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// assert_eq!(Bag::from_vec(world, (1..=10).collect::<Vec<i64>>()).sum(), 55);
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn sum(self) -> T
    where
        T: std::ops::Add<Output = T> + Default + Clone,
    {
        self.fold(T::default(), |a, x| a + x, |a, b| a + b)
    }

    /// Combines the elements in input order with `f`; `None` for an empty bag.
    pub fn reduce(self, f: impl Fn(T, T) -> T) -> Option<T> {
        let (items, world, _, _) = self.run();
        let partial: Vec<T> = items.into_iter().reduce(&f).into_iter().collect();
        all_gather_items(world, partial).into_iter().reduce(f)
    }

    /// The smallest element (ties: the earliest).
    pub fn min(self) -> Option<T>
    where
        T: Ord,
    {
        self.reduce(|a, b| if b < a { b } else { a })
    }

    /// The largest element (ties: the earliest).
    pub fn max(self) -> Option<T>
    where
        T: Ord,
    {
        self.reduce(|a, b| if b > a { b } else { a })
    }

    /// The first `n` elements in order.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// assert_eq!(Bag::from_vec(world, (0..100).collect::<Vec<u8>>()).take(3), [0, 1, 2]);
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn take(self, n: usize) -> Vec<T> {
        let (items, world, _, _) = self.run();
        let mine: Vec<T> = items.into_iter().take(n).collect();
        all_gather_items(world, mine).into_iter().take(n).collect()
    }

    /// The `k` largest elements by `key`, largest first, ties to the earlier element: each
    /// rank keeps its own top `k` (no full sort), and the merge of those decides.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let best = Bag::from_vec(world, vec![5.0, f64::NAN, 9.0, 1.0, 9.0]).top_k(2, |x| *x);
    /// assert_eq!(best, [9.0, 9.0]); // NaN never wins; ties keep input order
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn top_k<S: PartialOrd>(self, k: usize, key: impl Fn(&T) -> S) -> Vec<T> {
        let (items, world, _, _) = self.run();
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
        let merged = best_k(all_gather_items(world, local), k, &key);
        merged.into_iter().map(|(_, t)| t).collect()
    }

    /// The largest element by `key` (ties: the earliest).
    pub fn max_by<S: PartialOrd>(self, key: impl Fn(&T) -> S) -> Option<T> {
        self.top_k(1, key).into_iter().next()
    }
}

/// The `k` best of `(position, element)` by key, largest first, ties to the smaller
/// position; incomparable keys (NaN) never beat a comparable one. A partial selection
/// (`select_nth_unstable_by`) then a sort of the `k` kept: no full sort.
fn best_k<T, S: PartialOrd>(
    mut items: Vec<(u64, T)>,
    k: usize,
    key: &impl Fn(&T) -> S,
) -> Vec<(u64, T)> {
    use std::cmp::Ordering;
    let order = |(i, a): &(u64, T), (j, b): &(u64, T)| {
        let (ka, kb) = (key(a), key(b));
        let (a_void, b_void) = (ka.partial_cmp(&ka).is_none(), kb.partial_cmp(&kb).is_none());
        let by_key = match (a_void, b_void) {
            (false, false) => kb.partial_cmp(&ka).unwrap_or(Ordering::Equal),
            (true, false) => Ordering::Greater,
            (false, true) => Ordering::Less,
            (true, true) => Ordering::Equal,
        };
        by_key.then(i.cmp(j))
    };
    if k == 0 {
        return Vec::new();
    }
    if items.len() > k {
        items.select_nth_unstable_by(k - 1, order);
        items.truncate(k);
    }
    items.sort_by(order);
    items
}
