//! Group-by aggregation in three steps: each rank folds its rows into one partial state
//! per group (`Groups`), the states cross to the rank that owns their group (a hash of
//! the group's key), and the owners merge them (`merge`); rank 0 then turns the merged
//! states into columns (`finish`).
//!
//! Semantics (SQL's and pandas' alike): nulls are skipped by every aggregate but
//! `count(*)`; `sum`, `min`, `max`, `mean`, `first` and `last` of no values are null, `count`
//! of none is 0, `var` and `std` (the sample ones, n - 1) of fewer than two values are
//! null. `first` and `last` are the first and last non-null values in file order (pandas'
//! `first`; DuckDB's keeps a leading null). Sums of integers are exact (int64, an error if
//! they overflow it); sums of floats add in file order within each piece of the files and
//! exactly across pieces ([`exact`](super::exact)): pieces do not depend on the rank
//! count, so neither does any result. After a join, whose rows of one piece may be on
//! several ranks, every term of a float sum is added exactly.
//! Groups come out in key order, nulls last.

use std::collections::{BTreeMap, BTreeSet, HashMap};
use std::fmt;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, Int64Array, RecordBatch, UInt64Array};
use arrow::compute::{cast, SortOptions};
use arrow::datatypes::{DataType, Float64Type, Int64Type, SchemaRef};
use arrow::row::{RowConverter, SortField};
use serde::{Deserialize, Serialize};

use super::accumulate::Accumulator;
use super::coded::{is_text_dictionary, Coded};
use super::exact::{two_product, variance, ExactSum};
use super::expr::{unpack, Expr};
use super::FrameError;

/// An aggregate function.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AggFunc {
    /// Every row (`count(*)`).
    CountRows,
    /// The non-null values.
    Count,
    /// The distinct non-null values (`count(DISTINCT x)`, pandas' `nunique`).
    CountDistinct,
    /// The sum.
    Sum,
    /// The mean (`avg`).
    Mean,
    /// The smallest value.
    Min,
    /// The largest value.
    Max,
    /// The sample variance.
    Var,
    /// The sample standard deviation.
    Std,
    /// The first non-null value.
    First,
    /// The last non-null value.
    Last,
}

/// An aggregate of an expression: `sum(fare_amount)`.
///
/// ```
/// use pardata::frame::aggregate::{Agg, AggFunc};
/// use pardata::frame::expr::col;
///
/// let mean_tip = Agg::new(AggFunc::Mean, col("tip_amount"));
/// assert_eq!(mean_tip.to_string(), "mean(tip_amount)");
/// assert_eq!(Agg::count_rows().to_string(), "count(*)");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub struct Agg {
    /// The function.
    pub func: AggFunc,
    /// What it aggregates (`None` for `count(*)`).
    pub input: Option<Expr>,
}

impl Agg {
    /// `func(input)`.
    pub fn new(func: AggFunc, input: Expr) -> Agg {
        Agg {
            func,
            input: Some(input),
        }
    }

    /// `count(*)`.
    pub fn count_rows() -> Agg {
        Agg {
            func: AggFunc::CountRows,
            input: None,
        }
    }

    /// The type of the aggregate's values, given its input's.
    pub fn data_type(&self, input: Option<&DataType>) -> Result<DataType, FrameError> {
        let numeric = |t: &DataType| -> Result<(), FrameError> {
            if t.is_numeric() || t == &DataType::Null {
                Ok(())
            } else {
                Err(FrameError::Type {
                    expr: self.to_string(),
                    detail: format!("{} needs numbers, not {t}", self.func.name()),
                })
            }
        };
        Ok(match (self.func, input) {
            (AggFunc::CountRows | AggFunc::Count | AggFunc::CountDistinct, _) => DataType::Int64,
            (AggFunc::Sum, Some(t)) => {
                numeric(t)?;
                if t.is_integer() {
                    DataType::Int64
                } else {
                    DataType::Float64
                }
            }
            (AggFunc::Mean | AggFunc::Var | AggFunc::Std, Some(t)) => {
                numeric(t)?;
                DataType::Float64
            }
            (_, Some(t)) => t.clone(),
            (_, None) => DataType::Null,
        })
    }
}

impl AggFunc {
    /// The function's name.
    pub fn name(self) -> &'static str {
        match self {
            AggFunc::CountRows | AggFunc::Count => "count",
            AggFunc::CountDistinct => "count_distinct",
            AggFunc::Sum => "sum",
            AggFunc::Mean => "mean",
            AggFunc::Min => "min",
            AggFunc::Max => "max",
            AggFunc::Var => "var",
            AggFunc::Std => "std",
            AggFunc::First => "first",
            AggFunc::Last => "last",
        }
    }
}

impl fmt::Display for Agg {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match &self.input {
            None => f.write_str("count(*)"),
            Some(e) if self.func == AggFunc::CountDistinct => write!(f, "count(DISTINCT {e})"),
            Some(e) => write!(f, "{}({e})", self.func.name()),
        }
    }
}

/// One group's partial result of one aggregate: what travels between ranks.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub enum State {
    /// Rows or values counted.
    Count(u64),
    /// An exact integer sum of `n` values.
    IntSum {
        /// The sum.
        sum: i128,
        /// How many values.
        n: u64,
    },
    /// A float sum of `n` values: exact over pieces, each piece's terms added in file
    /// order into `piece` first (pieces do not depend on the rank count, so neither does
    /// the sum).
    FloatSum {
        /// The exact sum of the pieces' sums.
        sum: ExactSum,
        /// The plain sum of the current piece's terms, not yet in `sum`.
        piece: f64,
        /// How many values.
        n: u64,
    },
    /// The count, sum and sum of squares, exact.
    Moments {
        /// How many values.
        n: u64,
        /// Their sum.
        sum: ExactSum,
        /// The sum of their squares.
        squares: ExactSum,
    },
    /// The smallest or largest value so far, as its row encoding (ordered as the values).
    Extreme(Option<Vec<u8>>),
    /// The first or last value so far with its place in the files.
    Placed(Option<(u64, Vec<u8>)>),
    /// The distinct values, as row encodings.
    Distinct(BTreeSet<Vec<u8>>),
}

/// How one aggregate is computed: its function, input type and the row encoding of its
/// values (for those kept as rows).
pub(crate) struct Plan {
    agg: Agg,
    input: Option<DataType>,
    output: DataType,
    rows: Option<RowConverter>,
}

impl Plan {
    pub(crate) fn new(agg: &Agg, schema: &SchemaRef) -> Result<Plan, FrameError> {
        let input = match &agg.input {
            Some(e) => Some(numeric_or_kept(&e.data_type(schema)?)),
            None => None,
        };
        let output = agg.data_type(input.as_ref())?;
        let rows = match (agg.func, &input) {
            (
                AggFunc::Min
                | AggFunc::Max
                | AggFunc::First
                | AggFunc::Last
                | AggFunc::CountDistinct,
                Some(t),
            ) => Some(row_converter(std::slice::from_ref(t))?),
            _ => None,
        };
        Ok(Plan {
            agg: agg.clone(),
            input,
            output,
            rows,
        })
    }

    /// The type of the aggregate's column.
    pub(crate) fn output(&self) -> &DataType {
        &self.output
    }

    /// What the aggregate reads (`None` for `count(*)`).
    pub(super) fn input_expr(&self) -> Option<&Expr> {
        self.agg.input.as_ref()
    }

    /// The input's values in a batch, in the type aggregates fold ([`numeric_or_kept`]);
    /// `None` for `count(*)` and for a column of nulls only (its nulls are logical:
    /// `is_null` does not see them).
    pub(super) fn values(&self, batch: &RecordBatch) -> Result<Option<ArrayRef>, FrameError> {
        let Some(input) = &self.agg.input else {
            return Ok(None);
        };
        let values = input.evaluate(batch)?;
        let values = widen(&values).map_err(|e| FrameError::arrow(input, e))?;
        Ok((values.data_type() != &DataType::Null).then_some(values))
    }

    pub(super) fn empty(&self) -> State {
        match (self.agg.func, &self.input) {
            (AggFunc::CountRows | AggFunc::Count, _) => State::Count(0),
            (AggFunc::CountDistinct, _) => State::Distinct(BTreeSet::new()),
            (AggFunc::Sum | AggFunc::Mean, Some(t)) if t.is_integer() => {
                State::IntSum { sum: 0, n: 0 }
            }
            (AggFunc::Sum | AggFunc::Mean, _) => State::FloatSum {
                sum: ExactSum::default(),
                piece: 0.0,
                n: 0,
            },
            (AggFunc::Var | AggFunc::Std, _) => State::Moments {
                n: 0,
                sum: ExactSum::default(),
                squares: ExactSum::default(),
            },
            (AggFunc::Min | AggFunc::Max, _) => State::Extreme(None),
            (AggFunc::First | AggFunc::Last, _) => State::Placed(None),
        }
    }

    /// Folds one batch's values into the states of their groups: the states of variances,
    /// extremes, first and last values and distinct values ([`Accumulator`] keeps counts
    /// and sums).
    pub(super) fn update(
        &self,
        states: &mut [State],
        groups: &[u32],
        batch: &RecordBatch,
        places: &UInt64Array,
    ) -> Result<(), FrameError> {
        let (Some(input), Some(values)) = (&self.agg.input, self.values(batch)?) else {
            return Ok(());
        };
        if let Some(converter) = &self.rows {
            let rows = converter
                .convert_columns(std::slice::from_ref(&values))
                .map_err(|e| FrameError::arrow(input, e))?;
            for (i, &g) in groups.iter().enumerate() {
                if values.is_null(i) {
                    continue;
                }
                let row = rows.row(i);
                let bytes = row.data();
                match (&mut states[g as usize], self.agg.func) {
                    (State::Extreme(best), AggFunc::Min)
                        if best.as_deref().is_none_or(|b| bytes < b) =>
                    {
                        *best = Some(bytes.to_vec());
                    }
                    (State::Extreme(best), AggFunc::Max)
                        if best.as_deref().is_none_or(|b| bytes > b) =>
                    {
                        *best = Some(bytes.to_vec());
                    }
                    (State::Placed(kept), func) => {
                        let place = places.value(i);
                        let replace = match kept {
                            None => true,
                            Some((p, _)) if func == AggFunc::First => place < *p,
                            Some((p, _)) => place > *p,
                        };
                        if replace {
                            *kept = Some((place, bytes.to_vec()));
                        }
                    }
                    (State::Distinct(seen), _) if !seen.contains(bytes) => {
                        seen.insert(bytes.to_vec());
                    }
                    _ => {}
                }
            }
            return Ok(());
        }
        // The variance's moments (counts and sums are the accumulator's own).
        let floats = cast(&values, &DataType::Float64).map_err(|e| FrameError::arrow(input, e))?;
        let floats = floats.as_primitive::<Float64Type>();
        for (i, &g) in groups.iter().enumerate() {
            if floats.is_valid(i) {
                add_moment(&mut states[g as usize], floats.value(i));
            }
        }
        Ok(())
    }

    /// The column of the aggregate's values, one per group's state.
    fn finish(&self, states: &[&State]) -> Result<ArrayRef, FrameError> {
        let too_big = || FrameError::Type {
            expr: self.agg.to_string(),
            detail: "the sum does not fit in int64".into(),
        };
        Ok(match self.agg.func {
            AggFunc::CountRows | AggFunc::Count | AggFunc::CountDistinct => {
                let counts: Vec<i64> = states
                    .iter()
                    .map(|s| match s {
                        State::Count(n) => *n as i64,
                        State::Distinct(seen) => seen.len() as i64,
                        _ => 0,
                    })
                    .collect();
                Arc::new(Int64Array::from(counts))
            }
            AggFunc::Sum if self.output == DataType::Int64 => {
                let sums: Result<Vec<Option<i64>>, FrameError> = states
                    .iter()
                    .map(|s| match s {
                        State::IntSum { n: 0, .. } => Ok(None),
                        State::IntSum { sum, .. } => {
                            i64::try_from(*sum).map(Some).map_err(|_| too_big())
                        }
                        _ => Ok(None),
                    })
                    .collect();
                Arc::new(Int64Array::from(sums?))
            }
            AggFunc::Sum | AggFunc::Mean | AggFunc::Var | AggFunc::Std => {
                let mean = self.agg.func == AggFunc::Mean;
                let values: Vec<Option<f64>> = states
                    .iter()
                    .map(|s| match s {
                        State::IntSum { n: 0, .. } | State::FloatSum { n: 0, .. } => None,
                        State::IntSum { sum, n } => Some(*sum as f64 / *n as f64),
                        State::FloatSum { sum, piece, n } if mean => {
                            Some(settled(sum, *piece) / *n as f64)
                        }
                        State::FloatSum { sum, piece, .. } => Some(settled(sum, *piece)),
                        State::Moments { n, sum, squares } => {
                            let var = variance(*n, sum, squares)?;
                            Some(if self.agg.func == AggFunc::Std {
                                var.sqrt()
                            } else {
                                var
                            })
                        }
                        _ => None,
                    })
                    .collect();
                Arc::new(Float64Array::from(values))
            }
            AggFunc::Min | AggFunc::Max | AggFunc::First | AggFunc::Last => {
                let (Some(converter), Some(input)) = (&self.rows, &self.input) else {
                    return Ok(arrow::array::new_null_array(&self.output, states.len()));
                };
                let null = converter
                    .convert_columns(&[arrow::array::new_null_array(input, 1)])
                    .map_err(|e| FrameError::Internal(e.to_string()))?;
                let null = null.row(0);
                let parser = converter.parser();
                let rows = states.iter().map(|s| match s {
                    State::Extreme(Some(bytes)) | State::Placed(Some((_, bytes))) => {
                        parser.parse(bytes)
                    }
                    _ => null,
                });
                let mut columns = converter
                    .convert_rows(rows)
                    .map_err(|e| FrameError::Internal(e.to_string()))?;
                columns
                    .pop()
                    .unwrap_or_else(|| arrow::array::new_null_array(&self.output, states.len()))
            }
        })
    }
}

/// Adds a value to a variance's moments.
fn add_moment(state: &mut State, v: f64) {
    if let State::Moments { n, sum, squares } = state {
        sum.add(v);
        let (high, low) = two_product(v, v);
        squares.add(high);
        squares.add(low);
        *n += 1;
    }
}

/// An exact sum with a piece's plain sum added.
fn settled(sum: &ExactSum, piece: f64) -> f64 {
    let mut sum = sum.clone();
    sum.add(piece);
    sum.value()
}

/// Moves each float sum's current piece into its exact sum.
pub(super) fn end_piece(states: &mut [State]) {
    for state in states {
        if let State::FloatSum { sum, piece, .. } = state {
            if *piece != 0.0 || piece.is_nan() {
                sum.add(*piece);
            }
            *piece = 0.0;
        }
    }
}

/// Merges another partial state of the same group and aggregate into `into`.
fn merge_state(into: &mut State, other: State) {
    match (into, other) {
        (State::Count(a), State::Count(b)) => *a += b,
        (State::IntSum { sum, n }, State::IntSum { sum: s, n: m }) => {
            *sum += s;
            *n += m;
        }
        (
            State::FloatSum { sum, piece, n },
            State::FloatSum {
                sum: s,
                piece: p,
                n: m,
            },
        ) => {
            sum.merge(&s);
            sum.add(*piece);
            sum.add(p);
            *piece = 0.0;
            *n += m;
        }
        (
            State::Moments { n, sum, squares },
            State::Moments {
                n: m,
                sum: s,
                squares: q,
            },
        ) => {
            *n += m;
            sum.merge(&s);
            squares.merge(&q);
        }
        // Extremes: the caller merges min and max through `merge_extreme`.
        (State::Placed(kept), State::Placed(Some((place, bytes)))) => match kept {
            Some((p, _)) if *p <= place => {}
            _ => *kept = Some((place, bytes)),
        },
        (State::Distinct(seen), State::Distinct(more)) => seen.extend(more),
        _ => {}
    }
}

/// A column of an aggregate input in the type aggregates fold: integers as int64, floats
/// as float64, other types as they are (unpacked dictionaries and text types).
fn numeric_or_kept(t: &DataType) -> DataType {
    if t.is_integer() {
        DataType::Int64
    } else if t.is_floating()
        || matches!(
            t,
            DataType::Decimal32(..)
                | DataType::Decimal64(..)
                | DataType::Decimal128(..)
                | DataType::Decimal256(..)
        )
    {
        DataType::Float64
    } else {
        match t {
            DataType::Dictionary(_, values) => numeric_or_kept(values),
            DataType::LargeUtf8 | DataType::Utf8View => DataType::Utf8,
            other => other.clone(),
        }
    }
}

fn widen(values: &ArrayRef) -> Result<ArrayRef, arrow::error::ArrowError> {
    let values = unpack(values)?;
    let to = numeric_or_kept(values.data_type());
    if &to == values.data_type() {
        Ok(values)
    } else {
        cast(&values, &to)
    }
}

/// A row encoding of values of these types, in ascending order with nulls last.
pub(crate) fn row_converter(types: &[DataType]) -> Result<RowConverter, FrameError> {
    let fields = types
        .iter()
        .map(|t| {
            SortField::new_with_options(
                t.clone(),
                SortOptions {
                    descending: false,
                    nulls_first: false,
                },
            )
        })
        .collect();
    RowConverter::new(fields).map_err(|e| FrameError::Internal(e.to_string()))
}

/// The groups of one rank's rows and their partial states.
pub(crate) struct Groups {
    keys: Vec<Expr>,
    key_rows: RowConverter,
    plans: Vec<Plan>,
    index: HashMap<Box<[u8]>, u32, ahash::RandomState>,
    /// The groups of a single integer key, by its value, and the group of its null.
    int_index: HashMap<i64, u32, ahash::RandomState>,
    null_int: Option<u32>,
    /// The groups of a single text key, by its bytes, and the group of its null.
    text_index: HashMap<Box<[u8]>, u32, ahash::RandomState>,
    null_text: Option<u32>,
    /// The groups of text keys read as dictionaries, by their codes.
    coded: Option<Coded>,
    key_bytes: Vec<Box<[u8]>>,
    /// `states[a]`: aggregate a's states of every group.
    states: Vec<Accumulator>,
    group_of_row: Vec<u32>,
    /// The piece the float sums' plain parts are of.
    piece: Option<u64>,
    /// Float sums add every term exactly ([`Groups::exact_terms`]).
    exact_terms: bool,
}

/// A group's key (its row encoding) and its states, as they cross between ranks.
pub(crate) type Partial = (Vec<u8>, Vec<State>);

impl Groups {
    pub(crate) fn new(
        keys: &[Expr],
        aggs: &[Agg],
        schema: &SchemaRef,
    ) -> Result<Groups, FrameError> {
        let key_types = keys
            .iter()
            .map(|k| k.data_type(schema).map(|t| numeric_or_kept(&t)))
            .collect::<Result<Vec<_>, _>>()?;
        let plans = aggs
            .iter()
            .map(|a| Plan::new(a, schema))
            .collect::<Result<Vec<_>, _>>()?;
        let mut groups = Groups {
            keys: keys.to_vec(),
            key_rows: row_converter(&key_types)?,
            plans,
            index: HashMap::with_hasher(ahash::RandomState::with_seeds(1, 2, 3, 4)),
            int_index: HashMap::with_hasher(ahash::RandomState::with_seeds(1, 2, 3, 4)),
            text_index: HashMap::with_hasher(ahash::RandomState::with_seeds(1, 2, 3, 4)),
            null_text: None,
            null_int: None,
            coded: None,
            key_bytes: Vec::new(),
            states: Vec::new(),
            group_of_row: Vec::new(),
            piece: None,
            exact_terms: false,
        };
        groups.states = groups.plans.iter().map(Accumulator::new).collect();
        if keys.is_empty() {
            // One group of every row, there even when no rank has a row.
            groups.group_id(&[]);
        }
        Ok(groups)
    }

    /// With `exact`, float sums add every term exactly instead of a piece's terms in
    /// file order first: for rows of one piece spread over ranks (after a hash join),
    /// whose plain sums would depend on the rank count.
    pub(crate) fn exact_terms(mut self, exact: bool) -> Groups {
        self.exact_terms = exact;
        self
    }

    fn group_id(&mut self, key: &[u8]) -> u32 {
        if let Some(&g) = self.index.get(key) {
            return g;
        }
        let g = self.new_group(key);
        self.index.insert(key.into(), g);
        g
    }

    /// A new group of this key (its row encoding), with empty states.
    fn new_group(&mut self, key: &[u8]) -> u32 {
        let g = self.key_bytes.len() as u32;
        self.key_bytes.push(key.into());
        for (states, plan) in self.states.iter_mut().zip(&self.plans) {
            states.push(plan);
        }
        g
    }

    /// A new group of the key in row `i` of a single key column.
    fn new_group_of(&mut self, keys: &ArrayRef, i: usize) -> Result<u32, FrameError> {
        let row = self
            .key_rows
            .convert_columns(&[keys.slice(i, 1)])
            .map_err(|e| FrameError::Internal(e.to_string()))?;
        Ok(self.new_group(row.row(0).data()))
    }

    /// Folds a batch in (its hidden place column gives `first` and `last` their order).
    pub(crate) fn update(&mut self, batch: &RecordBatch) -> Result<(), FrameError> {
        let places = super::places(batch);
        // A batch holds rows of one piece (the high 32 bits of a place).
        let piece = (!places.is_empty()).then(|| places.value(0) >> 32);
        if piece != self.piece {
            self.states.iter_mut().for_each(Accumulator::end_piece);
            self.piece = piece;
        }
        let mut group_of_row = std::mem::take(&mut self.group_of_row);
        group_of_row.clear();
        if self.keys.is_empty() {
            group_of_row.resize(batch.num_rows(), 0);
        } else {
            let columns = self
                .keys
                .iter()
                .map(|k| k.evaluate(batch))
                .collect::<Result<Vec<_>, _>>()?;
            if columns.len() <= Coded::MOST_KEYS && columns.iter().all(is_text_dictionary) {
                let mut coded = match self.coded.take() {
                    Some(coded) => coded,
                    None => Coded::new(columns.len())?,
                };
                let found =
                    coded.groups(&columns, &mut group_of_row, &mut |key| self.new_group(key));
                self.coded = Some(coded);
                found?;
                return self.accumulate(batch, &places, group_of_row);
            }
            let columns = columns
                .iter()
                .zip(&self.keys)
                .map(|(a, k)| widen(a).map_err(|e| FrameError::arrow(k, e)))
                .collect::<Result<Vec<_>, _>>()?;
            let internal = |e: arrow::error::ArrowError| FrameError::Internal(e.to_string());
            match columns.as_slice() {
                // One integer key: looked up as a number, encoded once per new group.
                [only] if only.data_type() == &DataType::Int64 => {
                    let ints = only.as_primitive::<Int64Type>();
                    let nulls = ints.nulls().filter(|n| n.null_count() > 0);
                    for (i, key) in ints.values().iter().enumerate() {
                        let g = match nulls.is_some_and(|n| n.is_null(i)) {
                            true => match self.null_int {
                                Some(g) => g,
                                None => {
                                    let g = self.new_group_of(only, i)?;
                                    *self.null_int.insert(g)
                                }
                            },
                            false => match self.int_index.get(key) {
                                Some(&g) => g,
                                None => {
                                    let g = self.new_group_of(only, i)?;
                                    self.int_index.insert(*key, g);
                                    g
                                }
                            },
                        };
                        group_of_row.push(g);
                    }
                }
                // One text key: looked up by its bytes, encoded once per new group.
                [only] if only.data_type() == &DataType::Utf8 => {
                    let texts = only.as_string::<i32>();
                    for i in 0..texts.len() {
                        let known = match texts.is_null(i) {
                            true => self.null_text,
                            false => self.text_index.get(texts.value(i).as_bytes()).copied(),
                        };
                        let g = match known {
                            Some(g) => g,
                            None => {
                                let g = self.new_group_of(only, i)?;
                                match texts.is_null(i) {
                                    true => self.null_text = Some(g),
                                    false => {
                                        self.text_index.insert(texts.value(i).as_bytes().into(), g);
                                    }
                                }
                                g
                            }
                        };
                        group_of_row.push(g);
                    }
                }
                _ => {
                    let rows = self.key_rows.convert_columns(&columns).map_err(internal)?;
                    for row in rows.iter() {
                        group_of_row.push(self.group_id(row.data()));
                    }
                }
            }
        }
        self.accumulate(batch, &places, group_of_row)
    }

    /// Folds a batch's values into the states of their rows' groups (`group_of_row`,
    /// kept for the next batch).
    fn accumulate(
        &mut self,
        batch: &RecordBatch,
        places: &UInt64Array,
        group_of_row: Vec<u32>,
    ) -> Result<(), FrameError> {
        let mut result = Ok(());
        let exact = self.exact_terms;
        for (states, plan) in self.states.iter_mut().zip(&self.plans) {
            result = result.and_then(|()| states.update(plan, &group_of_row, batch, places, exact));
        }
        self.group_of_row = group_of_row;
        result
    }

    /// The aggregates' plans, and the partial states, each with the rank that owns its
    /// group.
    pub(crate) fn into_partials(mut self, ranks: usize) -> (Vec<Plan>, Vec<(usize, Partial)>) {
        self.states.iter_mut().for_each(Accumulator::end_piece);
        let mut columns: Vec<_> = self
            .states
            .into_iter()
            .map(|s| s.into_states().into_iter())
            .collect();
        let partials = self
            .key_bytes
            .into_iter()
            .map(|key| {
                let states = columns.iter_mut().filter_map(Iterator::next).collect();
                (owner(&key, ranks), (key.into_vec(), states))
            })
            .collect();
        (self.plans, partials)
    }

    /// The aggregate plans, for merging and finishing.
    pub(crate) fn plans(&self) -> &[Plan] {
        &self.plans
    }
}

/// The rank that merges a group's states (or gets a row in a hash join): an FNV-1a hash
/// of its key, the same on every rank and in every run.
pub(crate) fn owner(key: &[u8], ranks: usize) -> usize {
    let mut hash: u64 = 0xcbf2_9ce4_8422_2325;
    for &byte in key {
        hash ^= u64::from(byte);
        hash = hash.wrapping_mul(0x0100_0000_01b3);
    }
    (hash % ranks as u64) as usize
}

/// Merges partial states into one per group, in key order.
pub(crate) fn merge(
    plans: &[Plan],
    partials: impl IntoIterator<Item = Partial>,
) -> BTreeMap<Vec<u8>, Vec<State>> {
    let mut merged: BTreeMap<Vec<u8>, Vec<State>> = BTreeMap::new();
    for (key, states) in partials {
        match merged.get_mut(&key) {
            None => {
                merged.insert(key, states);
            }
            Some(kept) => {
                for ((into, other), plan) in kept.iter_mut().zip(states).zip(plans) {
                    match (into, other, plan.agg.func) {
                        (State::Extreme(a), State::Extreme(Some(b)), AggFunc::Min) => {
                            if a.as_ref().is_none_or(|a| &b < a) {
                                *a = Some(b);
                            }
                        }
                        (State::Extreme(a), State::Extreme(Some(b)), _) => {
                            if a.as_ref().is_none_or(|a| &b > a) {
                                *a = Some(b);
                            }
                        }
                        (State::Placed(a), State::Placed(Some(b)), AggFunc::Last) => {
                            if a.as_ref().is_none_or(|a| b.0 > a.0) {
                                *a = Some(b);
                            }
                        }
                        (into, other, _) => merge_state(into, other),
                    }
                }
            }
        }
    }
    merged
}

/// The result batch of merged groups: the key columns, then one column per aggregate.
pub(crate) fn finish(
    keys: &[Expr],
    plans: &[Plan],
    schema: &SchemaRef,
    output: &SchemaRef,
    merged: &BTreeMap<Vec<u8>, Vec<State>>,
) -> Result<RecordBatch, FrameError> {
    let key_types = keys
        .iter()
        .map(|k| k.data_type(schema).map(|t| numeric_or_kept(&t)))
        .collect::<Result<Vec<_>, _>>()?;
    let mut columns: Vec<ArrayRef> = Vec::new();
    if !keys.is_empty() {
        let converter = row_converter(&key_types)?;
        let parser = converter.parser();
        columns = converter
            .convert_rows(merged.keys().map(|k| parser.parse(k)))
            .map_err(|e| FrameError::Internal(e.to_string()))?;
    }
    for (a, plan) in plans.iter().enumerate() {
        let states: Vec<&State> = merged.values().map(|s| &s[a]).collect();
        columns.push(plan.finish(&states)?);
    }
    RecordBatch::try_new(output.clone(), columns).map_err(|e| FrameError::Internal(e.to_string()))
}
