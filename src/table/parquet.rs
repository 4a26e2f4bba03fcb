//! Parquet files as Arrow tables: all row groups or a chosen few (each rank its own, see
//! [`super::pieces`]), with the file's own schema (time zones, dictionaries and nulls
//! kept as pyarrow wrote them).

use std::fs::File;
use std::path::Path;

use parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder;
use parquet::arrow::ProjectionMask;

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
