//! The data layer's parse rate on one core: each file given is read into Arrow record
//! batches by `pardata::table::open` (CSV, JSON Lines, Parquet, HDF5), batch by batch as
//! `convert` reads it, and nothing written. Prints the best MB/s of input over five
//! rounds, and the rows, per file.
//!
//! ```sh
//! bench/tables.sh    # makes target/bench-tables/t.csv and t.jsonl, then runs this
//! cargo bench --bench table_parse -- target/bench-tables/t.csv target/bench-tables/t.jsonl
//! ```

use std::path::Path;
use std::time::Instant;

use pardata::table::{open, ReadOptions};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let files: Vec<String> = std::env::args()
        .skip(1)
        .filter(|a| a != "--bench")
        .collect();
    if files.is_empty() {
        return Err("give the files to read: cargo bench --bench table_parse -- FILE...".into());
    }
    for file in &files {
        let path = Path::new(file);
        let megabytes = std::fs::metadata(path)?.len() as f64 / 1e6;
        let (mut best, mut rows) = (0.0f64, 0);
        for _ in 0..5 {
            let started = Instant::now();
            rows = 0;
            for batch in open(path, &ReadOptions::default())? {
                rows += batch?.num_rows();
            }
            best = best.max(megabytes / started.elapsed().as_secs_f64());
        }
        println!("{file}: {megabytes:.1} MB, {rows} rows: {best:.0} MB/s (best of 5, one core)");
    }
    Ok(())
}
