//! `pardata bench partitions`: the tuning lesson. The same query (the sum and count of
//! `x % 1000` over `Frame::range` of `--rows` numbers) runs on 1 to 10,000 partitions per
//! rank: too few partitions leave threads idle, too many pay each partition's fixed cost
//! (a batch through the steps, a fold into the groups). It prints the wall time of each
//! count (the best of three) and the time per partition, estimates the fixed cost of a
//! partition as the slope between 100 and the most partitions per rank, and with
//! `--plot FILE.svg` draws the curve.

use std::fmt;
use std::path::PathBuf;
use std::time::Instant;

use arrow::array::{Array, AsArray, RecordBatch};
use arrow::datatypes::Int64Type;
use serde::Serialize;

use crate::frame::{col, lit, Agg, AggFunc, Frame, FrameError};
use crate::report::plot::line_chart_svg;
use crate::runtime::{JobFailure, World};

/// The partitions per rank measured.
pub const PARTITIONS_PER_RANK: [usize; 13] =
    [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000];

/// What to measure.
#[derive(Debug, Clone)]
pub struct TuningOptions {
    /// The rows of the query, over every rank.
    pub rows: u64,
    /// Draw the curve here.
    pub plot: Option<PathBuf>,
}

/// One count of partitions.
#[derive(Debug, Clone, Serialize)]
pub struct Point {
    pub partitions_per_rank: usize,
    pub rows_per_partition: u64,
    /// The wall seconds of the query (best of three).
    pub seconds: f64,
    /// `seconds` over the partitions one rank runs, in microseconds.
    pub micros_per_partition: f64,
}

/// The figures of `bench partitions`.
#[derive(Debug, Serialize)]
pub struct TuningSummary {
    pub ranks: usize,
    pub threads_per_rank: usize,
    pub rows: u64,
    pub points: Vec<Point>,
    /// The fixed cost of a partition: the slope of the wall time between 100 partitions
    /// per rank and the most, in microseconds per partition one rank runs.
    pub overhead_micros: f64,
    /// The partitions per rank of the fastest run.
    pub best_partitions_per_rank: usize,
    pub plot: Option<PathBuf>,
}

impl fmt::Display for TuningSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "bench partitions: sum of x % 1000 over {} rows, {} ranks x {} threads",
            self.rows, self.ranks, self.threads_per_rank
        )?;
        writeln!(
            f,
            "  {:>10} {:>14} {:>10} {:>16}",
            "parts/rank", "rows/partition", "wall ms", "us per partition"
        )?;
        for p in &self.points {
            writeln!(
                f,
                "  {:>10} {:>14} {:>10.2} {:>16.2}",
                p.partitions_per_rank,
                p.rows_per_partition,
                p.seconds * 1e3,
                p.micros_per_partition
            )?;
        }
        write!(
            f,
            "  fastest at {} partitions per rank; each partition costs {:.2} us more \
             (the slope from 100 partitions per rank to the most)",
            self.best_partitions_per_rank, self.overhead_micros
        )?;
        if let Some(plot) = &self.plot {
            write!(f, "\n  curve drawn in {}", plot.display())?;
        }
        Ok(())
    }
}

/// Runs the sweep (a collective: every rank calls it).
pub fn partitions(world: &World, options: &TuningOptions) -> Result<TuningSummary, JobFailure> {
    let ranks = world.size();
    let mut points = Vec::with_capacity(PARTITIONS_PER_RANK.len());
    for per_rank in PARTITIONS_PER_RANK {
        let partitions = per_rank * ranks;
        let frame = Frame::range(world, "x", options.rows, partitions)?;
        let query = frame
            .select(&[("y", col("x").rem(lit(1000)))])
            .group_by(&[])
            .agg(&[
                ("sum", Agg::new(AggFunc::Sum, col("y"))),
                ("count", Agg::count_rows()),
            ]);
        let mut best = f64::INFINITY;
        for _ in 0..3 {
            world.barrier();
            let started = Instant::now();
            let answer = query.collect()?;
            let seconds = world.broadcast(Some(&started.elapsed().as_secs_f64()));
            best = best.min(seconds);
            world.agree(answer.map_or(Ok(()), |batch| check(&batch, options.rows)))?;
        }
        points.push(Point {
            partitions_per_rank: per_rank,
            rows_per_partition: options.rows / partitions as u64,
            seconds: best,
            micros_per_partition: best * 1e6 / per_rank as f64,
        });
    }
    let at = |per_rank: usize| points.iter().find(|p| p.partitions_per_rank == per_rank);
    let (from, to) = (at(100), points.last());
    let overhead_micros = match (from, to) {
        (Some(from), Some(to)) if to.partitions_per_rank > from.partitions_per_rank => {
            (to.seconds - from.seconds) * 1e6
                / (to.partitions_per_rank - from.partitions_per_rank) as f64
        }
        _ => 0.0,
    };
    let best_partitions_per_rank = points
        .iter()
        .min_by(|a, b| a.seconds.total_cmp(&b.seconds))
        .map_or(1, |p| p.partitions_per_rank);
    if let Some(plot) = &options.plot {
        let drawn = match world.is_root() {
            true => {
                let curve: Vec<(String, f64)> = points
                    .iter()
                    .map(|p| (p.partitions_per_rank.to_string(), p.seconds * 1e3))
                    .collect();
                let title = format!(
                    "wall ms by partitions per rank ({} rows, {} ranks)",
                    options.rows, ranks
                );
                line_chart_svg(plot, &title, &curve)
            }
            false => Ok(()),
        };
        world.agree(drawn)?;
    }
    Ok(TuningSummary {
        ranks,
        threads_per_rank: world.threads().per_rank,
        rows: options.rows,
        points,
        overhead_micros,
        best_partitions_per_rank,
        plot: options.plot.clone(),
    })
}

/// Whether the query's answer is the sum and count of `x % 1000` over `0..rows`.
fn check(batch: &RecordBatch, rows: u64) -> Result<(), FrameError> {
    let value = |i: usize| {
        batch
            .column(i)
            .as_primitive_opt::<Int64Type>()
            .filter(|c| c.len() == 1 && c.is_valid(0))
            .map(|c| c.value(0))
    };
    let (whole, rest) = (rows / 1000, rows % 1000);
    let expected_sum = (whole * 999 * 1000 / 2 + rest * rest.saturating_sub(1) / 2) as i64;
    match (value(0), value(1)) {
        (Some(sum), Some(count)) if sum == expected_sum && count == rows as i64 => Ok(()),
        got => Err(FrameError::Internal(format!(
            "bench partitions: the answer {got:?} is not the sum {expected_sum} and count \
             {rows}"
        ))),
    }
}
