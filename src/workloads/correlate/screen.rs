//! `--precision screen`: the block products in f32 first, then in f64 only the block pairs
//! that could hold a pair of the top K or of the edges, so that the answer is the same
//! bytes as without the screen.
//!
//! Semantics: a screened run offers the top K and the edges (`--threshold`) every pair
//! they could hold, with the value the f64 path gives it (the same product of the same
//! block pair), and leaves out only pairs of the fast path (both series standardized)
//! that provably cannot be among them. So the top K, the edges, the NaN count and the
//! best pair are those of the f64 run, byte for byte; only the work differs.
//!
//! # Why no pair is missed
//!
//! Let `x` and `y` be two standardized rows of `n` points as the f64 path holds them
//! (mean subtracted, divided by the norm, in f64), so `‖x‖, ‖y‖ ≤ ρ = 1 + 2⁻²⁰` (their
//! norms are 1 up to f64 rounding of about `n·2⁻⁵³`, far below `2⁻²⁰` for any `n` this
//! bound accepts). Let `u = 2⁻²⁴` (f32's unit roundoff) and `η = 2⁻¹⁴⁹` (f32's smallest
//! subnormal, which bounds the absolute error of an operation that underflows).
//!
//! 1. Rounding to f32: `x̃ᵢ = xᵢ(1 + αᵢ) + aᵢ` with `|αᵢ| ≤ u`, `|aᵢ| ≤ η` (no overflow:
//!    `|xᵢ| ≤ ρ`). So `|x̃ᵢỹᵢ − xᵢyᵢ| ≤ |xᵢ||ỹᵢ − yᵢ| + |ỹᵢ||x̃ᵢ − xᵢ|`, and summed over
//!    `i` with Cauchy-Schwarz (`Σ|xᵢ||yᵢ| ≤ ρ²`, `Σ|xᵢ| ≤ √n·ρ`):
//!    `|x̃·ỹ − x·y| ≤ (2u + u²)ρ² + 3√n·ρ·η + n·η²`.
//! 2. The f32 product (faer's kernel, any order of summation, with or without fused
//!    multiply-adds: each term passes through at most `n` roundings, each of relative
//!    error at most `u` or absolute error at most `η`) gives `s̃` with
//!    `|s̃ − x̃·ỹ| ≤ γₙ·Σ|x̃ᵢỹᵢ| + 2n·η`, `γₙ = n·u / (1 − n·u)`, and
//!    `Σ|x̃ᵢỹᵢ| ≤ (1 + u)²ρ² + 3√n·ρ·η + n·η²`.
//! 3. The f64 path's value `ĉ` (before clipping) is `x·y` up to `γ'ₙ·ρ²`,
//!    `γ'ₙ = n·2⁻⁵³ / (1 − n·2⁻⁵³)`, by the same argument in f64.
//!
//! Adding the three, with `√n ≤ n`, `ρ < 2` and `η² < η`:
//! `|s̃ − ĉ| ≤ E(n) = (γₙ(1 + u)² + 3u)·ρ² + γ'ₙ·ρ² + 16n·η` ([`error_bound`]; `3u`
//! covers `2u + u²`). Clipping to [-1, 1] is monotone, so the clipped f64 value lies in
//! `[clip(s̃ − E), clip(s̃ + E)]`.
//!
//! The top K: let `L` be the K-th largest lower bound `clip(s̃ − E)` over this rank's
//! screened pairs. At least K pairs have a true value of at least `L`, so a pair among the
//! best K has a value of at least `L` (a pair that K others beat is not among them) and
//! an upper bound `clip(s̃ + E) ≥ L`. A pair whose upper bound is below `L` is left out.
//! The edges: a pair with `|ĉ| ≥ t` has `clip(s̃ + E) ≥ t` or `clip(s̃ − E) ≤ −t`.
//! A block pair with any pair that passes is computed whole in f64, as without the screen.

use std::collections::{BTreeMap, BTreeSet};

use faer::{Accum, Par};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::block::Block;
use super::kernel::Rule;
use crate::runtime::World;

/// f32's unit roundoff.
const F32_ROUNDOFF: f64 = 1.0 / (1u64 << 24) as f64;
/// f64's unit roundoff.
const F64_ROUNDOFF: f64 = f64::EPSILON / 2.0;
/// f32's smallest subnormal, 2⁻¹⁴⁹.
const F32_TINY: f64 = 1.401_298_464_324_817e-45;

/// The most an f32 product of two standardized rows of `n` points differs from the f64
/// path's product of the same rows (`E(n)` of the module header); `None` where `n` is so
/// long that the bound says nothing (`n·u ≥ 1/2`: the screen is then not used).
///
/// ```
/// use pardata::workloads::correlate::screen::error_bound;
///
/// let e = error_bound(4_220).unwrap();
/// assert!(e > 4_220.0 * 2f64.powi(-24) && e < 3e-4);
/// assert!(error_bound(10_000_000).is_none());
/// ```
pub fn error_bound(n: usize) -> Option<f64> {
    let n = n as f64;
    let u = F32_ROUNDOFF;
    if n * u >= 0.5 {
        return None;
    }
    let rho = 1.0 + 2f64.powi(-20);
    let gamma = n * u / (1.0 - n * u);
    let gamma64 = n * F64_ROUNDOFF / (1.0 - n * F64_ROUNDOFF);
    let bound = (gamma * (1.0 + u).powi(2) + 3.0 * u) * rho * rho
        + gamma64 * rho * rho
        + 16.0 * n * F32_TINY;
    // The bound's own arithmetic rounds: widen it by a part in a million.
    Some(bound * (1.0 + 1e-6))
}

/// What the screen did, over all ranks: the block pairs it screened and those it sent to
/// f64.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
pub struct Screened {
    /// The block pairs of the plan.
    pub block_pairs: u64,
    /// Those computed in f64 after the screen.
    pub in_f64: u64,
}

/// What the screen keeps of one block pair: the K largest lower bounds of its pairs, its
/// largest upper bound, and whether a pair of it could be an edge.
#[derive(Debug)]
struct Bounds {
    lows: Vec<f64>,
    highest: f64,
    edge: bool,
}

/// The block pairs of `pairs` that must be computed in f64 (see the module header): those
/// with a pair that could be among the `top` best or an edge at `threshold`, and every one
/// where the screen cannot decide (rows too long for the bound, or too short for `rule`,
/// so that every fast-path pair is NaN and must be counted). The f32 products run on the
/// rank's threads; which pairs are needed does not depend on how many there are. The floor
/// of the top K is the highest of the ranks' own (a collective: every rank calls it).
pub(super) fn needed_pairs(
    world: &World,
    pairs: &[(usize, usize)],
    blocks: &BTreeMap<usize, Block>,
    rule: &Rule,
    top: usize,
    threshold: Option<f64>,
) -> (BTreeSet<(usize, usize)>, Screened) {
    // Every rank has the same length (the fast path's common one), or no blocks at all.
    let length = world
        .all_gather(&blocks.values().next().map(Block::length))
        .into_iter()
        .flatten()
        .max();
    let bound = length
        .filter(|&length| rule.enough(length))
        .and_then(error_bound);
    let Some(bound) = bound else {
        let all: BTreeSet<(usize, usize)> = pairs.iter().copied().collect();
        let screened = tally(world, pairs.len(), all.len());
        return (all, screened);
    };
    let singles: BTreeMap<usize, Vec<f32>> = blocks
        .par_iter()
        .map(|(&index, block)| (index, block.matrix_f32()))
        .collect();
    let bounds: Vec<Bounds> = pairs
        .par_iter()
        .map(|&(i, j)| {
            let (rows, columns) = (&blocks[&i], &blocks[&j]);
            let product = product_f32(rows, &singles[&i], columns, &singles[&j]);
            bounds_of(rows, columns, &product, bound, top, threshold)
        })
        .collect();
    // The K-th largest lower bound over every screened pair of this rank.
    let mut lows: Vec<f64> = bounds.iter().flat_map(|b| b.lows.iter().copied()).collect();
    lows.sort_by(|x, y| y.total_cmp(x));
    let floor = lows
        .get(top.max(1) - 1)
        .copied()
        .unwrap_or(f64::NEG_INFINITY);
    let floor = world.all_gather(&floor).into_iter().fold(floor, f64::max);
    let needed: BTreeSet<(usize, usize)> = pairs
        .iter()
        .zip(&bounds)
        .filter(|(_, b)| b.edge || b.highest >= floor)
        .map(|(&pair, _)| pair)
        .collect();
    let screened = tally(world, pairs.len(), needed.len());
    (needed, screened)
}

/// The screen's counts summed over the ranks.
fn tally(world: &World, block_pairs: usize, in_f64: usize) -> Screened {
    let counts = world.all_gather(&(block_pairs as u64, in_f64 as u64));
    Screened {
        block_pairs: counts.iter().map(|c| c.0).sum(),
        in_f64: counts.iter().map(|c| c.1).sum(),
    }
}

/// The f32 product of two blocks' fast-path rows (the upper triangle for a block with
/// itself), row after row.
fn product_f32(rows: &Block, a: &[f32], columns: &Block, b: &[f32]) -> Vec<f32> {
    use faer::linalg::matmul::triangular::{self, BlockStructure};
    let (m, n, k) = (rows.members().len(), columns.members().len(), rows.length());
    let mut product = vec![0f32; m * n];
    let out = faer::MatMut::from_row_major_slice_mut(&mut product, m, n);
    let lhs = faer::MatRef::from_row_major_slice(a, m, k);
    let rhs = faer::MatRef::from_row_major_slice(b, n, k).transpose();
    let structure = match rows.index == columns.index {
        true => BlockStructure::TriangularUpper,
        false => BlockStructure::Rectangular,
    };
    let whole = BlockStructure::Rectangular;
    triangular::matmul(
        out,
        structure,
        Accum::Replace,
        lhs,
        whole,
        rhs,
        whole,
        1.0,
        Par::Seq,
    );
    product
}

/// The bounds of one block pair's fast-path pairs a < b, from their f32 product.
fn bounds_of(
    rows: &Block,
    columns: &Block,
    product: &[f32],
    bound: f64,
    top: usize,
    threshold: Option<f64>,
) -> Bounds {
    let width = columns.members().len();
    let mut lows = Vec::new();
    let (mut highest, mut edge) = (f64::NEG_INFINITY, false);
    for (r, &a) in rows.members().iter().enumerate() {
        for (c, &b) in columns.members().iter().enumerate() {
            if a >= b {
                continue;
            }
            let value = f64::from(product[r * width + c]);
            let (low, high) = (
                (value - bound).clamp(-1.0, 1.0),
                (value + bound).clamp(-1.0, 1.0),
            );
            lows.push(low);
            highest = highest.max(high);
            edge |= threshold.is_some_and(|t| high >= t || low <= -t);
        }
        if lows.len() > 4 * top.max(16) {
            keep_largest(&mut lows, top);
        }
    }
    keep_largest(&mut lows, top);
    Bounds {
        lows,
        highest,
        edge,
    }
}

/// Cuts `values` to their `k` largest.
fn keep_largest(values: &mut Vec<f64>, k: usize) {
    values.sort_by(|x, y| y.total_cmp(x));
    values.truncate(k.max(1));
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::correlate::kernel::{block_product, standardize};
    use ndarray::Array2;

    /// Standardized rows of `length` points from a seeded generator, some nearly equal.
    fn rows(count: usize, length: usize) -> Array2<f64> {
        let mut state = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = move || {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            (state >> 11) as f64 / (1u64 << 53) as f64 - 0.5
        };
        let base: Vec<f64> = (0..length).map(|_| next()).collect();
        let values: Vec<f64> = (0..count)
            .flat_map(|r| {
                let raw: Vec<f64> = match r % 3 {
                    0 => base.iter().map(|b| b + 1e-9 * next()).collect(),
                    1 => base
                        .iter()
                        .map(|b| 1e12 + b * 1e-3 + next() * 1e-4)
                        .collect(),
                    _ => (0..length).map(|_| next()).collect(),
                };
                standardize(raw).unwrap()
            })
            .collect();
        Array2::from_shape_vec((count, length), values).unwrap()
    }

    #[test]
    fn the_f32_product_stays_within_the_bound_of_the_f64_one() {
        for length in [2, 17, 300, 4_220] {
            let exact = rows(24, length);
            let singles: Vec<f32> = exact.iter().map(|&v| v as f32).collect();
            let f64_product = block_product(exact.view(), exact.view());
            let bound = error_bound(length).unwrap();
            for r in 0..24 {
                for c in 0..24 {
                    let a = &singles[r * length..(r + 1) * length];
                    let b = &singles[c * length..(c + 1) * length];
                    let dot: f32 = a.iter().zip(b).map(|(x, y)| x * y).sum();
                    let gap = (f64::from(dot) - f64_product[[r, c]]).abs();
                    assert!(gap <= bound, "{length} points, ({r}, {c}): {gap} > {bound}");
                }
            }
        }
    }

    #[test]
    fn faers_f32_products_stay_within_the_bound_rectangular_and_triangular() {
        use std::collections::BTreeMap;
        let length = 4_220;
        let exact = rows(40, length);
        let series: BTreeMap<usize, Vec<f64>> =
            (0..40).map(|r| (r, exact.row(r).to_vec())).collect();
        let kinds = vec![super::super::Kind::Standard; 40];
        let split = |range: std::ops::Range<usize>, index| {
            let part = range.map(|r| (r, series[&r].clone())).collect();
            Block::assemble(index, part, &kinds, length)
        };
        let (first, second) = (split(0..20, 0), split(20..40, 1));
        let f64_product = block_product(exact.view(), exact.view());
        let bound = error_bound(length).unwrap();
        for (rows_block, columns_block) in [(&first, &first), (&first, &second)] {
            let (a, b) = (rows_block.matrix_f32(), columns_block.matrix_f32());
            let product = product_f32(rows_block, &a, columns_block, &b);
            let width = columns_block.members().len();
            for (r, &s) in rows_block.members().iter().enumerate() {
                for (c, &t) in columns_block.members().iter().enumerate() {
                    if rows_block.index == columns_block.index && s > t {
                        continue; // below the diagonal: not computed
                    }
                    let gap = (f64::from(product[r * width + c]) - f64_product[[s, t]]).abs();
                    assert!(gap <= bound, "({s}, {t}): {gap} > {bound}");
                }
            }
        }
    }

    #[test]
    fn the_bound_grows_with_the_length_and_gives_up_where_it_says_nothing() {
        let (short, long) = (error_bound(100).unwrap(), error_bound(100_000).unwrap());
        assert!(short < long && long < 0.01);
        assert!(error_bound(1 << 23).is_none());
    }
}
