//! How a frame's plan runs: the scan of each rank's pieces with the row-wise steps on each
//! batch, the exchange that the first step needing all rows calls for, and the steps
//! after it on rank 0 ([`super`] states the stages).

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{ArrayRef, RecordBatch, RecordBatchOptions, UInt32Array, UInt64Array};
use arrow::compute::{
    cast, concat_batches, filter_record_batch, lexsort_to_indices, take_record_batch, SortColumn,
    SortOptions,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use rayon::prelude::*;

use super::aggregate::{self, Groups, Partial};
use super::expr::unpack;
use super::{order, wire, with_place, FrameError, SortKey, Step, PLACE};
use crate::patterns::map::block;
use crate::runtime::{JobFailure, World};
use crate::table::pieces::{agreed_keys, open_piece, Piece};
use crate::table::{files_of, jsonl, Format, PathProblem, ReadOptions, TableError};

/// The files under `paths` (folders give their table files, sorted) and their pieces,
/// as every rank agrees them.
pub(super) fn agreed_scan(
    world: &World,
    paths: &[PathBuf],
    options: &ReadOptions,
) -> Result<(Vec<PathBuf>, Vec<Piece>, ReadOptions), JobFailure> {
    let listed = files_of(paths, None).map_err(|problem| match problem {
        PathProblem::List(path, source) => TableError::Io { path, source },
        PathProblem::Empty(path) => TableError::Unknown {
            path,
            detail: "the folder holds no CSV, JSON Lines, Parquet or HDF5 file".into(),
        },
        PathProblem::Missing(path) => TableError::Io {
            path,
            source: std::io::Error::new(std::io::ErrorKind::NotFound, "no such file"),
        },
    });
    let files = world.agree(listed)?;
    let (pieces, options) = agreed_keys(world, &files, options)?;
    Ok((files, pieces, options))
}

/// The columns of the first file, in the types a frame computes with ([`plain`]).
pub(super) fn scan_schema(
    files: &[PathBuf],
    options: &ReadOptions,
) -> Result<SchemaRef, FrameError> {
    let Some(first) = files.first() else {
        return Err(FrameError::Internal("a scan of no files".into()));
    };
    // A JSON Lines file's columns come from a quick pass over its keys (nested values
    // are read as their JSON text): only the columns a run reads are typed further.
    let keys = match options.json_keys.get(first) {
        Some(keys) => Some(std::borrow::Cow::Borrowed(keys)),
        None if Format::of(first) == Some(Format::JsonLines) => {
            Some(std::borrow::Cow::Owned(jsonl::keys_of(first)?))
        }
        None => None,
    };
    let schema = match keys {
        Some(keys) => Arc::new(jsonl::text_schema(first, &keys, &options.types)?),
        None => crate::table::open(first, options)?.schema,
    };
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| {
            f.as_ref()
                .clone()
                .with_data_type(plain(f.data_type()))
                .with_nullable(true)
        })
        .collect();
    Ok(Arc::new(Schema::new(fields)))
}

/// The type of a text column read as a dictionary ([`ReadOptions::dictionaries`]).
pub(super) fn text_dictionary() -> DataType {
    DataType::Dictionary(Box::new(DataType::Int32), Box::new(DataType::Utf8))
}

/// The type a frame computes with: a dictionary as its values, every text type as utf8.
pub(super) fn plain(t: &DataType) -> DataType {
    match t {
        DataType::Dictionary(_, values) => plain(values),
        DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
        other => other.clone(),
    }
}

/// The schema after `steps`, found by running them on no rows.
pub(super) fn schema_after(placed: &SchemaRef, steps: &[Step]) -> Result<SchemaRef, FrameError> {
    let empty = RecordBatch::new_empty(placed.clone());
    Ok(run_local(empty, steps)?.schema())
}

/// The pieces a plan reads and how: each piece's batches, conformed to the scan's
/// columns, with their places, after some row-wise steps.
pub(crate) struct Source<'a> {
    pieces: &'a [Piece],
    options: &'a ReadOptions,
    /// The scan's columns as read: the plain ones, and the text columns the options ask
    /// as dictionaries ([`ReadOptions::dictionaries`]) as `Dictionary(Int32, Utf8)`.
    read: SchemaRef,
    placed: SchemaRef,
}

impl<'a> Source<'a> {
    pub(crate) fn new(
        pieces: &'a [Piece],
        options: &'a ReadOptions,
        scanned: &'a SchemaRef,
    ) -> Source<'a> {
        let fields: Vec<Field> = scanned
            .fields()
            .iter()
            .map(|f| match options.dictionaries.contains(f.name()) {
                true => f.as_ref().clone().with_data_type(text_dictionary()),
                false => f.as_ref().clone(),
            })
            .collect();
        let read = Arc::new(Schema::new(fields));
        Source {
            pieces,
            options,
            placed: with_place(&read),
            read,
        }
    }

    /// Piece `index`'s batches after `steps` (row-wise ones), the empty ones left out,
    /// into `sink`.
    pub(crate) fn piece(
        &self,
        index: usize,
        steps: &[Step],
        sink: &mut dyn FnMut(RecordBatch) -> Result<(), FrameError>,
    ) -> Result<(), FrameError> {
        let piece = &self.pieces[index];
        let mut row = 0u64;
        for batch in open_piece(piece, self.options)? {
            let batch = conform(batch?, &self.read, piece)?;
            let rows = batch.num_rows() as u64;
            let batch = add_places(batch, &self.placed, ((index as u64) << 32) + row)?;
            row += rows;
            let batch = run_local(batch, steps)?;
            if batch.num_rows() > 0 {
                sink(batch)?;
            }
        }
        Ok(())
    }

    /// The batches of the pieces `indices` after `steps` (row-wise ones), in order.
    pub(crate) fn rows(
        &self,
        indices: std::ops::Range<usize>,
        steps: &[Step],
    ) -> Result<Vec<RecordBatch>, FrameError> {
        let mut rows = Vec::new();
        for index in indices {
            self.piece(index, steps, &mut |batch| {
                rows.push(batch);
                Ok(())
            })?;
        }
        Ok(rows)
    }
}

/// Where a run's rows come from.
pub(super) enum Input<'a> {
    /// The files' pieces: each rank reads its block of them.
    Pieces(Source<'a>),
    /// The rows this rank already holds (a repartition's: [`super::partition`]), with
    /// their columns; the ranks' rows in rank order are the rows' order.
    Held(SchemaRef, Vec<RecordBatch>),
}

impl Input<'_> {
    /// The columns of the rows before any step, with their places.
    fn placed(&self) -> &SchemaRef {
        match self {
            Input::Pieces(source) => &source.placed,
            Input::Held(schema, _) => schema,
        }
    }
}

/// Runs the plan: a collective; rank 0 gets the rows (with the place column).
pub(super) fn collect(
    world: &World,
    base: Input<'_>,
    steps: &[Step],
) -> Result<Option<RecordBatch>, JobFailure> {
    let (input, steps) = super::partition::input(world, base, steps)?;
    run_input(world, input, steps)
}

/// Computes the right sides of the broadcast joins among `steps` (every join but the
/// shuffled one) and hashes them on every rank. A collective.
fn prepare_joins(
    world: &World,
    steps: &[Step],
    shuffled_at: Option<usize>,
) -> Result<(), JobFailure> {
    for (i, step) in steps.iter().enumerate() {
        if let Step::Join(join) = step {
            if Some(i) != shuffled_at && join.hashed.get().is_none() {
                let rows = join.right.run(world)?;
                let schema = world.agree(join.right.schema())?;
                let rows = broadcast_rows(world, &schema, rows.as_ref());
                // Kept only once every rank has it: a run after a failed one computes it
                // again on every rank, not only where it failed.
                join.keep(world.agree(rows.and_then(|rows| join.hashed_of(rows)))?);
            }
        }
    }
    Ok(())
}

/// This rank's rows after `steps` (with their places) and their columns; the ranks' rows
/// in rank order are the rows' order. When the steps are row-wise and no join is
/// shuffled, each rank keeps its own rows; otherwise every row is on rank 0, as
/// [`collect`] leaves them. A collective.
pub(super) fn rank_rows(
    world: &World,
    input: Input<'_>,
    steps: &[Step],
) -> Result<(SchemaRef, Vec<RecordBatch>), JobFailure> {
    let schema = world.agree(schema_after(input.placed(), steps))?;
    let row_wise = steps
        .iter()
        .all(|s| matches!(s, Step::Filter(_) | Step::Select(_) | Step::Join(_)));
    let shuffled = match input {
        Input::Pieces(_) => super::join::shuffled(world, steps),
        Input::Held(..) => None,
    };
    if !row_wise || shuffled.is_some() {
        let all = run_input(world, input, steps)?;
        return Ok((schema, all.into_iter().collect()));
    }
    prepare_joins(world, steps, None)?;
    let mut rows = Vec::new();
    let scanned = match &input {
        Input::Pieces(source) => {
            let mine = block(source.pieces.len(), world.size(), world.rank());
            source.rows(mine, steps).map(|batches| rows = batches)
        }
        Input::Held(_, batches) => held_rows(batches, steps, &mut |batch| {
            rows.push(batch);
            Ok(())
        }),
    };
    world.agree(scanned)?;
    Ok((schema, rows))
}

/// Held batches after `steps` (row-wise ones), the empty ones left out, into `sink`.
fn held_rows(
    batches: &[RecordBatch],
    steps: &[Step],
    sink: &mut dyn FnMut(RecordBatch) -> Result<(), FrameError>,
) -> Result<(), FrameError> {
    for batch in batches {
        let batch = run_local(batch.clone(), steps)?;
        if batch.num_rows() > 0 {
            sink(batch)?;
        }
    }
    Ok(())
}

/// Runs `steps` over `input`'s rows: a collective; rank 0 gets the rows (with the place
/// column).
fn run_input(
    world: &World,
    input: Input<'_>,
    steps: &[Step],
) -> Result<Option<RecordBatch>, JobFailure> {
    let split = steps
        .iter()
        .position(|s| !matches!(s, Step::Filter(_) | Step::Select(_) | Step::Join(_)))
        .unwrap_or(steps.len());
    let (row_wise, rest) = steps.split_at(split);
    let (source, mine) = match &input {
        Input::Pieces(source) => (
            Some(source),
            block(source.pieces.len(), world.size(), world.rank()),
        ),
        Input::Held(..) => (None, 0..0),
    };
    let shuffled_at = source.and_then(|_| super::join::shuffled(world, row_wise));
    prepare_joins(world, steps, shuffled_at)?;
    let streamed = world.agree(schema_after(input.placed(), row_wise))?;
    // A hash join's rows, on the rank of their key's hash: this rank's rows in file order,
    // spread over every piece.
    let joined = match (shuffled_at, source) {
        (Some(at), Some(source)) => Some(shuffle_join(world, source, mine.clone(), row_wise, at)?),
        _ => None,
    };
    // The units this rank reads, in order: its pieces, or the partitions it holds.
    let units = match &input {
        Input::Pieces(_) => mine.len(),
        Input::Held(_, batches) => batches.len(),
    };
    let scan_unit = |unit: usize,
                     sink: &mut dyn FnMut(RecordBatch) -> Result<(), FrameError>|
     -> Result<(), FrameError> {
        match &input {
            Input::Pieces(source) => source.piece(mine.start + unit, row_wise, sink),
            Input::Held(_, batches) => held_rows(&batches[unit..=unit], row_wise, sink),
        }
    };
    let scan =
        |sink: &mut dyn FnMut(RecordBatch) -> Result<(), FrameError>| -> Result<(), FrameError> {
            match &joined {
                Some(rows) => rows.iter().try_for_each(|batch| sink(batch.clone())),
                None => (0..units).try_for_each(|unit| scan_unit(unit, sink)),
            }
        };
    match rest {
        [Step::Aggregate { keys, aggs }, after @ ..] => {
            let key_exprs: Vec<_> = keys.iter().map(|(_, e)| e.clone()).collect();
            let agg_list: Vec<_> = aggs.iter().map(|(_, a)| a.clone()).collect();
            // Rows of one piece are on several ranks after a hash join: float sums after
            // any join are exact term by term, so that they depend neither on the rank
            // count nor on how the join ran.
            let exact = row_wise.iter().any(|s| matches!(s, Step::Join(_)));
            let groups =
                Groups::new(&key_exprs, &agg_list, &streamed).map(|g| g.exact_terms(exact));
            let groups = world.agree(groups)?;
            let output = world.agree(aggregated_schema(keys, aggs, &groups, &streamed))?;
            // The rank's pieces (or partitions) cut into one run per thread, each folded
            // into groups of its own: the same partial states as ranks of one thread each.
            let threads = match &joined {
                None => world.threads().per_rank.min(units),
                Some(_) => 1,
            };
            let ranks = world.size();
            let folded = match threads > 1 {
                false => {
                    let mut groups = groups;
                    scan(&mut |batch| groups.update(&batch)).map(|()| groups.into_partials(ranks))
                }
                true => (0..threads)
                    .into_par_iter()
                    .map(|t| {
                        let mut groups =
                            Groups::new(&key_exprs, &agg_list, &streamed)?.exact_terms(exact);
                        for unit in block(units, threads, t) {
                            scan_unit(unit, &mut |batch| groups.update(&batch))?;
                        }
                        Ok(groups.into_partials(ranks))
                    })
                    .collect::<Result<Vec<_>, FrameError>>()
                    .map(|runs| {
                        let mut runs = runs.into_iter();
                        let (plans, mut partials) = runs.next().unwrap_or_default();
                        runs.for_each(|(_, more)| partials.extend(more));
                        (plans, partials)
                    }),
            };
            let (plans, partials) = world.agree(folded)?;
            let received = world.agree(exchange(world, partials))?;
            let merged: Vec<Partial> = aggregate::merge(&plans, received).into_iter().collect();
            let finished = world.gather(&merged).map(|gathered| {
                let merged = aggregate::merge(&plans, gathered.into_iter().flatten());
                aggregate::finish(&key_exprs, &plans, &streamed, &output, &merged)
                    .and_then(|batch| add_places(batch, &with_place(&output), 0))
                    .and_then(|batch| run_local(batch, after))
            });
            world.agree(finished.transpose())
        }
        _ => {
            // Each rank cuts its rows down as far as the first steps allow, rank 0 runs
            // them all again on what is gathered.
            let mut kept: Vec<RecordBatch> = Vec::new();
            let reduced = match rest {
                [Step::Sort(keys), Step::Limit(k), ..] => {
                    let k = *k;
                    scan(&mut |batch| {
                        let mut both = std::mem::take(&mut kept);
                        both.push(batch);
                        let all = concat_batches(&streamed, &both)
                            .map_err(|e| FrameError::Internal(e.to_string()))?;
                        kept = vec![sort_batch(all, keys, Some(k))?];
                        Ok(())
                    })
                }
                [Step::Limit(n), ..] => {
                    let n = *n;
                    let mut rows = 0;
                    scan(&mut |batch| {
                        if rows < n {
                            let take = (n - rows).min(batch.num_rows());
                            rows += take;
                            kept.push(batch.slice(0, take));
                        }
                        Ok(())
                    })
                }
                _ => scan(&mut |batch| {
                    kept.push(batch);
                    Ok(())
                }),
            };
            world.agree(reduced)?;
            if let [Step::Sort(keys), after @ ..] = rest {
                if !matches!(after.first(), Some(Step::Limit(_))) && world.size() > 1 {
                    let sorted = sample_sort(world, &streamed, keys, kept)?;
                    let all = gather_rows(world, &streamed, &[sorted]);
                    return world
                        .agree(all.and_then(|all| all.map(|b| run_local(b, after)).transpose()));
                }
            }
            let all = gather_rows(world, &streamed, &kept);
            // After a hash join the ranks' rows interleave in file order: rank 0 sorts
            // them back (stably: a left row's matches keep their order).
            let all = match joined {
                Some(_) => all.and_then(|all| all.map(|b| sort_batch(b, &[], None)).transpose()),
                None => all,
            };
            world.agree(all.and_then(|all| all.map(|b| run_local(b, rest)).transpose()))
        }
    }
}

/// Runs the row-wise steps up to the hash join `row_wise[at]`, sends every row of both
/// sides to the rank of its key's hash (one all-to-all each), joins there, and runs the
/// row-wise steps after the join: this rank's joined rows, in file order. A collective.
fn shuffle_join(
    world: &World,
    source: &Source<'_>,
    mine: std::ops::Range<usize>,
    row_wise: &[Step],
    at: usize,
) -> Result<Vec<RecordBatch>, JobFailure> {
    let (before, after) = (&row_wise[..at], &row_wise[at + 1..]);
    let Step::Join(join) = &row_wise[at] else {
        return world.fail_together(FrameError::Internal("no join to shuffle".into()));
    };
    let left_schema = world.agree(schema_after(&source.placed, before))?;
    let left = world.agree(source.rows(mine, before))?;
    let keep_unmatched = join.kind == super::JoinKind::Left;
    let left_names: Vec<&str> = join.on.iter().map(|(l, _)| l.as_str()).collect();
    let left = shuffle(world, &left_schema, &left, &left_names, keep_unmatched)?;
    let (right_schema, right) = join.right.local_rows(world)?;
    let right_names: Vec<&str> = join.on.iter().map(|(_, r)| r.as_str()).collect();
    let right = shuffle(world, &right_schema, &right, &right_names, false)?;
    // This rank's share of the right side, hashed for this run only.
    let share = join.unhashed();
    share.keep(world.agree(share.hashed_of(right))?);
    let joined = share.apply(&left).and_then(|batch| run_local(batch, after));
    let joined = world.agree(joined)?;
    Ok(if joined.num_rows() > 0 {
        vec![joined]
    } else {
        Vec::new()
    })
}

/// Every row of `batches` on the rank of a hash of its key columns `keys` (the same rank
/// for equal keys on both sides of a join: [`super::join::owners`]); a row with a null
/// key stays on this rank when `keep_nulls`, and is dropped otherwise (it matches
/// nothing). Each rank gets its rows in rank order, each rank's in its order. A
/// collective.
fn shuffle(
    world: &World,
    schema: &SchemaRef,
    batches: &[RecordBatch],
    keys: &[&str],
    keep_nulls: bool,
) -> Result<RecordBatch, JobFailure> {
    let ranks = world.size();
    let internal = |e: arrow::error::ArrowError| FrameError::Internal(e.to_string());
    let outgoing: Result<Vec<Vec<RecordBatch>>, FrameError> = (|| {
        let mut outgoing: Vec<Vec<RecordBatch>> = (0..ranks).map(|_| Vec::new()).collect();
        for batch in batches {
            let owners = super::join::owners(batch, keys, ranks)?;
            let mut rows: Vec<Vec<u32>> = (0..ranks).map(|_| Vec::new()).collect();
            for (i, owner) in owners.into_iter().enumerate() {
                match owner {
                    Some(rank) => rows[rank].push(i as u32),
                    None if keep_nulls => rows[world.rank()].push(i as u32),
                    None => {}
                }
            }
            for (rank, rows) in rows.into_iter().enumerate() {
                if !rows.is_empty() {
                    let taken = take_record_batch(batch, &UInt32Array::from(rows));
                    outgoing[rank].push(taken.map_err(internal)?);
                }
            }
        }
        Ok(outgoing)
    })();
    send_rows(
        world,
        schema,
        outgoing,
        "a hash join",
        "run it on more ranks",
    )
}

/// Sends `outgoing[r]` to rank r (one all-to-all of Arrow IPC streams; `outgoing` may be
/// this rank's error, which every rank then returns): the rows this rank gets, in rank
/// order. `what` names the exchange in the error of a share over MPI's 2 GiB. A
/// collective.
pub(super) fn send_rows(
    world: &World,
    schema: &SchemaRef,
    outgoing: Result<Vec<Vec<RecordBatch>>, FrameError>,
    what: &str,
    advice: &str,
) -> Result<RecordBatch, JobFailure> {
    let encoded = outgoing.and_then(|outgoing| {
        let mut bytes = Vec::new();
        let mut counts = Vec::with_capacity(outgoing.len());
        for batches in &outgoing {
            let stream = wire::encode(schema, batches)?;
            counts.push(stream.len());
            bytes.extend_from_slice(&stream);
        }
        Ok((bytes, counts))
    });
    let (bytes, counts) = world.agree(encoded)?;
    // One exchange of MPI moves at most 2 GiB into or out of a rank: beyond that, an
    // error on every rank rather than a wrapped count.
    let everyone: Vec<Vec<usize>> = world.all_gather(&counts);
    let incoming: usize = everyone.iter().filter_map(|c| c.get(world.rank())).sum();
    let limit = i32::MAX as usize;
    let fits = match bytes.len().max(incoming) <= limit {
        true => Ok(()),
        false => Err(FrameError::TooLarge(format!(
            "this rank's share of {what} is {} bytes out and {incoming} in, over MPI's \
             2 GiB for one exchange: {advice}",
            bytes.len()
        ))),
    };
    world.agree(fits)?;
    let (got, got_counts) = world.all_to_all_slices(&bytes, &counts);
    world.agree(wire::decode(schema, &got, got_counts))
}

/// Sorts the rows of all ranks so that rank r holds the r-th run of the order (a sample
/// sort): each rank sorts its own rows, every rank's evenly spaced sort keys choose the
/// splitters, one all-to-all sends each row to the rank of its run, and each rank sorts
/// what it got. A collective.
fn sample_sort(
    world: &World,
    schema: &SchemaRef,
    keys: &[SortKey],
    batches: Vec<RecordBatch>,
) -> Result<RecordBatch, JobFailure> {
    let internal = |e: arrow::error::ArrowError| FrameError::Internal(e.to_string());
    let local: Result<(RecordBatch, arrow::row::Rows), FrameError> = (|| {
        let all = concat_batches(schema, &batches).map_err(internal)?;
        let sorted = sort_batch(all, keys, None)?;
        let order = sort_keys(&sorted, keys)?;
        Ok((sorted, order))
    })();
    let (sorted, order) = world.agree(local)?;
    // Up to 32 keys a rank, evenly spaced: the splitters are the sample's quantiles.
    let step = (order.num_rows() / 32).max(1);
    let sample: Vec<Vec<u8>> = order
        .iter()
        .step_by(step)
        .map(|row| row.data().to_vec())
        .collect();
    let mut samples: Vec<Vec<u8>> = world.all_gather(&sample).into_iter().flatten().collect();
    samples.sort();
    let ranks = world.size();
    let splitters: Vec<&Vec<u8>> = (1..ranks)
        .filter_map(|r| samples.get(r * samples.len() / ranks))
        .collect();
    // The rows are sorted: run r ends at the first row at or above splitter r (a row goes
    // to the rank of the splitters at or below it).
    let mut counts = Vec::with_capacity(ranks);
    let mut start = 0;
    for splitter in &splitters {
        let end = first_at_or_above(&order, start, splitter);
        counts.push(end - start);
        start = end;
    }
    counts.push(order.num_rows() - start);
    // Rows are contiguous by destination (they are sorted): one IPC stream per run.
    let encoded: Result<(Vec<u8>, Vec<usize>), FrameError> = (|| {
        let mut bytes = Vec::new();
        let mut byte_counts = Vec::with_capacity(ranks);
        let mut row = 0;
        for &count in &counts {
            let stream = wire::encode(schema, &[sorted.slice(row, count)])?;
            byte_counts.push(stream.len());
            bytes.extend_from_slice(&stream);
            row += count;
        }
        Ok((bytes, byte_counts))
    })();
    let (bytes, byte_counts) = world.agree(encoded)?;
    let (got_bytes, got_counts) = world.all_to_all_slices(&bytes, &byte_counts);
    let received = wire::decode(schema, &got_bytes, got_counts);
    world.agree(received.and_then(|batch| sort_batch(batch, keys, None)))
}

/// The first of the sorted `rows` from `from` on whose encoding is at or above `splitter`.
fn first_at_or_above(rows: &arrow::row::Rows, from: usize, splitter: &[u8]) -> usize {
    let (mut low, mut high) = (from, rows.num_rows());
    while low < high {
        let middle = low + (high - low) / 2;
        if rows.row(middle).data() < splitter {
            low = middle + 1;
        } else {
            high = middle;
        }
    }
    low
}

/// Each row's sort key as an arrow-row encoding (the keys in their directions, then the
/// place): byte order is the sort's order.
fn sort_keys(batch: &RecordBatch, keys: &[SortKey]) -> Result<arrow::row::Rows, FrameError> {
    let mut fields = Vec::new();
    let mut columns = Vec::new();
    for key in keys {
        let values =
            unpack(&key.expr.evaluate(batch)?).map_err(|e| FrameError::arrow(&key.expr, e))?;
        fields.push(arrow::row::SortField::new_with_options(
            values.data_type().clone(),
            SortOptions {
                descending: key.descending,
                nulls_first: key.nulls_first,
            },
        ));
        columns.push(values);
    }
    if let Ok(place) = batch.schema().index_of(PLACE) {
        fields.push(arrow::row::SortField::new(DataType::UInt64));
        columns.push(batch.column(place).clone());
    }
    let converter =
        arrow::row::RowConverter::new(fields).map_err(|e| FrameError::Internal(e.to_string()))?;
    converter
        .convert_columns(&columns)
        .map_err(|e| FrameError::Internal(e.to_string()))
}

/// A batch in the scan's columns, taken by name (a file may have more, or in another
/// order); a type that differs from the first file's is cast to it where it can be.
fn conform(
    batch: RecordBatch,
    scanned: &SchemaRef,
    piece: &Piece,
) -> Result<RecordBatch, FrameError> {
    let schema = batch.schema();
    let columns = scanned
        .fields()
        .iter()
        .map(|field| {
            let Ok(index) = schema.index_of(field.name()) else {
                return Err(FrameError::Schema {
                    path: piece.path.clone(),
                    detail: format!(
                        "no column \"{}\" (the first file has it); its columns are {}",
                        field.name(),
                        crate::table::column_list(&schema)
                    ),
                });
            };
            let column = batch.column(index);
            if column.data_type() == field.data_type() {
                return Ok(column.clone());
            }
            let column = unpack(column).map_err(|e| FrameError::Internal(e.to_string()))?;
            if column.data_type() == &plain(field.data_type())
                && field.data_type() != &plain(field.data_type())
            {
                // Text asked as a dictionary that came plain (a file of other chunks).
                return cast(&column, field.data_type())
                    .map_err(|e| FrameError::Internal(e.to_string()));
            }
            if column.data_type() == field.data_type() {
                return Ok(column);
            }
            // Only casts that lose nothing: a narrower integer, a column of nulls.
            let (from, to) = (column.data_type(), field.data_type());
            let lossless = from == &DataType::Null
                || (from.is_integer() && to == &DataType::Int64)
                || (from.is_floating() && to == &DataType::Float64);
            if !lossless {
                return Err(FrameError::Schema {
                    path: piece.path.clone(),
                    detail: format!(
                        "column \"{}\" is {from} here and {to} in the first file; \
                         files read together must agree on their types",
                        field.name()
                    ),
                });
            }
            cast(&column, field.data_type()).map_err(|e| FrameError::Schema {
                path: piece.path.clone(),
                detail: format!(
                    "column \"{}\" is {} here and {} in the first file: {e}",
                    field.name(),
                    column.data_type(),
                    field.data_type()
                ),
            })
        })
        .collect::<Result<Vec<_>, _>>()?;
    let rows = RecordBatchOptions::new().with_row_count(Some(batch.num_rows()));
    RecordBatch::try_new_with_options(scanned.clone(), columns, &rows)
        .map_err(|e| FrameError::Internal(e.to_string()))
}

pub(super) fn add_places(
    batch: RecordBatch,
    placed: &SchemaRef,
    first: u64,
) -> Result<RecordBatch, FrameError> {
    let rows = batch.num_rows() as u64;
    let mut columns = batch.columns().to_vec();
    columns.push(Arc::new(UInt64Array::from_iter_values(first..first + rows)));
    RecordBatch::try_new(placed.clone(), columns).map_err(|e| FrameError::Internal(e.to_string()))
}

fn aggregated_schema(
    keys: &[(String, super::Expr)],
    aggs: &[(String, super::Agg)],
    groups: &Groups,
    streamed: &SchemaRef,
) -> Result<SchemaRef, FrameError> {
    let mut fields = Vec::new();
    for (name, key) in keys {
        let t = key.data_type(streamed)?;
        let t = match unpack(&arrow::array::new_null_array(&t, 0)) {
            Ok(a) => a.data_type().clone(),
            Err(_) => t,
        };
        let t = if t.is_integer() {
            arrow::datatypes::DataType::Int64
        } else if t.is_floating() {
            arrow::datatypes::DataType::Float64
        } else {
            t
        };
        fields.push(Field::new(name, t, true));
    }
    for ((name, _), plan) in aggs.iter().zip(groups.plans()) {
        fields.push(Field::new(name, plan.output().clone(), true));
    }
    Ok(Arc::new(Schema::new(fields)))
}

/// Runs steps on one batch, on this rank alone.
pub(super) fn run_local(mut batch: RecordBatch, steps: &[Step]) -> Result<RecordBatch, FrameError> {
    let internal = |e: arrow::error::ArrowError| FrameError::Internal(e.to_string());
    for step in steps {
        batch = match step {
            Step::Filter(predicate) => {
                let mask = predicate.evaluate(&batch)?;
                let mask = mask
                    .as_any()
                    .downcast_ref::<arrow::array::BooleanArray>()
                    .cloned()
                    .ok_or_else(|| FrameError::Type {
                        expr: predicate.to_string(),
                        detail: format!("a filter must be true or false, not {}", mask.data_type()),
                    })?;
                filter_record_batch(&batch, &mask).map_err(internal)?
            }
            Step::Select(columns) => {
                let mut fields = Vec::new();
                let mut arrays: Vec<ArrayRef> = Vec::new();
                for (name, e) in columns {
                    let values =
                        unpack(&e.evaluate(&batch)?).map_err(|err| FrameError::arrow(e, err))?;
                    fields.push(Field::new(name, values.data_type().clone(), true));
                    arrays.push(values);
                }
                if let Ok(place) = batch.schema().index_of(PLACE) {
                    fields.push(batch.schema().field(place).clone());
                    arrays.push(batch.column(place).clone());
                }
                RecordBatch::try_new(Arc::new(Schema::new(fields)), arrays).map_err(internal)?
            }
            Step::Aggregate { keys, aggs } => {
                let key_exprs: Vec<_> = keys.iter().map(|(_, e)| e.clone()).collect();
                let agg_list: Vec<_> = aggs.iter().map(|(_, a)| a.clone()).collect();
                let schema = batch.schema();
                let mut groups = Groups::new(&key_exprs, &agg_list, &schema)?;
                groups.update(&batch)?;
                let output = aggregated_schema(keys, aggs, &groups, &schema)?;
                let (plans, partials) = groups.into_partials(1);
                let merged = aggregate::merge(&plans, partials.into_iter().map(|(_, p)| p));
                let finished = aggregate::finish(&key_exprs, &plans, &schema, &output, &merged)?;
                add_places(finished, &with_place(&output), 0)?
            }
            Step::Sort(keys) => sort_batch(batch, keys, None)?,
            Step::Limit(n) => batch.slice(0, (*n).min(batch.num_rows())),
            Step::Join(join) => join.apply(&batch)?,
            // On one batch, the rows are already in their order.
            Step::Repartition(_) => batch,
        };
    }
    Ok(batch)
}

/// The batch's rows in the order of `keys`, ties in place order; the first `limit` only.
fn sort_batch(
    batch: RecordBatch,
    keys: &[SortKey],
    limit: Option<usize>,
) -> Result<RecordBatch, FrameError> {
    let mut columns = Vec::new();
    for key in keys {
        let values =
            unpack(&key.expr.evaluate(&batch)?).map_err(|e| FrameError::arrow(&key.expr, e))?;
        columns.push(SortColumn {
            values,
            options: Some(SortOptions {
                descending: key.descending,
                nulls_first: key.nulls_first,
            }),
        });
    }
    let place = batch
        .column_by_name(PLACE)
        .and_then(|p| p.as_any().downcast_ref::<UInt64Array>());
    if let [key] = columns.as_slice() {
        let options = key.options.unwrap_or_default();
        if let Some(order) = order::one_key_order(&key.values, options, place, limit) {
            return take_record_batch(&batch, &order)
                .map_err(|e| FrameError::Internal(e.to_string()));
        }
    }
    if let Ok(place) = batch.schema().index_of(PLACE) {
        columns.push(SortColumn {
            values: batch.column(place).clone(),
            options: None,
        });
    }
    if columns.is_empty() {
        return Ok(batch);
    }
    // Rows of one place (a left row's join matches) keep their order: the sort is stable.
    let rows = u32::try_from(batch.num_rows())
        .map_err(|_| FrameError::Internal("more than 2^32 rows in one batch".into()))?;
    columns.push(SortColumn {
        values: Arc::new(arrow::array::UInt32Array::from_iter_values(0..rows)),
        options: None,
    });
    let order = lexsort_to_indices(&columns, limit).map_err(|e| FrameError::Type {
        expr: keys
            .iter()
            .map(|k| k.expr.to_string())
            .collect::<Vec<_>>()
            .join(", "),
        detail: format!("cannot sort: {e}"),
    })?;
    take_record_batch(&batch, &order).map_err(|e| FrameError::Internal(e.to_string()))
}

/// Sends each partial state to the rank that owns its group; returns those this rank
/// owns.
fn exchange(world: &World, partials: Vec<(usize, Partial)>) -> Result<Vec<Partial>, FrameError> {
    let mut outgoing: Vec<Vec<Partial>> = (0..world.size()).map(|_| Vec::new()).collect();
    for (owner, partial) in partials {
        outgoing[owner].push(partial);
    }
    let mut bytes = Vec::new();
    let mut counts = Vec::with_capacity(world.size());
    for list in &outgoing {
        let encoded =
            postcard::to_allocvec(list).map_err(|e| FrameError::Internal(e.to_string()))?;
        counts.push(encoded.len());
        bytes.extend_from_slice(&encoded);
    }
    let (received, counts) = world.all_to_all_slices(&bytes, &counts);
    let mut mine = Vec::new();
    let mut start = 0;
    for count in counts {
        let list: Vec<Partial> = postcard::from_bytes(&received[start..start + count])
            .map_err(|e| FrameError::Internal(e.to_string()))?;
        mine.extend(list);
        start += count;
    }
    Ok(mine)
}

/// Every rank's batches on rank 0, in rank order, as one batch (rows cross as Arrow IPC
/// streams). A collective; an error is this rank's, for the caller to agree on.
fn gather_rows(
    world: &World,
    schema: &SchemaRef,
    batches: &[RecordBatch],
) -> Result<Option<RecordBatch>, FrameError> {
    if world.size() == 1 {
        return concat_batches(schema, batches)
            .map(Some)
            .map_err(|e| FrameError::Internal(e.to_string()));
    }
    let (bytes, failed) = match wire::encode(schema, batches) {
        Ok(bytes) => (bytes, None),
        // Still take part in the gather, with nothing.
        Err(error) => (Vec::new(), Some(error)),
    };
    let all = world.gather_slices(&bytes);
    if let Some(error) = failed {
        return Err(error);
    }
    let Some((bytes, counts)) = all else {
        return Ok(None);
    };
    wire::decode(schema, &bytes, counts).map(Some)
}

/// Rank 0's rows on every rank (they cross as an Arrow IPC stream). A collective.
fn broadcast_rows(
    world: &World,
    schema: &SchemaRef,
    rows: Option<&RecordBatch>,
) -> Result<RecordBatch, FrameError> {
    // Rank 0 still takes part when it cannot encode: it sends nothing.
    let encoded =
        rows.map(|batch| wire::encode(schema, std::slice::from_ref(batch)).unwrap_or_default());
    let bytes: Vec<u8> = world.broadcast(encoded.as_ref());
    let length = bytes.len();
    wire::decode(schema, &bytes, [length])
}

/// The plan's stages as text.
pub(super) fn explain(plan: &super::Plan) -> String {
    let (pieces, steps) = (&plan.pieces, &plan.steps);
    let mut files: BTreeMap<&PathBuf, usize> = BTreeMap::new();
    for piece in pieces {
        *files.entry(&piece.path).or_default() += 1;
    }
    let mut lines = vec![match &plan.held {
        Some(held) => format!(
            "rows the ranks hold ({} partition(s) on this rank); each rank reads its own",
            held.len()
        ),
        None => format!(
            "scan {} file(s) in {} piece(s); each rank reads its block of pieces",
            files.len(),
            pieces.len()
        ),
    }];
    if let Ok(pruned) = super::prune::prune(pieces, steps) {
        if pruned.groups > 0 {
            lines.push(format!(
                "  Parquet statistics: {} of {} row group(s) cannot pass the filter, skipped",
                pruned.skipped, pruned.groups
            ));
        }
    }
    let mut on_root = false;
    // Only a plan's first join may be a shuffle (`join::shuffled`).
    let mut joined = false;
    let mut i = 0;
    let step_line = |step: &Step| match step {
        Step::Filter(e) => format!("filter {e}"),
        Step::Select(columns) => format!(
            "select {}",
            columns
                .iter()
                .map(|(n, e)| if &e.to_string() == n {
                    n.clone()
                } else {
                    format!("{e} AS {n}")
                })
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Step::Aggregate { keys, aggs } => format!(
            "aggregate {} by [{}]",
            aggs.iter()
                .map(|(n, a)| format!("{a} AS {n}"))
                .collect::<Vec<_>>()
                .join(", "),
            keys.iter()
                .map(|(_, e)| e.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Step::Sort(keys) => format!(
            "sort by {}",
            keys.iter()
                .map(|k| format!("{}{}", k.expr, if k.descending { " DESC" } else { "" }))
                .collect::<Vec<_>>()
                .join(", ")
        ),
        Step::Limit(n) => format!("limit {n}"),
        Step::Repartition(n) => format!("repartition into {n}"),
        Step::Join(join) => format!(
            "{} join on {}",
            match join.kind {
                super::JoinKind::Inner => "inner",
                super::JoinKind::Left => "left",
            },
            join.on
                .iter()
                .map(|(l, r)| format!("{l} = right.{r}"))
                .collect::<Vec<_>>()
                .join(" AND ")
        ),
    };
    while i < steps.len() {
        let step = &steps[i];
        if let Step::Repartition(n) = step {
            lines.push(format!(
                "exchange: repartition into {n} partition(s) of equal row counts, in row order; \
                 each rank holds its block of them (one all-to-all)"
            ));
            on_root = false;
            i += 1;
            continue;
        }
        if on_root {
            lines.push(format!("  rank 0: {}", step_line(step)));
            i += 1;
            continue;
        }
        match (step, steps.get(i + 1)) {
            (Step::Filter(_) | Step::Select(_), _) => {
                lines.push(format!("  each rank, each batch: {}", step_line(step)));
            }
            (Step::Join(join), _) if join.shuffles() && !joined => {
                joined = true;
                let right = explain(&join.right);
                lines.push("  the right side, each rank its pieces:".into());
                lines.extend(right.lines().map(|l| format!("    | {l}")));
                lines.push(format!(
                    "exchange (at more than one rank): hash shuffle of both sides by the join \
                     keys, one all-to-all each (the right side's files are {} bytes, above \
                     PARDATA_BROADCAST_BYTES)",
                    join.right.scanned_bytes()
                ));
                lines.push(format!("  each rank, its share: {}", step_line(step)));
            }
            (Step::Join(join), _) => {
                joined = true;
                let right = explain(&join.right);
                lines.push("  the right side, first:".into());
                lines.extend(right.lines().map(|l| format!("    | {l}")));
                lines.push(
                    "  broadcast: the right side's rows to every rank, hashed by the keys".into(),
                );
                lines.push(format!("  each rank, each batch: {}", step_line(step)));
            }
            (Step::Aggregate { .. }, _) => {
                lines.push(format!("  each rank: partial {}", step_line(step)));
                lines.push(
                    "exchange: all-to-all of partial states, by a hash of the group key".into(),
                );
                lines.push("  owner rank: merge the states of its groups".into());
                lines.push("gather: groups to rank 0, in key order".into());
                on_root = true;
            }
            (Step::Sort(_), Some(Step::Limit(k))) => {
                lines.push(format!(
                    "  each rank: top {k} of its rows ({})",
                    step_line(step)
                ));
                lines.push("gather: each rank's top rows to rank 0".into());
                lines.push(format!("  rank 0: {}", step_line(step)));
                on_root = true;
            }
            (Step::Limit(n), _) => {
                lines.push(format!("  each rank: its first {n} rows"));
                lines.push("gather: rows to rank 0, in file order".into());
                lines.push(format!("  rank 0: {}", step_line(step)));
                on_root = true;
            }
            (Step::Repartition(_), _) => {}
            (Step::Sort(_), _) => {
                lines.push(format!("  each rank: {} of its rows", step_line(step)));
                lines.push(
                    "exchange: sample sort (splitters from every rank's keys, one all-to-all)"
                        .into(),
                );
                lines.push("  each rank: sort the rows of its run".into());
                lines.push("gather: the runs to rank 0, in rank order".into());
                on_root = true;
            }
        }
        i += 1;
    }
    match (on_root, steps.last()) {
        (true, _) => {}
        (false, Some(Step::Repartition(_))) => lines.push(
            "each rank: its partitions (written where they are, or gathered to rank 0 in \
             partition order)"
                .into(),
        ),
        (false, _) => lines.push("gather: rows to rank 0, in file order".into()),
    }
    lines.join("\n")
}
