//! Frames of rows the program holds: `Frame::range` (the numbers `0..n` in partitions)
//! grouped by `x % 10`, and `Frame::from_local` (each rank's own batch) sorted, each
//! printed as CSV lines on rank 0; with a third argument, the even numbers after a
//! `repartition(5)` written to that folder, one CSV file per rank.
//!
//! ```sh
//! mpirun -n 2 target/release/examples/frame_local 100000 37 evens.csv
//! ```

use std::sync::Arc;

use arrow::array::{Int64Array, RecordBatch, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use pardata::frame::{col, lit, Agg, AggFunc, Frame, SortKey};
use pardata::prelude::*;
use pardata::table::Format;

fn main() -> std::process::ExitCode {
    World::run(program)
}

/// The rows as CSV lines (no header), on rank 0.
fn show(world: &World, name: &str, batch: Option<RecordBatch>) -> Result<(), JobFailure> {
    let text = batch.map(|batch| {
        let mut bytes = Vec::new();
        let mut writer = arrow::csv::WriterBuilder::new()
            .with_header(false)
            .build(&mut bytes);
        writer.write(&batch).map_err(|e| e.to_string())?;
        drop(writer);
        Ok::<String, String>(String::from_utf8_lossy(&bytes).into_owned())
    });
    if let Some(text) = world.agree(text.transpose())? {
        for line in text.lines() {
            world.say(format_args!("{name},{line}"));
        }
    }
    Ok(())
}

fn program(world: &World) -> Result<(), JobFailure> {
    let mut args = std::env::args().skip(1);
    let mut number = |default: u64| args.next().and_then(|a| a.parse().ok()).unwrap_or(default);
    let (rows, partitions) = (number(100_000), number(37) as usize);
    let by_digit = Frame::range(world, "x", rows, partitions)?
        .filter(col("x").rem(lit(7)).eq(lit(0)))
        .group_by(&[("digit", col("x").rem(lit(10)))])
        .agg(&[
            ("n", Agg::count_rows()),
            ("sum", Agg::new(AggFunc::Sum, col("x"))),
            ("first", Agg::new(AggFunc::First, col("x"))),
            ("last", Agg::new(AggFunc::Last, col("x"))),
        ]);
    show(world, "range", by_digit.collect()?)?;

    // Rank r holds the values r * 1000 + 0..5, named after their rank.
    let schema = Arc::new(Schema::new(vec![
        Field::new("value", DataType::Int64, false),
        Field::new("rank", DataType::Utf8, false),
    ]));
    let base = world.rank() as i64 * 1000;
    let values = Int64Array::from_iter_values(base..base + 5);
    let ranks = StringArray::from(vec![format!("r{}", world.rank()); 5]);
    let mine = RecordBatch::try_new(schema.clone(), vec![Arc::new(values), Arc::new(ranks)])
        .expect("two columns of five rows, as the schema says");
    let top = Frame::from_local(world, schema, vec![mine])?
        .top_k(vec![SortKey::descending(col("value").rem(lit(2)))], 3);
    show(world, "local", top.collect()?)?;

    // With a folder: the even numbers of 5 even partitions, one CSV file per rank.
    if let Some(folder) = std::env::args().nth(3) {
        let evens = Frame::range(world, "x", rows, partitions)?
            .repartition(5)
            .filter(col("x").rem(lit(2)).eq(lit(0)));
        let output = evens.write_partitions(folder.as_ref(), Format::Csv)?;
        world.say(format_args!(
            "written,{},{}",
            output.files.len(),
            output.rows
        ));
    }
    Ok(())
}
