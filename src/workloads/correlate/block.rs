//! A block of series as the block products use it, and the correlations of one block pair.
//!
//! A [`Block`] holds the fast-path series of one block of the plan as the rows of one
//! standardized matrix (built once, used by every pair of the block) and its other series
//! as they came (the exact pairwise path). It is also what travels: a futures task carries
//! its two blocks, and the `Bag` engine's elements are blocks; the values go as raw bytes
//! ([`Floats`]).

use std::collections::BTreeMap;

use ndarray::{Array2, ArrayView2};
use serde::{Deserialize, Serialize};

use super::kernel::{self, Rule};
use super::{Found, Kind};
use crate::patterns::pairs::PairPlan;
use crate::runtime::wire::Floats;

/// One block's series (see the module header).
#[derive(Debug, Clone, Serialize, Deserialize)]
pub(super) struct Block {
    pub(super) index: usize,
    /// The fast-path series, in order: the rows of the matrix.
    members: Vec<usize>,
    /// The points per series (the matrix's columns).
    length: usize,
    /// The standardized matrix, row after row.
    matrix: Floats,
    /// The other series of the block that take part: (series, raw values).
    raw: Vec<(usize, Floats)>,
}

impl Block {
    /// Block `index` from its series (standardized ones of length `common` on the fast path).
    pub(super) fn assemble(
        index: usize,
        mut series: BTreeMap<usize, Vec<f64>>,
        kinds: &[Kind],
        common: usize,
    ) -> Block {
        let members: Vec<usize> = series
            .keys()
            .copied()
            .filter(|&s| kinds[s] == Kind::Standard)
            .collect();
        let mut matrix = Vec::with_capacity(members.len() * common);
        for s in &members {
            match series.remove(s) {
                Some(values) => matrix.extend_from_slice(&values),
                None => matrix.resize(matrix.len() + common, 0.0),
            }
        }
        Block {
            index,
            members,
            length: common,
            matrix: Floats(matrix),
            raw: series.into_iter().map(|(s, v)| (s, Floats(v))).collect(),
        }
    }

    /// The fast-path series, in order: the rows of the matrix.
    pub(super) fn members(&self) -> &[usize] {
        &self.members
    }

    /// The points per fast-path series.
    pub(super) fn length(&self) -> usize {
        self.length
    }

    /// The standardized matrix rounded to f32, row after row (the screen's products).
    pub(super) fn matrix_f32(&self) -> Vec<f32> {
        self.matrix.iter().map(|&v| v as f32).collect()
    }

    fn matrix(&self) -> ArrayView2<'_, f64> {
        ArrayView2::from_shape((self.members.len(), self.length), &self.matrix)
            .unwrap_or_else(|e| panic!("a block's matrix holds its rows: {e}"))
    }

    /// The values of series `s`: standardized on the fast path, raw otherwise.
    fn values(&self, s: usize) -> &[f64] {
        match self.members.binary_search(&s) {
            Ok(row) => &self.matrix[row * self.length..(row + 1) * self.length],
            Err(_) => self
                .raw
                .iter()
                .find(|(r, _)| *r == s)
                .map_or(&[], |(_, v)| v.as_slice()),
        }
    }

    /// The values this block carries (for the volume a task moves).
    pub(super) fn carried_values(&self) -> usize {
        self.matrix.len() + self.raw.iter().map(|(_, v)| v.len()).sum::<usize>()
    }
}

/// The blocks of the plan that `rank`'s pairs need, from their series.
pub(super) fn assemble_blocks(
    plan: &PairPlan,
    rank: usize,
    mut series: BTreeMap<usize, Vec<f64>>,
    kinds: &[Kind],
    common: usize,
) -> BTreeMap<usize, Block> {
    let mut blocks = BTreeMap::new();
    for b in plan.blocks_of(rank) {
        let range = plan.block_series(b);
        let mut members = series.split_off(&range.start);
        series.append(&mut members.split_off(&range.end));
        blocks.insert(b, Block::assemble(b, members, kinds, common));
    }
    blocks
}

/// Which pairs of a block pair are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Pairs {
    /// Every pair.
    All,
    /// Only those off the fast path (the screen found no fast-path pair of the block pair
    /// that could count: [`super::screen`]); the others are left NaN in the tile and not
    /// offered.
    OffTheFastPath,
}

/// The correlations of block `rows` with block `columns` as a tile (both triangles of a
/// block with itself), offering the pairs a < b to `found`.
pub(super) fn block_pair(
    plan: &PairPlan,
    (rows, columns): (&Block, &Block),
    kinds: &[Kind],
    rule: &Rule,
    pairs: Pairs,
    found: &mut Found,
) -> Array2<f64> {
    let (row_series, column_series) = (
        plan.block_series(rows.index),
        plan.block_series(columns.index),
    );
    let same = rows.index == columns.index;
    // A block with itself needs the pairs a <= b only: the upper triangle.
    let product = match (pairs, same) {
        (Pairs::OffTheFastPath, _) => Array2::zeros((0, 0)),
        (Pairs::All, true) => kernel::self_block_product(rows.matrix()),
        (Pairs::All, false) => kernel::block_product(rows.matrix(), columns.matrix()),
    };
    let position = |members: &[usize], s: usize| members.binary_search(&s).unwrap_or_default();
    let mut tile = Array2::from_elem((row_series.len(), column_series.len()), f64::NAN);
    for a in row_series.clone() {
        for b in column_series.clone().filter(|&b| b >= a) {
            let corr = match (kinds[a], kinds[b]) {
                (Kind::Standard, Kind::Standard) if pairs == Pairs::OffTheFastPath => continue,
                (Kind::Standard, Kind::Standard) if !rule.enough(rows.length) => f64::NAN,
                (Kind::Standard, Kind::Standard) if a == b => 1.0,
                (Kind::Standard, Kind::Standard) => {
                    product[[position(&rows.members, a), position(&columns.members, b)]]
                }
                (Kind::Constant, _) | (_, Kind::Constant) => f64::NAN,
                _ => kernel::pairwise(rows.values(a), columns.values(b), rule),
            };
            tile[[a - row_series.start, b - column_series.start]] = corr;
            if same {
                tile[[b - row_series.start, a - column_series.start]] = corr;
            }
            if a < b {
                found.offer(a, b, corr);
            }
        }
    }
    tile
}
