//! pandas' first look at a table, on `Frame`: `head`, `value_counts`, `describe` and an
//! hourly `resample` of the taxi trips of `pardata prep --taxi`, each printed as one JSON
//! line (an array of row objects), the same at any rank count.
//!
//! ```sh
//! target/release/pardata prep --taxi --out data --rows 1000000
//! mpirun -n 2 target/release/examples/frame_summary data/taxi/parquet
//! ```

use std::path::PathBuf;

use arrow::array::RecordBatch;
use pardata::frame::timebin::TimeBin;
use pardata::frame::{col, Agg, AggFunc, Frame};
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
    Ok(())
}
