//! `pardata convert`: the map lesson. Every JSON Lines file of stock records becomes an HDF5
//! frame beside it (`aet.json` -> `aet.h5`, key `data`) in pandas' fixed format, so that
//! `pandas.read_hdf(path, 'data')` gives columns timestamp (`datetime64[ns]`), close, high,
//! low and open (float64) in file order.
//!
//! One file is one item of [`crate::patterns::map`], statically (each rank its block of
//! files) or dynamically (rank 0 hands out files). A bad file never stops the others: its
//! error, naming the file and line, is reported at the end; without `--skip-bad` the
//! command then fails, with it the file is skipped. Each frame is written to a temporary
//! name and renamed, so no half-written `.h5` is ever left under its final name. With the
//! static schedule and two or more threads, a rank parses its next files on its compute
//! threads (as many at once as it has) while the current frame is written (HDF5 stays on
//! the rank's own thread).
//!
//! `--to parquet|hdf5|csv|jsonl` converts the user's tables instead: any CSV, JSON Lines,
//! Parquet or HDF5 file (read by [`crate::table`], typed as pandas types it) to any of
//! those formats (HDF5: numbers, times, text and bools, see [`crate::table::write::hdf5`]), a file per
//! input file (`trips.csv.gz` -> `trips.parquet`), beside it or under `--out DIR`, read
//! and written a batch of rows at a time.

use std::fmt;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{Array, AsArray};
use arrow::datatypes::{
    DataType, Field, Float64Type, Schema, SchemaRef, TimeUnit, TimestampNanosecondType,
};

use serde::{Deserialize, Serialize};

use crate::io::atomic::temporary_path;
use crate::io::frame::{frame_rows, write_frame, Column, FrameError};
use crate::io::inputs::{expand, InputError};
use crate::patterns::map::{block, map, Schedule};
use crate::runtime::fault;
use crate::runtime::{Activity, JobFailure, RankMetrics, World};
use crate::table::{self, Format, ReadOptions, TableError};

/// What to convert.
#[derive(Debug, Clone)]
pub struct ConvertOptions {
    pub paths: Vec<PathBuf>,
    pub schedule: Schedule,
    pub skip_bad: bool,
    /// What to write: the stock frames (`None`, no `--to`) or a table format.
    pub to: Option<Format>,
    /// The folder of the outputs (default: beside each input).
    pub out: Option<PathBuf>,
    /// The frame or dataset of HDF5 inputs (their only one when `None`).
    pub key: Option<String>,
    /// A `--schema` file: types of CSV and JSON Lines columns.
    pub schema: Option<PathBuf>,
}

/// Why one file could not be converted.
#[derive(Debug, thiserror::Error)]
pub enum ConvertError {
    #[error(transparent)]
    Frame(#[from] FrameError),
    #[error("cannot move {} into place: {source}", path.display())]
    Rename {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error(transparent)]
    Fault(#[from] fault::InjectedFault),
    #[error(transparent)]
    Table(#[from] TableError),
}

/// One converted file.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Converted {
    pub input: PathBuf,
    pub output: PathBuf,
    pub rows: u64,
    pub bytes_in: u64,
    pub bytes_out: u64,
    pub rank: usize,
    /// Whether the frame was already there, up to date, and kept as it was.
    pub kept: bool,
}

/// One file that could not be converted.
#[derive(Debug, Clone, Serialize)]
pub struct Failed {
    pub input: PathBuf,
    pub error: String,
    pub rank: usize,
}

/// The result of `convert`.
#[derive(Debug, Serialize)]
pub struct ConvertSummary {
    pub schedule: &'static str,
    /// The format written, for the text summary.
    #[serde(skip)]
    pub target: &'static str,
    pub converted: Vec<Converted>,
    pub skipped: Vec<Failed>,
    pub rows: u64,
    pub bytes_in: u64,
    pub seconds: f64,
    pub ranks: Vec<RankMetrics>,
}

impl fmt::Display for ConvertSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let megabytes = self.bytes_in as f64 / 1e6;
        write!(
            f,
            "convert: {} file{} to {} ({} rows, {:.1} MB of {}) in {:.2} s on {} rank{} ({} schedule, {:.0} MB/s)",
            self.converted.len(),
            if self.converted.len() == 1 { "" } else { "s" },
            self.target,
            self.rows,
            megabytes,
            if self.target == "HDF5" { "JSON" } else { "input" },
            self.seconds,
            self.ranks.len(),
            if self.ranks.len() == 1 { "" } else { "s" },
            self.schedule,
            megabytes / self.seconds.max(1e-9),
        )?;
        let kept = self.converted.iter().filter(|c| c.kept).count();
        if kept > 0 {
            write!(f, "; {kept} already up to date, kept")?;
        }
        if !self.skipped.is_empty() {
            write!(
                f,
                "; skipped {} bad file{}",
                self.skipped.len(),
                if self.skipped.len() == 1 { "" } else { "s" }
            )?;
        }
        Ok(())
    }
}

/// Converts the files (a collective: every rank calls it).
pub fn convert(world: &World, options: &ConvertOptions) -> Result<ConvertSummary, JobFailure> {
    let started = Instant::now();
    let listed = match options.to {
        None => expand(&options.paths, "json").map_err(|e: InputError| e.to_string()),
        Some(format) => expand_tables(&options.paths, format, options.out.as_deref()),
    };
    let files: Vec<PathBuf> = world.agree(listed)?;
    let types = match &options.schema {
        Some(path) => world.agree(table::schema::load(path).map_err(|e| e.to_string()))?,
        None => Vec::new(),
    };
    if let Some(out) = &options.out {
        world.agree(
            std::fs::create_dir_all(out).map_err(|e| format!("cannot make {}: {e}", out.display())),
        )?;
    }
    let mut progress = world.progress("convert", Some(files.len() as u64));
    // Statically, a rank knows its next files: its compute threads parse them while this
    // one's frame is written (HDF5 stays on this thread).
    let mine = block(files.len(), world.size(), world.rank());
    let mut ahead = Ahead::default();
    let results = map(world, &files, options.schedule, |index, input| {
        let upcoming = match options.schedule {
            Schedule::Static => files.get(index + 1..mine.end).unwrap_or_default(),
            Schedule::Dynamic => &[],
        };
        let converted = match options.to {
            None => convert_file(world, input, options.out.as_deref(), &mut ahead, upcoming),
            Some(format) => convert_table_file(
                world,
                input,
                format,
                options.out.as_deref(),
                &ReadOptions {
                    key: options.key.clone(),
                    types: types.clone(),
                    ..ReadOptions::default()
                },
            ),
        };
        progress.advance(1);
        converted
    });
    progress.finish();

    // Rank 0 sorts the outcomes; every rank then agrees on whether the job failed.
    let mut converted = Vec::new();
    let mut failed = Vec::new();
    for item in results.unwrap_or_default() {
        match item.result {
            Ok(done) => converted.push(done),
            Err(error) => failed.push(Failed {
                input: files[item.index].clone(),
                error,
                rank: item.rank,
            }),
        }
    }
    let hosts = world.hosts();
    let place = |bad: &Failed| {
        let host = hosts.get(bad.rank).map_or("?", String::as_str);
        format!("{} [rank {} on {host}]", bad.error, bad.rank)
    };
    let verdict = if options.skip_bad && converted.is_empty() && !failed.is_empty() {
        for bad in &failed {
            eprintln!("pardata: {}", place(bad));
        }
        Err(format!(
            "none of the {} files could be converted (--skip-bad skips bad files, but fails when no file is left)",
            files.len()
        ))
    } else if failed.is_empty() || options.skip_bad {
        for bad in &failed {
            eprintln!("pardata: skipped {}", place(bad));
        }
        Ok(())
    } else {
        for bad in &failed {
            eprintln!("pardata: {}", place(bad));
        }
        Err(format!(
            "{} of {} files could not be converted (the others were; --skip-bad skips bad files)",
            failed.len(),
            files.len()
        ))
    };
    world.agree(verdict)?;
    let ranks = world.all_metrics();
    Ok(ConvertSummary {
        target: match options.to {
            None => "HDF5",
            Some(Format::Parquet) => "Parquet",
            Some(Format::Csv) => "CSV",
            Some(Format::JsonLines) => "JSON Lines",
            Some(Format::Hdf5) => "pandas HDF5",
        },
        schedule: match options.schedule {
            Schedule::Static => "static",
            Schedule::Dynamic => "dynamic",
        },
        rows: converted.iter().map(|c| c.rows).sum(),
        bytes_in: converted.iter().map(|c| c.bytes_in).sum(),
        converted,
        skipped: failed,
        seconds: started.elapsed().as_secs_f64(),
        ranks,
    })
}

/// The frame's path for an input: the same name with the extension `.h5`, beside it or in
/// `out`.
pub fn output_path(input: &Path, out: Option<&Path>) -> PathBuf {
    let beside = input.with_extension("h5");
    match (out, beside.file_name()) {
        (Some(out), Some(name)) => out.join(name),
        _ => beside,
    }
}

/// The output of a table conversion: the input's name without its format's extensions
/// (`.csv.gz`), with `format`'s, beside it or in `out`.
pub fn table_output_path(input: &Path, format: Format, out: Option<&Path>) -> PathBuf {
    let file = format!("{}.{}", table::pieces::stem(input), format.extension());
    match out {
        Some(out) => out.join(file),
        None => input.with_file_name(file),
    }
}

/// The table files of `paths` to convert to `format`: each file as given, each folder's
/// files of the data layer's formats, by name; when the outputs go beside the inputs (no
/// `--out`), a folder's files already in `format` are outputs of an earlier run and are
/// left out. Two inputs with the same output, or an output that is an input, are an
/// error naming both.
fn expand_tables(
    paths: &[PathBuf],
    format: Format,
    out: Option<&Path>,
) -> Result<Vec<PathBuf>, String> {
    let files = list_tables(paths, out.is_none().then_some(format))?;
    let canonical = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let inputs: std::collections::BTreeMap<PathBuf, &PathBuf> =
        files.iter().map(|f| (canonical(f), f)).collect();
    let mut outputs: std::collections::BTreeMap<PathBuf, &PathBuf> = Default::default();
    for input in &files {
        let output = table_output_path(input, format, out);
        let key = canonical(&output);
        if let Some(same) = inputs.get(&key) {
            return Err(format!(
                "{}: converting {} would overwrite it (give --out DIR, or leave it out)",
                same.display(),
                input.display()
            ));
        }
        if let Some(other) = outputs.insert(key, input) {
            return Err(format!(
                "{} and {} would both be written to {} (convert them into different --out folders)",
                other.display(),
                input.display(),
                output.display()
            ));
        }
    }
    Ok(files)
}

/// The table files of `paths` (see [`expand_tables`]), leaving a folder's files of
/// `skip` out.
fn list_tables(paths: &[PathBuf], skip: Option<Format>) -> Result<Vec<PathBuf>, String> {
    table::files_of(paths, skip).map_err(|problem| match problem {
        table::PathProblem::List(path, e) => format!("cannot list {}: {e}", path.display()),
        table::PathProblem::Empty(path) => format!(
            "{}: no tables to convert (*.csv, *.tsv, *.jsonl, *.ndjson, *.json, *.parquet) in this folder",
            path.display()
        ),
        table::PathProblem::Missing(path) => {
            format!("{}: no such file or folder", path.display())
        }
    })
}

/// Converts one table file to `format` on this rank.
fn convert_table_file(
    world: &World,
    input: &Path,
    format: Format,
    out: Option<&Path>,
    read_options: &ReadOptions,
) -> Result<Converted, ConvertError> {
    fault::checkpoint(world.rank(), "convert")?;
    let output = table_output_path(input, format, out);
    // Read and written a batch at a time: the memory of one batch, whatever the file's size.
    let written = world.time(Activity::Io, "convert table", || {
        table::consume(input, read_options, |batches| {
            table::write::write_batches(batches, &output, format)
        })
    })?;
    Ok(Converted {
        input: input.to_path_buf(),
        rows: written.rows,
        bytes_in: std::fs::metadata(input).map(|m| m.len()).unwrap_or(0),
        bytes_out: written.bytes,
        output,
        rank: world.rank(),
        kept: false,
    })
}

/// Stock files parsed ahead on the rank's compute threads, in the order they come: their
/// paths and where their columns arrive.
#[derive(Default)]
struct Ahead {
    parsing: std::collections::VecDeque<(
        PathBuf,
        std::sync::mpsc::Receiver<Result<StockColumns, TableError>>,
    )>,
}

impl Ahead {
    /// Starts parsing the first of `upcoming` (this rank's next files, in order) that are
    /// not in flight yet, so that as many are in flight as the rank has compute threads,
    /// where it has two or more (with one, parsing ahead would take a second core).
    fn top_up(&mut self, upcoming: &[&PathBuf]) {
        let threads = rayon::current_num_threads();
        if threads < 2 {
            return;
        }
        for path in upcoming {
            if self.parsing.len() >= threads {
                break;
            }
            if self.parsing.iter().any(|(parsing, _)| parsing == *path) {
                continue;
            }
            let (sender, receiver) = std::sync::mpsc::sync_channel(1);
            let owned = path.to_path_buf();
            rayon::spawn(move || drop(sender.send(read_stock_json(&owned))));
            self.parsing.push_back((path.to_path_buf(), receiver));
        }
    }

    /// The columns of `path`: those parsed ahead when the first in flight are this file's,
    /// else parsed now.
    fn columns(&mut self, path: &Path) -> Result<StockColumns, TableError> {
        match self.parsing.front() {
            Some((ahead, _)) if ahead == path => match self.parsing.pop_front() {
                Some((_, receiver)) => receiver.recv().unwrap_or_else(|_| {
                    // The thread ended without an answer (it cannot panic short of a bug).
                    read_stock_json(path)
                }),
                None => read_stock_json(path),
            },
            _ => read_stock_json(path),
        }
    }
}

/// Converts one file on this rank; `upcoming`, the files this rank converts after it, are
/// parsed ahead while this one is written.
fn convert_file(
    world: &World,
    input: &Path,
    out: Option<&Path>,
    ahead: &mut Ahead,
    upcoming: &[PathBuf],
) -> Result<Converted, ConvertError> {
    fault::checkpoint(world.rank(), "convert")?;
    let size = |path: &Path| std::fs::metadata(path).map(|m| m.len()).unwrap_or(0);
    let output = output_path(input, out);
    if up_to_date(input, &output) {
        // A frame exists only when complete (it is renamed into place), so one at least as
        // new as its input is this input's frame: a rerun keeps it and does no work.
        if let Ok(rows) = frame_rows(&output, "data") {
            return Ok(Converted {
                input: input.to_path_buf(),
                rows: rows as u64,
                bytes_in: size(input),
                bytes_out: size(&output),
                output,
                rank: world.rank(),
                kept: true,
            });
        }
    }
    let stale: Vec<&PathBuf> = upcoming
        .iter()
        .filter(|next| !up_to_date(next, &output_path(next, out)))
        .collect();
    // This file and the next ones on the compute threads (the first of a rank's files is
    // parsed beside the second), then the next ones while this one is written.
    ahead.top_up(&[&[&input.to_path_buf()], &stale[..]].concat());
    let columns = world.time(Activity::Compute, "parse json", || ahead.columns(input))?;
    ahead.top_up(&stale);
    let temporary = temporary_path(&output);
    let frame = [
        Column::DateTime64("timestamp", &columns.timestamp),
        Column::Float64("close", &columns.close),
        Column::Float64("high", &columns.high),
        Column::Float64("low", &columns.low),
        Column::Float64("open", &columns.open),
    ];
    let written = world.time(Activity::Io, "write hdf5", || {
        write_frame(&temporary, "data", &frame)
            .map_err(ConvertError::from)
            .and_then(|()| {
                std::fs::rename(&temporary, &output).map_err(|source| ConvertError::Rename {
                    path: output.clone(),
                    source,
                })
            })
    });
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error);
    }
    Ok(Converted {
        input: input.to_path_buf(),
        rows: columns.timestamp.len() as u64,
        bytes_in: size(input),
        bytes_out: size(&output),
        output,
        rank: world.rank(),
        kept: false,
    })
}

/// The columns of one stock file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StockColumns {
    /// Nanoseconds since 1970-01-01 00:00:00.
    pub timestamp: Vec<i64>,
    /// Close prices; NaN where the record has `null` or no price.
    pub close: Vec<f64>,
    /// High prices, as close.
    pub high: Vec<f64>,
    /// Low prices, as close.
    pub low: Vec<f64>,
    /// Open prices, as close.
    pub open: Vec<f64>,
}

/// The stock records' columns in the frame's order.
const STOCK_COLUMNS: [&str; 5] = ["timestamp", "close", "high", "low", "open"];

/// The schema of the stock records: a timestamp on every line, prices that may be
/// missing.
pub fn stock_schema() -> SchemaRef {
    let time = DataType::Timestamp(TimeUnit::Nanosecond, None);
    let fields = STOCK_COLUMNS.map(|name| match name {
        "timestamp" => Field::new(name, time.clone(), false),
        price => Field::new(price, DataType::Float64, true),
    });
    Arc::new(Schema::new(fields.to_vec()))
}

/// Reads the stock records of the JSON Lines file at `path` (keys `timestamp`, `close`,
/// `high`, `low`, `open` in any order) with the data layer, given their schema
/// ([`table::jsonl::open_with_schema`]): a missing or `null` price is NaN, as pandas reads
/// it; a line without its timestamp, with another key, or a file without records is an
/// error naming the file (and the line).
pub fn read_stock_json(path: &Path) -> Result<StockColumns, TableError> {
    let mut columns = StockColumns::default();
    for batch in table::jsonl::open_with_schema(path, stock_schema())? {
        let batch = batch?;
        let times = batch.column(0).as_primitive::<TimestampNanosecondType>();
        columns.timestamp.extend_from_slice(times.values());
        let prices = [
            &mut columns.close,
            &mut columns.high,
            &mut columns.low,
            &mut columns.open,
        ];
        for (column, prices) in batch.columns()[1..].iter().zip(prices) {
            let column = column.as_primitive::<Float64Type>();
            match column.nulls() {
                None => prices.extend_from_slice(column.values()),
                Some(_) => prices.extend(column.iter().map(|p| p.unwrap_or(f64::NAN))),
            }
        }
    }
    if columns.timestamp.is_empty() {
        return Err(TableError::Malformed {
            path: path.to_path_buf(),
            detail: "no records (the file is empty)".to_string(),
        });
    }
    Ok(columns)
}

/// Whether `output` exists and was last written no earlier than `input`.
fn up_to_date(input: &Path, output: &Path) -> bool {
    let modified = |path: &Path| std::fs::metadata(path).and_then(|m| m.modified()).ok();
    matches!((modified(input), modified(output)), (Some(i), Some(o)) if o >= i)
}
