//! Writing tables: Parquet (zstd-compressed), CSV (a header line, nulls as empty fields,
//! which pandas reads back as NaN) and JSON Lines (one object per row, null keys left
//! out, which pandas reads back as NaN). The output goes to a temporary file beside the
//! final name and is renamed when complete: a failure leaves no half-written file.

use std::fs::File;
use std::io::BufWriter;
use std::path::Path;

use arrow::record_batch::RecordBatch;
use parquet::arrow::ArrowWriter;
use parquet::basic::{Compression, ZstdLevel};
use parquet::file::properties::WriterProperties;

use super::{Format, Table, TableError};
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
    let temporary = temporary_path(path);
    let failed = |detail: String| TableError::Write {
        path: path.to_path_buf(),
        detail,
    };
    let written = write_to(table, &temporary, format)
        .map_err(failed)
        .and_then(|()| std::fs::rename(&temporary, path).map_err(|e| failed(e.to_string())));
    if let Err(error) = written {
        let _ = std::fs::remove_file(&temporary);
        return Err(error);
    }
    Ok(std::fs::metadata(path).map(|m| m.len()).unwrap_or(0))
}

fn write_to(table: &Table, path: &Path, format: Format) -> Result<(), String> {
    let file = BufWriter::with_capacity(1 << 20, File::create(path).map_err(|e| e.to_string())?);
    let text = |e: &dyn std::fmt::Display| e.to_string();
    match format {
        Format::Parquet => {
            let properties = WriterProperties::builder()
                .set_compression(Compression::ZSTD(ZstdLevel::default()))
                .build();
            let mut writer = ArrowWriter::try_new(file, table.schema.clone(), Some(properties))
                .map_err(|e| text(&e))?;
            for batch in &table.batches {
                writer.write(batch).map_err(|e| text(&e))?;
            }
            writer.close().map_err(|e| text(&e))?;
        }
        Format::Csv => {
            let mut writer = arrow::csv::WriterBuilder::new()
                .with_header(true)
                .build(file);
            if table.batches.is_empty() {
                writer
                    .write(&RecordBatch::new_empty(table.schema.clone()))
                    .map_err(|e| text(&e))?;
            }
            for batch in &table.batches {
                writer.write(batch).map_err(|e| text(&e))?;
            }
            writer
                .into_inner()
                .into_inner()
                .map_err(|e| e.to_string())?;
        }
        Format::Hdf5 => return Err("writing tables as HDF5 is not done yet: write Parquet (--to parquet), which pandas, pyarrow, Polars and DuckDB read".into()),
        Format::JsonLines => {
            let mut writer = arrow::json::LineDelimitedWriter::new(file);
            let batches: Vec<&RecordBatch> = table.batches.iter().collect();
            writer.write_batches(&batches).map_err(|e| text(&e))?;
            writer.finish().map_err(|e| text(&e))?;
            writer
                .into_inner()
                .into_inner()
                .map_err(|e| e.to_string())?;
        }
    }
    Ok(())
}
