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

use arrow::array::{Array, ArrayRef, AsArray, Float64Array, StringArray};
use arrow::buffer::{BooleanBuffer, NullBuffer};
use arrow::csv::reader::Format as CsvFormat;
use arrow::datatypes::{DataType, Field, Float64Type, Schema};
use arrow::record_batch::RecordBatch;

use super::{open_text, Batches, ReadOptions, Table, TableError, BATCH_ROWS};

/// pandas' default NA spellings (`pandas.read_csv`'s `na_values` when not given), the
/// empty field aside.
const PANDAS_NULLS: [&str; 18] = [
    "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN", "<NA>",
    "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
];

/// Whether `text` is one of pandas' NA spellings other than the empty field.
fn is_null_spelling(text: &[u8]) -> bool {
    text.len() <= 8
        && matches!(text.first(), Some(b'#' | b'-' | b'1' | b'<' | b'N' | b'n'))
        && PANDAS_NULLS.iter().any(|null| null.as_bytes() == text)
}

/// The format of a CSV file as the options and its name say.
fn format_of(path: &Path, options: &ReadOptions) -> Result<CsvFormat, TableError> {
    Ok(CsvFormat::default()
        .with_header(options.header)
        .with_delimiter(delimiter(path, options))
        .with_quote(b'"'))
}

/// The field separator of `path`: `--delimiter`'s, else a tab for `.tsv` files, else `,`.
pub(super) fn delimiter(path: &Path, options: &ReadOptions) -> u8 {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let tabs = [".tsv", ".tsv.gz", ".tsv.zst"]
        .iter()
        .any(|end| name.ends_with(end));
    options.delimiter.unwrap_or(if tabs { b'\t' } else { b',' })
}

/// `format` with every one of pandas' NA spellings read as null.
fn with_nulls(format: CsvFormat, path: &Path) -> Result<CsvFormat, TableError> {
    let spellings: Vec<String> = PANDAS_NULLS.iter().map(|n| regex::escape(n)).collect();
    let pattern = format!("^(|{})$", spellings.join("|"));
    let nulls = regex::Regex::new(&pattern).map_err(|e| malformed(path, e))?;
    Ok(format.with_null_regex(nulls))
}

/// The schema inferred from the first records of `path`, with dates and times as text,
/// and the types of `--schema` where it names a column.
pub fn infer(path: &Path, options: &ReadOptions) -> Result<Schema, TableError> {
    infer_from(path, options, open_text(path)?)
}

/// [`infer`] on the text `reader` gives (the text of `path`).
fn infer_from(
    path: &Path,
    options: &ReadOptions,
    reader: Box<dyn BufRead>,
) -> Result<Schema, TableError> {
    let format = with_nulls(format_of(path, options)?, path)?;
    let (schema, _) = format
        .infer_schema(reader, Some(options.infer_rows))
        .map_err(|e| malformed(path, e))?;
    super::schema::apply(as_pandas(schema), &options.types, path)
}

/// Reads all of `path` (see the module header for the types and nulls).
pub fn read(path: &Path, options: &ReadOptions) -> Result<Table, TableError> {
    open(path, options)?.into_table()
}

/// Reads the CSV `text` as the file `path` would be read (its name says the delimiter, and
/// errors name it): for a text already in memory.
///
/// ```
/// use pardata::table::{csv, ReadOptions};
/// use std::path::Path;
///
/// let text = b"day,close\n2024-01-02,1.5\n2024-01-03,NA\n";
/// let table = csv::read_text(Path::new("bars.csv"), text.as_slice().into(), &ReadOptions::default())?;
/// assert_eq!(table.rows(), 2);
/// assert_eq!(table.column_names(), ["day", "close"]);
/// # Ok::<(), pardata::table::TableError>(())
/// ```
pub fn read_text(path: &Path, text: Arc<[u8]>, options: &ReadOptions) -> Result<Table, TableError> {
    let opened = move || Ok(Box::new(std::io::Cursor::new(text.clone())) as Box<dyn BufRead>);
    let schema = Arc::new(infer_from(path, options, opened()?)?);
    read_with(path, opened, schema, format_of(path, options)?, options)?.into_table()
}

/// The batches of all of `path`, read as they are asked for.
pub fn open(path: &Path, options: &ReadOptions) -> Result<Batches, TableError> {
    let schema = Arc::new(infer(path, options)?);
    let format = format_of(path, options)?;
    let named = path.to_path_buf();
    read_with(path, move || open_text(&named), schema, format, options)
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
    open_range(path, options, bytes)?.into_table()
}

/// The batches of the lines of `path` that start in `bytes` (see [`read_range`]).
pub fn open_range(
    path: &Path,
    options: &ReadOptions,
    bytes: std::ops::Range<u64>,
) -> Result<Batches, TableError> {
    open_stretch(path, options, Arc::new(infer(path, options)?), bytes)
}

/// [`open_range`] with the schema already inferred (the stretches of one file that the
/// rank's threads read, [`super::parallel`]).
pub(super) fn open_stretch(
    path: &Path,
    options: &ReadOptions,
    schema: Arc<Schema>,
    bytes: std::ops::Range<u64>,
) -> Result<Batches, TableError> {
    let format = format_of(path, options)?.with_header(options.header && bytes.start == 0);
    let lines = super::pieces::LineRange::of(path, bytes)?;
    let note = lines.note();
    let piece = move || lines.open();
    let batches = read_with(path, piece, schema, format, options).map_err(&note)?;
    let (path, schema) = (batches.path.clone(), batches.schema.clone());
    Ok(Batches::new(&path, schema, batches, note))
}

/// A reader of CSV text as arrow-csv gives it.
type CsvReader = arrow::csv::reader::BufReader<Box<dyn BufRead>>;

/// What opens a CSV text from its start (a file, or a piece of one).
type Source = Box<dyn Fn() -> Result<Box<dyn BufRead>, TableError>>;

/// Reads the text that `source` opens (the text of `path`) with a known schema, see
/// [`Lenient`]; `options` say which columns' types were given rather than inferred.
fn read_with(
    path: &Path,
    source: impl Fn() -> Result<Box<dyn BufRead>, TableError> + 'static,
    schema: Arc<Schema>,
    format: CsvFormat,
    options: &ReadOptions,
) -> Result<Batches, TableError> {
    let mut lenient = Lenient {
        path: path.to_path_buf(),
        schema: schema.clone(),
        given_types: options.types.iter().map(|(name, _)| name.clone()).collect(),
        source: Box::new(source),
        format,
        fast: None,
        careful: None,
        given: 0,
    };
    lenient.fast = Some(lenient.reader(false, 0)?);
    Ok(Batches::new(path, schema, lenient, |e| e))
}

/// The batches of a CSV text, read first with the empty field as the only null spelling,
/// which spares arrow-csv a regular expression per field (about a third of its time):
/// pandas' other NA spellings are then made nulls in text columns, and NaN in float
/// columns is made null, as the spelling `NaN` that gave it would be. A batch that does
/// not parse so (`NA` in a column of integers) sends the reader back to the start of the
/// text, to read from that batch's first record on with every spelling matched by
/// arrow-csv: the batches already given stand, and a record that does not parse either
/// way gets the careful reader's error, with its line.
struct Lenient {
    path: std::path::PathBuf,
    schema: Arc<Schema>,
    /// The columns whose types the caller gave (`--schema`), not inferred.
    given_types: Vec<String>,
    source: Source,
    /// The dialect, without null spellings.
    format: CsvFormat,
    /// The fast reader, until a batch does not parse.
    fast: Option<CsvReader>,
    /// The careful reader, after that.
    careful: Option<CsvReader>,
    /// The records given so far.
    given: usize,
}

impl Lenient {
    /// A reader of the text from record `skip` on (after the header), with every NA
    /// spelling matched when `careful`.
    fn reader(&self, careful: bool, skip: usize) -> Result<CsvReader, TableError> {
        let format = if careful {
            with_nulls(self.format.clone(), &self.path)?
        } else {
            self.format.clone()
        };
        let mut builder = arrow::csv::ReaderBuilder::new(self.schema.clone())
            .with_format(format)
            .with_batch_size(BATCH_ROWS);
        if skip > 0 {
            // arrow-csv adds the header line to the end bound: leave room for it.
            builder = builder.with_bounds(skip, usize::MAX / 2);
        }
        builder
            .build_buffered((self.source)()?)
            .map_err(|e| malformed(&self.path, e))
    }
}

impl Iterator for Lenient {
    type Item = Result<RecordBatch, TableError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(fast) = self.fast.as_mut() {
            match fast.next()? {
                Ok(batch) => {
                    self.given += batch.num_rows();
                    return Some(spellings_as_nulls(batch).map_err(|e| malformed(&self.path, e)));
                }
                Err(_) => {
                    self.fast = None;
                    match self.reader(true, self.given) {
                        Ok(careful) => self.careful = Some(careful),
                        Err(error) => return Some(Err(error)),
                    }
                }
            }
        }
        let batch = self.careful.as_mut()?.next()?;
        // NaN in float columns made null as in the fast batches (lexical reads `NAN` and
        // `+nan` as NaN, which the spellings do not match).
        let batch = batch.and_then(spellings_as_nulls);
        Some(batch.map_err(|e| {
            let detail = placed(&detail_of(e), &self.schema, &self.given_types);
            TableError::Malformed {
                path: self.path.clone(),
                detail,
            }
        }))
    }
}

/// arrow-csv's message for a value that does not parse, with the line counted from 1
/// (arrow-csv counts records from 0, the header included: the line, unless blank lines or
/// quoted line breaks come before) and the column by name, with where its type came from
/// (`given_types`: the columns whose types the caller gave); other messages as they are.
fn placed(message: &str, schema: &Schema, given_types: &[String]) -> String {
    let pattern = r"(?s)Error while parsing value '(.*)' as type '(.*)' for column (\d+) at line (\d+)\. Row data: .*$";
    let parts = regex::Regex::new(pattern)
        .ok()
        .and_then(|pattern| pattern.captures(message));
    let Some(parts) = parts else {
        return message.to_string();
    };
    let number = |i: usize| parts[i].parse::<usize>().ok();
    match (number(3), number(4)) {
        (Some(column), Some(line)) if column < schema.fields().len() => {
            let name = schema.field(column).name();
            let origin = if given_types.contains(name) {
                ""
            } else {
                ", inferred from the first records: give the column its type with --schema"
            };
            format!(
                "line {}, column {name:?}: {:?} is not a value of the column's type ({}{origin})",
                line + 1,
                &parts[1],
                &parts[2]
            )
        }
        _ => message.to_string(),
    }
}

/// `batch` with pandas' NA spellings in text columns and NaN in float columns as nulls.
fn spellings_as_nulls(batch: RecordBatch) -> Result<RecordBatch, arrow::error::ArrowError> {
    let columns = batch
        .columns()
        .iter()
        .map(|column| -> ArrayRef {
            let valid_and = |keep: &dyn Fn(usize) -> bool| {
                let kept = BooleanBuffer::collect_bool(column.len(), keep);
                let nulls = match column.nulls() {
                    Some(nulls) => nulls.inner() & &kept,
                    None => kept,
                };
                NullBuffer::new(nulls)
            };
            if let Some(text) = column.as_string_opt::<i32>() {
                let spelled = |i: usize| is_null_spelling(text.value(i).as_bytes());
                if (0..text.len()).any(|i| text.is_valid(i) && spelled(i)) {
                    let nulls = valid_and(&|i| !spelled(i));
                    let (offsets, values, _) = text.clone().into_parts();
                    return Arc::new(StringArray::new(offsets, values, Some(nulls)));
                }
            } else if let Some(floats) = column.as_primitive_opt::<Float64Type>() {
                let values = floats.values();
                if values.iter().any(|v| v.is_nan()) {
                    let nulls = valid_and(&|i| !values[i].is_nan());
                    return Arc::new(Float64Array::new(values.clone(), Some(nulls)));
                }
            }
            column.clone()
        })
        .collect();
    RecordBatch::try_new(batch.schema(), columns)
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
    TableError::Malformed {
        path: path.to_path_buf(),
        detail: detail_of(error),
    }
}

/// A parser's message without arrow's prefix.
fn detail_of(error: impl std::fmt::Display) -> String {
    let detail = error.to_string();
    detail
        .strip_prefix("Csv error: ")
        .or_else(|| detail.strip_prefix("Parser error: "))
        .unwrap_or(&detail)
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::datatypes::DataType;

    /// The error of reading `text` as the CSV file `t.csv` with `options`.
    fn error_of(text: &str, options: &ReadOptions) -> String {
        let bytes: Arc<[u8]> = Arc::from(text.as_bytes());
        match read_text(Path::new("t.csv"), bytes, options) {
            Ok(table) => panic!("{text:?} read as {} rows", table.rows()),
            Err(error) => error.to_string(),
        }
    }

    #[test]
    fn a_value_of_another_type_is_placed_and_says_where_the_type_came_from() {
        let inferred = ReadOptions {
            infer_rows: 1,
            ..ReadOptions::default()
        };
        let error = error_of("a,b\n1,x\nseven,y\n", &inferred);
        assert!(
            error.contains("line 3, column \"a\": \"seven\" is not a value of the column's type (Int64, inferred from the first records: give the column its type with --schema)"),
            "{error}"
        );
        let given = ReadOptions {
            types: vec![("a".to_string(), DataType::Float64)],
            ..ReadOptions::default()
        };
        let error = error_of("a,b\n1.5,x\nabc,y\n", &given);
        assert!(
            error.contains(
                "line 3, column \"a\": \"abc\" is not a value of the column's type (Float64)"
            ),
            "{error}"
        );
    }
}
