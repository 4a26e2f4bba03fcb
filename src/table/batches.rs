//! A table read one record batch at a time: what the readers of every format give, so
//! that a conversion holds one batch of rows, not the file (`convert` of a 10 GB CSV
//! needs the memory of [`BATCH_ROWS`](super::BATCH_ROWS) rows).
//!
//! Semantics: the batches come in file order; the first error ends the stream (a reader
//! gives nothing after it); [`Batches::into_table`] collects them, which is what
//! [`read`](super::read) does.

use std::path::{Path, PathBuf};

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;

use super::{Table, TableError};

/// The record batches of one file (or piece of one), read as they are asked for.
pub struct Batches {
    /// Where they are read from.
    pub path: PathBuf,
    /// The columns' names and types, the same for every batch.
    pub schema: SchemaRef,
    inner: Box<dyn Iterator<Item = Result<RecordBatch, TableError>>>,
}

impl Batches {
    /// The batches that `reader` gives, its errors made the data layer's by `error`.
    pub(crate) fn new<E: 'static>(
        path: &Path,
        schema: SchemaRef,
        reader: impl Iterator<Item = Result<RecordBatch, E>> + 'static,
        error: impl Fn(E) -> TableError + 'static,
    ) -> Batches {
        Batches {
            path: path.to_path_buf(),
            schema,
            // Nothing after the first error (arrow-csv would go on, its lines astray).
            inner: Box::new(reader.map(move |batch| batch.map_err(&error)).scan(
                false,
                |failed, batch| {
                    (!*failed).then(|| {
                        *failed = batch.is_err();
                        batch
                    })
                },
            )),
        }
    }

    /// All the batches as one table, or the first error.
    ///
    /// ```no_run
    /// use pardata::table::{open, ReadOptions};
    /// use std::path::Path;
    ///
    /// let table = open(Path::new("flights.csv"), &ReadOptions::default())?.into_table()?;
    /// println!("{} rows", table.rows());
    /// # Ok::<(), pardata::table::TableError>(())
    /// ```
    pub fn into_table(self) -> Result<Table, TableError> {
        Ok(Table {
            path: self.path,
            schema: self.schema,
            batches: self.inner.collect::<Result<Vec<_>, _>>()?,
        })
    }
}

impl Iterator for Batches {
    type Item = Result<RecordBatch, TableError>;

    fn next(&mut self) -> Option<Self::Item> {
        self.inner.next()
    }
}

impl From<Table> for Batches {
    fn from(table: Table) -> Batches {
        let path = table.path.clone();
        Batches::new(
            &path,
            table.schema,
            table.batches.into_iter().map(Ok),
            |e: TableError| e,
        )
    }
}
