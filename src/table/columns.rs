//! A table's columns as the plain values a computation needs.
//!
//! - [`numbers`]: a numeric column as `f64`, nulls as NaN (what pandas makes of them);
//!   integers are converted, text or booleans are an error naming the column and its type.
//! - [`times`]: a time column as instants, nanoseconds since 1970-01-01 UTC: timestamps
//!   of any unit (with a time zone, the instant, as pandas compares tz-aware times),
//!   dates (midnight), integers (taken as they are) and text in ISO 8601 / RFC 3339 form
//!   (`2012-03-05`, `2012-03-05 09:02:00`, `2012-03-05T09:02:00+01:00`). A null time is
//!   an error naming the row.
//! - [`texts`]: a column as text (any type, as arrow casts it), a null an error naming the
//!   row: the names of series in a long table.

use arrow::array::{Array, ArrayRef, AsArray};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Float64Type, Int64Type, TimeUnit, TimestampNanosecondType};

use super::{Table, TableError};

/// The column `name` of `table`, or an error listing the columns it has.
fn column<'t>(table: &'t Table, name: &str) -> Result<Vec<&'t ArrayRef>, TableError> {
    let index = table
        .schema
        .index_of(name)
        .map_err(|_| TableError::Column {
            path: table.path.clone(),
            detail: format!(
                "no column {name:?} (the columns are: {})",
                super::column_list(&table.schema)
            ),
        })?;
    Ok(table.batches.iter().map(|b| b.column(index)).collect())
}

/// Whether a column of this type holds numbers that [`numbers`] reads.
pub fn is_numeric(data_type: &DataType) -> bool {
    data_type.is_numeric()
        && !matches!(
            data_type,
            DataType::Decimal32(_, _) | DataType::Decimal64(_, _)
        )
        || matches!(data_type, DataType::Dictionary(_, value) if value.is_numeric())
}

/// The column `name` of `table` as numbers (nulls as NaN).
pub fn numbers(table: &Table, name: &str) -> Result<Vec<f64>, TableError> {
    let mut values = Vec::with_capacity(table.rows());
    for array in column(table, name)? {
        append_numbers(array, &mut values).map_err(|detail| TableError::Column {
            path: table.path.clone(),
            detail: format!("column {name:?} {detail}"),
        })?;
    }
    Ok(values)
}

/// Appends the values of a numeric `array` to `values` as numbers (nulls as NaN), or says
/// why it cannot (`is utf8, not numbers`).
pub fn append_numbers(array: &ArrayRef, values: &mut Vec<f64>) -> Result<(), String> {
    if !is_numeric(array.data_type()) {
        return Err(format!("is {}, not numbers", array.data_type()));
    }
    let floats = cast(array, &DataType::Float64).map_err(|e| format!("cannot be read: {e}"))?;
    let floats = floats.as_primitive::<Float64Type>();
    if floats.null_count() == 0 {
        values.extend_from_slice(floats.values());
    } else {
        values.extend((0..floats.len()).map(|i| {
            if floats.is_null(i) {
                f64::NAN
            } else {
                floats.value(i)
            }
        }));
    }
    Ok(())
}

/// The column `name` of `table` as instants (see the module header).
pub fn times(table: &Table, name: &str) -> Result<Vec<i64>, TableError> {
    let mut values = Vec::with_capacity(table.rows());
    let bad = |detail: String| TableError::Column {
        path: table.path.clone(),
        detail,
    };
    for array in column(table, name)? {
        let data_type = array.data_type();
        let instants: ArrayRef = match data_type {
            DataType::Int8
            | DataType::Int16
            | DataType::Int32
            | DataType::Int64
            | DataType::UInt8
            | DataType::UInt16
            | DataType::UInt32 => {
                cast(array, &DataType::Int64).map_err(|e| bad(format!("column {name:?}: {e}")))?
            }
            DataType::Timestamp(unit, _) => {
                // The stored values are UTC instants whatever the zone: scaled, not cast
                // (a cast to a zone-less type would give wall-clock times).
                let per = match unit {
                    TimeUnit::Second => 1_000_000_000,
                    TimeUnit::Millisecond => 1_000_000,
                    TimeUnit::Microsecond => 1_000,
                    TimeUnit::Nanosecond => 1,
                };
                let raw = cast(array, &DataType::Int64)
                    .map_err(|e| bad(format!("column {name:?}: {e}")))?;
                let raw = raw.as_primitive::<Int64Type>();
                std::sync::Arc::new(arrow::array::Int64Array::from_iter(
                    raw.iter().map(|v| v.map(|v| v.saturating_mul(per))),
                ))
            }
            DataType::Date32
            | DataType::Date64
            | DataType::Utf8
            | DataType::LargeUtf8
            | DataType::Utf8View
            | DataType::Dictionary(_, _) => {
                let target = DataType::Timestamp(TimeUnit::Nanosecond, None);
                let stamped = cast(array, &target).map_err(|e| {
                    bad(format!("column {name:?} ({data_type}) is not a time: {e}"))
                })?;
                if stamped.null_count() > array.null_count() {
                    return Err(bad(format!("column {name:?}: some values are not times")));
                }
                let stamped = stamped.as_primitive::<TimestampNanosecondType>();
                std::sync::Arc::new(arrow::array::Int64Array::new(
                    stamped.values().clone(),
                    stamped.nulls().cloned(),
                ))
            }
            other => return Err(bad(format!("column {name:?} is {other}, not a time"))),
        };
        let instants = instants.as_primitive::<Int64Type>();
        let offset = values.len();
        if let Some(row) = (0..instants.len()).find(|&i| instants.is_null(i)) {
            return Err(bad(format!(
                "column {name:?}: row {} has no time (null)",
                offset + row + 1
            )));
        }
        values.extend(instants.values().iter().copied());
    }
    Ok(values)
}

/// The column `name` of `table` as text (see the module header).
pub fn texts(table: &Table, name: &str) -> Result<Vec<String>, TableError> {
    let mut names = Vec::with_capacity(table.rows());
    for array in column(table, name)? {
        let text = cast(array, &DataType::Utf8).map_err(|e| TableError::Column {
            path: table.path.clone(),
            detail: format!("column {name:?}: {e}"),
        })?;
        let text = text.as_string::<i32>();
        for i in 0..text.len() {
            if text.is_null(i) {
                return Err(TableError::Column {
                    path: table.path.clone(),
                    detail: format!("column {name:?}: row {} is null", names.len() + 1),
                });
            }
            names.push(text.value(i).to_string());
        }
    }
    Ok(names)
}
