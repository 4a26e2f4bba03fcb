//! JSON Lines files (one JSON object per line) as Arrow tables.
//!
//! Semantics: keys may come in any order and be missing on some lines (null there); the
//! types are inferred from every line (int64, float64, bool, utf8; an integer column
//! with a fractional value is float64, a column with text and numbers is an error naming
//! the column); nested objects and arrays are kept as their JSON text. Blank lines are
//! skipped. A line that is not a JSON object is an error naming its line.
//!
//! The types come from a quick pass (`infer.rs`), or from arrow-json's inference where a
//! key read has nested values or integers beyond int64. A reading of some keys only
//! ([`Keep`], `ReadOptions::columns`) types and decodes those alone and skips the other
//! values, nested ones too (`keep.rs`); a `--schema` type of a key not read is left
//! unused.

mod flat;
mod infer;
mod keep;
mod stamp;

pub use infer::Keys;
pub use keep::Keep;

use std::io::BufRead;
use std::path::Path;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, StringArray};
use arrow::datatypes::{DataType, Field, Schema};
use arrow::error::ArrowError;
use arrow::record_batch::RecordBatch;

use super::{open_text, Batches, Table, TableError, BATCH_ROWS};

/// Reads the keys `keep` keeps of all of `path`, with the types of `--schema` (`types`)
/// where it names a column.
pub fn read(path: &Path, types: &super::schema::Types, keep: &Keep) -> Result<Table, TableError> {
    open(path, types, keep)?.into_table()
}

/// The batches of the keys `keep` keeps of all of `path` (their types inferred from
/// every line first), read as they are asked for.
pub fn open(path: &Path, types: &super::schema::Types, keep: &Keep) -> Result<Batches, TableError> {
    decode(path, &typing(path, types, keep)?, open_text(path)?)
}

/// The bytes of a file's head, whose lines type a file read in one pass ([`Once`]): 1 MiB,
/// or `$PARDATA_HEAD_BYTES` (tests use a short head to see files read again).
fn head_bytes() -> u64 {
    super::bytes_from_env("PARDATA_HEAD_BYTES", 1 << 20)
}

/// The batches of all of `path` read in one pass, typed from its head ([`Once`]); a
/// file whose head does not settle its types is read with [`open`] at once.
pub(crate) fn open_once(
    path: &Path,
    types: &super::schema::Types,
    keep: &Keep,
    flags: Arc<ReadOnce>,
) -> Result<Batches, TableError> {
    match Once::of_head(path, open_text(path)?, types, keep, flags)? {
        Some(once) => flat_batches(path, &once.typing, open_text(path)?, Some(once.watch())),
        None => open(path, types, keep),
    }
}

/// The batches of the lines of `path` that start in `bytes`, read in one pass with the
/// file's head typing `once` (a stretch of a file read by several threads).
pub(crate) fn open_range_once(
    path: &Path,
    once: &Once,
    bytes: std::ops::Range<u64>,
) -> Result<Batches, TableError> {
    let lines = super::pieces::LineRange::of(path, bytes)?;
    let batches = flat_batches(path, &once.typing, lines.open()?, Some(once.watch()))?;
    let schema = once.typing.schema.clone();
    Ok(Batches::new(path, schema, batches, lines.note()))
}

/// A file read in one pass: typed from the lines of its first [`head_bytes`], each
/// line's keys and kinds noted as it is decoded. Where a later line types the file
/// otherwise (a new key, a float in an integer column, any value in a column that was
/// only null) or does not decode, the stream ends with an error and [`ReadOnce`] says it
/// was retyped: the caller then reads the file again with [`open`], whose types and
/// errors are the ones that stand (as it does after any failure of a file read once). The check needs no order: a stretch of lines that keeps the head's
/// types with the head's keys noted first keeps them with any other such stretch, as
/// kinds only add up.
#[derive(Clone)]
pub(crate) struct Once {
    /// The typing from the head, with `--schema`'s types.
    pub(crate) typing: Typing,
    /// The keys and kinds of the head's lines.
    head: Keys,
    /// The types the head gave (before `--schema`'s).
    inferred: Schema,
    /// The columns whose types `--schema` gives.
    typed: Vec<String>,
    /// What the reading did, for the caller.
    flags: Arc<ReadOnce>,
}

/// What a reading in one pass did: whether the file was read once (its head typed it),
/// and whether some lines typed it otherwise, so that it must be read again.
#[derive(Debug, Default)]
pub(crate) struct ReadOnce {
    read: AtomicBool,
    retyped: AtomicBool,
}

impl ReadOnce {
    /// Whether the file was read in one pass, typed from its head.
    pub(crate) fn read(&self) -> bool {
        self.read.load(Ordering::Relaxed)
    }

    /// Whether some lines typed the file otherwise than its head.
    pub(crate) fn retyped(&self) -> bool {
        self.retyped.load(Ordering::Relaxed)
    }
}

impl Once {
    /// The typing of the head of `source` (lines of `path`), or `None` when the quick pass
    /// does not settle it or the flat decoder does not take its types.
    pub(crate) fn of_head(
        path: &Path,
        source: Box<dyn BufRead>,
        types: &super::schema::Types,
        keep: &Keep,
        flags: Arc<ReadOnce>,
    ) -> Result<Option<Once>, TableError> {
        let head =
            infer::keys_of_head(source, head_bytes(), keep).map_err(|source| TableError::Io {
                path: path.to_path_buf(),
                source,
            })?;
        let typed: Vec<String> = types.iter().map(|(name, _)| name.clone()).collect();
        let given = |name: &str| typed.iter().any(|t| t == name);
        let inferred = match head.schema(&given) {
            Ok(inferred) if !head.unsettled() => inferred,
            _ => return Ok(None),
        };
        // A --schema naming a key the head lacks: the reading of every line words it.
        let typing = match typing_of(path, &head, types, keep) {
            Ok(typing) if typing.flat => typing,
            _ => return Ok(None),
        };
        flags.read.store(true, Ordering::Relaxed);
        Ok(Some(Once {
            typing,
            head,
            inferred,
            typed,
            flags,
        }))
    }

    /// A check of lines against the head, the head's keys noted first.
    fn watch(&self) -> Watch {
        Watch {
            keys: self.head.clone(),
            once: self.clone(),
        }
    }
}

/// The lines decoded so far checked against a head's types.
struct Watch {
    /// The keys and kinds of the head and of the lines decoded so far.
    keys: Keys,
    once: Once,
}

impl Watch {
    /// Whether the lines so far give the head's types (kinds only grow, so a difference
    /// stays one).
    /// A column whose type `--schema` gives keeps it whatever its values' kinds, so only
    /// its place counts.
    fn holds(&self) -> bool {
        let given = |name: &str| self.once.typed.iter().any(|t| t == name);
        let Ok(now) = self.keys.schema(&given) else {
            return false;
        };
        let head = self.once.inferred.fields();
        !self.keys.unsettled()
            && now.fields().len() == head.len()
            && now.fields().iter().zip(head).all(|(now, head)| {
                now.name() == head.name()
                    && (given(now.name()) || now.data_type() == head.data_type())
            })
    }

    /// The error that ends a stream whose head's types do not hold.
    fn retyped(&self, path: &Path, line: usize) -> TableError {
        self.once.flags.retyped.store(true, Ordering::Relaxed);
        TableError::Malformed {
            path: path.to_path_buf(),
            detail: format!(
                "line {line}: the types of the first lines do not hold here; read again with every line's types"
            ),
        }
    }
}

/// The batches of all of `path` decoded with a `schema` known beforehand, in one pass
/// and without inferring anything: for files of one producer, as the stock records are.
///
/// Semantics: every key of a line must be one of `schema`'s columns (an error names the
/// key and the columns); a key missing from a line is null there, and an error for a
/// non-nullable field, as is `null` for one; columns may be null, bool, int64, float64
/// (integers read as floats), utf8 and `timestamp[ns]` without a zone, read from text
/// `YYYY-MM-DD HH:MM:SS` (a `T` for the space, a fraction of a second allowed). Errors
/// name the file, the line and, for JSON that does not parse, the column of the line.
///
/// ```no_run
/// use arrow::datatypes::{DataType, Field, Schema, TimeUnit};
/// use pardata::table::jsonl::open_with_schema;
/// use std::path::Path;
/// use std::sync::Arc;
///
/// let schema = Arc::new(Schema::new(vec![
///     Field::new("time", DataType::Timestamp(TimeUnit::Nanosecond, None), false),
///     Field::new("price", DataType::Float64, true),
/// ]));
/// let rows: usize = open_with_schema(Path::new("ticks.jsonl"), schema)?
///     .map(|batch| batch.map(|b| b.num_rows()))
///     .sum::<Result<_, _>>()?;
/// # Ok::<(), pardata::table::TableError>(())
/// ```
pub fn open_with_schema(path: &Path, schema: Arc<Schema>) -> Result<Batches, TableError> {
    decode_with_schema(path, schema, open_text(path)?)
}

/// The batches of the lines of `source` decoded as [`open_with_schema`] decodes a file's;
/// `path` names them in errors.
///
/// ```
/// use arrow::datatypes::{DataType, Field, Schema};
/// use pardata::table::jsonl::decode_with_schema;
/// use std::path::Path;
/// use std::sync::Arc;
///
/// let schema = Arc::new(Schema::new(vec![Field::new("x", DataType::Int64, true)]));
/// let lines = std::io::Cursor::new(b"{\"x\":1}\n{}\n".to_vec());
/// let batch = decode_with_schema(Path::new("memory"), schema, Box::new(lines))?
///     .next()
///     .unwrap()?;
/// assert_eq!((batch.num_rows(), batch.column(0).null_count()), (2, 1));
/// # Ok::<(), pardata::table::TableError>(())
/// ```
pub fn decode_with_schema(
    path: &Path,
    schema: Arc<Schema>,
    source: Box<dyn BufRead>,
) -> Result<Batches, TableError> {
    let refused = schema
        .fields()
        .iter()
        .find(|f| !flat::decodes_given(f.data_type()));
    if let Some(other) = refused {
        return Err(TableError::Column {
            path: path.to_path_buf(),
            detail: format!(
                "column {:?}: a schema given beforehand takes null, bool, int64, float64, utf8 and timestamp[ns] columns, not {}",
                other.name(),
                other.data_type()
            ),
        });
    }
    let typing = Typing {
        schema,
        flat: true,
        keep: Keep::every(),
    };
    flat_batches(path, &typing, source, None)
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

/// How a JSON Lines file's lines are decoded: with which schema, whether by the flat
/// decoder or arrow-json, and which keys.
#[derive(Debug, Clone, PartialEq)]
pub struct Typing {
    /// The schema the lines are decoded with (before nested columns become text).
    pub schema: Arc<Schema>,
    /// Whether the flat decoder reads the lines (every key kept of a plain type, as the
    /// quick pass found them).
    pub flat: bool,
    /// The keys decoded (the schema's columns); the others are skipped.
    pub keep: Keep,
}

/// The typing of the keys `keep` keeps of all of `path`, with the types of `--schema`
/// (`types`) where it names a column.
pub fn typing(
    path: &Path,
    types: &super::schema::Types,
    keep: &Keep,
) -> Result<Typing, TableError> {
    let keys = infer::keys(open_text(path)?, keep).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    typing_of(path, &keys, types, keep)
}

/// The keys and kinds of every line of `path` (a quick pass, [`Keys`]).
pub fn keys_of(path: &Path) -> Result<Keys, TableError> {
    infer::keys(open_text(path)?, &Keep::every()).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The schema a frame reads `path` as from its `keys` ([`Keys::text_schema`]: nested
/// values as text), with `--schema`'s `types` applied; when the keys stopped at a line
/// that is not a JSON object, the error that names that line.
pub fn text_schema(
    path: &Path,
    keys: &Keys,
    types: &super::schema::Types,
) -> Result<Schema, TableError> {
    if keys.stopped() {
        // Reading the file words the error of the line the keys stopped at.
        let keep = Keep::of(Some(&[]));
        open(path, types, &keep)?.into_table()?;
    }
    super::schema::apply(keys.text_schema(), types, path)
}

/// The kinds of the keys `keep` keeps of the lines of `path` that start in `bytes`: what
/// each rank finds for its pieces, merged ([`Keys::merge`]) in piece order into the
/// file's [`typing_of`].
pub fn piece_keys(
    path: &Path,
    bytes: std::ops::Range<u64>,
    keep: &Keep,
) -> Result<Keys, TableError> {
    let lines = super::pieces::LineRange::of(path, bytes)?;
    infer::keys(lines.open()?, keep).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })
}

/// The typing of the keys `keep` keeps of `path`, from the keys and kinds of all its
/// lines, `keys` (unsettled: arrow-json infers the types from the whole file, in the
/// keys' order of first appearance, pandas' order), with `--schema`'s `types` applied.
pub fn typing_of(
    path: &Path,
    keys: &Keys,
    types: &super::schema::Types,
    keep: &Keep,
) -> Result<Typing, TableError> {
    // Only the types of the columns read: a --schema may name others.
    let types: super::schema::Types = (types.iter())
        .filter(|(name, _)| keep.keeps(name.as_bytes()))
        .cloned()
        .collect();
    let typed = |name: &str| types.iter().any(|(typed, _)| typed == name);
    let keys = keys.kept(keep);
    let inferred = if keys.unsettled() {
        let lines = kept_lines(open_text(path)?, keep);
        let (arrow, _) =
            arrow::json::reader::infer_json_schema(lines, None).map_err(|e| malformed(path, e))?;
        in_order_of(arrow, keys.names())
    } else {
        keys.schema(&typed).map_err(|detail| TableError::Column {
            path: path.to_path_buf(),
            detail,
        })?
    };
    let schema = Arc::new(super::schema::apply(inferred, &types, path)?);
    // The flat decoder takes --schema's plain types too (numbers read as text when asked).
    let flat = !keys.unsettled() && flat::decodes(&schema);
    let keep = keep.clone();
    Ok(Typing { schema, flat, keep })
}

/// The lines of `source`, with only the members of the keys `keep` keeps when it does
/// not keep every key ([`keep::KeptLines`]).
fn kept_lines(source: Box<dyn BufRead>, keep: &Keep) -> Box<dyn BufRead> {
    match keep.keeps_every() {
        true => source,
        false => Box::new(keep::KeptLines::new(source, keep.clone())),
    }
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
        return flat_batches(path, typing, source, None);
    }
    let named = path.to_path_buf();
    let malformed = move |error: ArrowError| malformed(&named, error);
    let reader = arrow::json::ReaderBuilder::new(schema.clone())
        .with_batch_size(BATCH_ROWS)
        .build(kept_lines(source, &typing.keep))
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
/// [`flat::Decoder`] as `typing` says; with a `watch`, each line's keys and kinds are
/// checked against it as they are decoded (see [`open_once`]).
fn flat_batches(
    path: &Path,
    typing: &Typing,
    mut reader: Box<dyn BufRead>,
    mut watch: Option<Watch>,
) -> Result<Batches, TableError> {
    let schema = typing.schema.clone();
    let mut decoder = flat::Decoder::new(schema.clone(), BATCH_ROWS, typing.keep.clone());
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
            let keys = watch.as_mut().map(|w| &mut w.keys);
            match with_line(&mut reader, &mut line, |text| decoder.line(text, keys)) {
                Ok(None) => {
                    done = true;
                    break;
                }
                Ok(Some(decoded)) => {
                    number += 1;
                    if let Err(detail) = decoded {
                        done = true;
                        return Some(Err(match &watch {
                            Some(watch) => watch.retyped(&named, number),
                            None => failed(format!("line {number}: {detail}")),
                        }));
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
        if let Some(watch) = watch.as_ref().filter(|w| !w.holds()) {
            done = true;
            return Some(Err(watch.retyped(&named, number)));
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::table::{consume, ReadOptions, Table};
    use arrow::array::AsArray;
    use arrow::datatypes::{Float64Type, Int64Type};

    /// A file of `head` lines `{"a":<i>,"b":"x"}` (more than the head's bytes) and then
    /// `tail`, in the system's temporary folder.
    fn file_with_tail(name: &str, tail: &str) -> std::path::PathBuf {
        let path =
            std::env::temp_dir().join(format!("pardata-once-{}-{name}.jsonl", std::process::id()));
        let mut text = String::new();
        let mut i = 0;
        while (text.len() as u64) < head_bytes() + 1000 {
            text += &format!("{{\"a\":{i},\"b\":\"x\"}}\n");
            i += 1;
        }
        text += tail;
        std::fs::write(&path, text).unwrap();
        path
    }

    /// The file read once (with what that reading did: read once, retyped) and read
    /// with every line's types first.
    fn read_both(path: &Path) -> (Result<Table, String>, (bool, bool), Result<Table, String>) {
        let options = ReadOptions::default();
        let flags = Arc::new(ReadOnce::default());
        let _ = crate::table::open_as(path, &options, Some(&flags)).and_then(Batches::into_table);
        let once = consume(path, &options, Batches::into_table).map_err(|e| e.to_string());
        let twice = open(path, &options.types, &Keep::every())
            .and_then(Batches::into_table)
            .map_err(|e| e.to_string());
        (once, (flags.read(), flags.retyped()), twice)
    }

    fn rows(table: &Table) -> Vec<RecordBatch> {
        let batch = arrow::compute::concat_batches(&table.schema, &table.batches).unwrap();
        vec![batch]
    }

    #[test]
    fn a_file_read_once_has_the_types_of_every_line() {
        // Whether the head's types hold to the end (else the file is read again).
        let cases = [
            ("same", "{\"a\":-1,\"b\":null}\n", "a: Int64, b: Utf8", true),
            (
                "float",
                "{\"a\":0.5,\"b\":\"y\"}\n",
                "a: Float64, b: Utf8",
                false,
            ),
            (
                "new-key",
                "{\"a\":1,\"c\":true}\n",
                "a: Int64, b: Utf8, c: Boolean",
                false,
            ),
            (
                "nested",
                "{\"a\":1,\"b\":\"x\",\"d\":{\"e\":1}}\n",
                "a: Int64, b: Utf8, d: Utf8",
                false,
            ),
        ];
        for (name, tail, types, held) in cases {
            let path = file_with_tail(name, tail);
            let (once, flags, twice) = read_both(&path);
            assert_eq!(flags, (true, !held), "{name}: (read once, retyped)");
            let (once, twice) = (once.unwrap(), twice.unwrap());
            let described: Vec<String> = once
                .schema
                .fields()
                .iter()
                .map(|f| format!("{}: {}", f.name(), f.data_type()))
                .collect();
            assert_eq!(described.join(", "), types, "{name}");
            assert_eq!(rows(&once), rows(&twice), "{name}");
            let last = rows(&once).remove(0);
            let a = last.column(0);
            let end = a.len() - 1;
            match a.data_type() {
                DataType::Float64 => {
                    let a = a.as_primitive::<Float64Type>();
                    assert_eq!((a.value(1), a.value(end)), (1.0, 0.5), "{name}");
                }
                _ => assert_eq!(a.as_primitive::<Int64Type>().value(1), 1, "{name}"),
            }
            std::fs::remove_file(path).unwrap();
        }
    }

    #[test]
    fn a_later_line_that_conflicts_gives_the_error_of_every_line() {
        for (name, tail, error) in [
            (
                "text",
                "{\"a\":\"seven\"}\n",
                "key \"a\" holds integers and text",
            ),
            // Decoded (a text column keeps numbers as written), but the kinds conflict.
            (
                "number-in-text",
                "{\"a\":1,\"b\":2}\n",
                "key \"b\" holds integers and text",
            ),
            ("broken", "{\"a\":1,\n", "EOF while parsing"),
        ] {
            let path = file_with_tail(name, tail);
            let (once, flags, twice) = read_both(&path);
            assert_eq!(flags, (true, true), "{name}: (read once, retyped)");
            let (once, twice) = (once.unwrap_err(), twice.unwrap_err());
            assert_eq!(once, twice, "{name}");
            assert!(once.contains(error), "{name}: {once}");
            std::fs::remove_file(path).unwrap();
        }
    }
}
