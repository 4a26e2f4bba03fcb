//! CSV files as Arrow tables, typed as `pandas.read_csv` types them.
//!
//! Semantics:
//! - a header line names the columns unless [`ReadOptions::header`] is off (then the
//!   columns are `column_1`, `column_2`, ...); `.tsv` files are tab-separated;
//! - quoting as RFC 4180 (`"a, b"`, `""` for a quote inside);
//! - the types are inferred from the first [`ReadOptions::infer_rows`] records: int64,
//!   float64, bool (`true`/`false` in any case) or utf8; dates and times stay text, as
//!   pandas leaves them without `parse_dates` ([`super::columns`] reads them as times
//!   when asked to); a value further down that does not parse as its column's type is
//!   an error naming the line and the column;
//! - nulls are pandas' default NA spellings: the empty field, `NA`, `N/A`, `NaN`, `nan`,
//!   `NULL`, `null`, `None`, `<NA>`, `#N/A`, `-NaN`, `n/a` and the others of its list;
//! - a line with more or fewer fields than the header is an error naming the line.

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use arrow::csv::reader::Format as CsvFormat;
use arrow::datatypes::{DataType, Field, Schema};

use super::{open_text, ReadOptions, Table, TableError, BATCH_ROWS};

/// pandas' default NA spellings (`pandas.read_csv`'s `na_values` when not given).
const PANDAS_NULLS: &str = r"^(|#N/A|#N/A N/A|#NA|-1\.#IND|-1\.#QNAN|-NaN|-nan|1\.#IND|1\.#QNAN|<NA>|N/A|NA|NULL|NaN|None|n/a|nan|null)$";

/// The format of a CSV file as the options and its name say.
fn format_of(path: &Path, options: &ReadOptions) -> Result<CsvFormat, TableError> {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let tabs = [".tsv", ".tsv.gz", ".tsv.zst"]
        .iter()
        .any(|end| name.ends_with(end));
    let delimiter = options.delimiter.unwrap_or(if tabs { b'\t' } else { b',' });
    let nulls = regex::Regex::new(PANDAS_NULLS).map_err(|e| TableError::Malformed {
        path: path.to_path_buf(),
        detail: e.to_string(),
    })?;
    Ok(CsvFormat::default()
        .with_header(options.header)
        .with_delimiter(delimiter)
        .with_quote(b'"')
        .with_null_regex(nulls))
}

/// The schema inferred from the first records of `path`, with dates and times as text,
/// and the types of `--schema` where it names a column.
pub fn infer(path: &Path, options: &ReadOptions) -> Result<Schema, TableError> {
    let format = format_of(path, options)?;
    let reader = open_text(path)?;
    let (schema, _) = format
        .infer_schema(reader, Some(options.infer_rows))
        .map_err(|e| malformed(path, e))?;
    super::schema::apply(as_pandas(schema), &options.types, path)
}

/// Reads all of `path` (see the module header for the types and nulls).
pub fn read(path: &Path, options: &ReadOptions) -> Result<Table, TableError> {
    let schema = Arc::new(infer(path, options)?);
    let format = format_of(path, options)?;
    let reader = open_text(path)?;
    read_with(path, reader, schema, format)
}

/// Reads the lines of `path` that start in the byte range `bytes` (the first line at or
/// after `bytes.start` that follows a line end, to the end of the line `bytes.end - 1` is
/// in), with the types inferred from the head of the file, so that every piece of the
/// file has the same schema. The header line is the first piece's only. A quoted field
/// with a line break inside may be cut there: a piece then most often fails with a parse
/// error, but a cut whose halves happen to parse reads wrong records, so files with line
/// breaks inside fields must be read whole (compress them, `.csv.gz`, which is one piece).
pub fn read_range(
    path: &Path,
    options: &ReadOptions,
    bytes: std::ops::Range<u64>,
) -> Result<Table, TableError> {
    use std::io::{Read, Seek, SeekFrom};
    let schema = Arc::new(infer(path, options)?);
    let format = format_of(path, options)?.with_header(options.header && bytes.start == 0);
    let io = |source| TableError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    let line_end_from = |file: &mut std::fs::File, at: u64| -> std::io::Result<u64> {
        // The offset just past the first line end at or after `at`.
        file.seek(SeekFrom::Start(at))?;
        let mut reader = std::io::BufReader::with_capacity(1 << 16, &mut *file);
        let mut skipped = Vec::new();
        let read = reader.read_until(b'\n', &mut skipped)?;
        Ok(at + read as u64)
    };
    let start = if bytes.start == 0 {
        0
    } else {
        line_end_from(&mut file, bytes.start - 1).map_err(io)?
    };
    let end = line_end_from(&mut file, bytes.end.max(1) - 1).map_err(io)?;
    file.seek(SeekFrom::Start(start)).map_err(io)?;
    let piece = std::io::BufReader::with_capacity(1 << 20, file.take(end.saturating_sub(start)));
    read_with(path, Box::new(piece), schema, format).map_err(|error| match error {
        TableError::Malformed { path, detail } if start > 0 => TableError::Malformed {
            path,
            detail: format!("{detail} (lines counted from byte {start}, a piece of the file)"),
        },
        other => other,
    })
}

/// Reads `reader` (the text of `path`) with a known schema.
fn read_with(
    path: &Path,
    reader: Box<dyn BufRead>,
    schema: Arc<Schema>,
    format: CsvFormat,
) -> Result<Table, TableError> {
    let csv = arrow::csv::ReaderBuilder::new(schema.clone())
        .with_format(format)
        .with_batch_size(BATCH_ROWS)
        .build_buffered(reader)
        .map_err(|e| malformed(path, e))?;
    Table::collect(path, schema, csv, |e| malformed(path, e))
}

/// Dates and timestamps as text: what pandas gives without `parse_dates`; headerless
/// columns named from 1.
fn as_pandas(schema: Schema) -> Schema {
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .map(|field| {
            let text = matches!(
                field.data_type(),
                DataType::Date32
                    | DataType::Date64
                    | DataType::Timestamp(_, _)
                    | DataType::Time32(_)
                    | DataType::Time64(_)
            );
            let data_type = if text {
                DataType::Utf8
            } else if field.data_type() == &DataType::Null {
                // A column with only nulls: pandas gives float64 (all NaN).
                DataType::Float64
            } else {
                field.data_type().clone()
            };
            Field::new(field.name(), data_type, true)
        })
        .collect();
    Schema::new(fields)
}

/// A parser's error as the data layer's, with the file named.
fn malformed(path: &Path, error: impl std::fmt::Display) -> TableError {
    let detail = error.to_string();
    let detail = detail
        .strip_prefix("Csv error: ")
        .or_else(|| detail.strip_prefix("Parser error: "))
        .unwrap_or(&detail)
        .to_string();
    TableError::Malformed {
        path: path.to_path_buf(),
        detail,
    }
}
