//! The arithmetic of Pearson's correlation as pandas' `Series.corr` defines it (DESIGN.md):
//! series aligned by position (the shorter length wins), only the rows where neither value
//! is NaN, NaN when fewer than 2 such rows remain, when either side is constant, or when an
//! infinity is among them.
//!
//! The fast path serves series that are finite and of the common length: each is
//! standardized once (mean subtracted, divided by the norm), and the correlations of two
//! blocks of them are one matrix product. Every other pair takes [`pairwise`], an exact
//! two-pass computation on the rows both series have.

use ndarray::{Array2, ArrayView2};

/// `values` minus their mean, divided by the norm of the result, in place (no new memory
/// to fault in: for a large series that cost more than the arithmetic); `None` when that
/// norm is zero (a constant series).
pub fn standardize(mut values: Vec<f64>) -> Option<Vec<f64>> {
    let n = values.len() as f64;
    let mean = values.iter().sum::<f64>() / n;
    values.iter_mut().for_each(|v| *v -= mean);
    let norm = values.iter().map(|v| v * v).sum::<f64>().sqrt();
    (norm > 0.0 && norm.is_finite()).then(|| {
        values.iter_mut().for_each(|v| *v /= norm);
        values
    })
}

/// The correlations of every row of `a` with every row of `b`, both standardized: `a bᵀ`,
/// clipped to [-1, 1] as NumPy's `corrcoef` clips.
pub fn block_product(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>) -> Array2<f64> {
    let mut product = a.dot(&b.t());
    product.mapv_inplace(|c| c.clamp(-1.0, 1.0));
    product
}

/// Pearson's correlation of `a` and `b` over the rows both have (the shorter length) where
/// neither is NaN; NaN when fewer than 2 rows remain, an infinity is among them, or either
/// side is constant on them.
pub fn pairwise(a: &[f64], b: &[f64]) -> f64 {
    let rows = || a.iter().zip(b).filter(|(x, y)| !x.is_nan() && !y.is_nan());
    let (mut n, mut sum_a, mut sum_b) = (0usize, 0.0, 0.0);
    for (x, y) in rows() {
        if x.is_infinite() || y.is_infinite() {
            return f64::NAN;
        }
        n += 1;
        sum_a += x;
        sum_b += y;
    }
    if n < 2 {
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
        assert!((product[[0, 1]] - pairwise(&a, &b)).abs() < 1e-15);
        assert!((product[[0, 0]] - 1.0).abs() < 1e-15);
    }

    #[test]
    fn pandas_semantics() {
        let nan = f64::NAN;
        // Perfectly related on the rows both have, whatever lies beyond the shorter one.
        assert!((pairwise(&[1.0, 2.0, 3.0, 100.0], &[2.0, 4.0, 6.0]) - 1.0).abs() < 1e-15);
        // NaN rows are left out, on either side.
        assert!((pairwise(&[1.0, nan, 3.0, 4.0], &[-1.0, 5.0, -3.0, nan]) + 1.0).abs() < 1e-15);
        assert!(
            pairwise(&[1.0, nan, 3.0], &[1.0, 2.0, nan]).is_nan(),
            "one row left"
        );
        assert!(
            pairwise(&[1.0, 1.0, 1.0], &[1.0, 2.0, 3.0]).is_nan(),
            "constant"
        );
        assert!(
            pairwise(&[1.0, f64::INFINITY, 3.0], &[1.0, 2.0, 3.0]).is_nan(),
            "infinity"
        );
        assert!(standardize(vec![2.0, 2.0]).is_none());
    }
}
