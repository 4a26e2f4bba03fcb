//! Writing tables: Parquet (zstd-compressed), CSV (a header line, nulls as empty fields,
//! which pandas reads back as NaN), JSON Lines (one object per row, null keys left
//! out, which pandas reads back as NaN) and pandas HDF5 frames of numbers, times, text
//! and bools ([`hdf5`]). The output goes to a temporary file beside the
//! final name and is renamed when complete: a failure leaves no half-written file.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

pub mod hdf5;

use super::{Batches, Format, Table, TableError};
use crate::io::atomic::temporary_path;

/// Writes `table` to `path` in `format`; returns the bytes written.
///
/// ```no_run
/// use pardata::table::{read, write::write, ReadOptions, Format};
/// use std::path::Path;
///
/// let table = read(Path::new("flights.csv"), &ReadOptions::default()).unwrap();
/// write(&table, Path::new("flights.parquet"), Format::Parquet).unwrap();
/// ```
pub fn write(table: &Table, path: &Path, format: Format) -> Result<u64, TableError> {
    write_batches(Batches::from(table.clone()), path, format).map(|written| written.bytes)
}

/// What [`write_batches`] wrote.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Written {
    /// The rows.
    pub rows: u64,
    /// The bytes of the file.
    pub bytes: u64,
}

/// Writes the batches of `batches` to `path` in `format` as they are read, holding one
/// batch at a time. A reading error is returned as it is (it names the input), and
/// leaves no output, as a writing error does.
///
/// ```no_run
/// use pardata::table::{open, write::write_batches, ReadOptions, Format};
/// use std::path::Path;
///
/// let batches = open(Path::new("trips.csv"), &ReadOptions::default())?;
/// let written = write_batches(batches, Path::new("trips.parquet"), Format::Parquet)?;
/// println!("{} rows, {} bytes", written.rows, written.bytes);
/// # Ok::<(), pardata::table::TableError>(())
/// ```
pub fn write_batches(batches: Batches, path: &Path, format: Format) -> Result<Written, TableError> {
    let temporary = temporary_path(path);
    let failed = |detail: String| TableError::Write {
        path: path.to_path_buf(),
        detail,
    };
    let written = write_to(batches, &temporary, format)
        .map_err(|error| match error {
            Failure::Read(error) => error,
            Failure::Write(detail) => failed(detail),
        })
        .and_then(|rows| {
            std::fs::rename(&temporary, path)
                .map(|()| rows)
                .map_err(|e| failed(e.to_string()))
        });
    match written {
        Ok(rows) => Ok(Written {
            rows,
            bytes: std::fs::metadata(path).map(|m| m.len()).unwrap_or(0),
        }),
        Err(error) => {
            let _ = std::fs::remove_file(&temporary);
            Err(error)
        }
    }
}

/// Why writing stopped: the input could not be read, or the output written.
enum Failure {
    Read(TableError),
    Write(String),
}

impl<E: std::fmt::Display> From<E> for Failure {
    fn from(error: E) -> Failure {
        Failure::Write(error.to_string())
    }
}

/// Writes `batches` to `path`; returns the rows written.
fn write_to(batches: Batches, path: &Path, format: Format) -> Result<u64, Failure> {
    let file = || -> Result<BufWriter<File>, Failure> {
        Ok(BufWriter::with_capacity(1 << 20, File::create(path)?))
    };
    let schema = batches.schema.clone();
    let each = |write: &mut dyn FnMut(&RecordBatch) -> Result<(), Failure>| {
        let mut rows = 0u64;
        for batch in batches {
            let batch = batch.map_err(Failure::Read)?;
            rows += batch.num_rows() as u64;
            write(&batch)?;
        }
        Ok::<u64, Failure>(rows)
    };
    let rows;
    match format {
        Format::Parquet => {
            let properties = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .build();
            let mut writer = ArrowWriter::try_new(file()?, schema, Some(properties))?;
            rows = each(&mut |batch| Ok(writer.write(batch)?))?;
            writer.close()?;
        }
        Format::Csv => {
            let mut writer = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(file()?);
            // The header line even for a table without rows (but none without columns,
            // which pandas reads as an empty frame).
            if !schema.fields().is_empty() {
                writer.write(&RecordBatch::new_empty(schema))?;
            }
            rows = each(&mut |batch| Ok(writer.write(batch)?))?;
            writer
                .into_inner()
                .into_inner()
                .map_err(|e| e.to_string())?;
        }
        Format::Hdf5 => {
            let mut frame = hdf5::create(path, &schema).map_err(Failure::Write)?;
            rows = each(&mut |batch| hdf5::append(&mut frame, batch).map_err(Failure::Write))?;
            frame.finish()?;
        }
        Format::JsonLines => {
            let mut writer = arrow::json::LineDelimitedWriter::new(file()?);
            rows = each(&mut |batch| Ok(writer.write(batch)?))?;
            writer.finish()?;
            writer
                .into_inner()
                .into_inner()
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(rows)
}
