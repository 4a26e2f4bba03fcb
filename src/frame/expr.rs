//! Expressions over the columns of a record batch: column references, literals,
//! arithmetic, comparisons, three-valued logic, null tests, casts, `LIKE`, and the parts
//! of dates and times, each evaluated by an arrow-rs compute kernel on a whole batch.
//!
//! Semantics (SQL's, as DuckDB gives them):
//! - a null operand makes a null result, except `AND`/`OR` (Kleene logic: `false AND null`
//!   is false, `true OR null` true) and the null tests;
//! - integers are int64 (narrower integers are widened); an integer meets a float as a
//!   float; `/` is float division (a zero divisor gives an infinity or NaN, as IEEE and
//!   DuckDB say), `%` of integers by zero is an error; a cast that cannot convert a value
//!   (`CAST('x' AS BIGINT)`) is an error, not a null, and floats cast to integers round
//!   half away from zero;
//!   integer overflow is an error;
//! - text compares with text; text meets a date or a time as that type (`t >= '2015-01-05'`);
//! - `year`, `month`, `day`, `hour`, `minute`, `dayofweek` (Sunday 0, as DuckDB) and
//!   [`TimePart::Weekday`] (Monday 0, as pandas; SQL's `weekday` is DuckDB's, Sunday 0) are
//!   int64, read in the time's own zone;
//! - `date_trunc` and `time_bucket` ([`Expr::Bin`]) keep the time's type, as
//!   [`timebin`](super::timebin) states;
//! - `round(x, digits)` ([`Expr::Round`]) rounds a float half away from zero at `digits`
//!   decimals (negative: tens, hundreds...) as DuckDB computes it (`round(x * 10^d) / 10^d`,
//!   `round(x / 10^-d) * 10^-d`; NaN and infinities stay); an integer stays an integer,
//!   rounded half away from zero to tens, hundreds... at negative digits (an overflow is
//!   an error); `abs` keeps the type, `abs` of the smallest int64 is an overflow error.

use std::fmt;
use std::sync::Arc;

use arrow::array::{
    new_null_array, Array, ArrayRef, AsArray, BooleanArray, Float64Array, Int64Array, RecordBatch,
    StringArray, UInt32Array,
};
use arrow::compute::kernels::{boolean, cmp, comparison, numeric, temporal, zip};
use arrow::compute::{cast, take};
use arrow::datatypes::{DataType, Float64Type, Int64Type, SchemaRef};

use super::timebin::{Clock, TimeBin};
use super::FrameError;

/// A value written in the query.
#[derive(Debug, Clone, PartialEq)]
pub enum Literal {
    /// `NULL`.
    Null,
    /// `true` or `false`.
    Bool(bool),
    /// A whole number.
    Int(i64),
    /// A number with a fraction or an exponent.
    Float(f64),
    /// A quoted string.
    Text(String),
}

/// The binary operators.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryOp {
    /// `+`
    Add,
    /// `-`
    Sub,
    /// `*`
    Mul,
    /// `/` (float division)
    Div,
    /// `%`
    Mod,
    /// `=`
    Eq,
    /// `<>` or `!=`
    NotEq,
    /// `<`
    Lt,
    /// `<=`
    LtEq,
    /// `>`
    Gt,
    /// `>=`
    GtEq,
    /// `AND`
    And,
    /// `OR`
    Or,
}

/// A part of a date or a time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimePart {
    /// The year.
    Year,
    /// The month, 1 to 12.
    Month,
    /// The day of the month, 1 to 31.
    Day,
    /// The hour, 0 to 23.
    Hour,
    /// The minute, 0 to 59.
    Minute,
    /// The day of the week, Sunday 0 (SQL's `dayofweek`).
    DayOfWeek,
    /// The day of the week, Monday 0 (pandas' `weekday`).
    Weekday,
}

/// An expression over a batch's columns.
///
/// ```
/// use pardata::frame::expr::{col, lit};
///
/// let tip_share = col("tip_amount").div(col("fare_amount"));
/// let card = col("payment_type").eq(lit(1));
/// assert_eq!(tip_share.to_string(), "(tip_amount / fare_amount)");
/// assert_eq!(card.to_string(), "(payment_type = 1)");
/// ```
#[derive(Debug, Clone, PartialEq)]
pub enum Expr {
    /// A column, by name.
    Column(String),
    /// A constant.
    Literal(Literal),
    /// `left op right`.
    Binary(Box<Expr>, BinaryOp, Box<Expr>),
    /// `NOT e`.
    Not(Box<Expr>),
    /// `-e`.
    Negate(Box<Expr>),
    /// `e IS NULL` (or `IS NOT NULL` when the flag is set).
    IsNull(Box<Expr>, bool),
    /// `coalesce(e, fill)`: `fill` where `e` is null.
    FillNull(Box<Expr>, Box<Expr>),
    /// `CAST(e AS type)`.
    Cast(Box<Expr>, DataType),
    /// `e LIKE pattern` (`NOT LIKE` when the flag is set); `%` any text, `_` one character.
    Like(Box<Expr>, String, bool),
    /// A part of a date or time.
    Part(TimePart, Box<Expr>),
    /// A date or time cut to the start of its bin, a zoned time read on the clock
    /// (`date_trunc`: local, `time_bucket`: UTC).
    Bin(TimeBin, Clock, Box<Expr>),
    /// `round(e, digits)`: see the module header.
    Round(Box<Expr>, i32),
    /// `abs(e)`.
    Abs(Box<Expr>),
}

/// A column reference.
pub fn col(name: &str) -> Expr {
    Expr::Column(name.to_string())
}

/// A constant: `lit(1)`, `lit(2.5)`, `lit("CRD")`, `lit(true)`.
pub fn lit(value: impl Into<Literal>) -> Expr {
    Expr::Literal(value.into())
}

impl From<i64> for Literal {
    fn from(v: i64) -> Literal {
        Literal::Int(v)
    }
}
impl From<i32> for Literal {
    fn from(v: i32) -> Literal {
        Literal::Int(v.into())
    }
}
impl From<f64> for Literal {
    fn from(v: f64) -> Literal {
        Literal::Float(v)
    }
}
impl From<bool> for Literal {
    fn from(v: bool) -> Literal {
        Literal::Bool(v)
    }
}
impl From<&str> for Literal {
    fn from(v: &str) -> Literal {
        Literal::Text(v.to_string())
    }
}

macro_rules! binary_builders {
    ($($name:ident => $op:ident),* $(,)?) => {
        impl Expr {
            $(
                #[doc = concat!("`self ", stringify!($op), " other`.")]
                #[allow(clippy::should_implement_trait)]
                pub fn $name(self, other: Expr) -> Expr {
                    Expr::Binary(Box::new(self), BinaryOp::$op, Box::new(other))
                }
            )*
        }
    };
}

binary_builders!(
    add => Add, sub => Sub, mul => Mul, div => Div, rem => Mod,
    eq => Eq, not_eq => NotEq, lt => Lt, lt_eq => LtEq, gt => Gt, gt_eq => GtEq,
    and => And, or => Or,
);

impl Expr {
    /// `self IS NULL`.
    pub fn is_null(self) -> Expr {
        Expr::IsNull(Box::new(self), false)
    }

    /// `self IS NOT NULL`.
    pub fn is_not_null(self) -> Expr {
        Expr::IsNull(Box::new(self), true)
    }

    /// `NOT self`.
    #[allow(clippy::should_implement_trait)]
    pub fn not(self) -> Expr {
        Expr::Not(Box::new(self))
    }

    /// `self`, with `fill` where it is null.
    pub fn fill_null(self, fill: Expr) -> Expr {
        Expr::FillNull(Box::new(self), Box::new(fill))
    }

    /// `self` as another type.
    pub fn cast(self, to: DataType) -> Expr {
        Expr::Cast(Box::new(self), to)
    }

    /// Whether `self` starts with `prefix` (`self LIKE 'prefix%'`).
    pub fn starts_with(self, prefix: &str) -> Expr {
        let escaped = prefix
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        Expr::Like(Box::new(self), format!("{escaped}%"), false)
    }

    /// `self` rounded half away from zero at `digits` decimals (an integer stays one).
    ///
    /// ```
    /// use pardata::frame::expr::col;
    ///
    /// assert_eq!(col("fare").round(2).to_string(), "round(fare, 2)");
    /// ```
    pub fn round(self, digits: i32) -> Expr {
        Expr::Round(Box::new(self), digits)
    }

    /// The absolute value of `self`.
    pub fn abs(self) -> Expr {
        Expr::Abs(Box::new(self))
    }

    /// A part of a date or time.
    pub fn part(self, part: TimePart) -> Expr {
        Expr::Part(part, Box::new(self))
    }

    /// The start of the time bin of a date or time, a zoned time by its local time
    /// (`date_trunc('hour', t)`, pandas' `resample`).
    ///
    /// ```
    /// use pardata::frame::expr::col;
    /// use pardata::frame::timebin::TimeBin;
    ///
    /// let hour = col("pickup").bin(TimeBin::Seconds(3600));
    /// assert_eq!(hour.to_string(), "date_trunc('hour', pickup)");
    /// let quarter_hour = col("pickup").bin(TimeBin::Seconds(900));
    /// assert_eq!(quarter_hour.to_string(), "date_trunc('15 minutes', pickup)");
    /// ```
    pub fn bin(self, bin: TimeBin) -> Expr {
        Expr::Bin(bin, Clock::Local, Box::new(self))
    }

    /// The names of the columns the expression reads, in the order they appear.
    pub fn columns(&self) -> Vec<&str> {
        let mut names = Vec::new();
        self.visit_columns(&mut |name| names.push(name));
        names
    }

    fn visit_columns<'a>(&'a self, found: &mut impl FnMut(&'a str)) {
        match self {
            Expr::Column(name) => found(name),
            Expr::Literal(_) => {}
            Expr::Binary(l, _, r) | Expr::FillNull(l, r) => {
                l.visit_columns(found);
                r.visit_columns(found);
            }
            Expr::Not(e)
            | Expr::Negate(e)
            | Expr::IsNull(e, _)
            | Expr::Cast(e, _)
            | Expr::Like(e, _, _)
            | Expr::Part(_, e)
            | Expr::Bin(_, _, e)
            | Expr::Round(e, _)
            | Expr::Abs(e) => e.visit_columns(found),
        }
    }

    /// The type of the expression's values over a schema's columns (an error names a
    /// column that is not there, or operands that do not go together).
    pub fn data_type(&self, schema: &SchemaRef) -> Result<DataType, FrameError> {
        let empty = RecordBatch::new_empty(schema.clone());
        Ok(self.evaluate(&empty)?.data_type().clone())
    }

    /// The expression's value for every row of `batch`.
    pub fn evaluate(&self, batch: &RecordBatch) -> Result<ArrayRef, FrameError> {
        let rows = batch.num_rows();
        let arrow = |e| FrameError::arrow(self, e);
        match self {
            Expr::Column(name) => {
                batch
                    .column_by_name(name)
                    .cloned()
                    .ok_or_else(|| FrameError::NoColumn {
                        name: name.clone(),
                        available: visible_names(&batch.schema()),
                    })
            }
            Expr::Literal(value) => repeat(&literal_array(value), rows).map_err(arrow),
            Expr::Binary(left, op, right) => {
                let left = left.evaluate(batch)?;
                let right = right.evaluate(batch)?;
                binary(&left, *op, &right).map_err(|detail| FrameError::Type {
                    expr: self.to_string(),
                    detail,
                })
            }
            Expr::Not(e) => {
                let value = as_bool(self, &e.evaluate(batch)?)?;
                Ok(Arc::new(boolean::not(&value).map_err(arrow)?))
            }
            Expr::Negate(e) => {
                let value = widen(&e.evaluate(batch)?).map_err(arrow)?;
                Ok(numeric::neg(&value).map_err(arrow)?)
            }
            Expr::IsNull(e, negated) => {
                let value = e.evaluate(batch)?;
                let test = if *negated {
                    boolean::is_not_null(&value)
                } else {
                    boolean::is_null(&value)
                };
                Ok(Arc::new(test.map_err(arrow)?))
            }
            Expr::FillNull(e, fill) => {
                let (value, fill) =
                    coerce(&e.evaluate(batch)?, &fill.evaluate(batch)?).map_err(|detail| {
                        FrameError::Type {
                            expr: self.to_string(),
                            detail,
                        }
                    })?;
                let present = boolean::is_not_null(&value).map_err(arrow)?;
                Ok(zip::zip(&present, &value, &fill).map_err(arrow)?)
            }
            Expr::Cast(e, to) => {
                let value = widen(&e.evaluate(batch)?).map_err(arrow)?;
                let value = match (value.data_type(), to.is_integer()) {
                    (DataType::Float64, true) => {
                        let floats = value.as_primitive::<Float64Type>();
                        let rounded: Float64Array = floats.unary(f64::round);
                        Arc::new(rounded) as ArrayRef
                    }
                    _ => value,
                };
                Ok(strict_cast(&value, to).map_err(arrow)?)
            }
            Expr::Like(e, pattern, negated) => {
                let value = unpack(&e.evaluate(batch)?).map_err(arrow)?;
                if value.data_type() != &DataType::Utf8 && value.data_type() != &DataType::Null {
                    return Err(FrameError::Type {
                        expr: self.to_string(),
                        detail: format!("LIKE needs text, not {}", value.data_type()),
                    });
                }
                let value = cast(&value, &DataType::Utf8).map_err(arrow)?;
                let pattern = StringArray::new_scalar(pattern.as_str());
                let matched = if *negated {
                    comparison::nlike(&value, &pattern)
                } else {
                    comparison::like(&value, &pattern)
                };
                Ok(Arc::new(matched.map_err(arrow)?))
            }
            Expr::Part(part, e) => {
                let value = self.temporal(e, batch, part.name())?;
                if value.data_type() == &DataType::Null {
                    return Ok(new_null_array(&DataType::Int64, rows));
                }
                let arrow_part = match part {
                    TimePart::Year => temporal::DatePart::Year,
                    TimePart::Month => temporal::DatePart::Month,
                    TimePart::Day => temporal::DatePart::Day,
                    TimePart::Hour => temporal::DatePart::Hour,
                    TimePart::Minute => temporal::DatePart::Minute,
                    TimePart::DayOfWeek => temporal::DatePart::DayOfWeekSunday0,
                    TimePart::Weekday => temporal::DatePart::DayOfWeekMonday0,
                };
                let parts = temporal::date_part(&value, arrow_part).map_err(arrow)?;
                Ok(cast(&parts, &DataType::Int64).map_err(arrow)?)
            }
            Expr::Bin(bin, clock, e) => {
                let value = self.temporal(e, batch, "a time bin")?;
                if value.data_type() == &DataType::Null {
                    return Ok(value);
                }
                bin.apply(&value, *clock).map_err(arrow)
            }
            Expr::Round(e, digits) => {
                let value = self.numeric(e, batch, "round")?;
                match value.data_type() {
                    DataType::Float64 => {
                        let floats = value.as_primitive::<Float64Type>();
                        let rounded: Float64Array = floats.unary(|x| round(x, *digits));
                        Ok(Arc::new(rounded))
                    }
                    DataType::Int64 if *digits < 0 => {
                        let ints = value.as_primitive::<Int64Type>();
                        let rounded = ints.try_unary::<_, Int64Type, _>(|v| {
                            round_integer(v, digits.unsigned_abs()).ok_or_else(|| {
                                arrow::error::ArrowError::ComputeError(format!(
                                    "Overflow in round({v}, {digits})"
                                ))
                            })
                        });
                        Ok(Arc::new(rounded.map_err(arrow)?))
                    }
                    _ => Ok(value),
                }
            }
            Expr::Abs(e) => {
                let value = self.numeric(e, batch, "abs")?;
                match value.data_type() {
                    DataType::Float64 => {
                        let floats = value.as_primitive::<Float64Type>();
                        Ok(Arc::new(floats.unary::<_, Float64Type>(f64::abs)))
                    }
                    DataType::Int64 => {
                        let ints = value.as_primitive::<Int64Type>();
                        let absolute = ints.try_unary::<_, Int64Type, _>(|v| {
                            v.checked_abs().ok_or_else(|| {
                                arrow::error::ArrowError::ComputeError(format!(
                                    "Overflow happened on: abs({v})"
                                ))
                            })
                        });
                        Ok(Arc::new(absolute.map_err(arrow)?))
                    }
                    _ => Ok(value),
                }
            }
        }
    }
}

/// `v` rounded half away from zero to a multiple of `10^places` (0 when that passes
/// int64); `None` when the result overflows.
fn round_integer(v: i64, places: u32) -> Option<i64> {
    let Some(unit) = 10i64.checked_pow(places) else {
        return Some(0);
    };
    let (whole, rest) = (v / unit, v % unit);
    let away = match rest.unsigned_abs() >= unit.unsigned_abs().div_ceil(2) {
        true => v.signum(),
        false => 0,
    };
    (whole + away).checked_mul(unit)
}

/// `x` rounded half away from zero at `digits` decimals, as DuckDB's `round` computes it.
fn round(x: f64, digits: i32) -> f64 {
    let rounded = match digits >= 0 {
        true => {
            let scale = 10f64.powi(digits);
            (x * scale).round() / scale
        }
        false => {
            let scale = 10f64.powi(-digits);
            (x / scale).round() * scale
        }
    };
    match rounded.is_finite() {
        true => rounded,
        false => x,
    }
}

impl Expr {
    /// The values of `e`, the operand of this numeric function (`what`), widened to int64
    /// or float64 and checked to be numbers (or nulls only, as float64).
    fn numeric(&self, e: &Expr, batch: &RecordBatch, what: &str) -> Result<ArrayRef, FrameError> {
        let arrow = |err| FrameError::arrow(self, err);
        let value = widen(&e.evaluate(batch)?).map_err(arrow)?;
        match value.data_type() {
            DataType::Int64 | DataType::Float64 => Ok(value),
            DataType::Null => Ok(cast(&value, &DataType::Float64).map_err(arrow)?),
            other => Err(FrameError::Type {
                expr: self.to_string(),
                detail: format!("{what} needs a number, not {other}"),
            }),
        }
    }

    /// The values of `e`, the operand of this date or time function (`what`), checked to
    /// be dates or times (or nulls only).
    fn temporal(&self, e: &Expr, batch: &RecordBatch, what: &str) -> Result<ArrayRef, FrameError> {
        let value = unpack(&e.evaluate(batch)?).map_err(|err| FrameError::arrow(self, err))?;
        match value.data_type() {
            DataType::Timestamp(..) | DataType::Date32 | DataType::Date64 | DataType::Null => {
                Ok(value)
            }
            other => Err(FrameError::Type {
                expr: self.to_string(),
                detail: format!(
                    "{what} needs a date or a time, not {other} (CAST(... AS TIMESTAMP) reads text)"
                ),
            }),
        }
    }
}

impl TimePart {
    /// The SQL function's name.
    pub fn name(self) -> &'static str {
        match self {
            TimePart::Year => "year",
            TimePart::Month => "month",
            TimePart::Day => "day",
            TimePart::Hour => "hour",
            TimePart::Minute => "minute",
            TimePart::DayOfWeek => "dayofweek",
            TimePart::Weekday => "weekday",
        }
    }
}

/// The names of a schema's columns other than the frame's own hidden ones.
pub(crate) fn visible_names(schema: &SchemaRef) -> Vec<String> {
    schema
        .fields()
        .iter()
        .map(|f| f.name().clone())
        .filter(|name| !super::is_hidden(name))
        .collect()
}

fn literal_array(value: &Literal) -> ArrayRef {
    match value {
        Literal::Null => new_null_array(&DataType::Null, 1),
        Literal::Bool(v) => Arc::new(BooleanArray::from(vec![*v])),
        Literal::Int(v) => Arc::new(Int64Array::from(vec![*v])),
        Literal::Float(v) => Arc::new(Float64Array::from(vec![*v])),
        Literal::Text(v) => Arc::new(StringArray::from(vec![v.as_str()])),
    }
}

/// `cast`, with a value it cannot convert an error instead of a null.
fn strict_cast(array: &ArrayRef, to: &DataType) -> Result<ArrayRef, arrow::error::ArrowError> {
    let options = arrow::compute::CastOptions {
        safe: false,
        ..Default::default()
    };
    arrow::compute::cast_with_options(array, to, &options)
}

/// A one-value array repeated `rows` times.
fn repeat(one: &ArrayRef, rows: usize) -> Result<ArrayRef, arrow::error::ArrowError> {
    if one.data_type() == &DataType::Null {
        return Ok(new_null_array(&DataType::Null, rows));
    }
    take(one, &UInt32Array::from(vec![0u32; rows]), None)
}

/// A column in the type expressions compute with: dictionaries as their values, every
/// text type as utf8, integers as int64 (a uint64 above int64's range is an error), floats
/// as float64.
pub(crate) fn unpack(array: &ArrayRef) -> Result<ArrayRef, arrow::error::ArrowError> {
    match array.data_type() {
        DataType::Dictionary(_, values) => unpack(&cast(array, values)?),
        DataType::LargeUtf8 | DataType::Utf8View => cast(array, &DataType::Utf8),
        _ => Ok(array.clone()),
    }
}

fn widen(array: &ArrayRef) -> Result<ArrayRef, arrow::error::ArrowError> {
    let array = unpack(array)?;
    match array.data_type() {
        DataType::Int8
        | DataType::Int16
        | DataType::Int32
        | DataType::UInt8
        | DataType::UInt16
        | DataType::UInt32
        | DataType::UInt64 => cast(&array, &DataType::Int64),
        DataType::Float16
        | DataType::Float32
        | DataType::Decimal32(..)
        | DataType::Decimal64(..)
        | DataType::Decimal128(..)
        | DataType::Decimal256(..) => cast(&array, &DataType::Float64),
        _ => Ok(array),
    }
}

fn is_number(t: &DataType) -> bool {
    matches!(t, DataType::Int64 | DataType::Float64)
}

/// The two operands in one type, or why they do not go together.
fn coerce(left: &ArrayRef, right: &ArrayRef) -> Result<(ArrayRef, ArrayRef), String> {
    let left = widen(left).map_err(|e| e.to_string())?;
    let right = widen(right).map_err(|e| e.to_string())?;
    let (lt, rt) = (left.data_type().clone(), right.data_type().clone());
    let to = |array: &ArrayRef, t: &DataType| strict_cast(array, t).map_err(|e| e.to_string());
    match (&lt, &rt) {
        _ if lt == rt => Ok((left, right)),
        (DataType::Null, _) => Ok((to(&left, &rt)?, right)),
        (_, DataType::Null) => Ok((left.clone(), to(&right, &lt)?)),
        (DataType::Int64, DataType::Float64) => Ok((to(&left, &rt)?, right)),
        (DataType::Float64, DataType::Int64) => Ok((left.clone(), to(&right, &lt)?)),
        (DataType::Utf8, DataType::Timestamp(..) | DataType::Date32 | DataType::Date64) => {
            Ok((to(&left, &rt)?, right))
        }
        (DataType::Timestamp(..) | DataType::Date32 | DataType::Date64, DataType::Utf8) => {
            Ok((left.clone(), to(&right, &lt)?))
        }
        (DataType::Timestamp(..), DataType::Timestamp(..))
        | (DataType::Date32, DataType::Timestamp(..)) => Ok((to(&left, &rt)?, right)),
        (DataType::Timestamp(..), DataType::Date32) => Ok((left.clone(), to(&right, &lt)?)),
        _ => Err(format!("{lt} and {rt} do not go together")),
    }
}

fn as_bool(expr: &Expr, array: &ArrayRef) -> Result<BooleanArray, FrameError> {
    let array = match array.data_type() {
        DataType::Null => {
            cast(array, &DataType::Boolean).map_err(|e| FrameError::arrow(expr, e))?
        }
        DataType::Boolean => array.clone(),
        other => {
            return Err(FrameError::Type {
                expr: expr.to_string(),
                detail: format!("{other} is not true or false"),
            })
        }
    };
    Ok(array
        .as_any()
        .downcast_ref::<BooleanArray>()
        .cloned()
        .unwrap_or_else(|| BooleanArray::new_null(array.len())))
}

fn bools(array: &ArrayRef) -> Result<BooleanArray, String> {
    let array = cast(array, &DataType::Boolean).map_err(|e| e.to_string())?;
    Ok(array
        .as_any()
        .downcast_ref::<BooleanArray>()
        .cloned()
        .unwrap_or_else(|| BooleanArray::new_null(array.len())))
}

fn binary(left: &ArrayRef, op: BinaryOp, right: &ArrayRef) -> Result<ArrayRef, String> {
    let text = |e: arrow::error::ArrowError| e.to_string();
    if matches!(op, BinaryOp::And | BinaryOp::Or) {
        for side in [left, right] {
            if !matches!(side.data_type(), DataType::Boolean | DataType::Null) {
                return Err(format!("{} is not true or false", side.data_type()));
            }
        }
        let (l, r) = (bools(left)?, bools(right)?);
        let result = match op {
            BinaryOp::And => boolean::and_kleene(&l, &r),
            _ => boolean::or_kleene(&l, &r),
        };
        return Ok(Arc::new(result.map_err(text)?));
    }
    let (l, r) = coerce(left, right)?;
    let arithmetic = matches!(
        op,
        BinaryOp::Add | BinaryOp::Sub | BinaryOp::Mul | BinaryOp::Div | BinaryOp::Mod
    );
    if arithmetic && !is_number(l.data_type()) && l.data_type() != &DataType::Null {
        return Err(format!("arithmetic needs numbers, not {}", l.data_type()));
    }
    if l.data_type() == &DataType::Null {
        let t = if arithmetic {
            DataType::Float64
        } else {
            DataType::Boolean
        };
        return Ok(new_null_array(&t, l.len()));
    }
    Ok(match op {
        BinaryOp::Add => numeric::add(&l, &r).map_err(text)?,
        BinaryOp::Sub => numeric::sub(&l, &r).map_err(text)?,
        BinaryOp::Mul => numeric::mul(&l, &r).map_err(text)?,
        BinaryOp::Div => {
            let l = cast(&l, &DataType::Float64).map_err(text)?;
            let r = cast(&r, &DataType::Float64).map_err(text)?;
            numeric::div(&l, &r).map_err(text)?
        }
        BinaryOp::Mod => numeric::rem(&l, &r).map_err(text)?,
        BinaryOp::Eq => Arc::new(cmp::eq(&l, &r).map_err(text)?),
        BinaryOp::NotEq => Arc::new(cmp::neq(&l, &r).map_err(text)?),
        BinaryOp::Lt => Arc::new(cmp::lt(&l, &r).map_err(text)?),
        BinaryOp::LtEq => Arc::new(cmp::lt_eq(&l, &r).map_err(text)?),
        BinaryOp::Gt => Arc::new(cmp::gt(&l, &r).map_err(text)?),
        BinaryOp::GtEq => Arc::new(cmp::gt_eq(&l, &r).map_err(text)?),
        BinaryOp::And | BinaryOp::Or => unreachable!("handled above"),
    })
}

impl fmt::Display for BinaryOp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            BinaryOp::Add => "+",
            BinaryOp::Sub => "-",
            BinaryOp::Mul => "*",
            BinaryOp::Div => "/",
            BinaryOp::Mod => "%",
            BinaryOp::Eq => "=",
            BinaryOp::NotEq => "<>",
            BinaryOp::Lt => "<",
            BinaryOp::LtEq => "<=",
            BinaryOp::Gt => ">",
            BinaryOp::GtEq => ">=",
            BinaryOp::And => "AND",
            BinaryOp::Or => "OR",
        })
    }
}

impl fmt::Display for Expr {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Expr::Column(name) => f.write_str(name),
            Expr::Literal(Literal::Null) => f.write_str("NULL"),
            Expr::Literal(Literal::Bool(v)) => write!(f, "{v}"),
            Expr::Literal(Literal::Int(v)) => write!(f, "{v}"),
            Expr::Literal(Literal::Float(v)) => write!(f, "{v:?}"),
            Expr::Literal(Literal::Text(v)) => write!(f, "'{}'", v.replace('\'', "''")),
            Expr::Binary(l, op, r) => write!(f, "({l} {op} {r})"),
            Expr::Not(e) => write!(f, "(NOT {e})"),
            Expr::Negate(e) => write!(f, "(-{e})"),
            Expr::IsNull(e, false) => write!(f, "({e} IS NULL)"),
            Expr::IsNull(e, true) => write!(f, "({e} IS NOT NULL)"),
            Expr::FillNull(e, fill) => write!(f, "coalesce({e}, {fill})"),
            Expr::Cast(e, to) => write!(f, "CAST({e} AS {to})"),
            Expr::Like(e, p, false) => write!(f, "({e} LIKE '{p}')"),
            Expr::Like(e, p, true) => write!(f, "({e} NOT LIKE '{p}')"),
            Expr::Part(part, e) => write!(f, "{}({e})", part.name()),
            Expr::Bin(bin, Clock::Local, e) => match bin.unit_name() {
                Some(unit) => write!(f, "date_trunc('{unit}', {e})"),
                None => write!(f, "date_trunc('{bin}', {e})"),
            },
            Expr::Bin(bin, Clock::Utc, e) => write!(f, "time_bucket(INTERVAL '{bin}', {e})"),
            Expr::Round(e, digits) => write!(f, "round({e}, {digits})"),
            Expr::Abs(e) => write!(f, "abs({e})"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::{Field, Schema};

    fn batch() -> RecordBatch {
        let schema = Arc::new(Schema::new(vec![
            Field::new("n", DataType::Int64, true),
            Field::new("x", DataType::Float64, true),
            Field::new("s", DataType::Utf8, true),
        ]));
        RecordBatch::try_new(
            schema,
            vec![
                Arc::new(Int64Array::from(vec![Some(1), Some(0), None, Some(4)])),
                Arc::new(Float64Array::from(vec![
                    Some(2.0),
                    Some(0.5),
                    Some(1.0),
                    None,
                ])),
                Arc::new(StringArray::from(vec![
                    Some("CRD"),
                    Some("CSH"),
                    None,
                    Some("C%"),
                ])),
            ],
        )
        .expect("a valid batch")
    }

    fn floats(a: &ArrayRef) -> Vec<Option<f64>> {
        let a = cast(a, &DataType::Float64).expect("numbers");
        let a = a.as_any().downcast_ref::<Float64Array>().expect("float64");
        a.iter().collect()
    }

    #[test]
    fn round_is_half_away_from_zero_and_abs_checks_overflow() {
        let each = |e: Expr| floats(&e.evaluate(&batch()).expect("evaluates"))[0];
        assert_eq!(each(lit(2.5).round(0)), Some(3.0));
        assert_eq!(each(lit(-2.5).round(0)), Some(-3.0));
        assert_eq!(each(lit(1.25).round(1)), Some(1.3));
        assert_eq!(each(lit(1250.0).round(-2)), Some(1300.0));
        assert_eq!(each(lit(f64::INFINITY).round(2)), Some(f64::INFINITY));
        assert!(each(lit(f64::NAN).round(2)).is_some_and(f64::is_nan));
        assert_eq!(each(lit(-7).abs()), Some(7.0));
        let error = lit(i64::MIN)
            .abs()
            .evaluate(&batch())
            .expect_err("overflow");
        assert!(error.to_string().contains("Overflow"), "{error}");
        // Integers as DuckDB rounds them: half away from zero, to tens at -1.
        for (v, digits, rounded) in [(15, -1, 20.0), (-15, -1, -20.0), (-14, -1, -10.0)] {
            assert_eq!(each(lit(v).round(digits)), Some(rounded), "{v} {digits}");
        }
        assert_eq!(each(lit(123).round(-30)), Some(0.0));
        assert_eq!(each(lit(7).round(2)), Some(7.0));
        let error = lit(i64::MAX)
            .round(-1)
            .evaluate(&batch())
            .expect_err("overflow");
        assert!(error.to_string().contains("Overflow"), "{error}");
    }

    #[test]
    fn division_is_float_as_ieee_says_and_casts_round() {
        let got = col("x")
            .div(col("n"))
            .evaluate(&batch())
            .expect("evaluates");
        assert_eq!(
            floats(&got),
            vec![Some(2.0), Some(f64::INFINITY), None, None]
        );
        let error = col("n")
            .rem(lit(0))
            .evaluate(&batch())
            .expect_err("% 0 of integers");
        assert!(error.to_string().contains("Divide by zero"), "{error}");
        let got = lit(2.5)
            .cast(DataType::Int64)
            .evaluate(&batch())
            .expect("evaluates");
        assert_eq!(floats(&got), vec![Some(3.0); 4]);
        let error = col("s")
            .cast(DataType::Int64)
            .evaluate(&batch())
            .expect_err("not numbers");
        assert!(error.to_string().contains("CRD"), "{error}");
    }

    #[test]
    fn kleene_logic_and_null_tests() {
        let e = col("n").gt(lit(0)).or(col("x").gt(lit(1.5)));
        let got = e.evaluate(&batch()).expect("evaluates");
        let got = got.as_any().downcast_ref::<BooleanArray>().expect("bool");
        assert_eq!(
            got.iter().collect::<Vec<_>>(),
            vec![Some(true), Some(false), None, Some(true)]
        );
        let got = col("s").is_null().evaluate(&batch()).expect("evaluates");
        assert_eq!(got.null_count(), 0);
    }

    #[test]
    fn prefix_escapes_wildcards() {
        let got = col("s")
            .starts_with("C%")
            .evaluate(&batch())
            .expect("evaluates");
        let got = got.as_any().downcast_ref::<BooleanArray>().expect("bool");
        assert_eq!(
            got.iter().collect::<Vec<_>>(),
            vec![Some(false), Some(false), None, Some(true)]
        );
    }

    #[test]
    fn a_missing_column_is_named_with_those_there() {
        let error = col("tip").evaluate(&batch()).expect_err("no such column");
        assert_eq!(
            error.to_string(),
            "no column \"tip\"; the columns are n, x, s"
        );
    }

    #[test]
    fn text_and_numbers_do_not_mix() {
        let error = col("s")
            .add(lit(1))
            .evaluate(&batch())
            .expect_err("a type error");
        assert!(
            error
                .to_string()
                .contains("Utf8 and Int64 do not go together"),
            "{error}"
        );
    }
}
