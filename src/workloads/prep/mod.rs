//! `pardata prep`: the tutorial's stock dataset, generated offline from a seed (and, with
//! `--taxi`, a month of taxi trips: [`taxi`]; with `--events`, a day of GitHub events:
//! [`events`]).
//!
//! Writes `OUT/minute/<sym>/<YYYY-MM-DD>.csv` (one file per symbol and trading day),
//! `OUT/json/<sym>.json` (JSON Lines of each symbol's last `--json-days` days) and
//! `OUT/daily/<sym>.csv` (each symbol's daily open, high, low and close: the prices the
//! tutorial downloaded, from which the minute bars are made), in the formats of
//! [`crate::io::stock`]. The daily prices come from [`model`], the intraday bars
//! from [`intraday`], the days from [`calendar`].
//!
//! Parallel shape: the (symbol, day) items, symbol by symbol, are cut into one contiguous
//! block per rank, balanced by weight. A symbol's JSON and daily files are written by the rank that
//! owns the symbol's last day, which also generates the JSON days it does not own (every
//! item's randomness derives from the seed and the item, so any rank can produce any item
//! identically): the tree is byte-identical at every rank count. Each file is written to a
//! temporary name and renamed; a file that already holds the right bytes is kept.

pub mod calendar;
pub mod events;
pub mod intraday;
pub mod model;
pub mod symbols;
pub mod taxi;

use std::fmt;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::io::atomic::{write_if_changed, Written};
use crate::io::stock::{push_csv, push_daily_csv, push_json_lines, Day};
use crate::patterns::partition::weighted_blocks;
use crate::runtime::fault::{self, InjectedFault};
use crate::runtime::progress::Progress;
use crate::runtime::{Activity, JobFailure, RankMetrics, World};

/// Work units of one CSV day (generate and write) and of one JSON day (format, and
/// generate when the day belongs to another rank), measured relative to each other.
const CSV_DAY_WEIGHT: u64 = 2;
const JSON_DAY_WEIGHT: u64 = 3;

/// What to generate.
#[derive(Debug, Clone)]
pub struct PrepOptions {
    pub out: PathBuf,
    pub seed: u64,
    pub symbols: Vec<String>,
    /// The last `days` trading days of the tutorial's span (more extend it forward).
    pub days: usize,
    pub json_days: usize,
    pub freq_seconds: u32,
}

/// An error of one rank while generating (any of the datasets).
#[derive(Debug, thiserror::Error)]
pub enum PrepError {
    #[error("cannot create folder {}: {source}", path.display())]
    Folder {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("cannot write {}: {source}", path.display())]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
    /// A table file ([`taxi`]) that could not be written.
    #[error(transparent)]
    Table(#[from] crate::table::TableError),
    #[error(transparent)]
    Fault(#[from] InjectedFault),
}

/// What one rank did; summed over ranks for the summary.
#[derive(Debug, Default, Clone, Copy, Serialize, serde::Deserialize)]
pub struct PrepCounts {
    pub csv_files: u64,
    pub json_files: u64,
    pub daily_files: u64,
    pub written: u64,
    pub kept: u64,
    pub csv_rows: u64,
    pub json_lines: u64,
    pub bytes: u64,
}

impl PrepCounts {
    fn add(self, other: PrepCounts) -> PrepCounts {
        PrepCounts {
            csv_files: self.csv_files + other.csv_files,
            json_files: self.json_files + other.json_files,
            daily_files: self.daily_files + other.daily_files,
            written: self.written + other.written,
            kept: self.kept + other.kept,
            csv_rows: self.csv_rows + other.csv_rows,
            json_lines: self.json_lines + other.json_lines,
            bytes: self.bytes + other.bytes,
        }
    }

    fn file(&mut self, written: Written, bytes: usize) {
        match written {
            Written::Written => self.written += 1,
            Written::Kept => self.kept += 1,
        }
        self.bytes += bytes as u64;
    }
}

/// The result of `prep`, printed as one line or as JSON.
#[derive(Debug, Serialize)]
pub struct PrepSummary {
    pub out: PathBuf,
    pub symbols: usize,
    pub days: usize,
    pub json_days: usize,
    pub first_day: String,
    pub last_day: String,
    #[serde(flatten)]
    pub counts: PrepCounts,
    pub seconds: f64,
    pub ranks: Vec<RankMetrics>,
}

impl fmt::Display for PrepSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counts;
        write!(
            f,
            "prep: {} CSV files ({} rows), {} JSON files ({} lines) and {} daily files for {} \
             symbols, {} .. {}, in {}: {:.1} MB, {} written, {} already complete; {:.2} s on {} rank{}",
            c.csv_files,
            c.csv_rows,
            c.json_files,
            c.json_lines,
            c.daily_files,
            self.symbols,
            self.first_day,
            self.last_day,
            self.out.display(),
            c.bytes as f64 / 1e6,
            c.written,
            c.kept,
            self.seconds,
            self.ranks.len(),
            if self.ranks.len() == 1 { "" } else { "s" },
        )
    }
}

/// The shared plan every rank derives from the options.
struct Plan<'a> {
    options: &'a PrepOptions,
    factors: model::Factors,
    /// The output days, in order; day d is day `first_model_day + d` of the model.
    dates: Vec<chrono::NaiveDate>,
    first_model_day: usize,
    json_days: usize,
}

impl Plan<'_> {
    fn weight(&self, day: usize) -> u64 {
        let json = if day == self.dates.len() - 1 {
            self.json_days as u64 * JSON_DAY_WEIGHT
        } else {
            0
        };
        CSV_DAY_WEIGHT + json
    }
}

/// Generates the dataset (a collective: every rank calls it).
pub fn prep(world: &World, options: &PrepOptions) -> Result<PrepSummary, JobFailure> {
    let started = Instant::now();
    world.agree(create_folder(&options.out))?;
    let model_len = options.days.max(calendar::SPAN_DAYS);
    let calendar = calendar::trading_days_from_2010(model_len);
    let first_model_day = model_len - options.days;
    let plan = Plan {
        options,
        factors: world.time(Activity::Compute, "market factors", || {
            model::Factors::new(options.seed, model_len)
        }),
        dates: calendar[first_model_day..].to_vec(),
        first_model_day,
        json_days: options.json_days.min(options.days),
    };
    let days = options.days;
    let items = options.symbols.len() * days;
    let weights = (0..items).map(|i| plan.weight(i % days));
    let total: u64 = weights.clone().sum();
    let mine = weighted_blocks(weights, world.size()).swap_remove(world.rank());

    let mut progress = world.progress("prep", Some(total));
    let outcome = generate_share(world, &plan, mine, &mut progress);
    progress.finish();
    let counts = world.agree(outcome)?;

    let counts = world
        .all_gather(&counts)
        .into_iter()
        .fold(PrepCounts::default(), PrepCounts::add);
    Ok(PrepSummary {
        out: options.out.clone(),
        symbols: options.symbols.len(),
        days,
        json_days: plan.json_days,
        first_day: plan.dates[0].to_string(),
        last_day: plan.dates[days - 1].to_string(),
        counts,
        seconds: started.elapsed().as_secs_f64(),
        ranks: world.all_metrics(),
    })
}

pub(crate) fn create_folder(path: &Path) -> Result<(), PrepError> {
    fs::create_dir_all(path).map_err(|source| PrepError::Folder {
        path: path.to_path_buf(),
        source,
    })
}

/// This rank's items: CSV days in `items` (indices symbol * days + day), and the JSON and
/// daily files of each symbol whose last day is among them.
fn generate_share(
    world: &World,
    plan: &Plan<'_>,
    items: std::ops::Range<usize>,
    progress: &mut Progress<'_>,
) -> Result<PrepCounts, PrepError> {
    let options = plan.options;
    let days = options.days;
    let bars_per_day = intraday::bars_per_day(options.freq_seconds);
    let mut counts = PrepCounts::default();
    let (mut walk, mut bars, mut csv) = (Vec::new(), Vec::new(), Vec::new());
    let first_symbol = items.start / days;
    let last_symbol = items.end.div_ceil(days);
    for (s, symbol) in options
        .symbols
        .iter()
        .enumerate()
        .take(last_symbol)
        .skip(first_symbol)
    {
        let begin = items.start.max(s * days) - s * days;
        let end = items.end.min((s + 1) * days) - s * days;
        let writes_json = end == days && begin < end;
        let json_start = days - plan.json_days;
        let start = if writes_json {
            begin.min(json_start)
        } else {
            begin
        };
        if start >= end {
            continue;
        }
        let folder = options.out.join("minute").join(symbol);
        world.time(Activity::Io, "create folders", || create_folder(&folder))?;
        let daily = world.time(Activity::Compute, "daily prices", || {
            plan.factors.daily_bars(symbol)
        });
        let mut json = Vec::new();
        for d in start..end {
            let (wants_csv, wants_json) = (d >= begin, writes_json && d >= json_start);
            if !wants_csv && !wants_json {
                continue;
            }
            fault::checkpoint(world.rank(), "prep")?;
            let date = plan.dates[d];
            world.time(Activity::Compute, "intraday bars", || {
                let mut rng = model::stream(options.seed, "intraday", symbol, date_key(date));
                intraday::day_bars(
                    daily[plan.first_model_day + d],
                    options.freq_seconds,
                    &mut rng,
                    &mut walk,
                    &mut bars,
                );
            });
            let day = Day {
                date,
                freq_seconds: options.freq_seconds,
                bars: &bars,
            };
            let mut units = 0;
            if wants_csv {
                csv.clear();
                world.time(Activity::Compute, "format csv", || push_csv(&mut csv, day));
                let path = folder.join(format!("{date}.csv"));
                let written = world
                    .time(Activity::Io, "write csv", || write_if_changed(&path, &csv))
                    .map_err(|source| PrepError::Write { path, source })?;
                counts.file(written, csv.len());
                counts.csv_files += 1;
                counts.csv_rows += bars_per_day as u64;
                units += CSV_DAY_WEIGHT;
            }
            if wants_json {
                world.time(Activity::Compute, "format json", || {
                    push_json_lines(&mut json, day)
                });
                counts.json_lines += bars_per_day as u64;
                units += JSON_DAY_WEIGHT;
            }
            progress.advance(units);
        }
        if writes_json {
            let mut daily_csv = Vec::new();
            let output_days = plan
                .dates
                .iter()
                .copied()
                .zip(daily[plan.first_model_day..].iter().copied());
            world.time(Activity::Compute, "format daily", || {
                push_daily_csv(&mut daily_csv, output_days)
            });
            let json_path = options.out.join("json").join(format!("{symbol}.json"));
            let daily_path = options.out.join("daily").join(format!("{symbol}.csv"));
            for (path, bytes) in [(json_path, &json), (daily_path, &daily_csv)] {
                counts.file(write_symbol_file(world, &path, bytes)?, bytes.len());
            }
            counts.json_files += 1;
            counts.daily_files += 1;
        }
    }
    Ok(counts)
}

/// Writes one of a symbol's whole-span files, creating its folder.
fn write_symbol_file(world: &World, path: &Path, bytes: &[u8]) -> Result<Written, PrepError> {
    if let Some(folder) = path.parent() {
        world.time(Activity::Io, "create folders", || create_folder(folder))?;
    }
    world
        .time(Activity::Io, "write symbol file", || {
            write_if_changed(path, bytes)
        })
        .map_err(|source| PrepError::Write {
            path: path.to_path_buf(),
            source,
        })
}

/// The key of a day in the random streams: days since 0001-01-01.
fn date_key(date: chrono::NaiveDate) -> u64 {
    use chrono::Datelike;
    date.num_days_from_ce() as u64
}
