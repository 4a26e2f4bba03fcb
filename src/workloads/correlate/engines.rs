//! The three ways `correlate` computes its block pairs (`--engine`), all giving the same
//! bytes: `blocks` (each rank receives the series its pairs need once), `futures` (each
//! block pair a task carrying its two blocks: the tutorial's lesson on data movement) and
//! `bag` (the tutorial's collections pipeline on [`Bag`]).

use std::collections::BTreeMap;
use std::rc::Rc;
use std::time::Instant;

use ndarray::Array2;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use super::block::{assemble_blocks, block_pair, Block, Pairs};
use super::kernel::Rule;
use super::screen::{self, Screened};
use super::{CorrelateOptions, Found, Kind, Precision};
use crate::patterns::bag::Bag;
use crate::patterns::futures::{self, Options, Task};
use crate::patterns::pairs::{exchange, ExchangeVolume, PairPlan, BLOCK_SIZE};
use crate::runtime::progress::Progress;
use crate::runtime::wire::Floats;
use crate::runtime::{Activity, World};

/// What one rank computed: the pairs it found, its tiles (when the matrix is wanted), what it
/// exchanged, and the longest time a rank spent on block pairs.
pub(super) type Computed = (Found, Tiles, ExchangeVolume, f64);

/// Tiles of the matrix by block pair.
type Tiles = Vec<((usize, usize), Array2<f64>)>;

/// What every engine starts from: this rank's prepared series (standardized on the fast
/// path, raw otherwise, empty for constant ones) and what every rank knows of all series.
pub(super) struct Prepared {
    pub(super) series: Vec<Vec<f64>>,
    pub(super) lengths: Vec<usize>,
    pub(super) kinds: Vec<Kind>,
    pub(super) common: usize,
}

/// One block pair's outcome as it travels: the pair, its tile's values (empty unless the
/// matrix is wanted) and what it found.
type PairOutcome = ((usize, usize), Vec<f64>, Found);

/// The block pairs over the ranks that hold their series (the default engine), and what
/// the screen did when there was one.
pub(super) fn blocks_engine(
    world: &World,
    plan: &PairPlan,
    prepared: &mut Prepared,
    options: &CorrelateOptions,
    progress: &mut Progress<'_>,
) -> (Computed, Option<Screened>) {
    let owned = std::mem::take(&mut prepared.series);
    let (series, volume) = exchange(world, plan, owned, &prepared.lengths);
    let kinds = &prepared.kinds;
    let blocks = world.time(Activity::Compute, "assemble blocks", || {
        assemble_blocks(plan, world.rank(), series, kinds, prepared.common)
    });
    let mut found = Found::new(options.top, options.threshold);
    let mut tiles = Vec::new();
    let started = Instant::now();
    let pairs = plan.pairs_of(world.rank());
    let (needed, screened) = match options.precision {
        Precision::Exact => (None, None),
        Precision::Screen => Some(
            world.time_enclosing(Activity::Compute, "screen in f32", || {
                screen::needed_pairs(
                    world,
                    pairs,
                    &blocks,
                    &options.rule,
                    options.top,
                    options.threshold,
                )
            }),
        )
        .map_or((None, None), |(needed, screened)| {
            (Some(needed), Some(screened))
        }),
    };
    // A round of block pairs at a time, one on each of the rank's threads; what they
    // found is taken in pair order, as one thread would.
    for round in pairs.chunks(world.threads().per_rank.max(1)) {
        let name = match round {
            [(i, j)] => format!("block pair ({i}, {j})"),
            [(i, j), .., (k, l)] => format!("block pairs ({i}, {j}) to ({k}, {l})"),
            [] => continue,
        };
        let outcomes: Vec<_> = world.time(Activity::Compute, name, || {
            round
                .par_iter()
                .map(|&(i, j)| {
                    let mut part = Found::new(options.top, options.threshold);
                    let which = match &needed {
                        Some(needed) if !needed.contains(&(i, j)) => Pairs::OffTheFastPath,
                        _ => Pairs::All,
                    };
                    let blocks = (&blocks[&i], &blocks[&j]);
                    let tile = block_pair(plan, blocks, kinds, &options.rule, which, &mut part);
                    (tile, part)
                })
                .collect()
        });
        for (&pair, (tile, part)) in round.iter().zip(outcomes) {
            found.merge(part);
            if options.matrix.is_some() {
                tiles.push((pair, tile));
            }
            progress.advance(1);
        }
    }
    let seconds = world
        .all_gather(&started.elapsed().as_secs_f64())
        .into_iter()
        .fold(0.0, f64::max);
    ((found, tiles, volume, seconds), screened)
}

/// One block pair as a task of the futures executor: it carries the two blocks' series.
#[derive(Debug, Clone, Serialize, Deserialize)]
struct BlockPairTask {
    series: usize,
    kinds: Vec<Kind>,
    rule: Rule,
    top: usize,
    threshold: Option<f64>,
    matrix: bool,
    rows: Block,
    /// The column block, unless it is the row block.
    columns: Option<Block>,
}

impl Task for BlockPairTask {
    type Output = PairOutcome;
    type Error = String;

    fn run(&self) -> Result<PairOutcome, String> {
        let columns = self.columns.as_ref().unwrap_or(&self.rows);
        Ok(pair_outcome(
            &PairPlan::new(self.series, 1),
            &self.rows,
            columns,
            &self.kinds,
            &self.rule,
            Found::new(self.top, self.threshold),
            self.matrix,
        ))
    }

    fn describe(&self) -> String {
        let columns = self.columns.as_ref().unwrap_or(&self.rows);
        format!("block pair ({}, {})", self.rows.index, columns.index)
    }
}

/// Block pair (`rows`, `columns`) computed on its own.
fn pair_outcome(
    plan: &PairPlan,
    rows: &Block,
    columns: &Block,
    kinds: &[Kind],
    rule: &Rule,
    mut found: Found,
    matrix: bool,
) -> PairOutcome {
    let tile = block_pair(plan, (rows, columns), kinds, rule, Pairs::All, &mut found);
    let values = if matrix {
        tile.into_raw_vec_and_offset().0
    } else {
        Vec::new()
    };
    ((rows.index, columns.index), values, found)
}

/// The block pairs as tasks submitted to the futures executor (`--engine futures`): rank 0
/// gathers every series and sends each task the two blocks it needs, so the same block
/// travels many times: the tutorial's lesson on what moving data costs.
pub(super) fn futures_engine(
    world: &World,
    prepared: &Prepared,
    options: &CorrelateOptions,
) -> Computed {
    let Prepared {
        lengths,
        kinds,
        common,
        ..
    } = prepared;
    let series = kinds.len();
    let mine: Vec<f64> = prepared.series.concat();
    let gathered = world.gather_slices(&mine);
    let plan = PairPlan::new(series, 1);
    let started = Instant::now();
    let mut volume = ExchangeVolume {
        sent_values: if world.is_root() {
            0
        } else {
            mine.len() as u64
        },
        ..ExchangeVolume::default()
    };
    let outcome = futures::run(world, Options::default(), |ex| {
        let all = gathered.map(|(values, _)| values).unwrap_or_default();
        let mut offset = 0;
        let mut by_index = BTreeMap::new();
        for (index, &length) in lengths.iter().enumerate() {
            by_index.insert(index, all[offset..offset + length].to_vec());
            offset += length;
        }
        let blocks = assemble_blocks(&plan, 0, by_index, kinds, *common);
        let tasks: Vec<BlockPairTask> = plan
            .pairs_of(0)
            .iter()
            .map(|&(i, j)| BlockPairTask {
                series,
                kinds: kinds.to_vec(),
                rule: options.rule,
                top: options.top,
                threshold: options.threshold,
                matrix: options.matrix.is_some(),
                rows: blocks[&i].clone(),
                columns: (i != j).then(|| blocks[&j].clone()),
            })
            .collect();
        let carried: usize = tasks
            .iter()
            .map(|t| t.rows.carried_values() + t.columns.as_ref().map_or(0, Block::carried_values))
            .sum();
        let results: Vec<PairOutcome> = ex
            .map(tasks)
            // The tasks are this program's own arithmetic; an error here is a bug.
            .map(|result| result.unwrap_or_else(|e| panic!("{e}")))
            .collect();
        (results, offset as u64, carried as u64)
    });
    let (results, received, carried) = outcome.unwrap_or_default();
    volume.received_values = received;
    volume.sent_values += carried;
    let (found, tiles) = merge_outcomes(&plan, options, results);
    let seconds = world.broadcast(world.is_root().then_some(&started.elapsed().as_secs_f64()));
    (found, tiles, volume, seconds)
}

/// The block pairs as a `Bag` pipeline (`--engine bag`), the tutorial's solution at block
/// granularity: series -> group into blocks -> product with itself -> keep i <= j -> map
/// to the pair's correlations -> collect the top K.
pub(super) fn bag_engine(
    world: &World,
    plan: &PairPlan,
    prepared: &mut Prepared,
    options: &CorrelateOptions,
) -> Computed {
    let series = std::mem::take(&mut prepared.series);
    let (kinds, common) = (&prepared.kinds[..], prepared.common);
    let started = Instant::now();
    let first = plan.owned_by(world.rank()).start;
    let owned: Vec<(usize, Floats)> = series
        .into_iter()
        .enumerate()
        .map(|(k, v)| (first + k, Floats(v)))
        .collect();
    let blocks = Bag::from_local(world, owned)
        .group_by(|(s, _)| s / BLOCK_SIZE)
        .map(|(b, members)| {
            Rc::new(Block::assemble(
                b,
                members.into_iter().map(|(s, v)| (s, v.0)).collect(),
                kinds,
                common,
            ))
        })
        .persist();
    let (matrix, rule) = (options.matrix.is_some(), options.rule);
    let fresh = Found::new(options.top, options.threshold);
    let outcomes = blocks
        .bag()
        .product(blocks.bag())
        .filter(|(a, b)| a.index <= b.index)
        .map(move |(a, b)| pair_outcome(plan, &a, &b, kinds, &rule, fresh.clone(), matrix))
        .collect();
    let (found, tiles) = merge_outcomes(plan, options, outcomes.unwrap_or_default());
    let local = world.local_metrics();
    let volume = ExchangeVolume {
        sent_values: local.bytes_sent / 8,
        received_values: local.bytes_received / 8,
        needed_values: 0,
    };
    let seconds = world.broadcast(world.is_root().then_some(&started.elapsed().as_secs_f64()));
    (found, tiles, volume, seconds)
}

/// What was found and the tiles of block pairs computed elsewhere.
fn merge_outcomes(
    plan: &PairPlan,
    options: &CorrelateOptions,
    outcomes: Vec<PairOutcome>,
) -> (Found, Tiles) {
    let mut found = Found::new(options.top, options.threshold);
    let mut tiles = Vec::new();
    for ((i, j), tile, part) in outcomes {
        found.merge(part);
        if !tile.is_empty() {
            let shape = (plan.block_series(i).len(), plan.block_series(j).len());
            // The tile was made with this shape; a mismatch is a bug.
            let tile = Array2::from_shape_vec(shape, tile).unwrap_or_else(|e| panic!("{e}"));
            tiles.push(((i, j), tile));
        }
    }
    (found, tiles)
}
