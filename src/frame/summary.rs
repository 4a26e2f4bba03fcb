//! pandas' conveniences on a [`Frame`], each a plan of the basic steps: `head`,
//! `value_counts` (a group-by and a sort) and `describe` (one aggregate of every row,
//! and each column's values gathered for its quartiles, reshaped on rank 0).
//!
//! Semantics, stated against pandas':
//! - `value_counts` leaves nulls out, as pandas does by default; the most frequent value
//!   comes first, ties in the value's ascending order (pandas leaves their order to its
//!   sort).
//! - `describe` gives `count`, `mean`, `std` (the sample's, n - 1), `min`, the quartiles
//!   `25%`, `50%`, `75%` and `max` of each column, in pandas' order; the quartiles
//!   interpolate linearly between the two nearest values (pandas' default, DuckDB's
//!   `quantile_cont`). Nulls are skipped as pandas skips them, but a float NaN is a value,
//!   as in SQL (pandas skips it too), and sorts above every number. Integer columns are
//!   described as floats, as pandas describes them. The quartiles gather each column's
//!   values on rank 0: eight bytes a row.

use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Float64Type, Schema};

use super::{col, Agg, AggFunc, Frame, FrameError, SortKey};
use crate::runtime::JobFailure;

/// A row of [`Frame::describe`]: an aggregate of every row, or a quantile of the values.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Statistic {
    /// An aggregate.
    Aggregate(AggFunc),
    /// The value below which this fraction of the values lie, interpolated.
    Quantile(f64),
}

/// The statistics of [`Frame::describe`], in its rows' order (pandas').
pub const STATISTICS: [(&str, Statistic); 8] = [
    ("count", Statistic::Aggregate(AggFunc::Count)),
    ("mean", Statistic::Aggregate(AggFunc::Mean)),
    ("std", Statistic::Aggregate(AggFunc::Std)),
    ("min", Statistic::Aggregate(AggFunc::Min)),
    ("25%", Statistic::Quantile(0.25)),
    ("50%", Statistic::Quantile(0.5)),
    ("75%", Statistic::Quantile(0.75)),
    ("max", Statistic::Aggregate(AggFunc::Max)),
];

impl<'w> Frame<'w> {
    /// The first `n` rows in file order (pandas' `head`, SQL's `LIMIT`).
    pub fn head(self, n: usize) -> Frame<'w> {
        self.limit(n)
    }

    /// How often each non-null value of `column` occurs (pandas' `value_counts`): the
    /// columns `column` and `count` (Int64), the most frequent value first, ties in the
    /// value's ascending order.
    ///
    /// ```no_run
    /// use pardata::frame::Frame;
    /// use pardata::prelude::*;
    ///
    /// # fn main() -> std::process::ExitCode {
    /// World::run(|world| {
    ///     let frame = Frame::scan(world, &["trips.parquet".into()], Default::default())?;
    ///     if let Some(counts) = frame.value_counts("payment_type").collect()? {
    ///         world.say(format_args!("{} payment types", counts.num_rows()));
    ///     }
    ///     Ok::<(), JobFailure>(())
    /// })
    /// # }
    /// ```
    pub fn value_counts(self, column: &str) -> Frame<'w> {
        self.filter(col(column).is_not_null())
            .group_by(&[(column, col(column))])
            .agg(&[("count", Agg::count_rows())])
            .sort(vec![
                SortKey::descending(col("count")),
                SortKey::ascending(col(column)),
            ])
    }

    /// Summary statistics of `columns` (pandas' `describe`): the column `statistic`
    /// (`count`, `mean`, `std`, `min`, `25%`, `50%`, `75%`, `max`, one row each, as
    /// [`STATISTICS`]) and a Float64 column per column of `columns`. A collective: rank 0
    /// gets the batch, the others `None`.
    ///
    /// ```no_run
    /// use pardata::frame::Frame;
    /// use pardata::prelude::*;
    ///
    /// # fn main() -> std::process::ExitCode {
    /// World::run(|world| {
    ///     let frame = Frame::scan(world, &["trips.parquet".into()], Default::default())?;
    ///     if let Some(stats) = frame.describe(&["fare_amount", "tip_amount"])? {
    ///         world.say(format_args!("{stats:?}"));
    ///     }
    ///     Ok::<(), JobFailure>(())
    /// })
    /// # }
    /// ```
    pub fn describe(self, columns: &[&str]) -> Result<Option<RecordBatch>, JobFailure> {
        let aggs: Vec<(String, Agg)> = columns
            .iter()
            .enumerate()
            .flat_map(|(c, name)| {
                STATISTICS
                    .iter()
                    .filter_map(move |(statistic, kind)| match kind {
                        Statistic::Aggregate(func) => {
                            let input = col(name).cast(DataType::Float64);
                            Some((format!("{c}:{statistic}"), Agg::new(*func, input)))
                        }
                        Statistic::Quantile(_) => None,
                    })
            })
            .collect();
        let named: Vec<(&str, Agg)> = aggs.iter().map(|(n, a)| (n.as_str(), a.clone())).collect();
        let world = self.world;
        let plan = self.plan.clone();
        let row = self.group_by(&[]).agg(&named).collect()?;
        let mut sorted = Vec::with_capacity(columns.len());
        for name in columns {
            let values = Frame {
                world,
                plan: plan.clone(),
            }
            .select(&[(name, col(name).cast(DataType::Float64))])
            .filter(col(name).is_not_null())
            .collect()?;
            sorted.push(values.map(|v| sorted_values(v.column(0))));
        }
        let sorted: Vec<Vec<f64>> = sorted.into_iter().map(Option::unwrap_or_default).collect();
        let shown = row.map(|row| reshape(&row, columns, &sorted));
        world.agree(shown.transpose())
    }
}

/// A column's values (Float64, without nulls) in ascending order, NaN above every number.
fn sorted_values(values: &ArrayRef) -> Vec<f64> {
    let mut values: Vec<f64> = match values.as_primitive_opt::<Float64Type>() {
        Some(floats) => floats.values().to_vec(),
        None => Vec::new(),
    };
    values.sort_unstable_by(|a, b| match (a.is_nan(), b.is_nan()) {
        (false, false) => a.total_cmp(b),
        (a_nan, b_nan) => a_nan.cmp(&b_nan),
    });
    values
}

/// The `q` quantile of ascending `values`, linear between the two nearest (pandas' and
/// NumPy's default, DuckDB's `quantile_cont`); `None` when there are none.
///
/// ```
/// use pardata::frame::summary::quantile;
///
/// assert_eq!(quantile(&[1.0, 2.0, 3.0, 4.0], 0.25), Some(1.75));
/// assert_eq!(quantile(&[5.0], 0.5), Some(5.0));
/// assert_eq!(quantile(&[], 0.5), None);
/// ```
pub fn quantile(values: &[f64], q: f64) -> Option<f64> {
    let last = values.len().checked_sub(1)?;
    let position = q.clamp(0.0, 1.0) * last as f64;
    let below = position.floor() as usize;
    let above = (below + 1).min(last);
    let (low, high) = (values[below], values[above]);
    let fraction = position - below as f64;
    // NumPy's form, exact at both ends: low + (high - low) * f, from the nearer side.
    Some(if fraction == 0.0 {
        low
    } else if fraction >= 0.5 {
        high - (high - low) * (1.0 - fraction)
    } else {
        low + (high - low) * fraction
    })
}

/// The one row of every (column, aggregate) and each column's sorted values as a row per
/// statistic.
fn reshape(
    row: &RecordBatch,
    columns: &[&str],
    sorted: &[Vec<f64>],
) -> Result<RecordBatch, FrameError> {
    let statistic: ArrayRef = Arc::new(StringArray::from_iter_values(
        STATISTICS.iter().map(|(name, _)| *name),
    ));
    let mut fields = vec![Field::new("statistic", DataType::Utf8, false)];
    let mut arrays = vec![statistic];
    for (c, name) in columns.iter().enumerate() {
        let values = STATISTICS.iter().map(|(statistic, kind)| match kind {
            Statistic::Quantile(q) => quantile(&sorted[c], *q),
            Statistic::Aggregate(_) => {
                let value = row.column_by_name(&format!("{c}:{statistic}"))?;
                // Every aggregate is a number (count an Int64, the others Float64): the
                // cast to Float64 cannot fail; an empty input gives a null.
                let value = cast(value, &DataType::Float64).ok()?;
                let value = value.as_primitive_opt::<Float64Type>()?;
                (value.len() == 1 && !value.is_null(0)).then(|| value.value(0))
            }
        });
        fields.push(Field::new(*name, DataType::Float64, true));
        arrays.push(Arc::new(values.collect::<Float64Array>()));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .map_err(|e| FrameError::Internal(e.to_string()))
}
