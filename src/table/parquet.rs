//! Parquet files as Arrow tables: all row groups or a chosen few (each rank its own, see
//! [`super::pieces`]), with the file's own schema (time zones, dictionaries and nulls
//! kept as pyarrow wrote them); and the row groups' statistics ([`statistics`]), for the
//! scans that skip the groups a filter cannot match.

use std::collections::HashMap;
use std::fs::File;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{ArrayRef, Float64Array, Int32Array, Int64Array, StringArray};
use arrow::compute::cast;
use arrow::datatypes::DataType;
use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;
use parquet::file::statistics::Statistics;

use super::{Batches, Table, TableError, BATCH_ROWS};

/// The error for a file that is not a readable Parquet file.
fn malformed(path: &Path, error: impl std::fmt::Display) -> TableError {
    TableError::Malformed {
        path: path.to_path_buf(),
        detail: format!("not a readable Parquet file ({error})"),
    }
}

/// How many row groups `path` has (reads only the footer).
pub fn row_groups(path: &Path) -> Result<usize, TableError> {
    let file = File::open(path).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| malformed(path, e))?;
    Ok(builder.metadata().num_row_groups())
}

/// Reads the row groups `groups` of `path` (all of them when `None`), in file order.
pub fn read(path: &Path, groups: Option<Vec<usize>>) -> Result<Table, TableError> {
    open(path, groups, None)?.into_table()
}

/// The batches of the row groups `groups` of `path` (all when `None`), read as they are
/// asked for; of the top-level columns named in `columns` only (in the file's order; a
/// name the file lacks is left out), or all of them when `None`.
pub fn open(
    path: &Path,
    groups: Option<Vec<usize>>,
    columns: Option<&[String]>,
) -> Result<Batches, TableError> {
    let file = File::open(path).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut builder =
        ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| malformed(path, e))?;
    builder = builder.with_batch_size(BATCH_ROWS);
    if let Some(groups) = groups {
        builder = builder.with_row_groups(groups);
    }
    if let Some(columns) = columns {
        let roots: Vec<usize> = builder
            .schema()
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| columns.contains(f.name()))
            .map(|(i, _)| i)
            .collect();
        let mask = ProjectionMask::roots(builder.parquet_schema(), roots);
        builder = builder.with_projection(mask);
    }
    let reader = builder.build().map_err(|e| malformed(path, e))?;
    let schema = arrow::record_batch::RecordBatchReader::schema(&reader);
    let named = path.to_path_buf();
    Ok(Batches::new(path, schema, reader, move |e| {
        malformed(&named, e)
    }))
}

/// What a Parquet row group's footer says of its columns: how many rows it has and, for
/// each top-level column it has statistics for, the least and greatest values and the
/// count of nulls ([`statistics`]).
#[derive(Debug, Clone)]
pub struct GroupStatistics {
    /// The rows of the group.
    pub rows: u64,
    /// The columns with statistics, by name.
    pub columns: HashMap<String, ColumnStatistics>,
}

/// One column's statistics in one row group.
///
/// `min` and `max` are one-value arrays of the column's Arrow type (a dictionary column's
/// values' type; text as utf8), bounds of every non-null value: a writer may shorten long
/// text, keeping each bound on its side. Float bounds never count NaN (writers leave it
/// out), and a bound of zero is taken as `-0.0` below and `+0.0` above, so that both
/// zeros lie within. Columns whose statistics would not bound the values in Arrow's order
/// (unsigned integers, decimals, INT96 times, booleans, nested columns) have none here.
#[derive(Debug, Clone)]
pub struct ColumnStatistics {
    /// The nulls in the group, when the writer counted them.
    pub nulls: Option<u64>,
    /// No non-null value is below this one.
    pub min: Option<ArrayRef>,
    /// No non-null value is above this one.
    pub max: Option<ArrayRef>,
}

/// The statistics of every row group of `path`, in file order (reads only the footer).
///
/// ```no_run
/// let groups = pardata::table::parquet::statistics("trips.parquet".as_ref())?;
/// for group in &groups {
///     if let Some(fare) = group.columns.get("fare_amount") {
///         println!("{} rows, fares from {:?} to {:?}", group.rows, fare.min, fare.max);
///     }
/// }
/// # Ok::<(), pardata::table::TableError>(())
/// ```
pub fn statistics(path: &Path) -> Result<Vec<GroupStatistics>, TableError> {
    let file = File::open(path).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let builder = ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| malformed(path, e))?;
    let schema = builder.schema().clone();
    let groups = builder.metadata().row_groups().iter().map(|group| {
        let columns = group
            .columns()
            .iter()
            .filter_map(|chunk| {
                let [name] = chunk.column_path().parts() else {
                    return None;
                };
                let field = schema.field_with_name(name).ok()?;
                let stats = chunk.statistics()?;
                let (min, max) = bounds(stats, field.data_type());
                Some((
                    name.clone(),
                    ColumnStatistics {
                        nulls: stats.null_count_opt(),
                        min,
                        max,
                    },
                ))
            })
            .collect();
        GroupStatistics {
            rows: u64::try_from(group.num_rows()).unwrap_or(0),
            columns,
        }
    });
    Ok(groups.collect())
}

/// A column's bounds as one-value arrays of its Arrow type (see [`ColumnStatistics`]).
fn bounds(stats: &Statistics, arrow: &DataType) -> (Option<ArrayRef>, Option<ArrayRef>) {
    let values = match arrow {
        DataType::Dictionary(_, values) => values.as_ref(),
        other => other,
    };
    let as_type = |array: ArrayRef| cast(&array, values).ok();
    match (stats, values) {
        (
            Statistics::Int32(s),
            DataType::Int8 | DataType::Int16 | DataType::Int32 | DataType::Date32,
        ) => {
            let one =
                |v: Option<&i32>| v.and_then(|&v| as_type(Arc::new(Int32Array::from(vec![v]))));
            (one(s.min_opt()), one(s.max_opt()))
        }
        (Statistics::Int64(s), DataType::Int64 | DataType::Timestamp(..) | DataType::Date64) => {
            let one =
                |v: Option<&i64>| v.and_then(|&v| as_type(Arc::new(Int64Array::from(vec![v]))));
            (one(s.min_opt()), one(s.max_opt()))
        }
        // Both zeros lie within the bounds: -0.0 below, +0.0 above.
        (Statistics::Float(s), DataType::Float32) => (
            float_bound(s.min_opt().map(|&v| f64::from(v)), -0.0, values),
            float_bound(s.max_opt().map(|&v| f64::from(v)), 0.0, values),
        ),
        (Statistics::Double(s), DataType::Float64) => (
            float_bound(s.min_opt().copied(), -0.0, values),
            float_bound(s.max_opt().copied(), 0.0, values),
        ),
        (Statistics::ByteArray(s), DataType::Utf8 | DataType::LargeUtf8 | DataType::Utf8View) => {
            let one = |v: Option<&parquet::data_type::ByteArray>| {
                let text = std::str::from_utf8(v?.data()).ok()?;
                Some(Arc::new(StringArray::from(vec![text])) as ArrayRef)
            };
            (one(s.min_opt()), one(s.max_opt()))
        }
        _ => (None, None),
    }
}

/// A float bound as a one-value array of `float` (float32 or float64), none for NaN, zero
/// as `zero`.
fn float_bound(value: Option<f64>, zero: f64, float: &DataType) -> Option<ArrayRef> {
    let value = value.filter(|v| !v.is_nan())?;
    let value = if value == 0.0 { zero } else { value };
    cast(
        &(Arc::new(Float64Array::from(vec![value])) as ArrayRef),
        float,
    )
    .ok()
}
