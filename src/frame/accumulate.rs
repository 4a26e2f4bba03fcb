//! One aggregate's partial states for every group of a rank, kept by kind: counts,
//! integer sums and float sums in plain vectors, so that folding a batch in is one tight
//! loop over its rows; the other aggregates (variance, extremes, first and last, distinct
//! values) as one [`State`] per group.
//!
//! The states these give ([`Accumulator::into_states`]) are the ones a [`State`] per group
//! would hold: the same sums in the same order, so results do not change with the kind.

use arrow::array::{Array, ArrayRef, AsArray, RecordBatch, UInt64Array};
use arrow::buffer::NullBuffer;
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type};

use super::aggregate::{Plan, State};
use super::exact::ExactSum;
use super::FrameError;

/// A group's integer sum and its count of values, side by side: a row's update touches
/// one slot of 32 bytes, not two vectors.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct IntSlot {
    sum: i128,
    n: u64,
}

/// A group's float sum of the current piece and its count of values.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct FloatSlot {
    piece: f64,
    n: u64,
}

/// The states of one aggregate, one slot per group (index = group id).
pub(super) enum Accumulator {
    /// `count(*)` and `count(x)`.
    Counts(Vec<u64>),
    /// Sums and means of integers: exact sums, and the values counted.
    IntSums(Vec<IntSlot>),
    /// Sums and means of floats: the exact sum of the finished pieces' sums, and the
    /// current piece's plain sum (its terms in file order) with the values counted.
    FloatSums {
        /// The pieces' sums, exactly.
        exact: Vec<ExactSum>,
        /// The current piece's sums and the values.
        piece: Vec<FloatSlot>,
    },
    /// Any other aggregate.
    States(Vec<State>),
}

impl Accumulator {
    /// No groups yet, of the kind `plan`'s states are.
    pub(super) fn new(plan: &Plan) -> Accumulator {
        match plan.empty() {
            State::Count(_) => Accumulator::Counts(Vec::new()),
            State::IntSum { .. } => Accumulator::IntSums(Vec::new()),
            State::FloatSum { .. } => Accumulator::FloatSums {
                exact: Vec::new(),
                piece: Vec::new(),
            },
            _ => Accumulator::States(Vec::new()),
        }
    }

    /// One more group, with an empty state.
    pub(super) fn push(&mut self, plan: &Plan) {
        match self {
            Accumulator::Counts(counts) => counts.push(0),
            Accumulator::IntSums(slots) => slots.push(IntSlot::default()),
            Accumulator::FloatSums { exact, piece } => {
                exact.push(ExactSum::default());
                piece.push(FloatSlot::default());
            }
            Accumulator::States(states) => states.push(plan.empty()),
        }
    }

    /// Moves each float sum's current piece into its exact sum (at the end of a piece).
    pub(super) fn end_piece(&mut self) {
        match self {
            Accumulator::FloatSums { exact, piece, .. } => {
                for (sum, slot) in exact.iter_mut().zip(piece.iter_mut()) {
                    if slot.piece != 0.0 || slot.piece.is_nan() {
                        sum.add(slot.piece);
                    }
                    slot.piece = 0.0;
                }
            }
            Accumulator::States(states) => super::aggregate::end_piece(states),
            _ => {}
        }
    }

    /// The states, one per group in group order (after [`Accumulator::end_piece`]).
    pub(super) fn into_states(self) -> Vec<State> {
        match self {
            Accumulator::Counts(counts) => counts.into_iter().map(State::Count).collect(),
            Accumulator::IntSums(slots) => slots
                .into_iter()
                .map(|IntSlot { sum, n }| State::IntSum { sum, n })
                .collect(),
            Accumulator::FloatSums { exact, piece } => exact
                .into_iter()
                .zip(piece)
                .map(|(sum, FloatSlot { piece, n })| State::FloatSum { sum, piece, n })
                .collect(),
            Accumulator::States(states) => states,
        }
    }

    /// Folds one batch's values into the states of their groups (`groups[i]`: row i's);
    /// with `exact_terms`, float sums add each term exactly (for rows whose pieces are
    /// spread over ranks), else into the piece's plain sum.
    pub(super) fn update(
        &mut self,
        plan: &Plan,
        groups: &[u32],
        batch: &RecordBatch,
        places: &UInt64Array,
        exact_terms: bool,
    ) -> Result<(), FrameError> {
        let states = match self {
            Accumulator::States(states) => return plan.update(states, groups, batch, places),
            Accumulator::Counts(counts) if plan.input_expr().is_none() => {
                for &g in groups {
                    counts[g as usize] += 1;
                }
                return Ok(());
            }
            typed => typed,
        };
        let Some(values) = plan.values(batch)? else {
            return Ok(());
        };
        let nulls = values.nulls().filter(|n| n.null_count() > 0);
        match states {
            Accumulator::Counts(counts) => each_valid(groups, nulls, |_, g| counts[g] += 1),
            Accumulator::IntSums(slots) => {
                let ints = values.as_primitive_opt::<Int64Type>().ok_or_else(|| {
                    FrameError::Internal(format!("an integer sum of {}", values.data_type()))
                })?;
                let ints = ints.values();
                each_valid(groups, nulls, |i, g| {
                    let slot = &mut slots[g];
                    slot.sum += i128::from(ints[i]);
                    slot.n += 1;
                });
            }
            Accumulator::FloatSums { exact, piece } => {
                let floats = as_floats(&values)?;
                let floats = floats.as_primitive::<Float64Type>().values();
                match exact_terms {
                    true => each_valid(groups, nulls, |i, g| {
                        exact[g].add(floats[i]);
                        piece[g].n += 1;
                    }),
                    false => each_valid(groups, nulls, |i, g| {
                        let slot = &mut piece[g];
                        slot.piece += floats[i];
                        slot.n += 1;
                    }),
                }
            }
            Accumulator::States(_) => {}
        }
        Ok(())
    }
}

/// Calls `f(row, group)` for every row whose value is not null, in row order.
#[inline]
fn each_valid(groups: &[u32], nulls: Option<&NullBuffer>, mut f: impl FnMut(usize, usize)) {
    match nulls {
        None => {
            for (i, &g) in groups.iter().enumerate() {
                f(i, g as usize);
            }
        }
        Some(nulls) => {
            for (i, &g) in groups.iter().enumerate() {
                if nulls.is_valid(i) {
                    f(i, g as usize);
                }
            }
        }
    }
}

/// Values of a float sum as float64 (integers meet it as floats).
fn as_floats(values: &ArrayRef) -> Result<ArrayRef, FrameError> {
    match values.data_type() {
        DataType::Float64 => Ok(values.clone()),
        other => cast(values, &DataType::Float64)
            .map_err(|e| FrameError::Internal(format!("a float sum of {other}: {e}"))),
    }
}
