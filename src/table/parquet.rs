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
use arrow::datatypes::{DataType, Field, Schema, SchemaRef};
use parquet::arrow::arrow_reader::{
    ArrowReaderMetadata, ArrowReaderOptions, ParquetRecordBatchReaderBuilder,
};
use parquet::arrow::ProjectionMask;
use parquet::basic::Encoding;
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
    open(path, groups, None, &[])?.into_table()
}

/// The batches of the row groups `groups` of `path` (all when `None`), read as they are
/// asked for; of the top-level columns named in `columns` only (in the file's order; a
/// name the file lacks is left out), or all of them when `None`. The text (utf8) columns
/// named in `dictionaries` come as dictionaries (`Dictionary(Int32, Utf8)`): the keys of
/// their dictionary-encoded pages and the column chunk's values, not decoded to one text
/// per row (a chunk a writer stored plainly is made a dictionary as it is read).
///
/// ```no_run
/// use pardata::table::parquet;
///
/// let batches = parquet::open("G1.parquet".as_ref(), Some(vec![0]), None, &["id1".into()])?;
/// for batch in batches {
///     println!("{}", batch?.schema().field_with_name("id1")?.data_type());
/// }
/// # Ok::<(), Box<dyn std::error::Error>>(())
/// ```
pub fn open(
    path: &Path,
    groups: Option<Vec<usize>>,
    columns: Option<&[String]>,
    dictionaries: &[String],
) -> Result<Batches, TableError> {
    let file = File::open(path).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let mut metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
        .map_err(|e| malformed(path, e))?;
    if let Some(hinted) = as_dictionaries(metadata.schema(), dictionaries) {
        let options = ArrowReaderOptions::new().with_schema(hinted);
        metadata = ArrowReaderMetadata::try_new(metadata.metadata().clone(), options)
            .map_err(|e| malformed(path, e))?;
    }
    let mut builder = ParquetRecordBatchReaderBuilder::new_with_metadata(file, metadata);
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

/// Of `columns`, those whose every data page is dictionary-encoded in each of the row
/// groups `groups` of `path` (reads only the footer): the ones [`open`] reads as
/// dictionaries without building one from plain pages.
pub fn dictionary_encoded(
    path: &Path,
    groups: &[usize],
    columns: &[String],
) -> Result<Vec<String>, TableError> {
    let file = File::open(path).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let metadata = ArrowReaderMetadata::load(&file, ArrowReaderOptions::new())
        .map_err(|e| malformed(path, e))?;
    let row_groups = metadata.metadata().row_groups();
    let all_dictionary = |name: &String| {
        groups.iter().all(|&g| {
            row_groups.get(g).is_some_and(|group| {
                group.columns().iter().any(|chunk| {
                    chunk.column_path().parts() == std::slice::from_ref(name)
                        && chunk.dictionary_page_offset().is_some()
                        && chunk.page_encoding_stats_mask().is_some_and(|mask| {
                            mask.is_only(Encoding::RLE_DICTIONARY)
                                || mask.is_only(Encoding::PLAIN_DICTIONARY)
                        })
                })
            })
        })
    };
    Ok(columns
        .iter()
        .filter(|c| all_dictionary(c))
        .cloned()
        .collect())
}

/// The file's schema with its utf8 columns named in `dictionaries` as
/// `Dictionary(Int32, Utf8)`, or `None` when that changes none.
fn as_dictionaries(schema: &SchemaRef, dictionaries: &[String]) -> Option<SchemaRef> {
    let hinted = |f: &Field| f.data_type() == &DataType::Utf8 && dictionaries.contains(f.name());
    if !schema.fields().iter().any(|f| hinted(f)) {
        return None;
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|f| match hinted(f) {
            true => f.as_ref().clone().with_data_type(DataType::Dictionary(
                Box::new(DataType::Int32),
                Box::new(DataType::Utf8),
            )),
            false => f.as_ref().clone(),
        })
        .collect();
    Some(Arc::new(Schema::new_with_metadata(
        fields,
        schema.metadata().clone(),
    )))
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
