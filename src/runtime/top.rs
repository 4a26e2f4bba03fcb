//! The best of many scored candidates, the same at every rank count.
//!
//! Semantics (one order for every use: `world.best`, `correlate`'s top pairs): a larger
//! value comes first; equal values go to the smaller index (any `Ord` index: a position,
//! a pair `(a, b)`); NaN never wins and is never kept, only counted. Since the order is
//! total on what is kept, merging the ranks' [`TopK`] in any grouping gives the same K.

use serde::{Deserialize, Serialize};

/// A candidate: a value and the index of what it scores.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Scored<I = u64> {
    /// The score; larger is better, NaN never wins.
    pub value: f64,
    /// What is scored; the smaller wins a tie.
    pub index: I,
}

impl<I: Ord + Copy> Scored<I> {
    /// Whether `self` beats `other`: larger value, then smaller index; NaN never beats.
    ///
    /// ```
    /// use pardata::runtime::Scored;
    ///
    /// let s = |value, index| Scored { value, index };
    /// assert!(s(2.0, 9u64).beats(&s(1.0, 0)));
    /// assert!(s(1.0, 0).beats(&s(1.0, 9)), "a tie goes to the smaller index");
    /// assert!(s(0.0, 9).beats(&s(f64::NAN, 0)) && !s(f64::NAN, 0).beats(&s(0.0, 9)));
    /// ```
    pub fn beats(&self, other: &Scored<I>) -> bool {
        if self.value.is_nan() {
            return false;
        }
        if other.value.is_nan() {
            return true;
        }
        self.value > other.value || (self.value == other.value && self.index < other.index)
    }

    /// The better of two optional candidates.
    pub fn better(a: Option<Scored<I>>, b: Option<Scored<I>>) -> Option<Scored<I>> {
        match (a, b) {
            (Some(x), Some(y)) => Some(if y.beats(&x) { y } else { x }),
            (x, None) => x,
            (None, y) => y,
        }
    }

    /// The order of [`Scored::beats`] (the better first), for sorting NaN-free candidates.
    fn order(&self, other: &Scored<I>) -> std::cmp::Ordering {
        other
            .value
            .total_cmp(&self.value)
            .then(self.index.cmp(&other.index))
    }
}

/// The K best candidates offered, NaN never among them (see the module header).
///
/// ```
/// use pardata::runtime::{Scored, TopK};
///
/// let mut top = TopK::new(2);
/// for (index, value) in [3.0, f64::NAN, 7.0, 7.0, 1.0].into_iter().enumerate() {
///     top.offer(Scored { value, index });
/// }
/// let best: Vec<usize> = top.best().iter().map(|s| s.index).collect();
/// assert_eq!(best, [2, 3]);
/// assert_eq!(top.nan(), 1);
/// ```
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct TopK<I = u64> {
    k: usize,
    kept: Vec<Scored<I>>,
    nan: u64,
    /// Whether `kept` is sorted and cut to `k`.
    settled: bool,
    /// The K-th best when `kept` was last settled with K candidates: one that does not
    /// beat it can never be among the best K.
    floor: Option<Scored<I>>,
}

impl<I: Ord + Copy> TopK<I> {
    /// Keeps the best `k` candidates (at least one).
    pub fn new(k: usize) -> TopK<I> {
        TopK {
            k: k.max(1),
            kept: Vec::new(),
            nan: 0,
            settled: true,
            floor: None,
        }
    }

    /// Offers a candidate (-0.0 counts as 0.0).
    pub fn offer(&mut self, mut candidate: Scored<I>) {
        candidate.value += 0.0;
        if candidate.value.is_nan() {
            self.nan += 1;
            return;
        }
        if self.floor.is_some_and(|floor| !candidate.beats(&floor)) {
            return;
        }
        self.kept.push(candidate);
        self.settled = false;
        if self.kept.len() >= 2 * self.k.max(16) {
            self.settle();
        }
    }

    /// Takes in the candidates another `TopK` kept and the NaN it counted.
    pub fn merge(&mut self, other: TopK<I>) {
        self.nan += other.nan;
        for candidate in other.kept {
            self.offer(candidate);
        }
    }

    /// Sorts the kept candidates, best first, and cuts them to K.
    fn settle(&mut self) {
        if !self.settled {
            self.kept.sort_by(Scored::order);
            self.kept.truncate(self.k);
            self.settled = true;
            if self.kept.len() == self.k {
                self.floor = self.kept.last().copied();
            }
        }
    }

    /// The best K, best first.
    pub fn best(&mut self) -> &[Scored<I>] {
        self.settle();
        &self.kept
    }

    /// How many NaN candidates were offered.
    pub fn nan(&self) -> u64 {
        self.nan
    }
}
