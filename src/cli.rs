//! The command-line contract: clap definitions of every subcommand, and their
//! translation into the workloads' tasks. Everything here runs before MPI starts, so a bad
//! option ends the program at once, on every rank, with clap's message.
//!
//! The `///` comments of the argument structs are the commands' help text, written for a
//! terminal (`minute/<sym>/<date>.csv`), not rustdoc markup.
#![allow(rustdoc::invalid_html_tags, rustdoc::broken_intra_doc_links)]

use std::path::PathBuf;

use clap::error::ErrorKind;
use clap::{Args, CommandFactory, Parser, Subcommand, ValueEnum};

use crate::patterns::map::Schedule;
use crate::table::Format as TableFormat;
use crate::workloads::bench::OverheadOptions;
use crate::workloads::convert::ConvertOptions;
use crate::workloads::correlate::kernel::{Method, Rule};
use crate::workloads::correlate::layout::{Columns, Layout};
use crate::workloads::correlate::{CorrelateOptions, Engine, Precision};
use crate::workloads::cvsearch::shards::Shard;
use crate::workloads::cvsearch::{CvsearchOptions, Grid, Part};
use crate::workloads::doctor::DoctorOptions;
use crate::workloads::job::{Job, JobFile, Step};
use crate::workloads::prep::events::{self, EventsOptions};
use crate::workloads::prep::taxi::{self, TaxiOptions};
use crate::workloads::prep::{intraday, symbols, PrepOptions};
use crate::workloads::sql::SqlOptions;
use crate::workloads::stats::StatsOptions;
use crate::workloads::tuning::TuningOptions;
use crate::workloads::{Settings, Task};

/// Parallel data analysis on MPI: the same program on every rank (`mpirun -n 4 pardata ...`,
/// `srun pardata ...`, or a plain `pardata ...` as one rank).
#[derive(Debug, Parser)]
#[command(name = "pardata", version, propagate_version = true)]
pub struct Cli {
    #[command(flatten)]
    pub global: GlobalArgs,
    #[command(subcommand)]
    pub command: Command,
}

/// Flags every subcommand takes.
#[derive(Debug, Args)]
pub struct GlobalArgs {
    /// How results are printed on stdout (by rank 0)
    #[arg(long, global = true, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Show no progress
    #[arg(long, short, global = true)]
    pub quiet: bool,
    /// Write every rank's spans as a Chrome trace (open it in Perfetto or chrome://tracing)
    #[arg(long, global = true, value_name = "FILE.json")]
    pub trace: Option<PathBuf>,
    /// Write a self-contained HTML report of where the time went (per rank, timeline, diagnosis)
    #[arg(long, global = true, value_name = "FILE.html")]
    pub report: Option<PathBuf>,
    /// Write a CPU flame graph per rank into this folder (rank-N.svg)
    #[arg(long, global = true, value_name = "DIR")]
    pub profile: Option<PathBuf>,
    /// Stop the job when a rank has waited this long in one exchange (a lost host or link)
    #[arg(long, global = true, value_name = "SECONDS", env = "PARDATA_STALL_TIMEOUT",
          value_parser = clap::value_parser!(u64).range(1..))]
    pub stall_timeout: Option<u64>,
    /// Compute threads per rank (default: this host's cores shared out among its ranks)
    #[arg(long, global = true, value_name = "N", env = "PARDATA_THREADS",
          value_parser = clap::value_parser!(u64).range(1..1025))]
    pub threads: Option<u64>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Text,
    Json,
    /// CSV rows (`sql` only)
    Csv,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Generate the tutorial's stock dataset (minute bars as CSV, JSON Lines per symbol)
    Prep(PrepArgs),
    /// Convert JSON Lines stock files to HDF5 frames that pandas reads (`<name>.h5` beside each)
    Convert(ConvertArgs),
    /// Find the best-correlated pairs of series among HDF5 frames (each file one series)
    Correlate(CorrelateArgs),
    /// The dataframe and group-by lessons on prep's minute bars (built on Bag)
    Stats(StatsArgs),
    /// Cross-validated search of an RBF SVM's C, gamma and tol on the digits, with the landscape plot
    Cvsearch(CvsearchArgs),
    /// Measure pardata itself
    #[command(subcommand)]
    Bench(BenchCommand),
    /// Run the steps of a job file in order
    Run(RunArgs),
    /// Show the MPI library, the launcher, where every rank runs, and what looks wrong
    Doctor(DoctorArgs),
    /// Answer a SQL query over CSV, JSON Lines, Parquet or HDF5 files, on every rank together
    Sql(SqlArgs),
}

/// `pardata sql`.
#[derive(Debug, Args)]
#[command(
    after_help = "FROM takes a file, a folder, a glob ('trips/*.parquet') or \
read_csv('t.csv', header = false, delim = ';'). Functions: count(*), count([DISTINCT] x), \
sum, avg, min, max, stddev, variance, first, last; year, month, day, hour, minute, \
dayofweek, weekday, date, date_trunc('hour', t), \
time_bucket(INTERVAL '15 minutes', t), coalesce, starts_with, round(x, digits), abs, CAST, \
LIKE, BETWEEN, IN."
)]
pub struct SqlArgs {
    /// The query: SELECT ... FROM 'file' [WHERE] [GROUP BY] [HAVING] [ORDER BY] [LIMIT]
    pub query: String,
    /// Write the rows to this file (.parquet, .csv, .jsonl or .h5) instead of printing them
    #[arg(long, value_name = "FILE")]
    pub out: Option<PathBuf>,
    /// With --out: make it a folder of N files of equal row counts (part-00000.parquet
    /// and on, in the rows' order), each written by the rank that holds it
    #[arg(long, value_name = "N", requires = "out", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub partitions: Option<u32>,
    /// Print the plan's stages and exchanges, do not run it
    #[arg(long)]
    pub explain: bool,
}

#[derive(Debug, Args)]
pub struct DoctorArgs {
    /// Also check this hostfile (Open MPI's format, or MPICH's host:N) before a run uses it
    #[arg(long, value_name = "FILE")]
    pub hostfile: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct StatsArgs {
    /// The folder prep wrote (holding minute/<sym>/<date>.csv)
    pub folder: PathBuf,
    /// The symbol of the daily, yearly and hourly questions
    #[arg(long, default_value = "aet")]
    pub symbol: String,
    /// The year of the daily and hourly questions
    #[arg(long, default_value_t = 2014)]
    pub year: u32,
    /// Draw the daily mean close of the year as an SVG file
    #[arg(long, value_name = "FILE.svg")]
    pub plot: Option<PathBuf>,
}

#[derive(Debug, Args)]
pub struct CvsearchArgs {
    /// Samples as CSV (features, then an integer label; .gz allowed) [default: the built-in digits]
    #[arg(long, value_name = "FILE")]
    pub data: Option<PathBuf>,
    /// Candidates drawn from the random grid
    #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u32).range(1..=4_008_004))]
    pub samples: u32,
    /// Hold-out splits (random grid) or stratified folds (libsvm grid)
    #[arg(long, default_value_t = 2, value_parser = clap::value_parser!(u32).range(1..=100))]
    pub splits: u32,
    /// Seed of the candidates and the splits
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Which candidates: random draws from the tutorial's log grid, or the libsvm guide's grid
    #[arg(long, value_enum, default_value_t = GridArg::Random)]
    pub grid: GridArg,
    /// The most solver iterations per binary machine; a fit that reaches it is marked
    #[arg(long, default_value_t = 10_000_000, value_parser = clap::value_parser!(u64).range(1..))]
    pub max_iter: u64,
    /// Fit only shard K of N (0-based: candidates c with c mod N = K) into OUT/shards/, for a job array
    #[arg(long, value_name = "K/N", value_parser = parse_shard, conflicts_with = "merge")]
    pub shard: Option<Shard>,
    /// Fit nothing: merge the N shards in OUT/shards/ into the whole search's outputs
    #[arg(long)]
    pub merge: bool,
    /// The folder of results.csv, results.json, splits.json, timings.csv and landscape.svg
    #[arg(long, default_value = "cvsearch")]
    pub out: PathBuf,
}

#[derive(Debug, Clone, Copy, ValueEnum)]
pub enum GridArg {
    Random,
    Libsvm,
}

#[derive(Debug, Subcommand)]
pub enum BenchCommand {
    /// Per-task overhead of the futures executor, and the smallest efficient task (METG)
    Overhead {
        /// Empty tasks per measurement
        #[arg(long, default_value_t = 20_000, value_parser = clap::value_parser!(u32).range(1..=10_000_000))]
        tasks: u32,
    },
    /// The tuning lesson: one query on 1 to 10,000 partitions per rank, its wall time
    /// and the fixed cost of a partition
    Partitions {
        /// Rows of the query, over every rank
        #[arg(long, default_value_t = 10_000_000, value_parser = clap::value_parser!(u64).range(1..=1_000_000_000))]
        rows: u64,
        /// Draw the curve (wall time by partitions per rank) as an SVG file
        #[arg(long, value_name = "FILE.svg")]
        plot: Option<PathBuf>,
    },
}

#[derive(Debug, Args)]
pub struct CorrelateArgs {
    /// HDF5 frames (key `data`), CSV, JSON Lines or Parquet tables, or folders holding
    /// them (every *.h5 inside, or else every table file, by name)
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// Where the series are: each file one series (files), each numeric column one
    /// series (wide), or rows of name, time and value (long: --by, --time, --value)
    #[arg(long, value_enum, default_value_t = LayoutArg::Files)]
    pub layout: LayoutArg,
    /// The numeric column of each file to correlate (--layout files)
    #[arg(long, default_value = "close")]
    pub column: String,
    /// The frame or dataset of HDF5 inputs (default: `data` for pandas fixed-format
    /// frames, else the file's only frame or dataset)
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// Types of CSV and JSON Lines columns instead of the inferred ones: a JSON object of
    /// column to pandas dtype ({"price": "float64", "date": "date"})
    #[arg(long, value_name = "FILE.json")]
    pub schema: Option<PathBuf>,
    /// The columns that are series (--layout wide; default: every numeric column)
    #[arg(long, value_delimiter = ',', value_name = "A,B,..")]
    pub columns: Option<Vec<String>>,
    /// The column naming each row's series (--layout long)
    #[arg(long, value_name = "COLUMN")]
    pub by: Option<String>,
    /// The column of values (--layout long)
    #[arg(long, value_name = "COLUMN")]
    pub value: Option<String>,
    /// Align the series on this time column, as pandas aligns a DatetimeIndex (each pair
    /// uses the times both series have); without it, series are paired by position
    #[arg(long, value_name = "COLUMN")]
    pub time: Option<String>,
    /// The coefficient: Pearson's, or Spearman's (of the average ranks of each pair's
    /// complete rows), as pandas' DataFrame.corr computes them
    #[arg(long, value_enum, default_value_t = MethodArg::Pearson)]
    pub method: MethodArg,
    /// The fewest rows with both values a pair needs; below it the pair is NaN (pandas'
    /// min_periods)
    #[arg(long, default_value_t = 1, value_name = "N")]
    pub min_periods: usize,
    /// How many of the best pairs to list
    #[arg(long, default_value_t = 1, value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub top: u32,
    /// Also list every pair whose correlation is at least R in absolute value (the count
    /// in the summary; the pairs in --edges)
    #[arg(long, value_name = "R", value_parser = parse_threshold)]
    pub threshold: Option<f64>,
    /// Write the pairs at or above --threshold as Parquet (a, b, corr), sorted by pair
    #[arg(long, value_name = "FILE.parquet", requires = "threshold")]
    pub edges: Option<PathBuf>,
    /// Also write the whole correlation matrix as a frame (names as index and columns)
    #[arg(long, value_name = "FILE.h5")]
    pub matrix: Option<PathBuf>,
    /// Report unreadable files and go on without them
    #[arg(long)]
    pub skip_bad: bool,
    /// How block pairs are computed: where their series are sent once (blocks), as tasks
    /// of the futures executor that carry their blocks (futures), or as a Bag pipeline (bag)
    #[arg(long, value_enum, default_value_t = EngineArg::Blocks)]
    pub engine: EngineArg,
    /// Bound each rank's memory (2GiB, 500MB): wide Parquet tables are read in time chunks
    /// that fit and each pair's sums accumulate over them (default: so when the data
    /// exceed a quarter of the node's memory, with half of it shared by the node's ranks)
    #[arg(long, value_name = "BYTES", value_parser = parse_bytes)]
    pub memory: Option<u64>,
    /// The block products: all in f64 (exact), or in f32 first and in f64 only where a
    /// pair could be among the top or an edge (screen: the same answer, byte for byte,
    /// with fewer f64 products; the blocks engine without --matrix or --memory)
    #[arg(long, value_enum, default_value_t = PrecisionArg::Exact,
          conflicts_with_all = ["matrix", "memory"])]
    pub precision: PrecisionArg,
}

/// A correlation threshold: a number in [0, 1].
fn parse_threshold(text: &str) -> Result<f64, String> {
    match text.parse::<f64>() {
        Ok(r) if (0.0..=1.0).contains(&r) => Ok(r),
        _ => Err(format!("{text:?} is not a threshold between 0 and 1")),
    }
}

/// A size in bytes: a number with an optional unit (B, KB, MB, GB, TB as powers of 1000;
/// KiB, MiB, GiB, TiB, or K, M, G, T, as powers of 1024).
fn parse_bytes(text: &str) -> Result<u64, String> {
    let text = text.trim();
    let split = text
        .find(|c: char| !(c.is_ascii_digit() || c == '.'))
        .unwrap_or(text.len());
    let (number, unit) = text.split_at(split);
    let number: f64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a size (say 2GiB or 500MB)"))?;
    let scale: u64 = match unit.trim().to_ascii_lowercase().as_str() {
        "" | "b" => 1,
        "kb" => 1_000,
        "mb" => 1_000_000,
        "gb" => 1_000_000_000,
        "tb" => 1_000_000_000_000,
        "k" | "kib" => 1 << 10,
        "m" | "mib" => 1 << 20,
        "g" | "gib" => 1 << 30,
        "t" | "tib" => 1 << 40,
        other => {
            return Err(format!(
                "unknown unit {other:?} in {text:?} (say 2GiB or 500MB)"
            ))
        }
    };
    Ok((number * scale as f64) as u64)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ToArg {
    Hdf5,
    Parquet,
    Csv,
    Jsonl,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LayoutArg {
    Files,
    Wide,
    Long,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum MethodArg {
    Pearson,
    Spearman,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum PrecisionArg {
    Exact,
    Screen,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum EngineArg {
    Blocks,
    Futures,
    Bag,
}

#[derive(Debug, Args)]
pub struct ConvertArgs {
    /// The stock JSON Lines files, or folders holding them (every *.json inside, by name);
    /// with --to, CSV, JSON Lines, Parquet or HDF5 tables (a folder: every such file
    /// inside)
    #[arg(required = true)]
    pub paths: Vec<PathBuf>,
    /// What to write from the tables: Parquet (zstd), pandas HDF5 frames (numbers and
    /// times), CSV or JSON Lines. Without it, the stock JSON Lines become pandas HDF5
    /// frames (the tutorial's convert)
    #[arg(long, value_enum)]
    pub to: Option<ToArg>,
    /// Write the outputs in this folder (made if missing) instead of beside the inputs
    #[arg(long, value_name = "DIR")]
    pub out: Option<PathBuf>,
    /// The frame or dataset of HDF5 inputs to --to (default: the file's only one)
    #[arg(long, value_name = "KEY")]
    pub key: Option<String>,
    /// Types of CSV and JSON Lines columns instead of the inferred ones: a JSON object of
    /// column to pandas dtype ({"id": "int64", "when": "datetime64[ns, UTC]"})
    #[arg(long, value_name = "FILE.json")]
    pub schema: Option<PathBuf>,
    /// How files are divided among ranks: a block each, or handed out one by one
    #[arg(long, value_enum, default_value_t = ScheduleArg::Static)]
    pub schedule: ScheduleArg,
    /// Report bad files and go on (exit 0) instead of failing after the good ones
    #[arg(long)]
    pub skip_bad: bool,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum ScheduleArg {
    Static,
    Dynamic,
}

impl From<ScheduleArg> for Schedule {
    fn from(schedule: ScheduleArg) -> Schedule {
        match schedule {
            ScheduleArg::Static => Schedule::Static,
            ScheduleArg::Dynamic => Schedule::Dynamic,
        }
    }
}

#[derive(Debug, Args)]
#[command(group(clap::ArgGroup::new("dataset").args(["taxi", "events"])))]
pub struct PrepArgs {
    /// Folder to write minute/<sym>/<date>.csv and json/<sym>.json into (with --taxi:
    /// taxi/csv/ and taxi/parquet/; with --events: events/)
    #[arg(long)]
    pub out: PathBuf,
    /// A month of trips shaped like the 2015 NYC yellow-taxi files (19 columns, as CSV
    /// and Parquet) instead of the stock data
    #[arg(long, conflicts_with_all = ["symbols", "symbol_list", "days", "json_days", "freq"])]
    pub taxi: bool,
    /// A day of GitHub-archive-like events (24 hourly JSON Lines files with nested actor,
    /// repo and payload) instead of the stock data
    #[arg(long, conflicts_with_all = ["taxi", "symbols", "symbol_list", "days", "json_days", "freq"])]
    pub events: bool,
    /// With --taxi: the number of trips (default: a full month, 12748986); with --events:
    /// the events of the day (default 240000)
    #[arg(long, requires = "dataset", value_parser = clap::value_parser!(u64).range(1..=10_000_000_000))]
    pub rows: Option<u64>,
    /// With --taxi: the most trips in one file (the partitions a reader meets)
    #[arg(long, requires = "taxi", default_value_t = taxi::ROWS_PER_FILE,
          value_parser = clap::value_parser!(u64).range(1..=100_000_000))]
    pub file_rows: u64,
    /// Seed of every random draw
    #[arg(long, default_value_t = 0)]
    pub seed: u64,
    /// Number of symbols: the tutorial's 21, then generated names [default: 21]
    #[arg(long, conflicts_with = "symbol_list", value_parser = clap::value_parser!(u32).range(1..=1_000_000))]
    pub symbols: Option<u32>,
    /// Comma-separated symbols to generate instead
    #[arg(long, value_delimiter = ',', value_parser = parse_symbol)]
    pub symbol_list: Option<Vec<String>>,
    /// Trading days: the last N of 2010-01-04..2014-12-31; more extend the calendar forward
    #[arg(long, default_value_t = 1258, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub days: u32,
    /// Trading days in each JSON Lines file (the last ones)
    #[arg(long, default_value_t = 365, value_parser = clap::value_parser!(u32).range(1..=100_000))]
    pub json_days: u32,
    /// Seconds per bar: a multiple of 5 that divides the 7-hour session
    #[arg(long, default_value_t = 120, value_parser = parse_freq)]
    pub freq: u32,
}

#[derive(Debug, Args)]
pub struct RunArgs {
    /// The job file (TOML)
    pub job: PathBuf,
    /// Give a variable of the job's [vars] this value, for `${NAME}` in its steps
    /// (repeatable)
    #[arg(long = "set", value_name = "NAME=VALUE", value_parser = parse_assignment)]
    pub set: Vec<(String, String)>,
}

fn parse_assignment(text: &str) -> Result<(String, String), String> {
    let (name, value) = text
        .split_once('=')
        .ok_or_else(|| format!("'{text}' is not NAME=VALUE"))?;
    Ok((name.trim().to_string(), value.to_string()))
}

fn parse_symbol(text: &str) -> Result<String, String> {
    symbols::check_symbol(text).map(|()| text.to_string())
}

fn parse_shard(text: &str) -> Result<Shard, String> {
    let (index, count) = text
        .split_once('/')
        .ok_or_else(|| format!("'{text}' is not K/N (shard K of N, 0-based)"))?;
    let number = |part: &str| {
        part.trim()
            .parse::<usize>()
            .map_err(|_| format!("'{part}' in '{text}' is not a whole number"))
    };
    let (index, count) = (number(index)?, number(count)?);
    if index >= count {
        return Err(format!(
            "shard {index} of {count}: K counts from 0 and must be below N"
        ));
    }
    Ok(Shard { index, count })
}

fn parse_freq(text: &str) -> Result<u32, String> {
    let freq: u32 = text
        .parse()
        .map_err(|_| format!("'{text}' is not a whole number of seconds"))?;
    if intraday::valid_freq(freq) {
        Ok(freq)
    } else {
        Err(format!(
            "{freq} s does not cut 09:00-16:00 into whole bars of 5 grid steps (try 60, 120, 300)"
        ))
    }
}

/// What the command line asks for: the task, how to show it, where to write the trace, the
/// report and the flame graphs.
pub struct Request {
    pub task: Task,
    pub settings: Settings,
    pub trace: Option<PathBuf>,
    pub report: Option<PathBuf>,
    pub profile: Option<PathBuf>,
    pub stall_timeout: Option<std::time::Duration>,
    /// Compute threads per rank (`None`: the host's cores shared out among its ranks).
    pub threads: Option<usize>,
}

/// The command line turned into a [`Request`].
pub fn parse() -> Result<Request, clap::Error> {
    let cli = Cli::try_parse()?;
    let settings = Settings {
        quiet: cli.global.quiet,
        json: cli.global.format == Format::Json,
    };
    Ok(Request {
        task: task_of(cli.command, cli.global.format)?,
        settings,
        trace: cli.global.trace,
        report: cli.global.report,
        profile: cli.global.profile,
        stall_timeout: cli.global.stall_timeout.map(std::time::Duration::from_secs),
        threads: cli.global.threads.and_then(|n| usize::try_from(n).ok()),
    })
}

fn task_of(command: Command, format: Format) -> Result<Task, clap::Error> {
    if format == Format::Csv && !matches!(command, Command::Sql(_)) {
        return Err(Cli::command().error(
            clap::error::ErrorKind::InvalidValue,
            "--format csv is for sql; the other commands print text or json",
        ));
    }
    match command {
        Command::Prep(args) if args.taxi => Ok(Task::PrepTaxi(TaxiOptions {
            out: args.out,
            seed: args.seed,
            rows: args.rows.unwrap_or(taxi::FULL_MONTH_ROWS),
            file_rows: args.file_rows,
        })),
        Command::Prep(args) if args.events => Ok(Task::PrepEvents(EventsOptions {
            out: args.out,
            seed: args.seed,
            events: args.rows.unwrap_or(events::DAY_EVENTS),
        })),
        Command::Prep(args) => prep_options(args).map(Task::Prep),
        Command::Convert(args) => Ok(Task::Convert(ConvertOptions {
            paths: args.paths,
            schedule: args.schedule.into(),
            skip_bad: args.skip_bad,
            to: args.to.map(|to| match to {
                ToArg::Hdf5 => TableFormat::Hdf5,
                ToArg::Parquet => TableFormat::Parquet,
                ToArg::Csv => TableFormat::Csv,
                ToArg::Jsonl => TableFormat::JsonLines,
            }),
            out: args.out,
            key: args.key,
            schema: args.schema,
        })),
        Command::Correlate(args) => Ok(Task::Correlate(CorrelateOptions {
            paths: args.paths,
            columns: Columns {
                layout: match args.layout {
                    LayoutArg::Files => Layout::Files,
                    LayoutArg::Wide => Layout::Wide,
                    LayoutArg::Long => Layout::Long,
                },
                column: args.column,
                columns: args.columns,
                by: args.by,
                value: args.value,
                time: args.time,
                key: args.key,
            },
            top: args.top as usize,
            threshold: args.threshold,
            edges: args.edges,
            rule: Rule {
                method: match args.method {
                    MethodArg::Pearson => Method::Pearson,
                    MethodArg::Spearman => Method::Spearman,
                },
                min_periods: args.min_periods,
            },
            matrix: args.matrix,
            skip_bad: args.skip_bad,
            engine: match args.engine {
                EngineArg::Blocks => Engine::Blocks,
                EngineArg::Futures => Engine::Futures,
                EngineArg::Bag => Engine::Bag,
            },
            memory: args.memory,
            schema: args.schema,
            precision: match args.precision {
                PrecisionArg::Exact => Precision::Exact,
                PrecisionArg::Screen => Precision::Screen,
            },
        })),
        Command::Bench(BenchCommand::Overhead { tasks }) => {
            Ok(Task::BenchOverhead(OverheadOptions {
                tasks: tasks as usize,
            }))
        }
        Command::Bench(BenchCommand::Partitions { rows, plot }) => {
            Ok(Task::BenchPartitions(TuningOptions { rows, plot }))
        }
        Command::Stats(args) => Ok(Task::Stats(StatsOptions {
            folder: args.folder,
            symbol: args.symbol,
            year: args.year,
            plot: args.plot,
        })),
        Command::Cvsearch(args) => Ok(Task::Cvsearch(CvsearchOptions {
            data: args.data,
            samples: args.samples as usize,
            splits: args.splits as usize,
            seed: args.seed,
            grid: match args.grid {
                GridArg::Random => Grid::Random,
                GridArg::Libsvm => Grid::Libsvm,
            },
            max_iter: args.max_iter as usize,
            out: args.out,
            part: match (args.shard, args.merge) {
                (Some(shard), _) => Part::Shard(shard),
                (None, true) => Part::Merge,
                (None, false) => Part::Whole,
            },
        })),
        Command::Run(args) => job_of(args.job, &args.set).map(Task::Job),
        Command::Doctor(args) => Ok(Task::Doctor(DoctorOptions {
            hostfile: args.hostfile,
        })),
        Command::Sql(args) => Ok(Task::Sql(SqlOptions {
            query: args.query,
            out: args.out,
            partitions: args.partitions.map(|n| n as usize),
            explain: args.explain,
            csv: format == Format::Csv,
        })),
    }
}

fn prep_options(args: PrepArgs) -> Result<PrepOptions, clap::Error> {
    let symbols = match args.symbol_list {
        Some(list) => {
            let mut sorted = list.clone();
            sorted.sort();
            if let Some(pair) = sorted.windows(2).find(|w| w[0] == w[1]) {
                return Err(Cli::command().error(
                    ErrorKind::ValueValidation,
                    format!("--symbol-list names '{}' twice", pair[0]),
                ));
            }
            list
        }
        None => symbols::first_symbols(args.symbols.unwrap_or(21) as usize),
    };
    Ok(PrepOptions {
        out: args.out,
        seed: args.seed,
        symbols,
        days: args.days as usize,
        json_days: args.json_days as usize,
        freq_seconds: args.freq,
    })
}

/// Reads a job file, puts the variables in, and parses each step's arguments as a command
/// line.
fn job_of(path: PathBuf, set: &[(String, String)]) -> Result<Job, clap::Error> {
    let invalid = |message: String| Cli::command().error(ErrorKind::InvalidValue, message);
    let mut file = JobFile::read(&path).map_err(|e| invalid(e.to_string()))?;
    file.substitute(&path, set)
        .map_err(|e| invalid(e.to_string()))?;
    let mut steps = Vec::with_capacity(file.steps.len());
    for (i, spec) in file.steps.into_iter().enumerate() {
        let place = format!("job file {}, step {}", path.display(), i + 1);
        let argv = std::iter::once("pardata".to_string()).chain(spec.args.iter().cloned());
        let cli = Cli::try_parse_from(argv)
            .map_err(|e| invalid(format!("{place}: {}", first_line(&e.to_string()))))?;
        if let Command::Run(_) = cli.command {
            return Err(invalid(format!("{place}: a job cannot run another job")));
        }
        let task = task_of(cli.command, cli.global.format)
            .map_err(|e| invalid(format!("{place}: {}", first_line(&e.to_string()))))?;
        let name = spec.name.unwrap_or_else(|| spec.args[0].clone());
        steps.push(Step {
            name,
            args: spec.args,
            task,
        });
    }
    let name = file.name.unwrap_or_else(|| {
        path.file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_default()
    });
    Ok(Job { name, path, steps })
}

/// The first line of clap's message, without its `error: ` prefix.
fn first_line(message: &str) -> &str {
    let line = message.lines().next().unwrap_or_default();
    line.strip_prefix("error: ").unwrap_or(line)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prep(args: &[&str]) -> Result<PrepOptions, String> {
        let argv = ["pardata", "prep"].iter().chain(args);
        let cli = Cli::try_parse_from(argv).map_err(|e| e.to_string())?;
        match task_of(cli.command, cli.global.format).map_err(|e| e.to_string())? {
            Task::Prep(options) => Ok(options),
            other => Err(format!("not prep: {other:?}")),
        }
    }

    #[test]
    fn prep_defaults_follow_the_design() {
        let options = prep(&["--out", "d"]).unwrap();
        assert_eq!(
            (
                options.seed,
                options.days,
                options.json_days,
                options.freq_seconds
            ),
            (0, 1258, 365, 120)
        );
        assert_eq!(options.symbols.len(), 21);
        assert_eq!(
            prep(&["--out", "d", "--symbols", "30"])
                .unwrap()
                .symbols
                .len(),
            30
        );
        assert_eq!(
            prep(&["--out", "d", "--symbol-list", "ibm,aet"])
                .unwrap()
                .symbols,
            ["ibm", "aet"]
        );
    }

    #[test]
    fn bad_prep_options_are_refused() {
        for bad in [
            &["--out", "d", "--freq", "7"][..],
            &["--out", "d", "--days", "0"],
            &["--out", "d", "--symbols", "3", "--symbol-list", "a"],
            &["--out", "d", "--symbol-list", "a,B"],
            &["--out", "d", "--symbol-list", "a,b,a"],
            &["--days", "3"],
        ] {
            assert!(prep(bad).is_err(), "{bad:?}");
        }
    }

    #[test]
    fn the_cli_definition_is_consistent() {
        Cli::command().debug_assert();
    }
}
