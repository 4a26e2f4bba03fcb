//! `correlate` in bounded memory (`--memory`): series longer than a rank's memory are cut
//! along time too, and each block pair's partial sums accumulate over the time chunks.
//!
//! The series are the columns of wide Parquet tables (rows are times). The block pairs
//! are shared out as in memory ([`PairPlan`]); then, chunk after chunk of rows, each rank
//! reads its own series' rows of the chunk (only those columns), one all-to-all brings
//! each rank the rows of the series its block pairs need, and each block pair adds the
//! chunk to its sums. A rank holds one chunk of the series it owns and needs, and six
//! sums per block pair, so its memory is bounded by the chunk's rows, which the budget
//! sets.
//!
//! The sums, for a pair (a, b) over the rows where both have a value (pairwise-complete,
//! as pandas): the count `n`, `Σx`, `Σy`, `Σx²`, `Σy²`, `Σxy`, with every value first
//! shifted by its series' first finite value, so that the sums are of deviations and the
//! one-pass formulas do not cancel (and a constant series is exactly zero, its variance
//! exactly 0, its pairs NaN as pandas gives them):
//! `r = (Σxy - ΣxΣy/n) / sqrt((Σx² - (Σx)²/n) (Σy² - (Σy)²/n))`, NaN when a variance is
//! not positive or `n` is below the rule's minimum. A tile of rows where no value of
//! either block is missing costs one matrix product (`Σxy`) and the row sums; otherwise
//! six products against the 0/1 masks.
//!
//! The arithmetic goes tile by tile, [`TIME_TILE`] rows each, in time order, whatever the
//! chunk: so the bytes of the answer depend neither on the budget nor on the rank count.
//! Pearson only: Spearman's ranks need each series whole.

use std::cell::OnceCell;
use std::collections::BTreeMap;
use std::path::PathBuf;
use std::time::Instant;

use ndarray::Array2;
use serde::Serialize;

use super::engines::Computed;
use super::kernel::Rule;
use super::{CorrelateOptions, Found};
use crate::patterns::pairs::{exchange, ExchangeVolume, PairPlan, BLOCK_SIZE};
use crate::runtime::{Activity, JobFailure, World};
use crate::table::stream::{shape, NumberStream};

/// The rows of one step of the arithmetic (see the module header).
pub const TIME_TILE: usize = 8192;

/// How a bounded run went, for the summary.
#[derive(Debug, Clone, Serialize)]
pub struct Bounded {
    /// The budget per rank, in bytes.
    pub memory: u64,
    /// The rows of each series.
    pub rows: u64,
    /// The rows of one chunk.
    pub chunk_rows: usize,
    /// The number of chunks.
    pub chunks: usize,
}

/// The bytes of the whole data, `rows` values of `series` series of f64.
pub fn data_bytes(rows: u64, series: usize) -> u64 {
    rows.saturating_mul(series as u64).saturating_mul(8)
}

/// The footers' view of the inputs: the rows and the series (a collective).
pub(super) fn inputs(
    world: &World,
    files: &[PathBuf],
    options: &CorrelateOptions,
) -> Result<(u64, Vec<String>), JobFailure> {
    let (rows, numeric) =
        world.agree(shape(files, options.columns.time.as_deref()).map_err(|e| e.to_string()))?;
    Ok((rows, options.columns.columns.clone().unwrap_or(numeric)))
}

/// The partial sums of one block pair (see the module header).
struct Sums {
    n: Array2<f64>,
    x: Array2<f64>,
    y: Array2<f64>,
    xx: Array2<f64>,
    yy: Array2<f64>,
    xy: Array2<f64>,
}

impl Sums {
    fn new(rows: usize, columns: usize) -> Sums {
        let zero = || Array2::zeros((rows, columns));
        Sums {
            n: zero(),
            x: zero(),
            y: zero(),
            xx: zero(),
            yy: zero(),
            xy: zero(),
        }
    }

    /// Adds one tile of rows of the two blocks.
    fn add(&mut self, a: &TileBlock, b: &TileBlock) {
        let product = super::kernel::add_product;
        product(&mut self.xy, a.values.view(), b.values.view());
        if a.complete && b.complete {
            let rows = a.values.ncols() as f64;
            for ((i, j), n) in self.n.indexed_iter_mut() {
                *n += rows;
                self.x[[i, j]] += a.sums[i];
                self.y[[i, j]] += b.sums[j];
                self.xx[[i, j]] += a.squares[i];
                self.yy[[i, j]] += b.squares[j];
            }
        } else {
            let ((mask_a, squares_a), (mask_b, squares_b)) = (a.masked(), b.masked());
            product(&mut self.n, mask_a.view(), mask_b.view());
            product(&mut self.x, a.values.view(), mask_b.view());
            product(&mut self.y, mask_a.view(), b.values.view());
            product(&mut self.xx, squares_a.view(), mask_b.view());
            product(&mut self.yy, mask_a.view(), squares_b.view());
        }
    }

    /// The correlation of row `i` with column `j` by `rule`.
    fn correlation(&self, i: usize, j: usize, rule: &Rule) -> f64 {
        let n = self.n[[i, j]];
        if !rule.enough(n as usize) {
            return f64::NAN;
        }
        let (x, y) = (self.x[[i, j]], self.y[[i, j]]);
        let covariance = self.xy[[i, j]] - x * y / n;
        let (var_x, var_y) = (self.xx[[i, j]] - x * x / n, self.yy[[i, j]] - y * y / n);
        if var_x <= 0.0 || var_y <= 0.0 || !var_x.is_finite() || !var_y.is_finite() {
            return f64::NAN;
        }
        (covariance / (var_x * var_y).sqrt()).clamp(-1.0, 1.0)
    }
}

/// One block's rows of one tile: values shifted, zero where missing (NaN, or an infinity,
/// which `DataFrame.corr` leaves out too).
struct TileBlock {
    values: Array2<f64>,
    /// Whether no value is missing.
    complete: bool,
    sums: Vec<f64>,
    squares: Vec<f64>,
    /// The 0/1 mask and the squared values, made when a pair needs them.
    masks: OnceCell<(Array2<f64>, Array2<f64>)>,
}

impl TileBlock {
    /// Rows `rows` of the block's `series` (each its chunk), shifted by `shifts`.
    fn new(series: &[&[f64]], shifts: &[f64], rows: std::ops::Range<usize>) -> TileBlock {
        let mut values = Array2::zeros((series.len(), rows.len()));
        let mut complete = true;
        for (k, (chunk, shift)) in series.iter().zip(shifts).enumerate() {
            for (to, from) in values.row_mut(k).iter_mut().zip(&chunk[rows.clone()]) {
                if !from.is_finite() {
                    complete = false;
                } else {
                    *to = from - shift;
                }
            }
        }
        let sums = values.rows().into_iter().map(|r| r.sum()).collect();
        let squares = values
            .rows()
            .into_iter()
            .map(|r| r.iter().map(|v| v * v).sum())
            .collect();
        // The mask, read from the source again.
        let masks = OnceCell::new();
        if !complete {
            let mut mask = Array2::zeros(values.raw_dim());
            for (k, chunk) in series.iter().enumerate() {
                for (m, from) in mask.row_mut(k).iter_mut().zip(&chunk[rows.clone()]) {
                    *m = if from.is_finite() { 1.0 } else { 0.0 };
                }
            }
            let squared = values.mapv(|v| v * v);
            let _ = masks.set((mask, squared));
        }
        TileBlock {
            values,
            complete,
            sums,
            squares,
            masks,
        }
    }

    /// The mask and the squares (a mask of ones for a complete block).
    fn masked(&self) -> &(Array2<f64>, Array2<f64>) {
        self.masks.get_or_init(|| {
            (
                Array2::ones(self.values.raw_dim()),
                self.values.mapv(|v| v * v),
            )
        })
    }
}

/// The rows of a chunk this rank can hold in `memory` bytes (with the matrix's tiles when
/// `matrix`), a multiple of [`TIME_TILE`], or what it needs at least.
fn chunk_rows_within(
    plan: &PairPlan,
    rank: usize,
    ranks: usize,
    memory: u64,
    matrix: bool,
) -> Result<usize, u64> {
    let owned = plan.owned_by(rank);
    let needed = plan.needed_by(rank).len();
    let sent: usize = (0..ranks)
        .filter(|&r| r != rank)
        .map(|r| {
            plan.needed_by(r)
                .iter()
                .filter(|i| owned.contains(i))
                .count()
        })
        .sum();
    let block_area: usize = plan
        .pairs_of(rank)
        .iter()
        .map(|&(i, j)| plan.block_series(i).len() * plan.block_series(j).len())
        .sum();
    // Six sums per block pair, a tile's values, masks and squares per needed series, the
    // reader's batch and leftover per owned series, and the tile of results.
    // (With the matrix, its tiles too.)
    let sums = if matrix { 7 } else { 6 };
    let fixed = 8 * (sums * block_area + 3 * needed * TIME_TILE + 2 * owned.len() * TIME_TILE)
        + 8 * BLOCK_SIZE * BLOCK_SIZE;
    // Per row of a chunk: the owned values read, the values sent, and those received, twice
    // (the exchange's buffer, and each series taken out of it).
    let per_row = 8 * (owned.len() + sent + 2 * needed).max(1);
    let least = (fixed + per_row * TIME_TILE) as u64;
    if memory < least {
        return Err(least);
    }
    let rows = (memory as usize - fixed) / per_row;
    Ok(rows / TIME_TILE * TIME_TILE)
}

/// The block pairs of the series `names` of `files`, in bounded memory (a collective).
pub(super) fn correlate_bounded(
    world: &World,
    files: &[PathBuf],
    names: &[String],
    rows: u64,
    options: &CorrelateOptions,
    memory: u64,
) -> Result<(PairPlan, Computed, Bounded), JobFailure> {
    if options.rule.method != super::kernel::Method::Pearson {
        return world.fail_together(
            "--memory computes Pearson's correlation (Spearman's ranks need each series whole): leave out --memory or --method spearman",
        );
    }
    let plan = PairPlan::new(names.len(), world.size());
    let matrix = options.matrix.is_some();
    let fits = chunk_rows_within(&plan, world.rank(), world.size(), memory, matrix).map_err(|least| {
        format!(
            "--memory {} is too small for {} series: a rank needs at least {} for one tile of {TIME_TILE} rows",
            show_bytes(memory),
            names.len(),
            show_bytes(least)
        )
    });
    let fits = world.agree(fits)?;
    let total = rows as usize;
    let chunk_rows = world
        .all_gather(&fits)
        .into_iter()
        .min()
        .unwrap_or(TIME_TILE)
        .min(total.div_ceil(TIME_TILE).max(1) * TIME_TILE);
    let chunks = total.div_ceil(chunk_rows);

    let owned = plan.owned_by(world.rank());
    let mut stream = NumberStream::new(files.to_vec(), names[owned.clone()].to_vec(), TIME_TILE);
    let blocks = plan.blocks_of(world.rank());
    let mut sums: BTreeMap<(usize, usize), Sums> = plan
        .pairs_of(world.rank())
        .iter()
        .map(|&(i, j)| {
            let shape = (plan.block_series(i).len(), plan.block_series(j).len());
            ((i, j), Sums::new(shape.0, shape.1))
        })
        .collect();
    let mut shifts: Vec<Option<f64>> = vec![None; names.len()];
    let mut volume = ExchangeVolume::default();
    let mut progress = world.progress("time chunks", Some((chunks * world.size()) as u64));
    let mut compute_seconds = 0.0;
    for chunk in 0..chunks {
        let length = chunk_rows.min(total - chunk * chunk_rows);
        let read = world.time(Activity::Io, "read chunk", || stream.next_rows(length));
        let read = read.map_err(|e| e.to_string()).and_then(|values| {
            match values.iter().find(|v| v.len() != length) {
                Some(short) => Err(format!(
                    "the files hold fewer rows than their footers say ({} of {length} in chunk {chunk})",
                    short.len()
                )),
                None => Ok(values),
            }
        });
        let mine = world.agree(read)?;
        let (series, moved) = exchange(world, &plan, mine, &vec![length; names.len()]);
        volume.sent_values += moved.sent_values;
        volume.received_values += moved.received_values;
        volume.needed_values += moved.needed_values;
        let started = Instant::now();
        world.time(Activity::Compute, format!("chunk {chunk}"), || {
            for start in (0..length).step_by(TIME_TILE) {
                let tile = start..(start + TIME_TILE).min(length);
                let tiles: BTreeMap<usize, TileBlock> = blocks
                    .iter()
                    .map(|&b| {
                        let members = plan.block_series(b);
                        let values: Vec<&[f64]> =
                            members.clone().map(|s| series[&s].as_slice()).collect();
                        let shift: Vec<f64> = members
                            .zip(&values)
                            .map(|(s, v)| {
                                if shifts[s].is_none() {
                                    shifts[s] =
                                        v[tile.clone()].iter().copied().find(|x| x.is_finite());
                                }
                                shifts[s].unwrap_or(0.0)
                            })
                            .collect();
                        (b, TileBlock::new(&values, &shift, tile.clone()))
                    })
                    .collect();
                for (&(i, j), pair) in sums.iter_mut() {
                    pair.add(&tiles[&i], &tiles[&j]);
                }
            }
        });
        compute_seconds += started.elapsed().as_secs_f64();
        progress.advance(1);
    }
    progress.finish();

    let mut found = Found::new(options.top, options.threshold);
    let mut tiles = Vec::new();
    for (&(i, j), pair) in &sums {
        let (rows_of, columns_of) = (plan.block_series(i), plan.block_series(j));
        let mut tile = Array2::from_elem((rows_of.len(), columns_of.len()), f64::NAN);
        for a in rows_of.clone() {
            for b in columns_of.clone().filter(|&b| b >= a) {
                let (r, c) = (a - rows_of.start, b - columns_of.start);
                let mut corr = pair.correlation(r, c, &options.rule);
                if a == b && !corr.is_nan() {
                    corr = 1.0;
                }
                tile[[r, c]] = corr;
                if i == j {
                    tile[[c, r]] = corr;
                }
                if a < b {
                    found.offer(a, b, corr);
                }
            }
        }
        if options.matrix.is_some() {
            tiles.push(((i, j), tile));
        }
    }
    let seconds = world
        .all_gather(&compute_seconds)
        .into_iter()
        .fold(0.0, f64::max);
    let report = Bounded {
        memory,
        rows,
        chunk_rows: chunk_rows.min(total),
        chunks,
    };
    Ok((plan, (found, tiles, volume, seconds), report))
}

/// Bytes as a person reads them (`2.0 GiB`).
pub fn show_bytes(bytes: u64) -> String {
    let units = ["B", "KiB", "MiB", "GiB", "TiB"];
    let mut value = bytes as f64;
    let mut unit = 0;
    while value >= 1024.0 && unit + 1 < units.len() {
        value /= 1024.0;
        unit += 1;
    }
    if unit == 0 {
        format!("{bytes} B")
    } else {
        format!("{value:.1} {}", units[unit])
    }
}

/// The physical memory of this node, in bytes (`MemTotal` of `/proc/meminfo`), if known.
pub fn node_memory() -> Option<u64> {
    let info = std::fs::read_to_string("/proc/meminfo").ok()?;
    let line = info.lines().find(|l| l.starts_with("MemTotal:"))?;
    let kib: u64 = line.split_whitespace().nth(1)?.parse().ok()?;
    Some(kib * 1024)
}
