//! `repartition(n)`: a frame's rows cut into `n` partitions of equal row counts, in row
//! order, and spread over the ranks (each rank holds its block of the partitions, as it
//! holds its block of a scan's pieces).
//!
//! Semantics: with `N` rows, partition `p` holds rows `p * N / n` up to `(p + 1) * N / n`
//! (so their sizes differ by one at most, and some are empty when `n > N`). Which rows
//! land in which partition depends only on the rows' order, never on the rank count: a
//! frame written one file per partition ([`super::Frame::write_partitions`]) is the same
//! files at every rank count. The rows are renumbered in their new order, so the steps
//! after a repartition (a sort's ties, `first` and `last`) see that order as file order.
//!
//! How it runs: the steps before it leave each rank its rows (row-wise steps) or rank 0
//! all of them (a group-by, a sort, a limit); the ranks learn each other's row counts,
//! and one all-to-all sends each run of rows to the rank of its partition. That also
//! evens out ranks that a selective filter or a skewed set of files left unequal.

use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, UInt64Array};
use arrow::compute::concat_batches;
use arrow::datatypes::SchemaRef;

use super::run::{rank_rows, send_rows, Input};
use super::{FrameError, Step, PLACE};
use crate::patterns::map::block;
use crate::runtime::{JobFailure, World};

/// Where the plan `steps` starts: after its last repartition, on the partitions this
/// rank holds, or at `base` (the plan's scan, or the rows it was made of); and the steps
/// left to run. A collective when there is a repartition.
pub(super) fn input<'a, 's>(
    world: &World,
    base: Input<'a>,
    steps: &'s [Step],
) -> Result<(Input<'a>, &'s [Step]), JobFailure> {
    let last = steps
        .iter()
        .rposition(|s| matches!(s, Step::Repartition(_)));
    match last {
        Some(at) => {
            let (schema, partitions) = held(world, base, steps, at)?;
            let rows = partitions.into_iter().map(|(_, rows)| rows).collect();
            Ok((Input::Held(schema, rows), &steps[at + 1..]))
        }
        None => Ok((base, steps)),
    }
}

/// The partitions this rank holds after the repartition `steps[at]` of a plan that
/// starts at `base`, each with its index, and their columns (with places). A collective.
pub(super) fn held(
    world: &World,
    base: Input<'_>,
    steps: &[Step],
    at: usize,
) -> Result<(SchemaRef, Vec<(usize, RecordBatch)>), JobFailure> {
    let Step::Repartition(partitions) = steps[at] else {
        return world.fail_together(FrameError::Internal("no repartition there".into()));
    };
    let (input, before) = input(world, base, &steps[..at])?;
    let (schema, rows) = rank_rows(world, input, before)?;
    let held = repartition(world, &schema, rows, partitions)?;
    Ok((schema, held))
}

/// The first row of each of `partitions` partitions of `total` rows, and `total` last.
pub(super) fn starts(total: u64, partitions: usize) -> Vec<u64> {
    (0..=partitions)
        .map(|p| (u128::from(total) * p as u128 / partitions as u128) as u64)
        .collect()
}

/// Sends this rank's `rows` (the ranks' rows in rank order are the rows' order) to the
/// ranks of their partitions; returns this rank's block of the `partitions` partitions
/// (at least one), each with its index, the rows renumbered in order. A collective.
fn repartition(
    world: &World,
    schema: &SchemaRef,
    rows: Vec<RecordBatch>,
    partitions: usize,
) -> Result<Vec<(usize, RecordBatch)>, JobFailure> {
    let partitions = partitions.max(1);
    let ranks = world.size();
    let local: u64 = rows.iter().map(|b| b.num_rows() as u64).sum();
    let counts: Vec<u64> = world.all_gather(&local);
    let total: u64 = counts.iter().sum();
    let first: u64 = counts[..world.rank()].iter().sum();
    let starts = starts(total, partitions);
    // The rows rank r gets: from the start of its first partition to the start of the
    // partition after its last.
    let span = |rank: usize| {
        let owned = block(partitions, ranks, rank);
        starts[owned.start]..starts[owned.end]
    };
    let mut outgoing: Vec<Vec<RecordBatch>> = (0..ranks).map(|_| Vec::new()).collect();
    let mut offset = first;
    for batch in &rows {
        let end = offset + batch.num_rows() as u64;
        for (rank, out) in outgoing.iter_mut().enumerate() {
            let wanted = span(rank);
            let (from, to) = (wanted.start.max(offset), wanted.end.min(end));
            if from < to {
                out.push(batch.slice((from - offset) as usize, (to - from) as usize));
            }
        }
        offset = end;
    }
    // A place holds a row's number in its partition in 32 bits.
    let longest = starts.windows(2).map(|w| w[1] - w[0]).max().unwrap_or(0);
    if longest > u64::from(u32::MAX) {
        return world.fail_together(FrameError::TooLarge(format!(
            "a partition of {longest} rows is over 2^32 rows: repartition into more"
        )));
    }
    let got = send_rows(
        world,
        schema,
        Ok(outgoing),
        "a repartition",
        "repartition rows that each rank holds (before a group-by, sort or limit gathers \
         them on rank 0), on more ranks",
    )?;
    let owned = block(partitions, ranks, world.rank());
    let base = starts[owned.start];
    let cut = owned
        .map(|p| {
            let (from, to) = ((starts[p] - base) as usize, (starts[p + 1] - base) as usize);
            renumbered(got.slice(from, to - from), p).map(|batch| (p, batch))
        })
        .collect::<Result<Vec<_>, FrameError>>();
    world.agree(cut)
}

/// `batch` with its places renumbered as the rows of piece `partition`.
fn renumbered(batch: RecordBatch, partition: usize) -> Result<RecordBatch, FrameError> {
    let schema = batch.schema();
    let Ok(at) = schema.index_of(PLACE) else {
        return Ok(batch);
    };
    let base = (partition as u64) << 32;
    let places: ArrayRef = Arc::new(UInt64Array::from_iter_values(
        (0..batch.num_rows() as u64).map(|row| base + row),
    ));
    let mut columns = batch.columns().to_vec();
    columns[at] = places;
    RecordBatch::try_new(schema, columns).map_err(|e| FrameError::Internal(e.to_string()))
}

/// The rows of `batches` as one batch of `schema`.
pub(super) fn joined(
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<RecordBatch, FrameError> {
    concat_batches(schema, batches).map_err(|e| FrameError::Internal(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::starts;

    #[test]
    fn partitions_differ_by_one_row_at_most_and_cover_every_row() {
        assert_eq!(starts(10, 3), [0, 3, 6, 10]);
        assert_eq!(starts(2, 4), [0, 0, 1, 1, 2]);
        assert_eq!(starts(0, 2), [0, 0, 0]);
        let big = starts(u64::MAX / 2, 7);
        assert_eq!(big.last(), Some(&(u64::MAX / 2)));
        assert!(big.windows(2).all(|w| w[1] - w[0] <= u64::MAX / 14 + 1));
    }
}
