//! Joins of a frame's rows with another frame's, on equal keys, in one of two ways:
//! - a broadcast (the right side small): the right side is computed first, sent whole to
//!   every rank and hashed by its keys; each rank then probes it with its own rows as they
//!   stream, so the left side is never moved;
//! - a hash shuffle (the right side large, more than one rank): every row of both sides
//!   goes to the rank of a hash of its key (one all-to-all each), and each rank joins its
//!   share; the left rows keep their places, so the output's order is the broadcast's.
//!
//! The first join of a plan is shuffled when its right side is filters and selects over
//! files of more than `PARDATA_BROADCAST_BYTES` bytes (default 16 MiB; 0 shuffles every
//! first join of files at more than one rank); a right side that aggregates, sorts or
//! limits is computed on rank 0 and broadcast, as is the right side of a later join.
//!
//! Semantics (SQL's): `inner` keeps the pairs of rows with equal keys, `left` also keeps
//! each left row without a match, its right columns null; a null key matches nothing.
//! Rows come out in the left side's order, a left row's matches in the right side's order;
//! float sums of joined rows add every term exactly, so that no result depends on the way
//! the join ran or on the rank count.
//! Right columns whose names the left has too are named `<name>_right` (Polars' rule).
//! A broadcast right side must fit in every rank's memory; a shuffled one in the ranks'
//! memory together.

use std::collections::HashMap;
use std::sync::{Arc, OnceLock};

use arrow::array::{ArrayRef, AsArray, RecordBatch, UInt32Array};
use arrow::compute::take;
use arrow::datatypes::{Field, Schema};
use arrow::row::RowConverter;

use super::aggregate::row_converter;
use super::expr::unpack;
use super::{is_hidden, FrameError, Plan, Step, PLACE};
use crate::runtime::World;

/// Which rows a join keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum JoinKind {
    /// The pairs of rows with equal keys.
    Inner,
    /// Those, and each left row without a match (its right columns null).
    Left,
}

/// A join step: the right side's plan, the keys, and (once the run has computed it) the
/// right side hashed.
#[derive(Debug, Clone)]
pub struct Join {
    /// The right side.
    pub right: Arc<Plan>,
    /// The left columns and right columns whose values must be equal.
    pub on: Vec<(String, String)>,
    /// Inner or left.
    pub kind: JoinKind,
    /// The left side's columns where the join was planned: the right's columns of these
    /// names are `<name>_right`, whichever columns the run reads.
    pub left_columns: Vec<String>,
    pub(crate) hashed: Arc<OnceLock<Hashed>>,
}

/// The right side's rows, hashed by their keys.
pub(crate) struct Hashed {
    rows: RecordBatch,
    keys: RowConverter,
    types: Vec<arrow::datatypes::DataType>,
    index: HashMap<Vec<u8>, Vec<u32>, ahash::RandomState>,
    /// The rows of each value of a single integer key (then `index` is empty): its run
    /// (start, length) in `int_rows`, where each key's rows are in the right side's order.
    ints: HashMap<i64, (u32, u32), ahash::RandomState>,
    int_rows: Vec<u32>,
}

impl std::fmt::Debug for Hashed {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "Hashed({} rows)", self.rows.num_rows())
    }
}

impl Join {
    /// The right side's key columns of `rows`, and their types.
    fn right_keys(
        &self,
        rows: &RecordBatch,
    ) -> Result<(Vec<ArrayRef>, Vec<arrow::datatypes::DataType>), FrameError> {
        let columns = self
            .on
            .iter()
            .map(|(_, name)| key_column(rows, name))
            .collect::<Result<Vec<_>, _>>()?;
        let types = columns.iter().map(|c| c.data_type().clone()).collect();
        Ok((columns, types))
    }

    /// The right side's rows `rows` (computed), hashed by their keys.
    pub(crate) fn hashed_of(&self, rows: RecordBatch) -> Result<Hashed, FrameError> {
        let keep: Vec<usize> = (0..rows.num_columns())
            .filter(|&i| !is_hidden(rows.schema().field(i).name()))
            .collect();
        let rows = rows
            .project(&keep)
            .map_err(|e| FrameError::Internal(e.to_string()))?;
        let (columns, types) = self.right_keys(&rows)?;
        let keys = row_converter(&types)?;
        let mut index: HashMap<Vec<u8>, Vec<u32>, ahash::RandomState> =
            HashMap::with_hasher(ahash::RandomState::with_seeds(5, 6, 7, 8));
        let mut ints: HashMap<i64, (u32, u32), ahash::RandomState> =
            HashMap::with_hasher(ahash::RandomState::with_seeds(5, 6, 7, 8));
        let mut int_rows = Vec::new();
        match single_int(&columns) {
            Some(keys) => {
                let mut keyed: Vec<(i64, u32)> = keys
                    .iter()
                    .enumerate()
                    .filter_map(|(i, key)| key.map(|key| (key, i as u32)))
                    .collect();
                keyed.sort_unstable();
                ints.reserve(keyed.len());
                for (at, &(key, row)) in keyed.iter().enumerate() {
                    let run = ints.entry(key).or_insert((at as u32, 0));
                    run.1 += 1;
                    int_rows.push(row);
                }
            }
            None => {
                let encoded = keys
                    .convert_columns(&columns)
                    .map_err(|e| FrameError::Internal(e.to_string()))?;
                for (i, row) in encoded.iter().enumerate() {
                    if columns.iter().any(|c| c.is_null(i)) {
                        continue;
                    }
                    index.entry(row.data().to_vec()).or_default().push(i as u32);
                }
            }
        }
        Ok(Hashed {
            rows,
            keys,
            types,
            index,
            ints,
            int_rows,
        })
    }

    /// Keeps `hashed` (from [`Join::hashed_of`]) as the right side for this plan's runs.
    pub(crate) fn keep(&self, hashed: Hashed) {
        let _ = self.hashed.set(hashed);
    }

    /// The joined rows of a left batch (the right side with no rows when it is not
    /// computed yet: for the schema).
    pub(crate) fn apply(&self, left: &RecordBatch) -> Result<RecordBatch, FrameError> {
        let internal = |e: arrow::error::ArrowError| FrameError::Internal(e.to_string());
        let empty;
        let hashed = match self.hashed.get() {
            Some(hashed) => hashed,
            None => {
                let rows = RecordBatch::new_empty(self.right.schema()?);
                let (_, types) = self.right_keys(&rows)?;
                empty = Hashed {
                    rows,
                    keys: row_converter(&types)?,
                    types,
                    index: HashMap::with_hasher(ahash::RandomState::with_seeds(5, 6, 7, 8)),
                    ints: HashMap::with_hasher(ahash::RandomState::with_seeds(5, 6, 7, 8)),
                    int_rows: Vec::new(),
                };
                &empty
            }
        };
        let left_keys = self
            .on
            .iter()
            .map(|(name, _)| key_column(left, name))
            .collect::<Result<Vec<_>, _>>()?;
        for (((l, r), lk), rk) in self
            .on
            .iter()
            .map(|(l, _)| l)
            .zip(self.on.iter().map(|(_, r)| r))
            .zip(&left_keys)
            .zip(hashed.types.iter().cloned())
        {
            if lk.data_type() != &rk {
                return Err(FrameError::Type {
                    expr: format!("{l} = {r}"),
                    detail: format!(
                        "the join keys differ in type: {} on the left, {rk} on the right",
                        lk.data_type()
                    ),
                });
            }
        }
        let (mut from_left, mut from_right) = (Vec::new(), Vec::new());
        let mut add = |i: usize, matches: Option<&[u32]>| match matches {
            Some(found) => {
                for &j in found {
                    from_left.push(i as u32);
                    from_right.push(Some(j));
                }
            }
            None if self.kind == JoinKind::Left => {
                from_left.push(i as u32);
                from_right.push(None);
            }
            None => {}
        };
        match single_int(&left_keys) {
            // One integer key: looked up as a number (a null matches nothing).
            Some(keys) => {
                for (i, key) in keys.iter().enumerate() {
                    let run = key.and_then(|key| hashed.ints.get(&key));
                    add(
                        i,
                        run.map(|&(start, n)| {
                            &hashed.int_rows[start as usize..(start + n) as usize]
                        }),
                    );
                }
            }
            None => {
                let encoded = hashed.keys.convert_columns(&left_keys).map_err(internal)?;
                for (i, row) in encoded.iter().enumerate() {
                    let null = left_keys.iter().any(|c| c.is_null(i));
                    let found = (!null).then(|| hashed.index.get(row.data())).flatten();
                    add(i, found.map(Vec::as_slice));
                }
            }
        }
        let from_left = UInt32Array::from(from_left);
        let from_right = UInt32Array::from(from_right);
        let left_schema = left.schema();
        let mut fields: Vec<Field> = Vec::new();
        let mut columns: Vec<ArrayRef> = Vec::new();
        for (i, field) in left_schema.fields().iter().enumerate() {
            if field.name() != PLACE {
                fields.push(field.as_ref().clone());
                columns.push(take(left.column(i), &from_left, None).map_err(internal)?);
            }
        }
        for (i, field) in hashed.rows.schema().fields().iter().enumerate() {
            let name = if self.left_columns.contains(field.name()) {
                format!("{}_right", field.name())
            } else {
                field.name().clone()
            };
            fields.push(Field::new(name, field.data_type().clone(), true));
            columns.push(take(hashed.rows.column(i), &from_right, None).map_err(internal)?);
        }
        if let Ok(place) = left_schema.index_of(PLACE) {
            fields.push(left_schema.field(place).clone());
            columns.push(take(left.column(place), &from_left, None).map_err(internal)?);
        }
        RecordBatch::try_new(Arc::new(Schema::new(fields)), columns).map_err(internal)
    }
}

/// The values of a single int64 key column, if the keys are one.
fn single_int(columns: &[ArrayRef]) -> Option<&arrow::array::Int64Array> {
    match columns {
        [only] => only.as_primitive_opt::<arrow::datatypes::Int64Type>(),
        _ => None,
    }
}

fn key_column(batch: &RecordBatch, name: &str) -> Result<ArrayRef, FrameError> {
    let column = batch
        .column_by_name(name)
        .ok_or_else(|| FrameError::NoColumn {
            name: name.to_string(),
            available: super::expr::visible_names(&batch.schema()),
        })?;
    let column = unpack(column).map_err(|e| FrameError::Internal(e.to_string()))?;
    let t = column.data_type();
    let to = if t.is_integer() {
        arrow::datatypes::DataType::Int64
    } else if t.is_floating() {
        arrow::datatypes::DataType::Float64
    } else {
        t.clone()
    };
    arrow::compute::cast(&column, &to).map_err(|e| FrameError::Internal(e.to_string()))
}

/// The right side's files above which a join is a hash shuffle: `PARDATA_BROADCAST_BYTES`
/// (a number of bytes, 0 for every join), or 16 MiB.
fn broadcast_bytes() -> u64 {
    std::env::var("PARDATA_BROADCAST_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(16 << 20)
}

impl Join {
    /// Whether the right side can be shuffled as it is read: filters and selects only.
    fn streams(&self) -> bool {
        self.right
            .steps
            .iter()
            .all(|s| matches!(s, Step::Filter(_) | Step::Select(_)))
    }

    /// Whether the join is a hash shuffle at more than one rank (see the module's rule).
    pub(crate) fn shuffles(&self) -> bool {
        self.streams() && self.right.scanned_bytes() > broadcast_bytes()
    }

    /// A copy of the join, not yet hashed: for one rank's share of a shuffled join.
    pub(crate) fn unhashed(&self) -> Join {
        Join {
            hashed: Default::default(),
            ..self.clone()
        }
    }
}

/// The index in `row_wise` of the join that is a hash shuffle at more than one rank: the
/// first join, when it shuffles ([`Join::shuffles`]; a later one is a broadcast, since the
/// rows of one left row's matches would otherwise be spread over ranks and lose their
/// order). Rank 0's choice, the same on every rank: a collective.
pub(crate) fn shuffled(world: &World, row_wise: &[Step]) -> Option<usize> {
    if world.size() == 1 {
        return None;
    }
    let choice = world.is_root().then(|| {
        let first = row_wise.iter().position(|s| matches!(s, Step::Join(_)));
        first.filter(|&at| matches!(&row_wise[at], Step::Join(join) if join.shuffles()))
    });
    world.broadcast(choice.as_ref())
}

/// Each row's rank in a hash shuffle by the key columns `names` of `batch` (`None` where
/// a key is null): equal keys of the two sides of a join go to the same rank, as both
/// sides' keys are widened alike ([`key_column`]) and encoded as rows.
pub(crate) fn owners(
    batch: &RecordBatch,
    names: &[&str],
    ranks: usize,
) -> Result<Vec<Option<usize>>, FrameError> {
    let columns = names
        .iter()
        .map(|name| key_column(batch, name))
        .collect::<Result<Vec<_>, _>>()?;
    let types: Vec<_> = columns.iter().map(|c| c.data_type().clone()).collect();
    let rows = row_converter(&types)?
        .convert_columns(&columns)
        .map_err(|e| FrameError::Internal(e.to_string()))?;
    Ok(rows
        .iter()
        .enumerate()
        .map(|(i, row)| {
            let null = columns.iter().any(|c| c.is_null(i));
            (!null).then(|| super::aggregate::owner(row.data(), ranks))
        })
        .collect())
}
