//! `Frame`: a lazy distributed DataFrame over the columnar layer, and the SQL front end
//! onto it ([`sql`]).
//!
//! A frame is a plan: a scan of files ([`Frame::scan`]) and the steps after it (filter,
//! select, group-by with aggregates, sort, limit). Nothing is read until
//! [`Frame::collect`], a collective: every rank reads its block of the files' pieces
//! (byte ranges, row groups, hyperslabs: [`crate::table::pieces`]) and runs the row-wise
//! steps on each batch as it comes (the Parquet row groups whose statistics prove that no
//! row passes the leading filters are not read at all: `prune.rs`); the first step that
//! needs all rows decides the
//! exchange ([`Frame::explain`] shows it):
//! - a group-by folds each rank's rows into partial states, sends each group's state to
//!   the rank that owns the group (one all-to-all), merges them there, and gathers the
//!   groups to rank 0 in key order;
//! - a sort followed by a limit keeps each rank's best `k` rows and merges them on rank 0
//!   (top-k without a full sort);
//! - a sort alone is a sample sort: each rank sorts its rows, splitters from every rank's
//!   keys, one all-to-all sends each row to the rank of its run, each rank sorts its run,
//!   and the runs are gathered to rank 0 in rank order; a limit alone keeps each rank's
//!   first rows.
//!
//! The steps after that run on rank 0. Results are the same at every rank count: rows
//! keep file order, sorts break ties by file order, group-by output is in key order, and
//! float sums add in file order within a piece and exactly across pieces ([`exact`]).

mod accumulate;
pub mod aggregate;
mod coded;
pub mod exact;
pub mod expr;
pub mod join;
mod local;
mod order;
pub mod partition;
mod prune;
mod run;
pub mod sql;
pub mod summary;
pub mod timebin;
mod wire;
pub mod write;

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;

use arrow::array::{AsArray, RecordBatch, UInt64Array};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, UInt64Type};

use crate::runtime::{JobFailure, World};
use crate::table::pieces::Piece;
use crate::table::{ReadOptions, TableError};

pub use aggregate::{Agg, AggFunc};
pub use expr::{col, lit, Expr};
pub use join::{Join, JoinKind};

/// Why a frame cannot be planned or computed.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// A file could not be read.
    #[error(transparent)]
    Table(#[from] TableError),
    /// An expression names a column that is not there.
    #[error("no column \"{name}\"; the columns are {}", available.join(", "))]
    NoColumn {
        /// The name asked for.
        name: String,
        /// The columns there are.
        available: Vec<String>,
    },
    /// An expression's operands do not go together, or a kernel refused its values.
    #[error("{expr}: {detail}")]
    Type {
        /// The expression.
        expr: String,
        /// What is wrong.
        detail: String,
    },
    /// The files of one scan have different columns.
    #[error("{}: {detail}", path.display())]
    Schema {
        /// The file that differs from the first.
        path: PathBuf,
        /// How.
        detail: String,
    },
    /// The data is more than one exchange between ranks can move.
    #[error("{0}")]
    TooLarge(String),
    /// A failure that is pardata's, not the input's.
    #[error("internal error: {0}")]
    Internal(String),
}

impl FrameError {
    fn arrow(expr: &impl fmt::Display, error: arrow::error::ArrowError) -> FrameError {
        FrameError::Type {
            expr: expr.to_string(),
            detail: error.to_string(),
        }
    }
}

/// The hidden column of every row's place in the files (the piece's index in the high 32
/// bits, the row in the piece in the low ones): file order, for ties and `first`/`last`.
pub(crate) const PLACE: &str = "__pardata_place";

pub(crate) fn is_hidden(name: &str) -> bool {
    name == PLACE
}

/// The places of a batch's rows (zeros if it has no place column).
pub(crate) fn places(batch: &RecordBatch) -> UInt64Array {
    match batch.column_by_name(PLACE) {
        Some(column) => column.as_primitive::<UInt64Type>().clone(),
        None => UInt64Array::from(vec![0; batch.num_rows()]),
    }
}

/// A key of a sort: an expression, its direction and where nulls go.
#[derive(Debug, Clone, PartialEq)]
pub struct SortKey {
    /// What is sorted on.
    pub expr: Expr,
    /// Largest first.
    pub descending: bool,
    /// Nulls before the values (DuckDB's default is after them, in either direction).
    pub nulls_first: bool,
}

impl SortKey {
    /// Ascending, nulls last.
    pub fn ascending(expr: Expr) -> SortKey {
        SortKey {
            expr,
            descending: false,
            nulls_first: false,
        }
    }

    /// Descending, nulls last (DuckDB's default, and pandas').
    pub fn descending(expr: Expr) -> SortKey {
        SortKey {
            expr,
            descending: true,
            nulls_first: false,
        }
    }
}

/// One step of a plan after its scan.
#[derive(Debug, Clone)]
pub enum Step {
    /// Keep the rows where the expression is true (not false, not null).
    Filter(Expr),
    /// These columns, computed, named.
    Select(Vec<(String, Expr)>),
    /// One row per distinct key: the keys, then the aggregates.
    Aggregate {
        /// The group keys, named.
        keys: Vec<(String, Expr)>,
        /// The aggregates, named.
        aggs: Vec<(String, Agg)>,
    },
    /// Rows in this order (ties in file order).
    Sort(Vec<SortKey>),
    /// The first rows only.
    Limit(usize),
    /// The rows joined with another plan's ([`join`]).
    Join(Join),
    /// The rows cut into this many partitions of equal row count, in row order
    /// ([`partition`]).
    Repartition(usize),
}

/// A lazy distributed table: a scan and the steps after it.
///
/// ```no_run
/// use pardata::frame::{col, lit, Agg, AggFunc, Frame, SortKey};
/// use pardata::prelude::*;
///
/// fn main() -> std::process::ExitCode {
///     World::run(|world| {
///         let tips = Frame::scan(world, &["trips.parquet".into()], Default::default())?
///             .filter(col("fare_amount").gt(lit(0)))
///             .group_by(&[("passenger_count", col("passenger_count"))])
///             .agg(&[("tip", Agg::new(AggFunc::Mean, col("tip_amount")))])
///             .sort(vec![SortKey::ascending(col("passenger_count"))]);
///         world.say(tips.explain());
///         if let Some(batch) = tips.collect()? {
///             world.say(format_args!("{} groups", batch.num_rows()));
///         }
///         Ok::<(), JobFailure>(())
///     })
/// }
/// ```
pub struct Frame<'w> {
    world: &'w World,
    plan: Plan,
}

/// What a frame is without its world: the pieces it scans, how to read them, their
/// columns, and the steps after the scan.
#[derive(Debug, Clone)]
pub struct Plan {
    pieces: Vec<Piece>,
    options: ReadOptions,
    scanned: SchemaRef,
    steps: Vec<Step>,
    /// The partitions this rank holds, with their places, for a frame made of rows
    /// ([`Frame::from_local`]) rather than a scan (its `pieces` are then none).
    held: Option<Arc<Vec<RecordBatch>>>,
}

impl Plan {
    /// The columns the plan's rows will have.
    pub fn schema(&self) -> Result<SchemaRef, FrameError> {
        run::schema_after(&with_place(&self.scanned), &self.steps).map(|s| hide(&s))
    }

    /// The scanned columns the steps read (all of them when no step selects or
    /// aggregates, since then every column is in the result), in the files' order.
    pub fn needed_columns(&self) -> Vec<String> {
        let mut named: Vec<&str> = Vec::new();
        let mut closed = false;
        for step in &self.steps {
            match step {
                Step::Filter(e) => named.extend(e.columns()),
                Step::Sort(keys) => keys.iter().for_each(|k| named.extend(k.expr.columns())),
                Step::Limit(_) | Step::Repartition(_) => {}
                Step::Join(join) => named.extend(join.on.iter().map(|(left, _)| left.as_str())),
                Step::Select(columns) => {
                    columns.iter().for_each(|(_, e)| named.extend(e.columns()));
                    closed = true;
                }
                Step::Aggregate { keys, aggs } => {
                    keys.iter().for_each(|(_, e)| named.extend(e.columns()));
                    for (_, agg) in aggs {
                        named.extend(agg.input.iter().flat_map(Expr::columns));
                    }
                    closed = true;
                }
            }
            if closed {
                break;
            }
        }
        self.scanned
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .filter(|name| !closed || named.contains(&name.as_str()))
            .collect()
    }

    /// What the run reads: the pieces left after pruning, the read options (only the
    /// columns the steps need, [`Plan::needed_columns`]) and those columns' schema. A
    /// collective (the ranks agree the pruning).
    fn prepared(&self, world: &World) -> Result<(Vec<Piece>, ReadOptions, SchemaRef), JobFailure> {
        if self.held.is_some() {
            return Ok((Vec::new(), self.options.clone(), self.scanned.clone()));
        }
        let needed = self.needed_columns();
        let keep: Vec<usize> = needed
            .iter()
            .filter_map(|name| self.scanned.index_of(name).ok())
            .collect();
        // The indices come from the schema itself: the projection cannot fail.
        let scanned = self
            .scanned
            .project(&keep)
            .unwrap_or_else(|_| (*self.scanned).clone());
        let mut options = self.options.clone();
        options.columns = Some(needed);
        // JSON Lines files read in byte pieces: the columns read typed from their keys.
        let mut options =
            world.agree(crate::table::pieces::typed(&options).map_err(|e| e.to_string()))?;
        let pruned = world.agree(prune::prune(&self.pieces, &self.steps))?;
        let dictionaries =
            crate::table::pieces::dictionary_encoded(&pruned.kept, &self.dictionary_keys());
        options.dictionaries = world.agree(dictionaries.map_err(|e| e.to_string()))?;
        Ok((pruned.kept, options, Arc::new(scanned)))
    }

    /// The text columns a run may read as dictionaries: the plain column keys of a
    /// group-by that only filters come before, which neither those filters nor the
    /// aggregates read (the group-by looks up a group per dictionary value, not per row:
    /// [`aggregate::Groups`]).
    fn dictionary_keys(&self) -> Vec<String> {
        let Some(at) = self
            .steps
            .iter()
            .position(|s| !matches!(s, Step::Filter(_)))
        else {
            return Vec::new();
        };
        let Step::Aggregate { keys, aggs } = &self.steps[at] else {
            return Vec::new();
        };
        let mut read: Vec<&str> = Vec::new();
        for step in &self.steps[..at] {
            if let Step::Filter(e) = step {
                read.extend(e.columns());
            }
        }
        read.extend(
            aggs.iter()
                .flat_map(|(_, a)| a.input.iter().flat_map(Expr::columns)),
        );
        keys.iter()
            .filter_map(|(_, key)| match key {
                Expr::Column(name) => Some(name),
                _ => None,
            })
            .filter(|name| !read.contains(&name.as_str()))
            .filter(|name| {
                self.scanned
                    .field_with_name(name)
                    .is_ok_and(|f| f.data_type() == &DataType::Utf8)
            })
            .cloned()
            .collect()
    }

    /// Where the run starts: the pieces `prepared` left, or the rows this rank holds.
    fn base<'a>(
        &self,
        pieces: &'a [Piece],
        options: &'a ReadOptions,
        scanned: &'a SchemaRef,
    ) -> run::Input<'a> {
        match &self.held {
            Some(held) => run::Input::Held(with_place(scanned), held.to_vec()),
            None => run::Input::Pieces(run::Source::new(pieces, options, scanned)),
        }
    }

    /// Runs the plan (a collective): rank 0 gets the rows, without the hidden columns.
    /// Only the columns the steps need are read ([`Plan::needed_columns`]).
    pub(crate) fn run(&self, world: &World) -> Result<Option<RecordBatch>, JobFailure> {
        let schema = world.agree(self.schema())?;
        let (pieces, options, scanned) = self.prepared(world)?;
        let base = self.base(&pieces, &options, &scanned);
        let batch = run::collect(world, base, &self.steps)?;
        let shown = batch.map(|b| shown(b, &schema));
        world.agree(shown.transpose())
    }

    /// The partitions this rank holds, each with its index, without the hidden columns:
    /// a last [`Step::Repartition`]'s, or else one per rank, the rank's rows. A collective.
    pub(crate) fn partitions(
        &self,
        world: &World,
    ) -> Result<Vec<(usize, RecordBatch)>, JobFailure> {
        let schema = world.agree(self.schema())?;
        let (pieces, options, scanned) = self.prepared(world)?;
        let base = self.base(&pieces, &options, &scanned);
        let held = match self.steps.last() {
            Some(Step::Repartition(_)) => {
                let at = self.steps.len() - 1;
                partition::held(world, base, &self.steps, at)?.1
            }
            _ => {
                let (input, rest) = partition::input(world, base, &self.steps)?;
                let (placed, rows) = run::rank_rows(world, input, rest)?;
                let rows = partition::joined(&placed, &rows).map(|b| vec![(world.rank(), b)]);
                world.agree(rows)?
            }
        };
        let shown = held
            .into_iter()
            .map(|(p, batch)| shown(batch, &schema).map(|b| (p, b)))
            .collect::<Result<Vec<_>, FrameError>>();
        world.agree(shown)
    }

    /// This rank's rows of a plan of row-wise steps only (filters and selects), with
    /// their places, and their schema: a collective, for a side of a hash join.
    pub(crate) fn local_rows(
        &self,
        world: &World,
    ) -> Result<(SchemaRef, Vec<RecordBatch>), JobFailure> {
        let (pieces, options, scanned) = self.prepared(world)?;
        run::rank_rows(world, self.base(&pieces, &options, &scanned), &self.steps)
    }

    /// The bytes of the files the plan scans (a whole file counts once), or of the rows
    /// this rank holds.
    pub(crate) fn scanned_bytes(&self) -> u64 {
        if let Some(held) = &self.held {
            return held.iter().map(|b| b.get_array_memory_size() as u64).sum();
        }
        let mut files: Vec<&std::path::Path> =
            self.pieces.iter().map(|p| p.path.as_path()).collect();
        files.dedup();
        files
            .iter()
            .filter_map(|path| std::fs::metadata(path).ok())
            .map(|m| m.len())
            .sum()
    }
}

/// `batch` without its hidden columns, as `schema` names them.
fn shown(batch: RecordBatch, schema: &SchemaRef) -> Result<RecordBatch, FrameError> {
    let keep: Vec<usize> = (0..batch.num_columns())
        .filter(|&i| !is_hidden(batch.schema().field(i).name()))
        .collect();
    batch
        .project(&keep)
        .and_then(|b| b.with_schema(schema.clone()))
        .map_err(|e| FrameError::Internal(e.to_string()))
}

/// A frame with group keys, waiting for its aggregates ([`Frame::group_by`]).
pub struct Grouped<'w> {
    frame: Frame<'w>,
    keys: Vec<(String, Expr)>,
}

impl<'w> Frame<'w> {
    /// A frame of the rows of `paths` (files of the data layer's formats, or folders of
    /// them), read as `options` say. A collective: the ranks agree the files' pieces and
    /// their columns (the first file's; every other file must have the same names).
    pub fn scan(
        world: &'w World,
        paths: &[PathBuf],
        options: ReadOptions,
    ) -> Result<Frame<'w>, JobFailure> {
        let (files, pieces, options) = run::agreed_scan(world, paths, &options)?;
        let scanned = world.agree(run::scan_schema(&files, &options))?;
        Ok(Frame {
            world,
            plan: Plan {
                pieces,
                options,
                scanned,
                steps: Vec::new(),
                held: None,
            },
        })
    }

    /// The columns of the scanned files, before any step.
    pub fn scanned_schema(&self) -> SchemaRef {
        hide(&self.plan.scanned)
    }

    /// The columns the frame's rows will have.
    pub fn schema(&self) -> Result<SchemaRef, FrameError> {
        self.plan.schema()
    }

    /// The plan: the scan and the steps after it.
    pub fn plan(&self) -> &Plan {
        &self.plan
    }

    fn then(mut self, step: Step) -> Frame<'w> {
        self.plan.steps.push(step);
        self
    }

    /// The rows of this frame joined with `right`'s on equal keys (`on`: pairs of a
    /// column of this frame and one of `right`), as [`join`] states: `right` (the smaller
    /// table) is sent to every rank, or both sides are shuffled by a hash of the keys
    /// when `right` is large.
    pub fn join(self, right: Frame<'w>, on: &[(&str, &str)], kind: JoinKind) -> Frame<'w> {
        let left_columns = match self.schema() {
            Ok(schema) => schema.fields().iter().map(|f| f.name().clone()).collect(),
            // The error returns when the frame runs.
            Err(_) => Vec::new(),
        };
        let on = on
            .iter()
            .map(|(l, r)| (l.to_string(), r.to_string()))
            .collect();
        self.then(Step::Join(Join {
            right: Arc::new(right.plan),
            on,
            kind,
            left_columns,
            hashed: Default::default(),
        }))
    }

    /// The rows where `predicate` is true. Filters before any other step also skip the
    /// Parquet row groups that cannot pass them (their statistics say so).
    pub fn filter(self, predicate: Expr) -> Frame<'w> {
        self.then(Step::Filter(predicate))
    }

    /// These columns, computed and named, in this order.
    pub fn select(self, columns: &[(&str, Expr)]) -> Frame<'w> {
        let columns = columns
            .iter()
            .map(|(name, e)| (name.to_string(), e.clone()))
            .collect();
        self.then(Step::Select(columns))
    }

    /// Every column, and one more (or one replaced) computed.
    pub fn with_column(self, name: &str, value: Expr) -> Result<Frame<'w>, FrameError> {
        let schema = self.schema()?;
        let mut columns: Vec<(String, Expr)> = schema
            .fields()
            .iter()
            .map(|f| (f.name().clone(), col(f.name())))
            .collect();
        match columns.iter_mut().find(|(n, _)| n == name) {
            Some(slot) => slot.1 = value,
            None => columns.push((name.to_string(), value)),
        }
        Ok(self.then(Step::Select(columns)))
    }

    /// Groups the rows by these keys; [`Grouped::agg`] says what each group gives.
    pub fn group_by(self, keys: &[(&str, Expr)]) -> Grouped<'w> {
        Grouped {
            frame: self,
            keys: keys
                .iter()
                .map(|(name, e)| (name.to_string(), e.clone()))
                .collect(),
        }
    }

    /// Groups the rows by the time bin of the date or time column `time` (pandas'
    /// `resample`, SQL's `GROUP BY date_trunc(...)`): the key column is `time`, each
    /// bin's start, as [`timebin`] states; [`Grouped::agg`] says what each bin gives.
    /// Bins come out in time order; a bin without rows is left out (as SQL's `GROUP BY`
    /// leaves it; pandas' `resample` gives it, with nulls).
    ///
    /// ```no_run
    /// use pardata::frame::timebin::TimeBin;
    /// use pardata::frame::{col, Agg, AggFunc, Frame};
    /// use pardata::prelude::*;
    ///
    /// # fn main() -> std::process::ExitCode {
    /// World::run(|world| {
    ///     let trips = Frame::scan(world, &["trips.parquet".into()], Default::default())?;
    ///     let hourly = trips
    ///         .resample("tpep_pickup_datetime", TimeBin::Seconds(3600))
    ///         .agg(&[("fare", Agg::new(AggFunc::Mean, col("fare_amount")))]);
    ///     if let Some(hours) = hourly.collect()? {
    ///         world.say(format_args!("{} hours", hours.num_rows()));
    ///     }
    ///     Ok::<(), JobFailure>(())
    /// })
    /// # }
    /// ```
    pub fn resample(self, time: &str, every: timebin::TimeBin) -> Grouped<'w> {
        self.group_by(&[(time, col(time).bin(every))])
    }

    /// The rows in the order of these keys (ties in file order).
    pub fn sort(self, keys: Vec<SortKey>) -> Frame<'w> {
        self.then(Step::Sort(keys))
    }

    /// The first `n` rows.
    pub fn limit(self, n: usize) -> Frame<'w> {
        self.then(Step::Limit(n))
    }

    /// The `k` rows first in the order of `keys`, without sorting all rows.
    pub fn top_k(self, keys: Vec<SortKey>, k: usize) -> Frame<'w> {
        self.sort(keys).limit(k)
    }

    /// The plan's stages, where each runs and the exchanges between them.
    pub fn explain(&self) -> String {
        run::explain(&self.plan)
    }

    /// Computes the frame: a collective; rank 0 gets the rows, the others `None`. Only
    /// the columns the steps need are read ([`Plan::needed_columns`]).
    pub fn collect(&self) -> Result<Option<RecordBatch>, JobFailure> {
        self.plan.run(self.world)
    }
}

impl<'w> Grouped<'w> {
    /// One row per group: the keys, then these aggregates, named.
    pub fn agg(self, aggs: &[(&str, Agg)]) -> Frame<'w> {
        let aggs = aggs
            .iter()
            .map(|(name, a)| (name.to_string(), a.clone()))
            .collect();
        self.frame.then(Step::Aggregate {
            keys: self.keys,
            aggs,
        })
    }
}

fn with_place(schema: &SchemaRef) -> SchemaRef {
    let mut fields: Vec<Field> = schema.fields().iter().map(|f| f.as_ref().clone()).collect();
    fields.push(Field::new(PLACE, arrow::datatypes::DataType::UInt64, false));
    std::sync::Arc::new(Schema::new(fields))
}

fn hide(schema: &SchemaRef) -> SchemaRef {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .filter(|f| !is_hidden(f.name()))
        .map(|f| f.as_ref().clone())
        .collect();
    std::sync::Arc::new(Schema::new(fields))
}
