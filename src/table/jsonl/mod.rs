//! JSON Lines files (one JSON object per line) as Arrow tables.
//!
//! Semantics: keys may come in any order and be missing on some lines (null there); the
//! types are inferred from every line (int64, float64, bool, utf8; an integer column
//! with a fractional value is float64, a column with text and numbers is an error naming
//! the column); nested objects and arrays are kept as their JSON text. Blank lines are
//! skipped. A line that is not a JSON object is an error naming its line.
//!
//! The types of a flat file come from a quick pass (`infer.rs`); a file with nested
//! values, or one the quick pass does not settle, from arrow-json's inference.

mod flat;
mod infer;

pub use infer::Keys;

use std::io::BufRead;
use std::path::Path;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;

use super::{open_text, Batches, Table, TableError, BATCH_ROWS};

/// Reads all of `path`, with the types of `--schema` (`types`) where it names a column.
pub fn read(path: &Path, types: &super::schema::Types) -> Result<Table, TableError> {
    open(path, types)?.into_table()
}

/// The batches of all of `path` (its types inferred from every line first), read as
/// they are asked for.
pub fn open(path: &Path, types: &super::schema::Types) -> Result<Batches, TableError> {
    decode(path, &typing(path, types)?, open_text(path)?)
}

/// The batches of the lines of `path` that start in `bytes` (see
/// [`LineRange`](super::pieces::LineRange)), decoded with `typing` (the whole file's).
pub fn open_range(
    path: &Path,
    typing: &Typing,
    bytes: std::ops::Range<u64>,
) -> Result<Batches, TableError> {
    let lines = super::pieces::LineRange::of(path, bytes)?;
    let batches = decode(path, typing, lines.open()?)?;
    let schema = batches.schema.clone();
    Ok(Batches::new(path, schema, batches, lines.note()))
}

/// How a JSON Lines file's lines are decoded: with which schema, and whether by the flat
/// decoder or arrow-json.
#[derive(Debug, Clone, PartialEq)]
pub struct Typing {
    /// The schema the lines are decoded with (before nested columns become text).
    pub schema: Arc<Schema>,
    /// Whether the flat decoder reads the lines (every key of a plain type, as the quick
    /// pass found them).
    pub flat: bool,
}

/// The typing of all of `path`, with the types of `--schema` (`types`) where it names a
/// column.
pub fn typing(path: &Path, types: &super::schema::Types) -> Result<Typing, TableError> {
    let keys = infer::keys(open_text(path)?).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    typing_of(path, &keys, types)
}

/// The keys and kinds of the lines of `path` that start in `bytes`: what each rank finds
/// for its pieces, merged ([`Keys::merge`]) in piece order into the file's [`typing_of`].
pub fn piece_keys(path: &Path, bytes: std::ops::Range<u64>) -> Result<Keys, TableError> {
    let lines = super::pieces::LineRange::of(path, bytes)?;
    infer::keys(lines.open()?).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The typing of `path` from the keys of all its lines (unsettled: arrow-json infers the
/// types from the whole file, in the keys' order of first appearance, pandas' order),
/// with `--schema`'s `types` applied.
pub fn typing_of(
    path: &Path,
    keys: &Keys,
    types: &super::schema::Types,
) -> Result<Typing, TableError> {
    let typed = |name: &str| types.iter().any(|(typed, _)| typed == name);
    let inferred = if keys.unsettled {
        let (arrow, _) = arrow::json::reader::infer_json_schema(open_text(path)?, None)
            .map_err(|e| malformed(path, e))?;
        in_order_of(arrow, keys.names())
    } else {
        keys.schema(&typed).map_err(|detail| TableError::Column {
            path: path.to_path_buf(),
            detail,
        })?
    };
    let schema = Arc::new(super::schema::apply(inferred, types, path)?);
    // The flat decoder takes --schema's plain types too (numbers read as text when asked).
    let flat = !keys.unsettled && flat::decodes(&schema);
    Ok(Typing { schema, flat })
}

/// `schema`'s fields in the order of `names` (arrow-json sorts them), any others after.
fn in_order_of(schema: Schema, names: &[String]) -> Schema {
    let place = |name: &str| names.iter().position(|n| n == name).unwrap_or(usize::MAX);
    let mut fields: Vec<_> = schema.fields().iter().cloned().collect();
    fields.sort_by_key(|f| place(f.name()));
    Schema::new(fields)
}

/// arrow-json's error as the data layer's, naming the file.
fn malformed(path: &Path, error: ArrowError) -> TableError {
    TableError::Malformed {
        path: path.to_path_buf(),
        detail: error
            .to_string()
            .trim_start_matches("Json error: ")
            .to_string(),
    }
}

/// The batches of `source` (lines of `path`) decoded as `typing` says.
fn decode(path: &Path, typing: &Typing, source: Box<dyn BufRead>) -> Result<Batches, TableError> {
    let schema = typing.schema.clone();
    if typing.flat {
        return flat_batches(path, schema, source);
    }
    let named = path.to_path_buf();
    let malformed = move |error: ArrowError| malformed(&named, error);
    let reader = arrow::json::ReaderBuilder::new(schema.clone())
        .with_batch_size(BATCH_ROWS)
        .build(source)
        .map_err(&malformed)?;
    let nested: Vec<usize> = schema
        .fields()
        .iter()
        .enumerate()
        .filter(|(_, f)| f.data_type().is_nested())
        .map(|(i, _)| i)
        .collect();
    if nested.is_empty() {
        return Ok(Batches::new(path, schema, reader, malformed));
    }
    let fields: Vec<Field> = schema
        .fields()
        .iter()
        .enumerate()
        .map(|(i, f)| {
            let data_type = if nested.contains(&i) {
                DataType::Utf8
            } else {
                f.data_type().clone()
            };
            Field::new(f.name(), data_type, true)
        })
        .collect();
    let text_schema = Arc::new(Schema::new(fields));
    let out_schema = text_schema.clone();
    let as_text = move |batch: Result<RecordBatch, ArrowError>| {
        let batch = batch?;
        let columns = (0..batch.num_columns())
            .map(|i| {
                if nested.contains(&i) {
                    as_json_text(schema.field(i), batch.column(i))
                } else {
                    Ok(batch.column(i).clone())
                }
            })
            .collect::<Result<Vec<ArrayRef>, _>>()?;
        RecordBatch::try_new(out_schema.clone(), columns)
    };
    Ok(Batches::new(
        path,
        text_schema,
        reader.map(as_text),
        malformed,
    ))
}

/// The batches of a flat file whose every line the quick pass read, decoded by
/// [`flat::Decoder`].
fn flat_batches(
    path: &Path,
    schema: Arc<Schema>,
    mut reader: Box<dyn BufRead>,
) -> Result<Batches, TableError> {
    let mut decoder = flat::Decoder::new(schema.clone(), BATCH_ROWS);
    let named = path.to_path_buf();
    let mut line = Vec::with_capacity(1 << 12);
    let mut number = 0usize;
    let mut done = false;
    let batches = std::iter::from_fn(move || {
        if done {
            return None;
        }
        let failed = |detail: String| TableError::Malformed {
            path: named.clone(),
            detail,
        };
        while decoder.rows() < BATCH_ROWS {
            match with_line(&mut reader, &mut line, |text| decoder.line(text)) {
                Ok(None) => {
                    done = true;
                    break;
                }
                Ok(Some(decoded)) => {
                    number += 1;
                    if let Err(detail) = decoded {
                        done = true;
                        return Some(Err(failed(format!("line {number}: {detail}"))));
                    }
                }
                Err(source) => {
                    done = true;
                    return Some(Err(TableError::Io {
                        path: named.clone(),
                        source,
                    }));
                }
            }
        }
        if done && decoder.rows() == 0 {
            return None;
        }
        let batch = decoder.batch().map_err(|e| failed(e.to_string()));
        Some(batch)
    });
    Ok(Batches::new(path, schema, batches, |e: TableError| e))
}

/// What `use_line` gives for the next line of `reader` (its line end included), or `None`
/// at the end. A line that is whole in the reader's buffer is used there, not copied;
/// one that crosses the buffer's end is gathered in `scratch`.
pub(super) fn with_line<R>(
    reader: &mut dyn BufRead,
    scratch: &mut Vec<u8>,
    use_line: impl FnOnce(&[u8]) -> R,
) -> std::io::Result<Option<R>> {
    let buffer = loop {
        match reader.fill_buf() {
            Err(e) if e.kind() == std::io::ErrorKind::Interrupted => continue,
            filled => break filled?,
        }
    };
    if buffer.is_empty() {
        return Ok(None);
    }
    if let Some(end) = memchr::memchr(b'\n', buffer) {
        let used = use_line(&buffer[..=end]);
        reader.consume(end + 1);
        return Ok(Some(used));
    }
    scratch.clear();
    reader.read_until(b'\n', scratch)?;
    Ok(Some(use_line(scratch)))
}

/// A nested column as JSON text, one value per row (null stays null): the column is
/// written as JSON Lines by arrow's writer and each line's one value taken back.
fn as_json_text(field: &Field, column: &ArrayRef) -> Result<ArrayRef, ArrowError> {
    let schema = Arc::new(Schema::new(vec![field.clone()]));
    let batch = RecordBatch::try_new(schema, vec![column.clone()])?;
    let mut writer = arrow::json::LineDelimitedWriter::new(Vec::new());
    writer.write(&batch)?;
    writer.finish()?;
    let bytes = writer.into_inner();
    let mut texts: Vec<Option<String>> = Vec::with_capacity(column.len());
    for line in bytes.split(|&b| b == b'\n').take(column.len()) {
        let object: serde_json::Map<String, serde_json::Value> =
            serde_json::from_slice(line).map_err(|e| ArrowError::JsonError(e.to_string()))?;
        texts.push(
            object
                .get(field.name())
                .filter(|v| !v.is_null())
                .map(|v| v.to_string()),
        );
    }
    Ok(Arc::new(StringArray::from(texts)))
}
