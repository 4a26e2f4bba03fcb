//! `pardata stats`: the tutorial's dataframe and group-by lessons on the minute bars that
//! `prep` writes, computed with [`crate::patterns::bag::Bag`]: the daily mean close of a
//! symbol over a year, the year's highest high and when it happened, the same over all
//! years, hourly bins of the close (a resample), the number of bars per (symbol, year)
//! counted with `group_by`, with `fold_by` and with the planner's choice (`aggregate_by`),
//! timed (combining before the shuffle wins), and the five highest closes with `top_k`
//! against a full sort (timed); `--plot` draws the daily means as SVG.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::{Deserialize, Serialize};

use crate::patterns::bag::Bag;
use crate::report::plot::line_chart_svg;
use crate::runtime::{fault, JobFailure, World};
use crate::table::{columns, csv, ReadOptions};
use arrow::datatypes::DataType;

/// What to compute.
#[derive(Debug, Clone)]
pub struct StatsOptions {
    /// The folder `prep` wrote (with `minute/<sym>/<date>.csv`).
    pub folder: PathBuf,
    pub symbol: String,
    pub year: u32,
    /// Where to draw the daily means (SVG), if anywhere.
    pub plot: Option<PathBuf>,
}

/// One bar of a minute file, as the lessons use it.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Row {
    /// The trading day, as in the file (YYYY-MM-DD).
    pub date: String,
    /// Minutes since midnight.
    pub minute: u32,
    pub close: f64,
    pub high: f64,
}

/// A day and its mean close.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct DailyMean {
    pub date: String,
    pub mean_close: f64,
}

/// When a high happened.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct Peak {
    pub timestamp: String,
    pub high: f64,
}

/// The answers of `stats`.
#[derive(Debug, Serialize)]
pub struct StatsSummary {
    pub symbol: String,
    pub year: u32,
    pub daily_means: Vec<DailyMean>,
    pub year_high: Option<Peak>,
    pub all_time_high: Option<Peak>,
    pub hourly_bins: usize,
    pub hourly_first: Vec<(String, f64)>,
    pub bars_per_symbol_year: Vec<((String, u32), u64)>,
    pub top_closes: Vec<f64>,
    #[serde(skip)]
    pub seconds: StatsSeconds,
}

/// How long the compared ways took (not in the JSON, which is the same at every rank count).
#[derive(Debug, Default)]
pub struct StatsSeconds {
    pub group_by_count: f64,
    pub fold_by_count: f64,
    pub planned_count: f64,
    /// What the planner chose for the third count, and why.
    pub planner_choice: String,
    pub top_k: f64,
    pub full_sort: f64,
}

impl fmt::Display for StatsSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (s, y) = (&self.symbol, self.year);
        writeln!(f, "{s} in {y}: {} trading days", self.daily_means.len())?;
        if let (Some(first), Some(last)) = (self.daily_means.first(), self.daily_means.last()) {
            writeln!(
                f,
                "  daily mean close: {} {:.3} .. {} {:.3}",
                first.date, first.mean_close, last.date, last.mean_close
            )?;
        }
        if let Some(peak) = &self.year_high {
            writeln!(
                f,
                "  highest high of {y}: {:.3} at {}",
                peak.high, peak.timestamp
            )?;
        }
        if let Some(peak) = &self.all_time_high {
            writeln!(
                f,
                "  highest high of all years: {:.3} at {}",
                peak.high, peak.timestamp
            )?;
        }
        writeln!(
            f,
            "  hourly mean close: {} hourly bins, first {:?}",
            self.hourly_bins, self.hourly_first
        )?;
        writeln!(f, "  five highest closes of {y}: {:?}", self.top_closes)?;
        let total: u64 = self.bars_per_symbol_year.iter().map(|(_, n)| n).sum();
        writeln!(
            f,
            "bars per (symbol, year): {} groups, {total} bars",
            self.bars_per_symbol_year.len()
        )?;
        let t = &self.seconds;
        writeln!(
            f,
            "  group_by then count: {:.3} s; fold_by (combined before the shuffle): {:.3} s; \
             the planner's choice: {:.3} s ({})",
            t.group_by_count, t.fold_by_count, t.planned_count, t.planner_choice
        )?;
        write!(
            f,
            "  top 5 with top_k: {:.4} s; with a full sort: {:.4} s",
            t.top_k, t.full_sort
        )
    }
}

/// The rows of the minute file at `path`, or why it cannot be used.
fn read_rows(path: &Path) -> Result<Vec<Row>, String> {
    let text = std::fs::read(path).map_err(|e| format!("cannot read {}: {e}", path.display()))?;
    parse_rows(path, &text)
}

/// The rows of a minute file's `text` (the file at `path`), read by the data layer's CSV
/// reader ([`crate::table::csv`]), or why they cannot be used: a line that is not CSV or
/// has another number of fields than the header, a missing column, a close or high that
/// is not a number or is missing, a timestamp without hours and minutes.
pub fn parse_rows(path: &Path, text: &[u8]) -> Result<Vec<Row>, String> {
    let options = ReadOptions {
        // The lessons' types, whatever the first rows look like: a price that is not a
        // number is an error naming its line and column.
        types: vec![
            ("timestamp".to_string(), DataType::Utf8),
            ("close".to_string(), DataType::Float64),
            ("high".to_string(), DataType::Float64),
        ],
        ..ReadOptions::default()
    };
    // The columns the types are given for must be there (else the data layer would speak
    // of a --schema the user never gave).
    let header = text.split(|&b| b == b'\n').next().unwrap_or_default();
    let header = String::from_utf8_lossy(header);
    let names: Vec<&str> = header.trim_end().split(',').collect();
    if let Some((missing, _)) = options
        .types
        .iter()
        .find(|(n, _)| !names.contains(&n.as_str()))
    {
        return Err(format!(
            "{}: no column {missing:?} (the columns are: {}; a minute file has timestamp,close,high,low,open)",
            path.display(),
            names.join(", ")
        ));
    }
    let table = csv::read_text(path, text.into(), &options).map_err(|e| e.to_string())?;
    let stamps = columns::texts(&table, "timestamp").map_err(|e| e.to_string())?;
    let close = columns::numbers(&table, "close").map_err(|e| e.to_string())?;
    let high = columns::numbers(&table, "high").map_err(|e| e.to_string())?;
    let mut rows = Vec::with_capacity(stamps.len());
    for (row, (stamp, (&close, &high))) in stamps.iter().zip(close.iter().zip(&high)).enumerate() {
        // The header is line 1, and a minute file has no blank lines and no line breaks
        // inside fields.
        let bad = |what: &str| format!("{}: line {}: {what}", path.display(), row + 2);
        let (date, time) = stamp
            .split_once(' ')
            .ok_or_else(|| bad("timestamp without a time"))?;
        let mut clock = time.split(':').map(|p| p.parse::<u32>());
        let minute = match (clock.next(), clock.next()) {
            (Some(Ok(h)), Some(Ok(m))) if h < 24 && m < 60 => h * 60 + m,
            _ => return Err(bad("timestamp without hours and minutes")),
        };
        if !close.is_finite() || !high.is_finite() {
            return Err(bad("a close or high that is missing or not finite"));
        }
        rows.push(Row {
            date: date.to_string(),
            minute,
            close,
            high,
        });
    }
    Ok(rows)
}

/// Every minute file under `folder/minute`, as (symbol, year, path), by symbol then date.
fn minute_files(folder: &Path) -> Result<Vec<(String, u32, PathBuf)>, String> {
    let root = folder.join("minute");
    let list = |dir: &Path| -> Result<Vec<PathBuf>, String> {
        let mut paths: Vec<PathBuf> = std::fs::read_dir(dir)
            .map_err(|e| format!("cannot list {}: {e}", dir.display()))?
            .filter_map(|e| e.ok().map(|e| e.path()))
            .collect();
        paths.sort();
        Ok(paths)
    };
    let mut files = Vec::new();
    for symbol_dir in list(&root)?.into_iter().filter(|p| p.is_dir()) {
        let symbol = symbol_dir
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        for path in list(&symbol_dir)?
            .into_iter()
            .filter(|p| p.extension().is_some_and(|e| e == "csv"))
        {
            let year = path
                .file_stem()
                .and_then(|s| s.to_str()?.get(..4)?.parse().ok())
                .unwrap_or(0);
            files.push((symbol.clone(), year, path));
        }
    }
    if files.is_empty() {
        return Err(format!(
            "{}: no minute files (run pardata prep --out {} first)",
            root.display(),
            folder.display()
        ));
    }
    Ok(files)
}

/// The rows of `files`, read where they fall; a bad file fails every rank together.
fn rows_of(world: &World, files: Vec<PathBuf>) -> Result<Vec<Row>, JobFailure> {
    let read = Bag::from_sources(world, files, |path| read_rows(path)).collect_all();
    let first_error = read.iter().find_map(|r| r.as_ref().err().cloned());
    match first_error {
        Some(error) => world.fail_together(error),
        None => Ok(read
            .into_iter()
            .flat_map(|r| r.unwrap_or_default())
            .collect()),
    }
}

/// A price in exact thousandths (the files hold three decimals), so that sums do not depend
/// on the order partial sums meet in, and means are the same at every rank count.
fn thousandths(price: f64) -> i64 {
    (price * 1000.0).round() as i64
}

/// The mean of `n` prices summed in thousandths.
fn mean(sum: i64, n: u64) -> f64 {
    sum as f64 / 1000.0 / n as f64
}

/// Answers the lessons' questions (a collective: every rank calls it).
pub fn stats(world: &World, options: &StatsOptions) -> Result<StatsSummary, JobFailure> {
    let files = world.agree(minute_files(&options.folder))?;
    world.agree(fault::checkpoint(world.rank(), "stats"))?;
    let (symbol, year) = (options.symbol.clone(), options.year);
    let of_symbol: Vec<PathBuf> = files
        .iter()
        .filter(|(s, _, _)| *s == symbol)
        .map(|(_, _, p)| p.clone())
        .collect();
    if of_symbol.is_empty() {
        return world.fail_together(format!(
            "{}: no minute files for the symbol '{symbol}'",
            options.folder.display()
        ));
    }
    let all_years = rows_of(world, of_symbol)?;
    let year_text = format!("{year:04}-");
    let in_year: Vec<Row> = all_years
        .iter()
        .filter(|r| r.date.starts_with(&year_text))
        .cloned()
        .collect();

    // Every rank holds the rows read above; the bags below each take their block of them.
    let daily_means = Bag::from_vec(world, in_year.clone())
        .fold_by(
            |r| r.date.clone(),
            || (0i64, 0u64),
            |(sum, n), r| (sum + thousandths(r.close), n + 1),
            |a, b| (a.0 + b.0, a.1 + b.1),
        )
        .map(|(date, (sum, n))| DailyMean {
            date,
            mean_close: mean(sum, n),
        })
        .collect_all();
    let peak = |r: Row| Peak {
        timestamp: format!("{} {:02}:{:02}:00", r.date, r.minute / 60, r.minute % 60),
        high: r.high,
    };
    let year_high = Bag::from_vec(world, in_year.clone())
        .max_by(|r| r.high)
        .map(peak);
    let all_time_high = Bag::from_vec(world, all_years).max_by(|r| r.high).map(peak);
    let hourly = Bag::from_vec(world, in_year.clone())
        .fold_by(
            |r| format!("{} {:02}:00", r.date, r.minute / 60),
            || (0i64, 0u64),
            |(sum, n), r| (sum + thousandths(r.close), n + 1),
            |a, b| (a.0 + b.0, a.1 + b.1),
        )
        .map(|(bin, (sum, n))| (bin, mean(sum, n)))
        .collect_all();

    let started = Instant::now();
    let top_closes = Bag::from_vec(world, in_year.clone())
        .map(|r| r.close)
        .top_k(5, |c| *c);
    let top_k = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let mut sorted = Bag::from_vec(world, in_year).map(|r| r.close).collect_all();
    sorted.sort_by(|a, b| b.total_cmp(a));
    sorted.truncate(5);
    let full_sort = started.elapsed().as_secs_f64();

    // Bars per (symbol, year), over every file: two ways, timed.
    let counted = Bag::from_sources(world, files.clone(), |(s, y, path)| {
        read_rows(path).map(|rows| ((s.clone(), *y), rows.len() as u64))
    })
    .collect_all();
    if let Some(error) = counted.iter().find_map(|r| r.as_ref().err().cloned()) {
        return world.fail_together(error);
    }
    let per_file: Vec<((String, u32), u64)> = counted.into_iter().filter_map(Result::ok).collect();
    let rows_per_key: Vec<(String, u32)> = per_file
        .iter()
        .flat_map(|(key, n)| std::iter::repeat_n(key.clone(), *n as usize))
        .collect();
    let started = Instant::now();
    let grouped: Vec<((String, u32), u64)> = Bag::from_vec(world, rows_per_key.clone())
        .group_by(|k| k.clone())
        .map(|(k, v)| (k, v.len() as u64))
        .collect_all();
    let group_by_count = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let folded = Bag::from_vec(world, rows_per_key.clone())
        .fold_by(|k| k.clone(), || 0u64, |n, _| n + 1, |a, b| a + b)
        .collect_all();
    let fold_by_count = started.elapsed().as_secs_f64();
    let started = Instant::now();
    let planned_bag = Bag::from_vec(world, rows_per_key).aggregate_by(
        |k| k.clone(),
        || 0u64,
        |n, _| n + 1,
        |a, b| a + b,
    );
    let plan = planned_bag.plan_log();
    let planned = planned_bag.collect_all();
    let planned_count = started.elapsed().as_secs_f64();
    let agreed = if grouped != folded || planned != folded {
        Err("group_by, fold_by and aggregate_by counted differently".to_string())
    } else if sorted != top_closes {
        Err("top_k and the full sort disagree".to_string())
    } else {
        Ok(())
    };
    world.agree(agreed)?;

    if let Some(path) = &options.plot {
        let points: Vec<(String, f64)> = daily_means
            .iter()
            .map(|d| (d.date.clone(), d.mean_close))
            .collect();
        let title = format!("{} daily mean close, {}", options.symbol, options.year);
        world.on_root(|| line_chart_svg(path, &title, &points))?;
    }
    Ok(StatsSummary {
        symbol,
        year,
        daily_means,
        year_high,
        all_time_high,
        hourly_bins: hourly.len(),
        hourly_first: hourly.into_iter().take(3).collect(),
        bars_per_symbol_year: folded,
        top_closes,
        seconds: StatsSeconds {
            group_by_count,
            fold_by_count,
            planned_count,
            planner_choice: plan.to_string(),
            top_k,
            full_sort,
        },
    })
}
