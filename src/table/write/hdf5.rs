//! Tables as pandas HDF5 frames (the fixed format, under the key `data`), written a
//! batch at a time by [`FrameAppender`]: what `pandas.read_hdf(path)` reads back with the
//! values, dtypes and nulls that `read_csv` / `read_parquet` give for the input.
//!
//! Semantics, column by column: floats are float64; integers (int8 to int64, uint8 to
//! uint32) are int64, or float64 with NaN once a null comes, as pandas types integers with
//! missing values; timestamps keep their unit and time zone (a null is NaT); text
//! (dictionary-encoded or not) is pandas' object block of `str` with NaN for a null, which
//! pandas 3 reads as its `str` dtype; bools are a bool block, or an object block of
//! `True`, `False` and NaN when a null comes, as `read_csv` types them. Dates, uint64 and
//! other types, and names that are not ASCII, are refused before anything is written,
//! naming the column (Parquet keeps every type).

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type, Schema, TimeUnit};
use arrow::record_batch::RecordBatch;

use crate::io::frame::append::{FrameAppender, Kind, Values};

/// The key of the frame in the file.
pub const KEY: &str = "data";

/// The frame column types of `schema`, or why one column cannot be written.
pub fn kinds(schema: &Schema) -> Result<Vec<Kind>, String> {
    if let Some(field) = schema.fields().iter().find(|f| !f.name().is_ascii()) {
        return Err(format!(
            "column {:?}: pandas' fixed format names columns in ASCII: rename it, or write Parquet (--to parquet)",
            field.name()
        ));
    }
    schema
        .fields()
        .iter()
        .map(|field| match field.data_type() {
            DataType::Float16 | DataType::Float32 | DataType::Float64 => Ok(Kind::Float64),
            // uint64 may not fit in int64.
            integer if integer.is_integer() && *integer != DataType::UInt64 => Ok(Kind::Int64),
            DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View => Ok(Kind::Text),
            DataType::Dictionary(_, values) if is_text(values) => Ok(Kind::Text),
            DataType::Boolean => Ok(Kind::Bool),
            DataType::Timestamp(unit, tz) => Ok(Kind::Time {
                unit: match unit {
                    TimeUnit::Second => "s",
                    TimeUnit::Millisecond => "ms",
                    TimeUnit::Microsecond => "us",
                    TimeUnit::Nanosecond => "ns",
                },
                tz: tz.as_ref().map(|tz| tz.to_string()),
            }),
            other => {
                let why = match other {
                    DataType::Null => "a column with only nulls has no numeric type",
                    DataType::UInt64 => "uint64 values may not fit in int64",
                    _ => "not a number, a time, text or a bool",
                };
                Err(format!(
                    "column {:?} is {other}, which pardata does not write to HDF5 ({why}); numbers, times, text and bools are written: write Parquet (--to parquet) for every type",
                    field.name()
                ))
            }
        })
        .collect()
}

/// The file's frame, created with `schema`'s columns.
pub fn create(path: &std::path::Path, schema: &Schema) -> Result<FrameAppender, String> {
    let kinds = kinds(schema)?;
    let columns: Vec<(&str, Kind)> = schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .zip(kinds)
        .collect();
    FrameAppender::create(path, KEY, &columns).map_err(|e| e.to_string())
}

/// Whether a dictionary's values are text.
fn is_text(values: &DataType) -> bool {
    matches!(
        values,
        DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View
    )
}

/// One column of a batch as the frame's values.
enum Column {
    Floats(Vec<f64>),
    Ints(Vec<i64>, Option<Vec<bool>>),
    Texts(ArrayRef),
    Bools(Vec<Option<bool>>),
}

/// Appends `batch` to `frame`.
pub fn append(frame: &mut FrameAppender, batch: &RecordBatch) -> Result<(), String> {
    let text = |e: arrow::error::ArrowError| e.to_string();
    let columns = batch
        .columns()
        .iter()
        .map(|column| -> Result<Column, String> {
            let nulls = |array: &ArrayRef| {
                array
                    .nulls()
                    .map(|n| (0..array.len()).map(|i| n.is_null(i)).collect())
            };
            if column.data_type() == &DataType::Boolean {
                return Ok(Column::Bools(column.as_boolean().iter().collect()));
            }
            if matches!(
                column.data_type(),
                DataType::Utf8
                    | DataType::LargeUtf8
                    | DataType::Utf8View
                    | DataType::Dictionary(..)
            ) {
                return Ok(Column::Texts(cast(column, &DataType::Utf8).map_err(text)?));
            }
            if matches!(column.data_type(), DataType::Timestamp(..))
                || column.data_type().is_integer()
            {
                let ints = cast(column, &DataType::Int64).map_err(text)?;
                let values = ints.as_primitive::<Int64Type>().values().to_vec();
                Ok(Column::Ints(values, nulls(&ints)))
            } else {
                let floats = cast(column, &DataType::Float64).map_err(text)?;
                let floats = floats.as_primitive::<Float64Type>();
                let values = (0..floats.len())
                    .map(|i| {
                        if floats.is_null(i) {
                            f64::NAN
                        } else {
                            floats.value(i)
                        }
                    })
                    .collect();
                Ok(Column::Floats(values))
            }
        })
        .collect::<Result<Vec<_>, _>>()?;
    let texts: Vec<Vec<Option<&str>>> = columns
        .iter()
        .map(|column| match column {
            Column::Texts(array) => array.as_string::<i32>().iter().collect(),
            _ => Vec::new(),
        })
        .collect();
    let values: Vec<Values<'_>> = columns
        .iter()
        .zip(&texts)
        .map(|(column, texts)| match column {
            Column::Floats(values) => Values::Float64(values),
            Column::Ints(values, nulls) => Values::Int64(values, nulls.as_deref()),
            Column::Texts(_) => Values::Text(texts),
            Column::Bools(values) => Values::Bool(values),
        })
        .collect();
    frame.append(&values).map_err(|e| e.to_string())
}
