//! The arithmetic of the correlations as pandas defines them (DESIGN.md): series aligned
//! by position (the shorter length wins), only the rows where neither value is NaN (the
//! pairwise-complete rows), NaN when fewer than 2 such rows remain or fewer than the
//! [`Rule`]'s `min_periods`, when either side is constant on them, or (Pearson) when an
//! infinity is among them, as `Series.corr` gives. Spearman's correlation is Pearson's of
//! the average ranks (ties share the mean of their ranks) of the pairwise-complete rows,
//! as `DataFrame.corr(method="spearman")` computes it.
//!
//! The fast path serves series that are finite and of the common length: each is
//! standardized once (mean subtracted, divided by the norm; for Spearman its ranks are),
//! and the correlations of two blocks of them are one matrix product. Every other pair
//! takes [`pairwise`], an exact two-pass computation on the rows both series have.

use faer::{Accum, Par};
use ndarray::{Array2, ArrayView2, CowArray, Ix2};
use serde::{Deserialize, Serialize};

/// Which correlation coefficient.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub enum Method {
    /// Pearson's product-moment correlation.
    #[default]
    Pearson,
    /// Spearman's rank correlation: Pearson's of the average ranks.
    Spearman,
}

/// How every pair's correlation is computed.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rule {
    /// The coefficient.
    pub method: Method,
    /// The fewest pairwise-complete rows a pair needs (pandas' `min_periods`); below it
    /// the pair is NaN. With 0 or 1, a pair still needs 2 rows.
    pub min_periods: usize,
}

impl Rule {
    /// Whether `rows` pairwise-complete rows are enough for a correlation.
    pub fn enough(&self, rows: usize) -> bool {
        rows >= self.min_periods.max(2)
    }

    /// The values a series enters the fast path with, before [`standardize`]: itself for
    /// Pearson, its average ranks for Spearman.
    pub fn transform(&self, values: Vec<f64>) -> Vec<f64> {
        match self.method {
            Method::Pearson => values,
            Method::Spearman => average_ranks(&values),
        }
    }
}

/// The average ranks (1-based) of `values`, NaN-free: equal values share the mean of the
/// ranks they span, as `scipy.stats.rankdata` and pandas' `rank()` give them.
///
/// ```
/// use pardata::workloads::correlate::kernel::average_ranks;
///
/// assert_eq!(average_ranks(&[10.0, 30.0, 20.0, 30.0]), [1.0, 3.5, 2.0, 3.5]);
/// ```
pub fn average_ranks(values: &[f64]) -> Vec<f64> {
    let mut order: Vec<usize> = (0..values.len()).collect();
    order.sort_by(|&x, &y| values[x].total_cmp(&values[y]));
    let mut ranks = vec![0.0; values.len()];
    let mut start = 0;
    while start < order.len() {
        let mut end = start + 1;
        while end < order.len() && values[order[end]] == values[order[start]] {
            end += 1;
        }
        // Ranks start+1 ..= end share their mean.
        let rank = (start + 1 + end) as f64 / 2.0;
        for &at in &order[start..end] {
            ranks[at] = rank;
        }
        start = end;
    }
    ranks
}

/// `values` minus their mean, divided by the norm of the result, in place (no new memory
/// to fault in: for a large series that cost more than the arithmetic); `None` when that
/// norm is zero (a constant series) or not finite (the squares of huge values overflow).
pub fn standardize(mut values: Vec<f64>) -> Option<Vec<f64>> {
    let (mean, norm) = deviation(&values);
    scalable(norm).then(|| {
        values.iter_mut().for_each(|v| *v = (*v - mean) / norm);
        values
    })
}

/// The mean of `values` and the norm of their deviations from it.
fn deviation(values: &[f64]) -> (f64, f64) {
    let mean = values.iter().sum::<f64>() / values.len() as f64;
    let norm = values
        .iter()
        .map(|v| (v - mean) * (v - mean))
        .sum::<f64>()
        .sqrt();
    (mean, norm)
}

fn scalable(norm: f64) -> bool {
    norm > 0.0 && norm.is_finite()
}

impl Rule {
    /// Whether a finite series of these values can be standardized by this rule (its
    /// transform's deviations have a finite, non-zero norm): the fast path's condition.
    pub fn standardizes(&self, values: &[f64]) -> bool {
        match self.method {
            Method::Pearson => scalable(deviation(values).1),
            // Ranks are 1 to n: their norm is finite, and zero only for a constant series.
            Method::Spearman => values.windows(2).any(|w| w[0] != w[1]),
        }
    }
}

/// The correlations of every row of `a` with every row of `b`, both standardized: `a bᵀ`,
/// clipped to [-1, 1] as NumPy's `corrcoef` clips.
pub fn block_product(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) -> Array2<f64> {
    let mut product = Array2::zeros((a.nrows(), b.nrows()));
    multiply_transposed(&mut product, a, b, Entries::All, Accum::Replace);
    product.mapv_inplace(|c| c.clamp(-1.0, 1.0));
    product
}

/// The correlations of the rows of `a` with each other, standardized rows: the upper
/// triangle of `a aᵀ` with its diagonal, clipped to [-1, 1] (half the work of
/// [`block_product`]); the entries below the diagonal are zero.
pub fn self_block_product(a: ArrayView2<'_, f64>) -> Array2<f64> {
    let mut product = Array2::zeros((a.nrows(), a.nrows()));
    multiply_transposed(&mut product, a, a, Entries::Upper, Accum::Replace);
    product.mapv_inplace(|c| c.clamp(-1.0, 1.0));
    product
}

/// `c += a bᵀ`, every entry.
pub(super) fn add_product(c: &mut Array2<f64>, a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) {
    multiply_transposed(c, a, b, Entries::All, Accum::Add);
}

/// Which entries of a product are computed.
#[derive(Debug, Clone, Copy)]
enum Entries {
    All,
    /// The upper triangle with the diagonal (a square product).
    Upper,
}

/// `c = a bᵀ` or `c += a bᵀ` (`c` in standard layout) on the calling thread, by faer's kernels: the fastest DGEMM
/// measured here (BENCHMARKS.md: 1.2x matrixmultiply with AVX-512, 2x OpenBLAS through
/// NumPy per core). One thread, so the rank's threads take whole block pairs and a pair's
/// bytes do not depend on how many there are; the same shapes give the same sums.
fn multiply_transposed(
    c: &mut Array2<f64>,
    a: ArrayView2<'_, f64>,
    b: ArrayView2<'_, f64>,
    entries: Entries,
    accum: Accum,
) {
    use faer::linalg::matmul::triangular::{self, BlockStructure};
    let (a, b) = (a.as_standard_layout(), b.as_standard_layout());
    // faer checks that the shapes go together (c: a's rows by b's rows).
    let (rows, columns) = (c.nrows(), c.ncols());
    let (lhs, rhs) = (faer_rows(&a), faer_rows(&b).transpose());
    let values = c
        .as_slice_mut()
        .expect("products are written into standard-layout arrays (Array2::zeros)");
    let out = faer::MatMut::from_row_major_slice_mut(values, rows, columns);
    let structure = match entries {
        Entries::All => BlockStructure::Rectangular,
        Entries::Upper => BlockStructure::TriangularUpper,
    };
    let whole = BlockStructure::Rectangular;
    triangular::matmul(out, structure, accum, lhs, whole, rhs, whole, 1.0, Par::Seq);
}

/// A standard-layout array as faer's view of its rows (one slice, row after row).
fn faer_rows<'a>(m: &'a CowArray<'_, f64, Ix2>) -> faer::MatRef<'a, f64> {
    let values = m.as_slice().expect("a standard-layout array is one slice");
    faer::MatRef::from_row_major_slice(values, m.nrows(), m.ncols())
}

/// The correlation of `a` and `b` by `rule` over the rows both have (the shorter length)
/// where neither is NaN (see the module header for when it is NaN).
pub fn pairwise(a: &[f64], b: &[f64], rule: &Rule) -> f64 {
    let complete = || a.iter().zip(b).filter(|(x, y)| !x.is_nan() && !y.is_nan());
    match rule.method {
        Method::Pearson => pearson(complete().map(|(x, y)| (*x, *y)), rule),
        Method::Spearman => {
            let (xs, ys): (Vec<f64>, Vec<f64>) = complete().unzip();
            let (xs, ys) = (average_ranks(&xs), average_ranks(&ys));
            pearson(xs.into_iter().zip(ys), rule)
        }
    }
}

/// Pearson's correlation of the pairs `rows` yields (NaN-free), in two passes.
fn pearson(rows: impl Iterator<Item = (f64, f64)> + Clone, rule: &Rule) -> f64 {
    let rows = || rows.clone();
    let (mut n, mut sum_a, mut sum_b) = (0usize, 0.0, 0.0);
    for (x, y) in rows() {
        if x.is_infinite() || y.is_infinite() {
            return f64::NAN;
        }
        n += 1;
        sum_a += x;
        sum_b += y;
    }
    if !rule.enough(n) {
        return f64::NAN;
    }
    let (mean_a, mean_b) = (sum_a / n as f64, sum_b / n as f64);
    let (mut ab, mut aa, mut bb) = (0.0, 0.0, 0.0);
    for (x, y) in rows() {
        let (dx, dy) = (x - mean_a, y - mean_b);
        ab += dx * dy;
        aa += dx * dx;
        bb += dy * dy;
    }
    if aa == 0.0 || bb == 0.0 {
        return f64::NAN;
    }
    (ab / (aa * bb).sqrt()).clamp(-1.0, 1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_product_of_standardized_rows_is_the_correlation() {
        let a = [1.0, 2.0, 4.0, 8.0, 3.0];
        let b = [2.0, 1.0, 5.0, 9.0, 1.0];
        let za = standardize(a.to_vec()).unwrap();
        let zb = standardize(b.to_vec()).unwrap();
        let rows = Array2::from_shape_vec((2, 5), [za, zb].concat()).unwrap();
        let product = block_product(rows.view(), rows.view());
        assert!((product[[0, 1]] - pairwise(&a, &b, &Rule::default())).abs() < 1e-15);
        assert!((product[[0, 0]] - 1.0).abs() < 1e-15);
    }

    #[test]
    fn a_blocks_product_with_itself_is_its_upper_triangle() {
        // Seeded, uneven series: every pair's correlation is distinct.
        let series: Vec<Vec<f64>> = (0..7)
            .map(|s| {
                (0..300)
                    .map(|i| ((i * (s + 3) * 7919) % 1009) as f64 + i as f64 * s as f64)
                    .collect()
            })
            .collect();
        let standardized: Vec<f64> = series
            .iter()
            .flat_map(|values| standardize(values.clone()).unwrap())
            .collect();
        let rows = Array2::from_shape_vec((7, 300), standardized).unwrap();
        let upper = self_block_product(rows.view());
        let full = block_product(rows.view(), rows.view());
        for a in 0..7 {
            for b in 0..7 {
                match a <= b {
                    true => {
                        let expected = pairwise(&series[a], &series[b], &Rule::default());
                        assert!((upper[[a, b]] - expected).abs() < 1e-13, "{a} {b}");
                        assert!((full[[a, b]] - expected).abs() < 1e-13, "{a} {b}");
                    }
                    false => assert_eq!(upper[[a, b]], 0.0),
                }
            }
        }
    }

    #[test]
    fn pandas_semantics() {
        let nan = f64::NAN;
        // Perfectly related on the rows both have, whatever lies beyond the shorter one.
        assert!(
            (pairwise(&[1.0, 2.0, 3.0, 100.0], &[2.0, 4.0, 6.0], &Rule::default()) - 1.0).abs()
                < 1e-15
        );
        // NaN rows are left out, on either side.
        assert!(
            (pairwise(
                &[1.0, nan, 3.0, 4.0],
                &[-1.0, 5.0, -3.0, nan],
                &Rule::default()
            ) + 1.0)
                .abs()
                < 1e-15
        );
        assert!(
            pairwise(&[1.0, nan, 3.0], &[1.0, 2.0, nan], &Rule::default()).is_nan(),
            "one row left"
        );
        assert!(
            pairwise(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0], &Rule::default()).is_nan(),
            "constant"
        );
        assert!(
            pairwise(
                &[1.0, f64::INFINITY, 3.0],
                &[1.0, 2.0, 3.0],
                &Rule::default()
            )
            .is_nan(),
            "infinity"
        );
        assert!(standardize(vec![2.0, 2.0]).is_none());
    }

    #[test]
    fn min_periods_counts_the_pairwise_complete_rows() {
        let nan = f64::NAN;
        let (a, b) = ([1.0, 2.0, nan, 4.0], [2.0, 4.0, 6.0, 9.0]);
        let needs = |min_periods| Rule {
            method: Method::Pearson,
            min_periods,
        };
        assert!(!pairwise(&a, &b, &needs(3)).is_nan());
        assert!(pairwise(&a, &b, &needs(4)).is_nan(), "3 complete rows");
    }

    #[test]
    fn spearman_ranks_the_pairwise_complete_rows() {
        let nan = f64::NAN;
        let spearman = Rule {
            method: Method::Spearman,
            min_periods: 1,
        };
        // Monotone on the complete rows, whatever the NaN rows hold.
        let a = [1.0, 100.0, nan, 3.0, 1000.0];
        let b = [-5.0, 0.0, 7.0, -1.0, nan];
        assert!((pairwise(&a, &b, &spearman) - 1.0).abs() < 1e-15);
        // Ties: x = 1 2 3 4, y = 1 2 2 3 (ranks 1 2.5 2.5 4): Pearson of the ranks.
        let expected = pairwise(
            &[1.0, 2.0, 3.0, 4.0],
            &[1.0, 2.5, 2.5, 4.0],
            &Rule::default(),
        );
        let got = pairwise(&[1.0, 2.0, 3.0, 4.0], &[1.0, 2.0, 2.0, 3.0], &spearman);
        assert_eq!(got, expected);
        assert!((got - 0.948_683_298_050_513_9).abs() < 1e-15);
    }
}
