//! Chosen numeric columns of a sequence of Parquet files, read a bounded number of rows at
//! a time: the reader of computations whose data do not fit in memory.
//!
//! The files are one table, their rows one after another (as `--layout wide` reads them);
//! [`NumberStream::next_rows`] gives the next `n` rows of each chosen column as numbers,
//! nulls as NaN, reading only those columns (Parquet's column projection) and holding no
//! more than `n` rows plus one record batch (of a size it is given) per column.

use std::fs::File;
use std::path::{Path, PathBuf};

use parquet::arrow::arrow_reader::{ParquetRecordBatchReader, ParquetRecordBatchReaderBuilder};
use parquet::arrow::ProjectionMask;

use super::columns::{append_numbers, is_numeric};
use super::TableError;

/// The error for a file that is not a readable Parquet file.
fn malformed(path: &Path, error: impl std::fmt::Display) -> TableError {
    TableError::Malformed {
        path: path.to_path_buf(),
        detail: format!("not a readable Parquet file ({error})"),
    }
}

/// The reader of `path`, its footer read.
fn builder(path: &Path) -> Result<ParquetRecordBatchReaderBuilder<File>, TableError> {
    let file = File::open(path).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    ParquetRecordBatchReaderBuilder::try_new(file).map_err(|e| malformed(path, e))
}

/// What the footers of Parquet files say: the rows of all of them, and the numeric
/// columns of the first (other than `leave_out`).
///
/// ```no_run
/// use pardata::table::stream::shape;
/// use std::path::PathBuf;
///
/// let (rows, numeric) = shape(&[PathBuf::from("signals.parquet")], None).unwrap();
/// println!("{rows} rows of {} series", numeric.len());
/// ```
pub fn shape(files: &[PathBuf], leave_out: Option<&str>) -> Result<(u64, Vec<String>), TableError> {
    let mut rows = 0u64;
    let mut numeric = Vec::new();
    for (k, path) in files.iter().enumerate() {
        let builder = builder(path)?;
        rows += builder.metadata().file_metadata().num_rows().max(0) as u64;
        if k == 0 {
            numeric = builder
                .schema()
                .fields()
                .iter()
                .filter(|f| is_numeric(f.data_type()) && Some(f.name().as_str()) != leave_out)
                .map(|f| f.name().clone())
                .collect();
        }
    }
    Ok((rows, numeric))
}

/// The open file of a [`NumberStream`]: its path, its reader of the chosen columns, and
/// where each chosen column is in its batches.
struct Open {
    path: PathBuf,
    reader: ParquetRecordBatchReader,
    positions: Vec<usize>,
}

/// Chosen columns of Parquet files, a bounded number of rows at a time (see the module
/// header).
pub struct NumberStream {
    files: Vec<PathBuf>,
    batch_rows: usize,
    columns: Vec<String>,
    next_file: usize,
    open: Option<Open>,
    /// Values read past the rows last asked for, per column.
    pending: Vec<Vec<f64>>,
}

impl NumberStream {
    /// A stream of `columns` of `files`, decoded `batch_rows` rows at a time (nothing is
    /// read yet).
    pub fn new(files: Vec<PathBuf>, columns: Vec<String>, batch_rows: usize) -> NumberStream {
        let pending = vec![Vec::new(); columns.len()];
        NumberStream {
            files,
            batch_rows: batch_rows.max(1),
            columns,
            next_file: 0,
            open: None,
            pending,
        }
    }

    /// Opens the next file with a projection to the chosen columns; `false` when there is
    /// none.
    fn open_next(&mut self) -> Result<bool, TableError> {
        let Some(path) = self.files.get(self.next_file).cloned() else {
            return Ok(false);
        };
        self.next_file += 1;
        let builder = builder(&path)?;
        let schema = builder.schema().clone();
        let mut roots = Vec::with_capacity(self.columns.len());
        for name in &self.columns {
            let index = schema.index_of(name).map_err(|_| TableError::Column {
                path: path.clone(),
                detail: format!(
                    "no column {name:?} (the first file has it; this one has: {})",
                    super::column_list(&schema)
                ),
            })?;
            roots.push(index);
        }
        let mut sorted = roots.clone();
        sorted.sort_unstable();
        // The projected batches hold the columns in the file's order.
        let positions = roots
            .iter()
            .map(|r| sorted.binary_search(r).unwrap_or_default())
            .collect();
        let mask = ProjectionMask::roots(builder.parquet_schema(), sorted);
        let reader = builder
            .with_projection(mask)
            .with_batch_size(self.batch_rows)
            .build()
            .map_err(|e| malformed(&path, e))?;
        self.open = Some(Open {
            path,
            reader,
            positions,
        });
        Ok(true)
    }

    /// The next `rows` rows of each chosen column (fewer at the end of the last file).
    pub fn next_rows(&mut self, rows: usize) -> Result<Vec<Vec<f64>>, TableError> {
        if self.columns.is_empty() {
            return Ok(Vec::new());
        }
        while self.pending[0].len() < rows {
            let batch = match self.open.as_mut().and_then(|open| open.reader.next()) {
                Some(batch) => batch,
                None if self.open_next()? => continue,
                None => break,
            };
            let Some(open) = &self.open else { break };
            let batch = batch.map_err(|e| malformed(&open.path, e))?;
            for ((name, &position), values) in self
                .columns
                .iter()
                .zip(&open.positions)
                .zip(&mut self.pending)
            {
                append_numbers(batch.column(position), values).map_err(|detail| {
                    TableError::Column {
                        path: open.path.clone(),
                        detail: format!("column {name:?} {detail}"),
                    }
                })?;
            }
        }
        Ok(self
            .pending
            .iter_mut()
            .map(|values| {
                let rest = values.split_off(rows.min(values.len()));
                std::mem::replace(values, rest)
            })
            .collect())
    }
}
