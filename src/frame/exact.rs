//! Exact sums of floats: Shewchuk's non-overlapping partials (the algorithm of Python's
//! `math.fsum`), so that a sum is the same whatever the order its terms came in, and the
//! same at any rank count.
//!
//! Semantics: [`ExactSum::value`] is the correctly rounded sum of every term added or
//! merged (NaN if a term was NaN, an infinity if one was, NaN for `inf + -inf`); an
//! overflow of the finite terms' sum gives the infinity of its sign. [`ExactSum::dd`] gives
//! the sum as a double-double (about 106 bits), for the variance's subtraction.

use serde::{Deserialize, Serialize};

/// The exact sum of the floats added so far.
///
/// ```
/// use pardata::frame::exact::ExactSum;
///
/// let mut sum = ExactSum::default();
/// for x in [1e100, 1.0, -1e100] {
///     sum.add(x);
/// }
/// assert_eq!(sum.value(), 1.0); // a plain f64 sum gives 0.0
/// ```
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct ExactSum {
    /// Non-overlapping partials, smallest first.
    partials: Vec<f64>,
    /// The sum of the terms that are not finite (0.0 while there are none).
    special: f64,
}

impl ExactSum {
    /// Adds one term.
    #[inline]
    pub fn add(&mut self, mut x: f64) {
        if !x.is_finite() {
            self.special += x;
            return;
        }
        let mut kept = 0;
        for i in 0..self.partials.len() {
            let mut y = self.partials[i];
            if x.abs() < y.abs() {
                std::mem::swap(&mut x, &mut y);
            }
            let high = x + y;
            let low = y - (high - x);
            if low != 0.0 {
                self.partials[kept] = low;
                kept += 1;
            }
            x = high;
        }
        if !x.is_finite() {
            // The finite terms' sum overflowed: it is that infinity from now on.
            self.special += x;
            self.partials.clear();
            return;
        }
        self.partials.truncate(kept);
        self.partials.push(x);
    }

    /// Adds every term of another sum.
    pub fn merge(&mut self, other: &ExactSum) {
        self.special += other.special;
        for &x in &other.partials {
            self.add(x);
        }
    }

    /// The correctly rounded sum.
    pub fn value(&self) -> f64 {
        if self.special != 0.0 || self.special.is_nan() {
            return self.special;
        }
        self.dd().0
    }

    /// The sum as `(high, low)`: `high` the rounded sum, `low` the rounded rest.
    pub fn dd(&self) -> (f64, f64) {
        let high = rounded(&self.partials);
        let mut rest = self.clone();
        rest.add(-high);
        (high, rounded(&rest.partials))
    }

    /// Whether no finite term other than zeros was added.
    pub fn is_zero(&self) -> bool {
        self.partials.iter().all(|&p| p == 0.0) && self.special == 0.0
    }
}

/// The correctly rounded sum of non-overlapping partials, smallest first (fsum's last
/// step: add from the largest down until a rounding error appears, then settle a
/// half-way case by the sign of the partials below).
fn rounded(partials: &[f64]) -> f64 {
    let mut rest = partials.iter().rev();
    let Some(&first) = rest.next() else {
        return 0.0;
    };
    let mut high = first;
    let mut low = 0.0;
    let mut next = rest.next();
    while let Some(&y) = next {
        let x = high;
        high = x + y;
        low = y - (high - x);
        next = rest.next();
        if low != 0.0 {
            break;
        }
    }
    if let Some(&below) = next {
        if (low < 0.0 && below < 0.0) || (low > 0.0 && below > 0.0) {
            let doubled = low * 2.0;
            let candidate = high + doubled;
            if doubled == candidate - high {
                high = candidate;
            }
        }
    }
    high
}

/// `a * b` exactly, as `(high, low)`.
#[inline]
pub fn two_product(a: f64, b: f64) -> (f64, f64) {
    let high = a * b;
    (high, a.mul_add(b, -high))
}

/// The sample variance `(Σx² - (Σx)²/n) / (n - 1)` from exact sums of the terms and of
/// their squares, the subtraction done in double-double arithmetic; `None` below two
/// terms.
pub fn variance(n: u64, sum: &ExactSum, squares: &ExactSum) -> Option<f64> {
    if n < 2 {
        return None;
    }
    if !sum.value().is_finite() || !squares.value().is_finite() {
        return Some(f64::NAN);
    }
    let count = n as f64;
    let s = sum.dd();
    let q = squares.dd();
    // (Σx)² / n, in double-double.
    let (p_high, p_low) = two_product(s.0, s.0);
    let p_low = p_low + 2.0 * s.0 * s.1;
    let t_high = p_high / count;
    let (m_high, m_low) = two_product(t_high, count);
    let t_low = (p_high - m_high - m_low + p_low) / count;
    // Σx² - that.
    let difference = (q.0 - t_high) + (q.1 - t_low);
    Some((difference / (count - 1.0)).max(0.0))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sums_are_exact_and_order_free() {
        let terms = [0.1, 0.2, 0.3, 1e16, -1e16, 1e-300, 3.5];
        let mut forward = ExactSum::default();
        terms.iter().for_each(|&x| forward.add(x));
        let mut backward = ExactSum::default();
        terms.iter().rev().for_each(|&x| backward.add(x));
        assert_eq!(forward.value(), backward.value());
        assert_eq!(forward.value(), 4.1);
        let (mut left, mut right) = (ExactSum::default(), ExactSum::default());
        terms[..3].iter().for_each(|&x| left.add(x));
        terms[3..].iter().for_each(|&x| right.add(x));
        left.merge(&right);
        assert_eq!(left.value(), 4.1);
    }

    #[test]
    fn specials() {
        let mut sum = ExactSum::default();
        sum.add(1.0);
        sum.add(f64::INFINITY);
        assert_eq!(sum.value(), f64::INFINITY);
        sum.add(f64::NEG_INFINITY);
        assert!(sum.value().is_nan());
        let mut big = ExactSum::default();
        big.add(f64::MAX);
        big.add(f64::MAX);
        assert_eq!(big.value(), f64::INFINITY);
    }

    #[test]
    fn variance_of_large_offsets() {
        // Values near 1e9 with unit spread: the naive formula in f64 loses every digit.
        let xs: Vec<f64> = (0..1000).map(|i| 1e9 + (i % 10) as f64).collect();
        let (mut sum, mut squares) = (ExactSum::default(), ExactSum::default());
        for &x in &xs {
            sum.add(x);
            let (h, l) = two_product(x, x);
            squares.add(h);
            squares.add(l);
        }
        let mean = xs.iter().sum::<f64>() / 1000.0;
        let reference = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / 999.0;
        let got = variance(1000, &sum, &squares).unwrap_or(f64::NAN);
        assert!(
            (got - reference).abs() < 1e-12 * reference,
            "{got} vs {reference}"
        );
    }
}
