//! pandas' conveniences on a [`Frame`], each a plan of the basic steps: `head`,
//! `value_counts` (a group-by and a sort) and `describe` (one aggregate of every row,
//! reshaped on rank 0).
//!
//! Semantics, stated against pandas':
//! - `value_counts` leaves nulls out, as pandas does by default; the most frequent value
//!   comes first, ties in the value's ascending order (pandas leaves their order to its
//!   sort).
//! - `describe` gives `count`, `mean`, `std` (the sample's, n - 1), `min` and `max` of
//!   each column, without pandas' quantiles; nulls are skipped as pandas skips them, but a
//!   float NaN is a value, as in SQL (pandas skips it too). Integer columns are described
//!   as floats, as pandas describes them.

use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, RecordBatch, StringArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema};

use super::{col, Agg, AggFunc, Frame, SortKey};
use crate::runtime::JobFailure;

/// The statistics of [`Frame::describe`], in its rows' order.
pub const STATISTICS: [(&str, AggFunc); 5] = [
    ("count", AggFunc::Count),
    ("mean", AggFunc::Mean),
    ("std", AggFunc::Std),
    ("min", AggFunc::Min),
    ("max", AggFunc::Max),
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

    /// Summary statistics of `columns` (pandas' `describe` without its quantiles): the
    /// column `statistic` (`count`, `mean`, `std`, `min`, `max`, one row each, as
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
                STATISTICS.iter().map(move |(statistic, func)| {
                    let input = col(name).cast(DataType::Float64);
                    (format!("{c}:{statistic}"), Agg::new(*func, input))
                })
            })
            .collect();
        let named: Vec<(&str, Agg)> = aggs.iter().map(|(n, a)| (n.as_str(), a.clone())).collect();
        let row = self.group_by(&[]).agg(&named).collect()?;
        Ok(row.map(|row| reshape(&row, columns)))
    }
}

/// The one row of every (column, statistic) aggregate as a row per statistic.
fn reshape(row: &RecordBatch, columns: &[&str]) -> RecordBatch {
    let statistic: ArrayRef = Arc::new(StringArray::from_iter_values(
        STATISTICS.iter().map(|(name, _)| *name),
    ));
    let mut fields = vec![Field::new("statistic", DataType::Utf8, false)];
    let mut arrays = vec![statistic];
    for (c, name) in columns.iter().enumerate() {
        let values = (0..STATISTICS.len()).map(|s| {
            let value = row.column(c * STATISTICS.len() + s);
            // Every aggregate is a number (count an Int64, the others Float64): the cast
            // to Float64 cannot fail; an empty input gives a null.
            cast(value, &DataType::Float64).ok().and_then(|v| {
                let v = v.as_any().downcast_ref::<Float64Array>()?.clone();
                (v.len() == 1 && !arrow::array::Array::is_null(&v, 0)).then(|| v.value(0))
            })
        });
        fields.push(Field::new(*name, DataType::Float64, true));
        arrays.push(Arc::new(values.collect::<Float64Array>()));
    }
    RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays)
        .expect("one row per statistic in every column")
}
