//! The data layer's parse rate on one rank: each file given is read into Arrow record
//! batches by `pardata::table::consume` (CSV, JSON Lines, Parquet, HDF5), batch by batch as
//! `convert` reads it, and nothing written, by `--threads N` threads (default 1). Prints
//! the best MB/s of input over five rounds, and the rows, per file. `--two-pass` reads with
//! `pardata::table::open` instead, which types a JSON Lines file from every line before
//! decoding it (what `consume` does only when the file's head does not type it).
//!
//! ```sh
//! bench/tables.sh    # makes target/bench-tables/t.csv and t.jsonl, then runs this
//! cargo bench --bench table_parse -- --threads 2 target/bench-tables/t.csv target/bench-tables/t.jsonl
//! ```

use std::path::Path;
use std::time::Instant;

use pardata::table::{consume, open, Batches, ReadOptions};

// The allocator the pardata binary uses.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1).filter(|a| a != "--bench");
    let (mut files, mut threads, mut two_pass) = (Vec::new(), 1, false);
    while let Some(arg) = args.next() {
        match arg.as_str() {
            "--threads" => threads = args.next().and_then(|n| n.parse().ok()).unwrap_or(0),
            "--two-pass" => two_pass = true,
            _ => files.push(arg),
        }
    }
    if threads == 0 {
        return Err("--threads takes a positive number".into());
    }
    rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build_global()?;
    if files.is_empty() {
        return Err("give the files to read: cargo bench --bench table_parse -- FILE...".into());
    }
    for file in &files {
        let path = Path::new(file);
        let megabytes = std::fs::metadata(path)?.len() as f64 / 1e6;
        let (mut best, mut rows) = (0.0f64, 0);
        for _ in 0..5 {
            let started = Instant::now();
            let count = |batches: Batches| {
                batches
                    .map(|batch| batch.map(|b| b.num_rows()))
                    .sum::<Result<usize, _>>()
            };
            let options = ReadOptions::default();
            rows = match two_pass {
                true => count(open(path, &options)?)?,
                false => consume(path, &options, count)?,
            };
            best = best.max(megabytes / started.elapsed().as_secs_f64());
        }
        let s = if threads == 1 { "" } else { "s" };
        println!("{file}: {megabytes:.1} MB, {rows} rows: {best:.0} MB/s (best of 5, {threads} thread{s})");
    }
    Ok(())
}
