//! pandas' first look at a table, on `Frame`: `head`, `value_counts`, `describe` and an
//! hourly `resample` of the taxi trips of `pardata prep --taxi`, and a group-by and a
//! top-k after a `repartition`, each printed as one JSON line (an array of row objects),
//! the same at any rank count.
//!
//! ```sh
//! target/release/pardata prep --taxi --out data --rows 1000000
//! mpirun -n 2 target/release/examples/frame_summary data/taxi/parquet
//! ```

use std::path::PathBuf;

use arrow::array::RecordBatch;
use pardata::frame::timebin::TimeBin;
use pardata::frame::{col, lit, Agg, AggFunc, Frame, SortKey};
use pardata::prelude::*;

fn main() -> std::process::ExitCode {
    World::run(program)
}

/// `name: [{...}, ...]`, the rows as arrow-json writes them.
fn show(world: &World, name: &str, batch: Option<RecordBatch>) -> Result<(), JobFailure> {
    let text = batch.map(|batch| {
        let mut writer = arrow::json::ArrayWriter::new(Vec::new());
        writer
            .write(&batch)
            .and_then(|()| writer.finish())
            .map(|()| String::from_utf8_lossy(&writer.into_inner()).into_owned())
            .map_err(|e| e.to_string())
    });
    if let Some(text) = world.agree(text.transpose())? {
        world.say(format_args!("{name}: {text}"));
    }
    Ok(())
}

fn program(world: &World) -> Result<(), JobFailure> {
    let path = PathBuf::from(
        std::env::args()
            .nth(1)
            .unwrap_or_else(|| "data/taxi/parquet".to_string()),
    );
    let trips = || Frame::scan(world, std::slice::from_ref(&path), Default::default());
    let first = trips()?
        .select(&[
            ("passenger_count", col("passenger_count")),
            ("fare_amount", col("fare_amount")),
        ])
        .head(3)
        .collect()?;
    show(world, "head", first)?;
    show(
        world,
        "value_counts",
        trips()?.value_counts("payment_type").collect()?,
    )?;
    let columns = [
        "passenger_count",
        "trip_distance",
        "fare_amount",
        "tip_amount",
    ];
    show(world, "describe", trips()?.describe(&columns)?)?;
    let hourly = trips()?
        .resample("tpep_pickup_datetime", TimeBin::Seconds(3600))
        .agg(&[
            ("trips", Agg::count_rows()),
            ("fare", Agg::new(AggFunc::Mean, col("fare_amount"))),
        ])
        .head(48);
    show(world, "resample", hourly.collect()?)?;
    // After a repartition the rows keep their order: `first`, `last` and a top-k's ties
    // are the file order's.
    let by_payment = trips()?
        .filter(col("fare_amount").gt(lit(0)))
        .repartition(3)
        .group_by(&[("payment_type", col("payment_type"))])
        .agg(&[
            ("trips", Agg::count_rows()),
            ("first_fare", Agg::new(AggFunc::First, col("fare_amount"))),
            ("last_fare", Agg::new(AggFunc::Last, col("fare_amount"))),
            ("tips", Agg::new(AggFunc::Sum, col("tip_amount"))),
        ]);
    show(world, "repartition_group_by", by_payment.collect()?)?;
    let top = trips()?
        .repartition(4)
        .select(&[
            ("tip_amount", col("tip_amount")),
            ("fare_amount", col("fare_amount")),
        ])
        .top_k(vec![SortKey::descending(col("tip_amount"))], 5);
    show(world, "repartition_top_k", top.collect()?)?;
    Ok(())
}
