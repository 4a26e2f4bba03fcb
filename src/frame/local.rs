//! Frames of rows the program already holds, not of files: [`Frame::from_local`] (each
//! rank's batches, Spark's `parallelize` and `Bag::from_local`) and [`Frame::range`] (the
//! numbers `0..n` in partitions, Spark's `spark.range`, DuckDB's `range`).
//!
//! Each batch is a partition, as a piece of a file is: the rows' order is rank 0's
//! batches, then rank 1's, and so on, and float sums add in that order within a batch
//! and exactly across batches, so answers do not depend on the rank count when the
//! partitions are the same (as [`Frame::range`]'s are).

use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};

use super::run::add_places;
use super::{is_hidden, partition, with_place, Frame, FrameError, Plan};
use crate::patterns::map::block;
use crate::runtime::{JobFailure, World};

impl<'w> Frame<'w> {
    /// A frame of the batches each rank holds: rank r's `batches` (each of `schema`'s
    /// columns, in order) are its partitions, and the frame's rows are rank 0's, then
    /// rank 1's, and so on. A collective: a rank whose batches do not have `schema`'s
    /// columns fails on every rank.
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
        let placed = with_place(&schema);
        let counts: Vec<usize> = world.all_gather(&batches.len());
        let first: usize = counts[..world.rank()].iter().sum();
        let held = batches
            .into_iter()
            .enumerate()
            .map(|(i, batch)| {
                check_columns(&schema, &batch)?;
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

/// Whether `batch` has `schema`'s columns (names and types, in order).
fn check_columns(schema: &SchemaRef, batch: &RecordBatch) -> Result<(), FrameError> {
    let names = |s: &Schema| -> Vec<String> {
        s.fields()
            .iter()
            .map(|f| format!("{} {}", f.name(), f.data_type()))
            .collect()
    };
    if let Some(hidden) = schema.fields().iter().find(|f| is_hidden(f.name())) {
        return Err(FrameError::Type {
            expr: "from_local".into(),
            detail: format!("the column name {} is pardata's own", hidden.name()),
        });
    }
    match names(schema) == names(&batch.schema()) {
        true => Ok(()),
        false => Err(FrameError::Type {
            expr: "from_local".into(),
            detail: format!(
                "a batch has the columns ({}), not the schema's ({})",
                names(&batch.schema()).join(", "),
                names(schema).join(", ")
            ),
        }),
    }
}
