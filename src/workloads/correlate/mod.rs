//! `pardata correlate`: the best-correlated pairs among many series (the submit and
//! collections lessons of the tutorial), exactly as pandas' `Series.corr` would find them.
//!
//! The shape (DESIGN.md): each rank reads its slice of the frames; the series are cut into
//! blocks and the block pairs shared out ([`crate::patterns::pairs`]); one all-to-all brings
//! each rank the series its block pairs need; each rank computes its pairs (a matrix product
//! per block pair for the series on the fast path, [`kernel`]); the local top K meet on rank
//! 0, ties going to the smaller (a, b) pair. Only pairs a < b are computed. Results do not
//! depend on the rank count.

mod block;
pub mod bounded;
mod engines;
pub mod kernel;
pub mod layout;
pub mod screen;

use std::fmt;
use std::path::PathBuf;
use std::time::Instant;

use ndarray::Array2;
use serde::{Deserialize, Serialize};

use crate::io::atomic::temporary_path;
use crate::io::frame::{read_float_column, MatrixWriter};
use crate::io::inputs::expand;
use crate::patterns::pairs::{ExchangeVolume, PairPlan};
use crate::runtime::fault;
use crate::runtime::{Activity, JobFailure, Scored, TopK, World};
use crate::table::Format;
use engines::{bag_engine, blocks_engine, futures_engine, Prepared};

/// What to correlate.
#[derive(Debug, Clone)]
pub struct CorrelateOptions {
    pub paths: Vec<PathBuf>,
    /// Where the series are in the inputs (the column of each HDF5 frame is its `column`).
    pub columns: layout::Columns,
    pub top: usize,
    /// Also list every pair with |r| at or above this.
    pub threshold: Option<f64>,
    /// Where to write that list (Parquet: a, b, corr).
    pub edges: Option<PathBuf>,
    /// The coefficient and the fewest rows a pair needs.
    pub rule: kernel::Rule,
    /// Where to write the whole correlation matrix, if anywhere.
    pub matrix: Option<PathBuf>,
    pub skip_bad: bool,
    pub engine: Engine,
    /// A `--schema` file: types of CSV and JSON Lines columns.
    pub schema: Option<PathBuf>,
    /// The memory budget per rank, in bytes: with it, wide Parquet tables are read in
    /// time chunks that fit ([`bounded`]).
    pub memory: Option<u64>,
    /// How the block products are computed (the answer is the same bytes either way).
    pub precision: Precision,
}

/// How the blocks engine computes its block products.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Precision {
    /// Every block pair in f64.
    #[default]
    Exact,
    /// Every block pair in f32 first, then in f64 only those that could hold a pair of
    /// the top K or an edge ([`screen`]): the same answer, fewer f64 products. Used by the
    /// blocks engine; a bounded-memory run computes in f64.
    Screen,
}

/// How the block pairs are computed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Engine {
    /// Each rank receives the series its block pairs need once, then computes them.
    Blocks,
    /// Each block pair is a task of the futures executor, carrying its two blocks.
    Futures,
    /// The tutorial's collections pipeline on `Bag`, at block granularity: series grouped
    /// into blocks, the product of the blocks with themselves, a filter, a map, a top K.
    Bag,
}

/// One pair and its correlation.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Pair {
    pub a: String,
    pub b: String,
    pub corr: f64,
}

/// The result of `correlate`: the same at every rank count.
#[derive(Debug, Serialize)]
pub struct CorrelateSummary {
    pub series: usize,
    pub pairs: u64,
    /// Pairs whose correlation is NaN (never chosen).
    pub nan_pairs: u64,
    pub best: Option<Pair>,
    pub top: Vec<Pair>,
    pub skipped: Vec<String>,
    /// How series read from tables were lined up (absent for HDF5 frames of equal length).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub alignment: Option<layout::Alignment>,
    /// The pairs with |r| at or above `--threshold`, when one was given.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub edges: Option<Edges>,
    /// How the series were cut along time, when memory was bounded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub bounded: Option<bounded::Bounded>,
    /// What `--precision screen` did (absent without it).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub screen: Option<screen::Screened>,
    #[serde(skip)]
    pub seconds: f64,
    #[serde(skip)]
    pub exchange: Vec<ExchangeVolume>,
    /// The longest time a rank spent on its block pairs.
    #[serde(skip)]
    pub kernel_seconds: f64,
    /// The common length of the series on the fast path.
    #[serde(skip)]
    pub length: usize,
}

impl fmt::Display for CorrelateSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.best {
            Some(best) => write!(
                f,
                "{} matches with {} with correlation {:.6}",
                best.a, best.b, best.corr
            )?,
            None if self.series < 2 => write!(f, "{} series: no pairs to correlate", self.series)?,
            None => write!(
                f,
                "no pair has a correlation: all {} pairs are NaN",
                self.pairs
            )?,
        }
        if self.top.len() > 1 {
            write!(f, "\ntop {} pairs:", self.top.len())?;
            for (rank, pair) in self.top.iter().enumerate() {
                write!(
                    f,
                    "\n{:>4}. {} {} {:.6}",
                    rank + 1,
                    pair.a,
                    pair.b,
                    pair.corr
                )?;
            }
        }
        if let Some(alignment) = &self.alignment {
            match &alignment.time {
                Some(time) => write!(
                    f,
                    "\naligned on {time}: {} distinct times; a series has {} to {} of them, and each pair uses the times both have",
                    alignment.times, alignment.shortest, alignment.longest
                )?,
                None if alignment.shortest != alignment.longest => write!(
                    f,
                    "\nseries lengths differ ({} to {} values): each pair uses the values both have by position (--time T aligns them on a time column)",
                    alignment.shortest, alignment.longest
                )?,
                None => {}
            }
        }
        if let Some(edges) = &self.edges {
            write!(f, "\n{} pairs with |r| >= {}", edges.pairs, edges.threshold)?;
            if let Some(file) = &edges.file {
                write!(f, " written to {}", file.display())?;
            }
        }
        if let Some(run) = &self.bounded {
            write!(
                f,
                "\nbounded memory: {} rows per series in {} chunk{} of {} rows ({} per rank)",
                run.rows,
                run.chunks,
                if run.chunks == 1 { "" } else { "s" },
                run.chunk_rows,
                bounded::show_bytes(run.memory)
            )?;
        }
        let ranks = self.exchange.len();
        let sent: u64 = self.exchange.iter().map(|v| v.sent_values).sum();
        let needed: u64 = self.exchange.iter().map(|v| v.needed_values).sum();
        write!(
            f,
            "\ncorrelate: {} series, {} pairs ({} NaN) in {:.3} s on {} rank{}; exchanged {:.1} MB (the plan needs {:.1} MB)",
            self.series,
            self.pairs,
            self.nan_pairs,
            self.seconds,
            ranks,
            if ranks == 1 { "" } else { "s" },
            sent as f64 * 8.0 / 1e6,
            needed as f64 * 8.0 / 1e6,
        )?;
        if let Some(screen) = &self.screen {
            return write!(
                f,
                "\nblock pairs: {:.3} s on the busiest rank, screened in f32 ({} of {} block pairs then in f64; {} points per series)",
                self.kernel_seconds, screen.in_f64, screen.block_pairs, self.length
            );
        }
        // The pairs' arithmetic: 2 flops per point per pair (a multiply and an add).
        let flops = 2.0 * self.pairs as f64 * self.length as f64;
        write!(
            f,
            "\nblock pairs: {:.3} s on the busiest rank, {:.1} GFLOP/s ({} points per series)",
            self.kernel_seconds,
            flops / self.kernel_seconds.max(1e-9) / 1e9,
            self.length
        )
    }
}

/// How many pairs reached the threshold.
#[derive(Debug, Clone, Serialize)]
pub struct Edges {
    /// The threshold on |r|.
    pub threshold: f64,
    /// The pairs at or above it.
    pub pairs: u64,
    /// Where they were written, if anywhere.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub file: Option<PathBuf>,
}

/// What every rank learns about each series before the exchange.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct SeriesInfo {
    length: usize,
    finite: bool,
    constant: bool,
    /// Finite and not constant, but its deviations' norm overflows (or underflows).
    unscalable: bool,
}

/// How a series takes part, decided from every series' info.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
enum Kind {
    /// Finite, of the common length, not constant: standardized, on the fast path.
    Standard,
    /// Finite, of the common length, constant: every pair NaN; nothing is sent.
    Constant,
    /// NaN, infinity, another length, or values whose deviations' squares overflow: raw
    /// values, exact pairwise path.
    Raw,
}

/// A pair of series by index, `(a, b)` with `a < b`.
type PairIndex = (usize, usize);

/// Where the computed pairs go: the K best (NaN never among them, ties to the smaller
/// `(a, b)`: [`TopK`]'s order), and with a threshold every pair with `|r| >=` it (the
/// edge list).
#[derive(Debug, Clone, Serialize, Deserialize)]
struct Found {
    top: TopK<PairIndex>,
    threshold: Option<f64>,
    edges: Vec<(usize, usize, f64)>,
}

impl Found {
    /// Nothing found yet, keeping the `top` best and the edges at `threshold`.
    fn new(top: usize, threshold: Option<f64>) -> Found {
        Found {
            top: TopK::new(top),
            threshold,
            edges: Vec::new(),
        }
    }

    /// Takes in the pair `(a, b)`.
    fn offer(&mut self, a: usize, b: usize, corr: f64) {
        self.top.offer(Scored {
            value: corr,
            index: (a, b),
        });
        if self.threshold.is_some_and(|t| corr.abs() >= t) {
            self.edges.push((a, b, corr));
        }
    }

    /// Takes in what another part of the work found.
    fn merge(&mut self, other: Found) {
        self.top.merge(other.top);
        self.edges.extend(other.edges);
    }
}

/// Finds the best-correlated pairs (a collective: every rank calls it).
pub fn correlate(
    world: &World,
    options: &CorrelateOptions,
) -> Result<CorrelateSummary, JobFailure> {
    let started = Instant::now();
    if options.precision == Precision::Screen {
        let refused = match (options.engine, &options.matrix, options.memory) {
            (Engine::Futures | Engine::Bag, _, _) => {
                Some("--engine futures|bag computes its own products")
            }
            (_, Some(_), _) => Some("--matrix needs every pair in f64"),
            (_, _, Some(_)) => Some("--memory sums every pair over time chunks in f64"),
            _ => None,
        };
        if let Some(why) = refused {
            return world.fail_together(format!(
                "--precision screen screens the blocks engine's products and {why}: leave out one of them"
            ));
        }
    }
    let frames_fit =
        options.columns.layout == layout::Layout::Files && options.columns.time.is_none();
    let inputs = world.agree(inputs_of(&options.paths, frames_fit))?;
    if let Some(run) = bounded_run(world, &inputs, options)? {
        let (names, rows) = (run.names, run.rows);
        let (plan, computed, report) =
            bounded::correlate_bounded(world, &run.files, &names, rows, options, run.memory)?;
        let ending = Ending {
            names,
            plan,
            skipped: Vec::new(),
            alignment: None,
            length: rows as usize,
            bounded: Some(report),
            screen: None,
        };
        return finish(world, options, started, ending, computed);
    }
    let (names, plan, owned, skipped, alignment) = match inputs {
        Inputs::Frames(files) => {
            if options.columns.layout != layout::Layout::Files || options.columns.time.is_some() {
                return world.fail_together(
                    "--layout wide|long and --time read CSV, JSON Lines or Parquet tables; these inputs are HDF5 frames (each one series, --column)",
                );
            }
            let (names, plan, owned, skipped) = read_frames(world, files, options)?;
            let lengths: Vec<usize> = world
                .all_gather(&owned.iter().map(Vec::len).collect::<Vec<_>>())
                .into_iter()
                .flatten()
                .collect();
            let (shortest, longest) = (
                lengths.iter().copied().min().unwrap_or(0),
                lengths.iter().copied().max().unwrap_or(0),
            );
            let alignment = (shortest != longest).then_some(layout::Alignment {
                time: None,
                times: 0,
                shortest,
                longest,
            });
            (names, plan, owned, skipped, alignment)
        }
        Inputs::Tables(files) => {
            if options.skip_bad {
                return world.fail_together(
                    "--skip-bad skips unreadable HDF5 frames; with CSV, JSON Lines or Parquet tables, leave the bad files out",
                );
            }
            let types = match &options.schema {
                Some(path) => {
                    world.agree(crate::table::schema::load(path).map_err(|e| e.to_string()))?
                }
                None => Vec::new(),
            };
            let series = layout::series(world, &files, &options.columns, &types)?;
            let alignment =
                Some(series.alignment).filter(|a| a.time.is_some() || a.shortest != a.longest);
            (
                series.names,
                series.plan,
                series.owned,
                Vec::new(),
                alignment,
            )
        }
    };
    // What every rank must know of every series, then how each takes part.
    let infos: Vec<SeriesInfo> = owned
        .iter()
        .map(|values| {
            let finite = values.iter().all(|v| v.is_finite());
            let constant = values.windows(2).all(|w| w[0] == w[1]);
            SeriesInfo {
                length: values.len(),
                finite,
                constant,
                unscalable: finite && !constant && !options.rule.standardizes(values),
            }
        })
        .collect();
    let infos: Vec<SeriesInfo> = world.all_gather(&infos).into_iter().flatten().collect();
    let common = common_length(&infos);
    let kinds: Vec<Kind> = infos
        .iter()
        .map(
            |info| match (info.finite && info.length == common, info.constant) {
                // Values whose squares overflow take the exact pairwise path.
                (true, false) if info.unscalable => Kind::Raw,
                (true, false) => Kind::Standard,
                (true, true) => Kind::Constant,
                (false, _) => Kind::Raw,
            },
        )
        .collect();

    // Standardize what is on the fast path, then bring each rank the series it needs.
    let range = plan.owned_by(world.rank());
    let prepared: Vec<Vec<f64>> = world.time(Activity::Compute, "standardize", || {
        owned
            .into_iter()
            .enumerate()
            .map(|(k, values)| match kinds[range.start + k] {
                Kind::Standard => {
                    kernel::standardize(options.rule.transform(values)).unwrap_or_default()
                }
                Kind::Constant => Vec::new(),
                Kind::Raw => values,
            })
            .collect()
    });
    let lengths: Vec<usize> = infos
        .iter()
        .zip(&kinds)
        .map(|(info, kind)| match kind {
            Kind::Standard => common,
            Kind::Constant => 0,
            Kind::Raw => info.length,
        })
        .collect();
    let mut prepared = Prepared {
        series: prepared,
        lengths,
        kinds,
        common,
    };
    let ((found, tiles, volume, kernel_seconds), screen) = match options.engine {
        Engine::Blocks => {
            let mut progress = world.progress("block pairs", Some(plan.pairs() as u64));
            let computed = blocks_engine(world, &plan, &mut prepared, options, &mut progress);
            progress.finish();
            computed
        }
        Engine::Futures => (futures_engine(world, &prepared, options), None),
        Engine::Bag => (bag_engine(world, &plan, &mut prepared, options), None),
    };
    let ending = Ending {
        names,
        plan,
        skipped,
        alignment,
        length: common,
        bounded: None,
        screen,
    };
    finish(
        world,
        options,
        started,
        ending,
        (found, tiles, volume, kernel_seconds),
    )
}

/// What the summary needs besides the computed pairs.
struct Ending {
    names: Vec<String>,
    plan: PairPlan,
    skipped: Vec<String>,
    alignment: Option<layout::Alignment>,
    length: usize,
    bounded: Option<bounded::Bounded>,
    screen: Option<screen::Screened>,
}

/// Writes the matrix if wanted, merges the ranks' top K on rank 0 and makes the summary
/// (a collective).
fn finish(
    world: &World,
    options: &CorrelateOptions,
    started: Instant,
    ending: Ending,
    (found, tiles, volume, kernel_seconds): engines::Computed,
) -> Result<CorrelateSummary, JobFailure> {
    let Ending {
        names,
        plan,
        skipped,
        alignment,
        length,
        bounded,
        screen,
    } = ending;
    if let Some(path) = &options.matrix {
        let outcome = world.time(Activity::Io, "write matrix", || {
            write_matrix(world, &plan, path, &names, tiles)
        });
        world.agree(outcome)?;
    }

    let volumes = world.all_gather(&volume);
    let n = names.len();
    let merged = world.gather(&found).map(|all| {
        let mut merged = Found::new(options.top, options.threshold);
        all.into_iter().for_each(|part| merged.merge(part));
        merged
    });
    let (best_pairs, nan_pairs, edges) = match merged {
        Some(mut merged) => (
            merged.top.best().to_vec(),
            merged.top.nan(),
            Some(merged.edges),
        ),
        None => (Vec::new(), 0, None),
    };
    let edge_count = match (&options.edges, edges) {
        (Some(path), edges) => {
            let written = world.time(Activity::Io, "write edges", || match edges {
                Some(edges) => write_edges(path, &names, edges),
                None => Ok(0),
            });
            Some(world.agree(written)?)
        }
        (None, edges) => edges.map(|e| e.len() as u64),
    };
    let edges = options
        .threshold
        .zip(edge_count)
        .map(|(threshold, pairs)| Edges {
            threshold,
            pairs,
            file: options.edges.clone(),
        });
    let named = |s: &Scored<PairIndex>| Pair {
        a: names[s.index.0].clone(),
        b: names[s.index.1].clone(),
        corr: s.value,
    };
    Ok(CorrelateSummary {
        series: n,
        pairs: (n as u64) * (n as u64).saturating_sub(1) / 2,
        nan_pairs,
        best: best_pairs.first().map(named),
        top: best_pairs.iter().map(named).collect(),
        skipped,
        alignment,
        bounded,
        screen,
        edges,
        seconds: started.elapsed().as_secs_f64(),
        exchange: volumes,
        kernel_seconds,
        length,
    })
}

/// The files, rows, series and budget of a bounded-memory run, when there is one: with
/// `--memory`, or when wide Parquet tables hold more than a quarter of this node's memory
/// (a rule that does not depend on the rank count, so neither do the bytes of the
/// answer); the default budget is then half the node's memory shared by its ranks.
fn bounded_run(
    world: &World,
    inputs: &Inputs,
    options: &CorrelateOptions,
) -> Result<Option<BoundedRun>, JobFailure> {
    let files = match inputs {
        Inputs::Tables(files)
            if options.columns.layout == layout::Layout::Wide
                && files.iter().all(|f| Format::of(f) == Some(Format::Parquet)) =>
        {
            files
        }
        _ if options.memory.is_some() => {
            return world.fail_together(
                "--memory reads wide Parquet tables in time chunks (--layout wide, *.parquet): convert the inputs with `pardata convert --to parquet` first",
            )
        }
        _ => return Ok(None),
    };
    let (rows, names) = bounded::inputs(world, files, options)?;
    let memory = match options.memory {
        Some(memory) => memory,
        // Spearman's ranks need each series whole: never switched to on its own.
        None if options.rule.method != kernel::Method::Pearson => return Ok(None),
        None => {
            // Every rank decides alike: on the smallest node's memory, shared by the most
            // ranks any node holds.
            let node = bounded::node_memory().unwrap_or(8 << 30);
            let hosts = world.all_gather(&world.host().to_string());
            let here = hosts.iter().filter(|h| *h == world.host()).count().max(1) as u64;
            let (node, here) = world
                .all_gather(&(node, here))
                .into_iter()
                .fold((u64::MAX, 1), |(n, h), (m, k)| (n.min(m), h.max(k)));
            if bounded::data_bytes(rows, names.len()) <= node / 4 {
                return Ok(None);
            }
            node / 2 / here
        }
    };
    Ok(Some(BoundedRun {
        files: files.clone(),
        rows,
        names,
        memory,
    }))
}

/// What a bounded-memory run reads: the files, their rows, the series and the budget.
struct BoundedRun {
    files: Vec<PathBuf>,
    rows: u64,
    names: Vec<String>,
    memory: u64,
}

/// The inputs of `correlate`: pandas HDF5 frames (the tutorial's), or the user's tables.
enum Inputs {
    /// HDF5 frames, each one series.
    Frames(Vec<PathBuf>),
    /// CSV, JSON Lines or Parquet files.
    Tables(Vec<PathBuf>),
}

/// The input files of `paths` (a folder: its `.h5` files, or else its table files, by
/// name), and which kind they are: HDF5 files, each one series (`frames_fit`: the files
/// layout, no time column), are frames; anything else goes through the data layer.
fn inputs_of(paths: &[PathBuf], frames_fit: bool) -> Result<Inputs, String> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let frames = expand(std::slice::from_ref(path), "h5");
            match frames {
                Ok(found) => files.extend(found),
                Err(_) => {
                    let tables = crate::table::tables_in(path, None)
                        .map_err(|e| format!("cannot list {}: {e}", path.display()))?;
                    if tables.is_empty() {
                        return Err(format!(
                            "{}: no HDF5 frames (*.h5) and no tables (*.csv, *.jsonl, *.parquet) in the folder",
                            path.display()
                        ));
                    }
                    files.extend(tables);
                }
            }
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(format!("{}: no such file or folder", path.display()));
        }
    }
    let hdf5 = files
        .iter()
        .filter(|p| Format::of(p) == Some(Format::Hdf5))
        .count();
    let unknown = files.iter().find(|p| Format::of(p).is_none());
    match unknown {
        Some(path) => Err(crate::table::unknown(path).to_string()),
        None if hdf5 == files.len() && frames_fit => Ok(Inputs::Frames(files)),
        None => Ok(Inputs::Tables(files)),
    }
}

/// What [`read_frames`] gives: the series' names, the plan, this rank's series and the
/// files skipped.
type Frames = (Vec<String>, PairPlan, Vec<Vec<f64>>, Vec<String>);

/// Reads the column of every HDF5 frame on the rank that owns it, leaving out unreadable
/// ones with `--skip-bad` (a collective): the series' names, the plan, this rank's
/// series and the files skipped.
fn read_frames(
    world: &World,
    mut files: Vec<PathBuf>,
    options: &CorrelateOptions,
) -> Result<Frames, JobFailure> {
    let mut skipped = Vec::new();
    let (plan, owned) = loop {
        let plan = PairPlan::new(files.len(), world.size());
        let range = plan.owned_by(world.rank());
        let read: Vec<Result<Vec<f64>, String>> = world.time(Activity::Io, "read frames", || {
            files[range.clone()]
                .iter()
                .map(|path| {
                    let place = |e: &dyn std::fmt::Display| {
                        format!("{e} [rank {} on {}]", world.rank(), world.host())
                    };
                    fault::checkpoint(world.rank(), "correlate").map_err(|e| place(&e))?;
                    read_series(
                        path,
                        options.columns.key.as_deref(),
                        &options.columns.column,
                    )
                    .map_err(|e| place(&e))
                })
                .collect()
        });
        let errors: Vec<(usize, String)> = read
            .iter()
            .enumerate()
            .filter_map(|(k, r)| r.as_ref().err().map(|e| (range.start + k, e.clone())))
            .collect();
        let all_errors: Vec<(usize, String)> =
            world.all_gather(&errors).into_iter().flatten().collect();
        if all_errors.is_empty() {
            break (
                plan,
                read.into_iter()
                    .map(|r| r.unwrap_or_default())
                    .collect::<Vec<_>>(),
            );
        }
        let report = all_errors
            .iter()
            .map(|(_, e)| e.as_str())
            .collect::<Vec<_>>();
        if !options.skip_bad {
            for error in &report {
                if world.is_root() {
                    eprintln!("pardata: {error}");
                }
            }
            let message = format!(
                "{} of {} files could not be read (--skip-bad skips them)",
                report.len(),
                files.len()
            );
            return world.fail_together(message);
        }
        for error in &report {
            if world.is_root() {
                eprintln!("pardata: skipped {error}");
            }
        }
        skipped.extend(
            all_errors
                .iter()
                .map(|(i, _)| files[*i].display().to_string()),
        );
        let bad: std::collections::BTreeSet<usize> = all_errors.iter().map(|(i, _)| *i).collect();
        files = files
            .into_iter()
            .enumerate()
            .filter(|(i, _)| !bad.contains(i))
            .map(|(_, f)| f)
            .collect();
    };
    let names: Vec<String> = files
        .iter()
        .map(|f| {
            f.file_stem()
                .map(|s| s.to_string_lossy().into_owned())
                .unwrap_or_default()
        })
        .collect();

    Ok((names, plan, owned, skipped))
}

/// The column `column` of the HDF5 file at `path`: of the pandas fixed-format frame
/// `key` (`data` by default, the tutorial's), or else through the data layer (a
/// table-format frame, an h5py dataset, whose one column it is whatever its name).
fn read_series(
    path: &std::path::Path,
    key: Option<&str>,
    column: &str,
) -> Result<Vec<f64>, String> {
    use crate::io::frame::FrameError;
    match read_float_column(path, key.unwrap_or("data"), column) {
        Err(error @ (FrameError::NotAFrame { .. } | FrameError::MissingKey { .. })) => {
            // A broken fixed-format frame keeps its own error; anything else is for the
            // data layer, which says what the file holds when it is nothing it reads.
            match crate::table::h5::resolve(path, key) {
                Ok(entry) if entry.kind == crate::table::h5::Kind::FixedFrame => {
                    return Err(error.to_string())
                }
                Ok(_) => {}
                Err(unreadable) => return Err(unreadable.to_string()),
            }
            let options = crate::table::ReadOptions {
                key: key.map(str::to_string),
                numbers_only: true,
                ..Default::default()
            };
            let table = crate::table::read(path, &options).map_err(|e| e.to_string())?;
            let names = table.column_names();
            let column = match &names[..] {
                [only] if table.schema.index_of(column).is_err() => only.clone(),
                _ => column.to_string(),
            };
            crate::table::columns::numbers(&table, &column).map_err(|e| e.to_string())
        }
        read => read.map_err(|e| e.to_string()),
    }
}

/// The length most finite series have (the largest, among equally common ones).
fn common_length(infos: &[SeriesInfo]) -> usize {
    let mut counts = std::collections::BTreeMap::new();
    for info in infos.iter().filter(|i| i.finite) {
        *counts.entry(info.length).or_insert(0usize) += 1;
    }
    counts
        .into_iter()
        .max_by_key(|&(length, count)| (count, length))
        .map_or(0, |(length, _)| length)
}

/// Writes the edge list at `path` as Parquet (a, b, corr), sorted by (a, b) in the
/// series' order; returns the number of edges. Rank 0 holds the edges, never the matrix.
fn write_edges(
    path: &std::path::Path,
    names: &[String],
    mut edges: Vec<(usize, usize, f64)>,
) -> Result<u64, String> {
    use arrow::array::{Float64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use arrow::record_batch::RecordBatch;

    edges.sort_by_key(|&(a, b, _)| (a, b));
    let schema = std::sync::Arc::new(Schema::new(vec![
        Field::new("a", DataType::Utf8, false),
        Field::new("b", DataType::Utf8, false),
        Field::new("corr", DataType::Float64, false),
    ]));
    let batches = edges
        .chunks(crate::table::BATCH_ROWS)
        .map(|part| {
            RecordBatch::try_new(
                schema.clone(),
                vec![
                    std::sync::Arc::new(StringArray::from_iter_values(
                        part.iter().map(|e| &names[e.0]),
                    )),
                    std::sync::Arc::new(StringArray::from_iter_values(
                        part.iter().map(|e| &names[e.1]),
                    )),
                    std::sync::Arc::new(Float64Array::from_iter_values(part.iter().map(|e| e.2))),
                ],
            )
            .map_err(|e| e.to_string())
        })
        .collect::<Result<Vec<_>, String>>()?;
    let table = crate::table::Table {
        path: path.to_path_buf(),
        schema,
        batches,
    };
    crate::table::write::write(&table, path, Format::Parquet).map_err(|e| e.to_string())?;
    Ok(edges.len() as u64)
}

/// Where rank 0 puts the matrix's tiles: an HDF5 frame written tile by tile, or the whole
/// matrix, for a Parquet table.
enum MatrixOut {
    Frame(MatrixWriter),
    Whole(Array2<f64>),
}

/// Writes the whole `matrix` at `path` as a Parquet table: a column `series` with the
/// names (`series_name` if a series is called `series`), then one column per series (as pandas' `corr().reset_index()` would be).
fn write_matrix_table(
    path: &std::path::Path,
    names: &[String],
    matrix: Array2<f64>,
) -> Result<(), String> {
    use arrow::array::{ArrayRef, Float64Array, StringArray};
    use arrow::datatypes::{DataType, Field, Schema};
    use arrow::record_batch::RecordBatch;

    // The names' column: `series`, unless a series has that name.
    let label = if names.iter().any(|n| n == "series") {
        "series_name"
    } else {
        "series"
    };
    let mut fields = vec![Field::new(label, DataType::Utf8, false)];
    let mut columns: Vec<ArrayRef> =
        vec![std::sync::Arc::new(StringArray::from_iter_values(names))];
    for (name, column) in names.iter().zip(matrix.columns()) {
        fields.push(Field::new(name, DataType::Float64, false));
        columns.push(std::sync::Arc::new(Float64Array::from_iter_values(
            column.iter().copied(),
        )));
    }
    let schema = std::sync::Arc::new(Schema::new(fields));
    let batch = RecordBatch::try_new(schema.clone(), columns).map_err(|e| e.to_string())?;
    let table = crate::table::Table {
        path: path.to_path_buf(),
        schema,
        batches: vec![batch],
    };
    crate::table::write::write(&table, path, Format::Parquet)
        .map(|_| ())
        .map_err(|e| e.to_string())
}

/// A tile of the matrix as it travels to rank 0: its block pair and its values.
type Tile = ((usize, usize), Vec<f64>);

/// Writes the whole matrix at `path` through rank 0, one tile at a time: rank 0 writes its
/// own tiles, then each rank's in turn (a collective). No rank holds more than its tiles.
fn write_matrix(
    world: &World,
    plan: &PairPlan,
    path: &std::path::Path,
    names: &[String],
    tiles: Vec<((usize, usize), Array2<f64>)>,
) -> Result<(), String> {
    if !world.is_root() {
        world.send(0, &tiles.len());
        for ((i, j), tile) in tiles {
            world.send(0, &((i, j), tile.into_raw_vec_and_offset().0));
        }
        return Ok(());
    }
    let temporary = temporary_path(path);
    let parquet = Format::of(path) == Some(Format::Parquet);
    let mut writer = if parquet {
        Ok(MatrixOut::Whole(Array2::from_elem(
            (names.len(), names.len()),
            f64::NAN,
        )))
    } else {
        let names: Vec<&str> = names.iter().map(String::as_str).collect();
        MatrixWriter::create(&temporary, "data", &names)
            .map(MatrixOut::Frame)
            .map_err(|e| e.to_string())
    };
    let mut place = |(i, j): (usize, usize), tile: ndarray::ArrayView2<'_, f64>| {
        let (rows, columns) = (plan.block_series(i).start, plan.block_series(j).start);
        let written = match &mut writer {
            Ok(MatrixOut::Frame(matrix)) => matrix.write_tile(rows, columns, tile).and_then(|()| {
                if i == j {
                    Ok(())
                } else {
                    matrix.write_tile(columns, rows, tile.t())
                }
            }),
            Ok(MatrixOut::Whole(matrix)) => {
                let (height, width) = tile.dim();
                matrix
                    .slice_mut(ndarray::s![rows..rows + height, columns..columns + width])
                    .assign(&tile);
                matrix
                    .slice_mut(ndarray::s![columns..columns + width, rows..rows + height])
                    .assign(&tile.t());
                Ok(())
            }
            Err(_) => Ok(()),
        };
        if let Err(error) = written {
            writer = Err(error.to_string());
        }
    };
    for (pair, tile) in &tiles {
        place(*pair, tile.view());
    }
    for rank in 1..world.size() {
        let count: usize = world.receive_from(rank);
        for _ in 0..count {
            let ((i, j), values): Tile = world.receive_from(rank);
            let shape = (plan.block_series(i).len(), plan.block_series(j).len());
            let tile = Array2::from_shape_vec(shape, values).map_err(|e| e.to_string())?;
            place((i, j), tile.view());
        }
    }
    let matrix = match writer? {
        MatrixOut::Whole(matrix) => return write_matrix_table(path, names, matrix),
        MatrixOut::Frame(matrix) => matrix,
    };
    let finished = matrix.finish().map_err(|e| e.to_string());
    let moved = finished.and_then(|()| {
        std::fs::rename(&temporary, path)
            .map_err(|e| format!("cannot move the matrix to {}: {e}", path.display()))
    });
    if moved.is_err() {
        let _ = std::fs::remove_file(&temporary);
    }
    moved
}
