//! Frames of rows the program already holds, not of files: [`Frame::from_local`] (each
//! rank's batches, Spark's `parallelize` and `Bag::from_local`) and [`Frame::range`] (the
//! numbers `0..n` in partitions, Spark's `spark.range`, DuckDB's `range`).
//!
//! Each batch is a partition, as a piece of a file is: the rows' order is rank 0's
//! batches, then rank 1's, and so on, and float sums add in that order within a batch
//! and exactly across batches, so answers do not depend on the rank count when the
//! partitions are the same (as [`Frame::range`]'s are).

use std::sync::Arc;

use arrow::array::{Array, Int64Array, RecordBatch};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::run::{add_places, plain};
use super::{is_hidden, partition, with_place, Frame, FrameError, Plan};
use crate::patterns::map::block;
use crate::runtime::{JobFailure, World};

impl<'w> Frame<'w> {
    /// A frame of the batches each rank holds: rank r's `batches` (each of `schema`'s
    /// columns, in order) are its partitions, and the frame's rows are rank 0's, then
    /// rank 1's, and so on. Text and dictionary columns become plain Utf8 and values, as
    /// a scan reads them. A collective: a rank whose batches do not have `schema`'s
    /// columns (or have nulls where it says none) fails on every rank.
    ///
    /// ```no_run
    /// use std::sync::Arc;
    ///
    /// use arrow::array::{Float64Array, RecordBatch};
    /// use arrow::datatypes::{DataType, Field, Schema};
    /// use pardata::frame::{col, Agg, AggFunc, Frame};
    /// use pardata::prelude::*;
    ///
    /// # fn main() -> std::process::ExitCode {
    /// World::run(|world| {
    ///     let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Float64, true)]));
    ///     let mine = Float64Array::from(vec![world.rank() as f64; 3]);
    ///     let batch = RecordBatch::try_new(schema.clone(), vec![Arc::new(mine)]).unwrap();
    ///     let frame = Frame::from_local(world, schema, vec![batch])?;
    ///     let total = frame.group_by(&[]).agg(&[("s", Agg::new(AggFunc::Sum, col("x")))]);
    ///     if let Some(total) = total.collect()? {
    ///         world.say(format_args!("{total:?}"));
    ///     }
    ///     Ok::<(), JobFailure>(())
    /// })
    /// # }
    /// ```
    pub fn from_local(
        world: &'w World,
        schema: SchemaRef,
        batches: Vec<RecordBatch>,
    ) -> Result<Frame<'w>, JobFailure> {
        // Text and dictionaries as a scan gives them (plain Utf8 and values).
        let schema = Arc::new(Schema::new(
            schema
                .fields()
                .iter()
                .map(|f| f.as_ref().clone().with_data_type(plain(f.data_type())))
                .collect::<Vec<Field>>(),
        ));
        world.agree(hidden_names(&schema))?;
        let placed = with_place(&schema);
        let counts: Vec<usize> = world.all_gather(&batches.len());
        let first: usize = counts[..world.rank()].iter().sum();
        let held = batches
            .into_iter()
            .enumerate()
            .map(|(i, batch)| {
                let batch = conformed(&schema, batch)?;
                add_places(batch, &placed, ((first + i) as u64) << 32)
            })
            .collect::<Result<Vec<_>, FrameError>>();
        let held = world.agree(held)?;
        Ok(Frame {
            world,
            plan: Plan {
                pieces: Vec::new(),
                options: Default::default(),
                scanned: schema,
                steps: Vec::new(),
                held: Some(Arc::new(held)),
            },
        })
    }

    /// A frame of one Int64 column `name` holding `0..rows`, in `partitions` partitions
    /// of equal sizes (at least one; [`super::partition`]'s cut), each rank holding its
    /// block of them. A collective.
    ///
    /// ```no_run
    /// use pardata::frame::{col, lit, Frame};
    /// use pardata::prelude::*;
    ///
    /// # fn main() -> std::process::ExitCode {
    /// World::run(|world| {
    ///     let sevens = Frame::range(world, "x", 1_000_000, 100)?
    ///         .filter(col("x").rem(lit(7)).eq(lit(0)));
    ///     if let Some(rows) = sevens.collect()? {
    ///         world.say(format_args!("{} multiples of 7", rows.num_rows()));
    ///     }
    ///     Ok::<(), JobFailure>(())
    /// })
    /// # }
    /// ```
    pub fn range(
        world: &'w World,
        name: &str,
        rows: u64,
        partitions: usize,
    ) -> Result<Frame<'w>, JobFailure> {
        let partitions = partitions.max(1);
        if rows > i64::MAX as u64 {
            return world.fail_together(FrameError::TooLarge(format!(
                "range of {rows} rows: the numbers are Int64, up to {}",
                i64::MAX
            )));
        }
        let schema = Arc::new(Schema::new(vec![Field::new(name, DataType::Int64, false)]));
        let starts = partition::starts(rows, partitions);
        let batches = block(partitions, world.size(), world.rank())
            .map(|p| {
                let values = Int64Array::from_iter_values(starts[p] as i64..starts[p + 1] as i64);
                RecordBatch::try_new(schema.clone(), vec![Arc::new(values)])
                    .map_err(|e| FrameError::Internal(e.to_string()))
            })
            .collect::<Result<Vec<_>, FrameError>>();
        let batches = world.agree(batches)?;
        Frame::from_local(world, schema, batches)
    }
}

/// An error when a column of `schema` has a name of pardata's own.
fn hidden_names(schema: &Schema) -> Result<(), FrameError> {
    match schema.fields().iter().find(|f| is_hidden(f.name())) {
        Some(hidden) => Err(FrameError::Type {
            expr: "from_local".into(),
            detail: format!("the column name {} is pardata's own", hidden.name()),
        }),
        None => Ok(()),
    }
}

/// `batch` with `schema`'s columns (its text and dictionaries made plain), or an error
/// when its columns' names or types are not the schema's, when a column the schema says
/// has no nulls has some, or when it is too long for a partition (2^32 rows).
fn conformed(schema: &SchemaRef, batch: RecordBatch) -> Result<RecordBatch, FrameError> {
    let fail = |detail: String| FrameError::Type {
        expr: "from_local".into(),
        detail,
    };
    let described = |fields: Vec<(&String, DataType)>| -> String {
        fields
            .iter()
            .map(|(name, t)| format!("{name} {t}"))
            .collect::<Vec<_>>()
            .join(", ")
    };
    let theirs = batch.schema();
    let got: Vec<_> = theirs
        .fields()
        .iter()
        .map(|f| (f.name(), plain(f.data_type())))
        .collect();
    let wanted: Vec<_> = schema
        .fields()
        .iter()
        .map(|f| (f.name(), f.data_type().clone()))
        .collect();
    if got != wanted {
        return Err(fail(format!(
            "a batch has the columns ({}), not the schema's ({})",
            described(got),
            described(wanted)
        )));
    }
    if batch.num_rows() as u64 > u64::from(u32::MAX) {
        return Err(fail(format!(
            "a batch of {} rows is over a partition's 2^32",
            batch.num_rows()
        )));
    }
    let mut columns = Vec::with_capacity(batch.num_columns());
    for (field, column) in schema.fields().iter().zip(batch.columns()) {
        if !field.is_nullable() && column.null_count() > 0 {
            return Err(fail(format!(
                "column {} has nulls, and the schema says it has none",
                field.name()
            )));
        }
        let column = cast(column, field.data_type())
            .map_err(|e| fail(format!("column {}: {e}", field.name())))?;
        columns.push(column);
    }
    RecordBatch::try_new(schema.clone(), columns).map_err(|e| fail(e.to_string()))
}
