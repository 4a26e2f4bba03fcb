//! The count-by-type lesson of the tutorial (GitHub-archive events counted by type three
//! ways) on the files of `pardata prep --events`, with the bytes each way sends between
//! the ranks:
//!
//! 1. `Bag::group_by` of whole records: every event crosses to the rank of its type,
//!    and the groups are counted there (Spark's `groupBy` of an RDD);
//! 2. `Bag::fold_by`: each rank counts its own events by type first, and only the
//!    (type, count) pairs cross (Spark's `combineByKey`, Dask's `foldby`);
//! 3. `Frame` (`pardata sql`'s engine): reads only the `type` column and combines before
//!    its one exchange (the DataFrame `groupBy` that the optimiser rewrites).
//!
//! ```sh
//! target/release/pardata prep --events --out data
//! mpirun -n 2 target/release/examples/events data/events
//! ```
//!
//! Prints `way: type=count ... (N bytes between ranks, S s)` for each way; the counts
//! agree.

use std::path::{Path, PathBuf};
use std::time::Instant;

use pardata::frame::{col, Agg, AggFunc, Frame, SortKey};
use pardata::prelude::*;
use pardata::table::files_of;

fn main() -> std::process::ExitCode {
    World::run(program)
}

/// The `type` of one JSON line.
fn type_of(line: &str) -> Result<String, String> {
    #[derive(serde::Deserialize)]
    struct Typed {
        r#type: String,
    }
    serde_json::from_str::<Typed>(line)
        .map(|event| event.r#type)
        .map_err(|e| e.to_string())
}

/// Each line of `path` with its type.
fn records(path: &PathBuf) -> Result<Vec<(String, String)>, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    text.lines()
        .enumerate()
        .map(|(i, line)| {
            type_of(line)
                .map(|kind| (kind, line.to_string()))
                .map_err(|e| format!("{} line {}: {e}", path.display(), i + 1))
        })
        .collect()
}

/// The bytes all ranks have sent so far (a collective).
fn bytes_sent(world: &World) -> u64 {
    world.all_metrics().iter().map(|m| m.bytes_sent).sum()
}

/// Prints one way's counts, the bytes it sent (those of the byte count's own gather
/// included) and its seconds.
fn show(
    world: &World,
    way: &str,
    counts: Option<Vec<(String, u64)>>,
    bytes: u64,
    started: Instant,
) {
    if let Some(counts) = counts {
        let text: Vec<String> = counts.iter().map(|(k, n)| format!("{k}={n}")).collect();
        world.say(format_args!(
            "{way}: {} ({bytes} bytes between ranks, {:.2} s)",
            text.join(" "),
            started.elapsed().as_secs_f64()
        ));
    }
}

fn program(world: &World) -> Result<(), JobFailure> {
    let folder = std::env::args()
        .nth(1)
        .unwrap_or_else(|| "data/events".to_string());
    let files = world.agree(files_of(&[PathBuf::from(&folder)], None))?;

    let (before, started) = (bytes_sent(world), Instant::now());
    let grouped = Bag::try_from_sources(world, files.clone(), records)?
        .flat_map(|lines| lines)
        .group_by(|(kind, _)| kind.clone())
        .map(|(kind, events)| (kind, events.len() as u64))
        .collect();
    let after = bytes_sent(world);
    show(world, "group_by", grouped, after - before, started);

    let (before, started) = (bytes_sent(world), Instant::now());
    let folded = Bag::try_from_sources(world, files.clone(), records)?
        .flat_map(|lines| lines)
        .fold_by(
            |(kind, _)| kind.clone(),
            || 0u64,
            |n, _| n + 1,
            |a, b| a + b,
        )
        .collect();
    let after = bytes_sent(world);
    show(world, "fold_by", folded, after - before, started);

    let (before, started) = (bytes_sent(world), Instant::now());
    let paths: Vec<PathBuf> = vec![Path::new(&folder).to_path_buf()];
    let counted = Frame::scan(world, &paths, Default::default())?
        .group_by(&[("type", col("type"))])
        .agg(&[("n", Agg::new(AggFunc::Count, col("type")))])
        .sort(vec![SortKey::ascending(col("type"))])
        .collect()?;
    let after = bytes_sent(world);
    let counts = counted.map(|batch| {
        use arrow::array::AsArray;
        let kinds = batch.column(0).as_string::<i32>();
        let n = batch
            .column(1)
            .as_primitive::<arrow::datatypes::Int64Type>();
        (0..batch.num_rows())
            .map(|i| (kinds.value(i).to_string(), n.value(i) as u64))
            .collect()
    });
    show(world, "Frame", counts, after - before, started);
    Ok(())
}
