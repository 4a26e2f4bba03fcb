//! The fast path of JSON Lines: a scanner of one JSON object (keys without escapes) that
//! hands out where each member is (with numbers' values; a nested value as its text, checked
//! by serde_json and not built), and a decoder that puts the members of many lines straight
//! into Arrow columns of a known schema.
//!
//! Semantics: the scanner accepts only what JSON allows (the line must be UTF-8, the
//! number grammar is checked, keys and strings must be without control bytes, keys
//! without escapes, nothing may follow the object) and gives up, returning `None`, on
//! anything else: an escape in a key, an integer of more than 18 digits (serde_json reads
//! longer ones as floats or u64), a nested value that is not JSON. The caller then reads
//! that line with serde_json, whose reading is the reference. The members of keys a
//! reading does not keep ([`Keep`]) are scanned and checked the same way and left out.
//! The decoder refuses a key it reads given twice in one object, naming it (a key not read
//! may repeat), and a nested value. A value is
//! classified as serde_json classifies it: an integer literal is [`Raw::Int`], one with a
//! fraction or an exponent [`Raw::Float`].

use std::ops::Range;
use std::sync::Arc;

use arrow::array::{
    ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, NullArray, StringBuilder,
    TimestampNanosecondBuilder,
};
use arrow::datatypes::{DataType, Schema, TimeUnit};

use super::infer::Keys;
use super::keep::Keep;
use super::stamp::Stamps;
use arrow::record_batch::RecordBatch;

/// One member's value as written: where its bytes are on the line.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Raw {
    Null,
    Bool(bool),
    /// An integer literal (at most 18 digits, so it fits in i64) and its value.
    Int(Range<usize>, i64),
    /// A number with a fraction or an exponent, and its value where it was quick to
    /// find (see [`number`]); else the literal is parsed.
    Float(Range<usize>, Option<f64>),
    /// A string without escapes (the quotes left out).
    Text(Range<usize>),
    /// A string with escapes (the quotes kept), for serde_json to unescape.
    Escaped(Range<usize>),
    /// An object or an array (checked to be JSON, [`skip_nested`]), as written.
    Nested(Range<usize>),
}

/// A member: where its key is on the line (UTF-8, checked) and its value.
pub(super) type Member = (Range<usize>, Raw);

/// What a scanned line is.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Line<'a> {
    /// Only white space: no row.
    Blank,
    /// An object (`{}` too: a row of nulls), the line as text.
    Object(&'a str),
}

/// The members of the object on `line` whose keys `keep` keeps into `members` (cleared
/// first), or `None` when the line needs serde_json (see the module header).
pub(super) fn members<'a>(
    line: &'a [u8],
    members: &mut Vec<Member>,
    keep: &Keep,
) -> Option<Line<'a>> {
    members.clear();
    // Valid UTF-8 as a whole: then every run between two quotes is too.
    let whole = std::str::from_utf8(line).ok()?;
    let mut at = skip_space(line, 0);
    if at == line.len() {
        return Some(Line::Blank);
    }
    if line[at] != b'{' {
        return None;
    }
    let object = Some(Line::Object(whole));
    at = skip_space(line, at + 1);
    if line.get(at) == Some(&b'}') {
        return (skip_space(line, at + 1) == line.len()).then_some(object?);
    }
    loop {
        if line.get(at) != Some(&b'"') {
            return None;
        }
        let (key, next) = text(line, at + 1)?;
        at = skip_space(line, next);
        if line.get(at) != Some(&b':') {
            return None;
        }
        at = skip_space(line, at + 1);
        let (value, next) = value(line, at)?;
        if keep.keeps(&line[key.clone()]) {
            members.push((key, value));
        } else if let Raw::Escaped(quoted) = &value {
            // A text skipped is still checked: its escapes too.
            serde_json::from_slice::<std::borrow::Cow<'_, str>>(&line[quoted.clone()]).ok()?;
        }
        at = skip_space(line, next);
        match line.get(at) {
            Some(b',') => at = skip_space(line, at + 1),
            Some(b'}') => return (skip_space(line, at + 1) == line.len()).then_some(object?),
            _ => return None,
        }
    }
}

/// The offset after the object or array starting at `at`, checked to be JSON by
/// serde_json without building it; `None` when it is not.
fn skip_nested(line: &[u8], at: usize) -> Option<usize> {
    let mut values =
        serde_json::Deserializer::from_slice(&line[at..]).into_iter::<serde::de::IgnoredAny>();
    match values.next() {
        Some(Ok(_)) => Some(at + values.byte_offset()),
        _ => None,
    }
}

fn skip_space(line: &[u8], mut at: usize) -> usize {
    while line
        .get(at)
        .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
    {
        at += 1;
    }
    at
}

/// Where the string starting at `at` (after its opening quote) is, and the offset after
/// its closing quote; `None` for an escape, a control byte or no closing quote.
fn text(line: &[u8], at: usize) -> Option<(Range<usize>, usize)> {
    let closed = |end: usize| (line[end] == b'"').then_some((at..end, end + 1));
    // Eight bytes at a time, then the last few one by one.
    let mut end = at;
    while let Some(word) = line.get(end..end + 8) {
        let word = u64::from_le_bytes(word.try_into().ok()?);
        let found = quote_backslash_or_control(word);
        if found != 0 {
            return closed(end + (found.trailing_zeros() / 8) as usize);
        }
        end += 8;
    }
    let rest = line[end..]
        .iter()
        .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
    closed(end + rest)
}

/// The high bit set in the first byte of `word` (in memory order) that is a quote, a
/// backslash or a control byte, and maybe in later ones; 0 when there is none. (The
/// zero-byte test `(v - 0x01..) & !v & 0x80..` is exact up to its first hit: a borrow only
/// runs towards later bytes.)
fn quote_backslash_or_control(word: u64) -> u64 {
    const ONES: u64 = 0x0101_0101_0101_0101;
    const HIGH: u64 = 0x8080_8080_8080_8080;
    let zero_byte = |v: u64| v.wrapping_sub(ONES) & !v & HIGH;
    let below_space = word.wrapping_sub(ONES * 0x20) & !word & HIGH;
    zero_byte(word ^ (ONES * u64::from(b'"')))
        | zero_byte(word ^ (ONES * u64::from(b'\\')))
        | below_space
}

/// The offset after the string with escapes whose opening quote is at `at`; `None` for a
/// control byte or no closing quote (serde_json checks the escapes themselves).
fn escaped(line: &[u8], at: usize) -> Option<usize> {
    let mut from = at + 1;
    loop {
        let end = from + memchr::memchr2(b'"', b'\\', &line[from..])?;
        if line[from..end].iter().any(|&b| b < 0x20) {
            return None;
        }
        if line[end] == b'"' {
            return Some(end + 1);
        }
        from = end + 2;
        if from > line.len() {
            return None;
        }
    }
}

/// The value starting at `at` and the offset after it.
fn value(line: &[u8], at: usize) -> Option<(Raw, usize)> {
    let rest = &line[at..];
    match rest.first()? {
        b'"' => match text(line, at + 1) {
            Some((text, next)) => Some((Raw::Text(text), next)),
            None => escaped(line, at).map(|next| (Raw::Escaped(at..next), next)),
        },
        b'n' if rest.starts_with(b"null") => Some((Raw::Null, at + 4)),
        b't' if rest.starts_with(b"true") => Some((Raw::Bool(true), at + 4)),
        b'f' if rest.starts_with(b"false") => Some((Raw::Bool(false), at + 5)),
        b'-' | b'0'..=b'9' => number(line, at),
        b'{' | b'[' => skip_nested(line, at).map(|next| (Raw::Nested(at..next), next)),
        _ => None,
    }
}

/// The number starting at `at`, its grammar checked, with its value where that is
/// quick: an integer's always, a float's by Clinger's fast path (at most 15 digits and no
/// exponent: an integer below 2^53 divided by an exact power of ten is correctly rounded).
fn number(line: &[u8], at: usize) -> Option<(Raw, usize)> {
    let negative = line[at] == b'-';
    let whole = at + usize::from(negative);
    let (mut end, mut mantissa) = digits(line, whole, 0);
    let whole_digits = end - whole;
    // Past 300 digits a float may overflow, which serde_json refuses: let it say so.
    if whole_digits == 0 || whole_digits > 300 || (whole_digits > 1 && line[whole] == b'0') {
        return None;
    }
    let (mut integer, mut decimals) = (true, 0);
    if line.get(end) == Some(&b'.') {
        let from = end + 1;
        (end, mantissa) = digits(line, from, mantissa);
        if end == from {
            return None;
        }
        (integer, decimals) = (false, end - from);
    }
    let mut exponent_digits = 0;
    if matches!(line.get(end), Some(b'e' | b'E')) {
        let mut from = end + 1;
        if matches!(line.get(from), Some(b'+' | b'-')) {
            from += 1;
        }
        end = digits(line, from, 0).0;
        if end == from {
            return None;
        }
        exponent_digits = end - from;
        integer = false;
    }
    let literal = at..end;
    if integer && negative && mantissa == 0 && whole_digits == 1 {
        // serde_json reads -0 as the float -0.0.
        return Some((Raw::Float(literal, Some(-0.0)), end));
    }
    let signed = |magnitude: f64| if negative { -magnitude } else { magnitude };
    if integer {
        // At most 18 digits: below 10^18, so the mantissa did not wrap and fits in i64.
        let value = mantissa as i64;
        (whole_digits <= 18).then_some((
            Raw::Int(literal, if negative { -value } else { value }),
            end,
        ))
    } else if exponent_digits > 2 {
        // 1e400 overflows, which serde_json refuses: let it say so.
        None
    } else {
        let quick = exponent_digits == 0 && whole_digits + decimals <= 15;
        let value = quick.then(|| signed(mantissa as f64 / POWERS_OF_TEN[decimals]));
        Some((Raw::Float(literal, value), end))
    }
}

/// The end of the run of digits from `from`, and `mantissa` with them appended (wrapping
/// past u64: only short runs' mantissas are used).
fn digits(line: &[u8], from: usize, mut mantissa: u64) -> (usize, u64) {
    let mut end = from;
    while let Some(&d) = line.get(end).filter(|d| d.is_ascii_digit()) {
        mantissa = mantissa.wrapping_mul(10).wrapping_add(u64::from(d - b'0'));
        end += 1;
    }
    (end, mantissa)
}

/// The powers of ten that f64 holds exactly, up to the fast path's fifteen digits.
const POWERS_OF_TEN: [f64; 16] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
];

/// Whether the decoder takes every column of `schema` when the types come from the
/// lines (and `--schema`): the plain types, whose reading matches arrow-json's.
pub(super) fn decodes(schema: &Schema) -> bool {
    schema.fields().iter().all(|f| plain(f.data_type()))
}

/// Whether the decoder takes a column of `data_type` in a schema given beforehand
/// ([`super::open_with_schema`]): the plain types and naive `timestamp[ns]` ([`Stamps`]).
pub(super) fn decodes_given(data_type: &DataType) -> bool {
    plain(data_type) || *data_type == DataType::Timestamp(TimeUnit::Nanosecond, None)
}

fn plain(data_type: &DataType) -> bool {
    matches!(
        data_type,
        DataType::Null | DataType::Boolean | DataType::Int64 | DataType::Float64 | DataType::Utf8
    )
}

/// One column being filled.
enum Builder {
    Null(usize),
    Bool(BooleanBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Text(StringBuilder),
    /// Naive times written as text ([`Stamps`]), for a schema given beforehand.
    Time(TimestampNanosecondBuilder, Stamps),
}

impl Builder {
    fn new(data_type: &DataType, rows: usize) -> Builder {
        match data_type {
            DataType::Boolean => Builder::Bool(BooleanBuilder::with_capacity(rows)),
            DataType::Int64 => Builder::Int(Int64Builder::with_capacity(rows)),
            DataType::Float64 => Builder::Float(Float64Builder::with_capacity(rows)),
            DataType::Utf8 => Builder::Text(StringBuilder::with_capacity(rows, rows * 16)),
            DataType::Timestamp(TimeUnit::Nanosecond, None) => Builder::Time(
                TimestampNanosecondBuilder::with_capacity(rows),
                Stamps::default(),
            ),
            _ => Builder::Null(0),
        }
    }

    fn push_null(&mut self) {
        match self {
            Builder::Null(rows) => *rows += 1,
            Builder::Bool(b) => b.append_null(),
            Builder::Int(b) => b.append_null(),
            Builder::Float(b) => b.append_null(),
            Builder::Text(b) => b.append_null(),
            Builder::Time(b, _) => b.append_null(),
        }
    }

    /// Appends `raw` of `line`; false when it is not of the column's type.
    fn push(&mut self, line: &str, raw: &Raw) -> bool {
        match (self, raw) {
            (builder, Raw::Null) => builder.push_null(),
            (Builder::Bool(b), Raw::Bool(v)) => b.append_value(*v),
            (Builder::Int(b), Raw::Int(_, v)) => b.append_value(*v),
            // Correctly rounded, as the literal's parse is: the integer is exact.
            (Builder::Float(b), Raw::Int(_, v)) => b.append_value(*v as f64),
            (Builder::Float(b), Raw::Float(_, Some(v))) => b.append_value(*v),
            (Builder::Float(b), Raw::Float(literal, None)) => match line[literal.clone()].parse() {
                Ok(v) => b.append_value(v),
                Err(_) => return false,
            },
            (Builder::Text(b), Raw::Text(text)) => b.append_value(&line[text.clone()]),
            // A text column (by --schema) keeps numbers and booleans as written.
            (Builder::Text(b), Raw::Int(literal, _) | Raw::Float(literal, _)) => {
                b.append_value(&line[literal.clone()])
            }
            (Builder::Text(b), Raw::Bool(v)) => b.append_value(if *v { "true" } else { "false" }),
            (Builder::Text(b), Raw::Escaped(quoted)) => {
                match serde_json::from_str::<std::borrow::Cow<'_, str>>(&line[quoted.clone()]) {
                    Ok(text) => b.append_value(text),
                    Err(_) => return false,
                }
            }
            (Builder::Time(b, stamps), Raw::Text(text)) => {
                match stamps.parse(&line[text.clone()]) {
                    Some(v) => b.append_value(v),
                    None => return false,
                }
            }
            (Builder::Time(b, stamps), Raw::Escaped(quoted)) => {
                let text = serde_json::from_str::<std::borrow::Cow<'_, str>>(&line[quoted.clone()]);
                match text.ok().and_then(|text| stamps.parse(&text)) {
                    Some(v) => b.append_value(v),
                    None => return false,
                }
            }
            _ => return false,
        }
        true
    }

    /// Appends a value serde_json read.
    fn push_value(&mut self, value: &serde_json::Value) -> bool {
        use serde_json::Value;
        match (self, value) {
            (builder, Value::Null) => builder.push_null(),
            (Builder::Bool(b), Value::Bool(v)) => b.append_value(*v),
            (Builder::Int(b), Value::Number(n)) => match n.as_i64() {
                Some(v) => b.append_value(v),
                None => return false,
            },
            (Builder::Float(b), Value::Number(n)) => match n.as_f64() {
                Some(v) => b.append_value(v),
                None => return false,
            },
            (Builder::Text(b), Value::String(text)) => b.append_value(text),
            (Builder::Text(b), Value::Number(n)) => b.append_value(n.to_string()),
            (Builder::Text(b), Value::Bool(v)) => b.append_value(if *v { "true" } else { "false" }),
            (Builder::Time(b, stamps), Value::String(text)) => match stamps.parse(text) {
                Some(v) => b.append_value(v),
                None => return false,
            },
            _ => return false,
        }
        true
    }

    fn finish(&mut self) -> ArrayRef {
        match self {
            Builder::Null(rows) => Arc::new(NullArray::new(std::mem::take(rows))),
            Builder::Bool(b) => Arc::new(b.finish()),
            Builder::Int(b) => Arc::new(b.finish()),
            Builder::Float(b) => Arc::new(b.finish()),
            Builder::Text(b) => Arc::new(b.finish()),
            Builder::Time(b, _) => Arc::new(b.finish()),
        }
    }
}

/// Lines decoded into the columns of a known schema, a batch at a time.
pub(super) struct Decoder {
    schema: Arc<Schema>,
    columns: Vec<Builder>,
    /// The column of each key, by name.
    index: std::collections::HashMap<String, usize>,
    /// The column after the last one found: lines mostly repeat one order.
    next: usize,
    members: Vec<Member>,
    rows: usize,
    /// The columns whose key every line must have (the schema's non-nullable fields).
    required: Vec<usize>,
    /// The columns' names as bytes, for comparing keys.
    names: Vec<Box<[u8]>>,
    /// For each column, the row (counted from 1 in this batch) that last had its key.
    marks: Vec<usize>,
    /// How many keys the row being decoded has had.
    in_row: usize,
    /// The keys decoded; the others are skipped.
    keep: Keep,
}

impl Decoder {
    /// A decoder of the keys `keep` keeps (the schema's columns) into batches of up to
    /// `batch_rows` rows.
    pub(super) fn new(schema: Arc<Schema>, batch_rows: usize, keep: Keep) -> Decoder {
        let columns = schema
            .fields()
            .iter()
            .map(|f| Builder::new(f.data_type(), batch_rows))
            .collect();
        let index = schema
            .fields()
            .iter()
            .enumerate()
            .map(|(i, f)| (f.name().clone(), i))
            .collect();
        let required = schema
            .fields()
            .iter()
            .enumerate()
            .filter(|(_, f)| !f.is_nullable())
            .map(|(i, _)| i)
            .collect();
        let names = schema
            .fields()
            .iter()
            .map(|f| f.name().as_bytes().into())
            .collect();
        Decoder {
            marks: vec![0; schema.fields().len()],
            schema,
            columns,
            index,
            next: 0,
            members: Vec::new(),
            rows: 0,
            required,
            names,
            in_row: 0,
            keep,
        }
    }

    /// The rows decoded since the last batch.
    pub(super) fn rows(&self) -> usize {
        self.rows
    }

    /// Decodes one line (a blank one gives no row); an error says why the line does not
    /// fit the schema.
    /// With `keys`, the line's keys and kinds are noted there first (as
    /// [`Keys::note_line`] would, without scanning the line twice).
    pub(super) fn line(&mut self, line: &[u8], keys: Option<&mut Keys>) -> Result<(), String> {
        let mut found = std::mem::take(&mut self.members);
        let decoded = match members(line, &mut found, &self.keep) {
            Some(Line::Blank) => Ok(()),
            Some(Line::Object(text)) => {
                if let Some(keys) = keys {
                    keys.note_members(text, &found);
                }
                self.members_of(text, &found)
            }
            None => {
                if let Some(keys) = keys {
                    // A line that is not an object fails its reading below.
                    keys.note_line(line, &mut found, &self.keep);
                }
                self.parsed(line)
            }
        };
        self.members = found;
        decoded
    }

    /// Decodes the scanned members of `line`.
    fn members_of(&mut self, line: &str, found: &[Member]) -> Result<(), String> {
        for (key, raw) in found {
            let key = &line[key.clone()];
            let column = match self.names.get(self.next) {
                Some(name) if same_key(name, key.as_bytes()) => self.next,
                _ => self.column(key)?,
            };
            self.next = column + 1;
            self.mark(column, key)?;
            if matches!(raw, Raw::Null) {
                self.nullable(column)?;
            }
            if !self.columns[column].push(line, raw) {
                let value = match raw {
                    Raw::Text(text) => Some(std::borrow::Cow::Borrowed(&line[text.clone()])),
                    Raw::Escaped(quoted) => {
                        let quoted = &line[quoted.clone()];
                        match serde_json::from_str::<std::borrow::Cow<'_, str>>(quoted) {
                            Ok(text) => Some(text),
                            Err(_) => {
                                return Err(format!(
                                    "key {key:?}: {quoted} is not a valid JSON string"
                                ))
                            }
                        }
                    }
                    _ => None,
                };
                return Err(self.mismatch(column, value.as_deref()));
            }
        }
        self.next = 0;
        self.end_row()
    }

    /// Decodes `line` through serde_json (escapes, other spacing).
    fn parsed(&mut self, line: &[u8]) -> Result<(), String> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        // Without its line end, so that an error's column is on this line.
        let line = line.strip_suffix(b"\n").unwrap_or(line);
        let line = line.strip_suffix(b"\r").unwrap_or(line);
        let Members(object) = serde_json::from_slice(line).map_err(|e| described(&e))?;
        let keep = self.keep.clone();
        for (key, value) in object.iter().filter(|(key, _)| keep.keeps(key.as_bytes())) {
            let column = self.column(key)?;
            self.mark(column, key)?;
            if value.is_null() {
                self.nullable(column)?;
            }
            if !self.columns[column].push_value(value) {
                return Err(self.mismatch(column, value.as_str()));
            }
        }
        self.end_row()
    }

    /// Ends a row: the keys it lacked are null, or an error for a required one (the row
    /// is then left unended, and the decoder is not to be used further).
    fn end_row(&mut self) -> Result<(), String> {
        let row = self.rows + 1;
        if self.in_row < self.columns.len() {
            if let Some(&missing) = self.required.iter().find(|&&c| self.marks[c] != row) {
                let name = self.schema.field(missing).name();
                return Err(format!("key {name:?} is missing (every line needs it)"));
            }
            for (column, &mark) in self.columns.iter_mut().zip(&self.marks) {
                if mark != row {
                    column.push_null();
                }
            }
        }
        self.rows = row;
        self.in_row = 0;
        Ok(())
    }

    /// Notes that the row being decoded has a value for `column` (its key `key`); an
    /// error when it had one already.
    fn mark(&mut self, column: usize, key: &str) -> Result<(), String> {
        let row = self.rows + 1;
        if self.marks[column] == row {
            return Err(format!("key {key:?} appears twice in the object"));
        }
        self.marks[column] = row;
        self.in_row += 1;
        Ok(())
    }

    /// An error when `column` is required (a null there is not a value).
    fn nullable(&self, column: usize) -> Result<(), String> {
        match self.required.contains(&column) {
            true => Err(format!(
                "key {:?} is null (every line needs a value)",
                self.schema.field(column).name()
            )),
            false => Ok(()),
        }
    }

    fn column(&self, key: &str) -> Result<usize, String> {
        self.index.get(key).copied().ok_or_else(|| {
            let names: Vec<&str> = self
                .schema
                .fields()
                .iter()
                .map(|f| f.name().as_str())
                .collect();
            format!(
                "key {key:?} is not one of the columns ({})",
                names.join(", ")
            )
        })
    }

    /// Why a value (`text`, where it is one) does not fit its column.
    fn mismatch(&self, column: usize, text: Option<&str>) -> String {
        let field = self.schema.field(column);
        match (&self.columns[column], text) {
            (Builder::Time(..), Some(text)) => format!(
                "key {:?}: {text:?} is not a time (YYYY-MM-DD HH:MM:SS)",
                field.name()
            ),
            (Builder::Time(..), None) => format!(
                "key {:?}: a value that is not a time as text (YYYY-MM-DD HH:MM:SS)",
                field.name()
            ),
            _ => format!(
                "key {:?}: a value that is not {}",
                field.name(),
                field.data_type()
            ),
        }
    }

    /// The rows decoded since the last batch, as a batch.
    pub(super) fn batch(&mut self) -> Result<RecordBatch, arrow::error::ArrowError> {
        let options =
            arrow::record_batch::RecordBatchOptions::new().with_row_count(Some(self.rows));
        self.rows = 0;
        self.marks.fill(0);
        let columns = self.columns.iter_mut().map(Builder::finish).collect();
        RecordBatch::try_new_with_options(self.schema.clone(), columns, &options)
    }
}

/// Whether two short keys are the same, compared byte by byte (a call of `memcmp` costs
/// more than these few bytes).
pub(super) fn same_key(a: &[u8], b: &[u8]) -> bool {
    a.len() == b.len() && a.iter().zip(b).all(|(x, y)| x == y)
}

/// serde_json's message with its place given as the column of the line (the line is
/// counted by the caller).
fn described(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let message = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(message, _)| message);
    format!("column {}: {message}", error.column())
}

/// `line` with only the members whose keys `keep` keeps, into `out` (one line for one,
/// the line end kept): what arrow-json reads of a line when some keys are skipped. A
/// blank line stays blank, and a line that is not a JSON object is left as it is, for
/// arrow-json to word the error.
pub(super) fn kept_line(line: &[u8], keep: &Keep, found: &mut Vec<Member>, out: &mut Vec<u8>) {
    let quoted = |out: &mut Vec<u8>, text: &[u8]| {
        out.push(b'"');
        out.extend_from_slice(text);
        out.push(b'"');
    };
    match members(line, found, keep) {
        Some(Line::Blank) => out.extend_from_slice(line),
        Some(Line::Object(_)) => {
            out.push(b'{');
            for (i, (key, raw)) in found.iter().enumerate() {
                if i > 0 {
                    out.push(b',');
                }
                quoted(out, &line[key.clone()]);
                out.push(b':');
                match raw {
                    Raw::Null => out.extend_from_slice(b"null"),
                    Raw::Bool(v) => out.extend_from_slice(if *v { b"true" } else { b"false" }),
                    Raw::Text(text) => quoted(out, &line[text.clone()]),
                    Raw::Int(text, _)
                    | Raw::Float(text, _)
                    | Raw::Escaped(text)
                    | Raw::Nested(text) => out.extend_from_slice(&line[text.clone()]),
                }
            }
            out.extend_from_slice(b"}\n");
        }
        None => match serde_json::from_slice::<Members>(line) {
            Ok(Members(object)) => {
                out.push(b'{');
                let kept = object.iter().filter(|(key, _)| keep.keeps(key.as_bytes()));
                for (i, (key, value)) in kept.enumerate() {
                    if i > 0 {
                        out.push(b',');
                    }
                    // Text and JSON values always serialize.
                    let _ = serde_json::to_writer(&mut *out, key);
                    out.push(b':');
                    let _ = serde_json::to_writer(&mut *out, value);
                }
                out.extend_from_slice(b"}\n");
            }
            Err(_) => out.extend_from_slice(line),
        },
    }
}

/// An object's members in their order, a repeated key kept twice (serde_json's map
/// would keep the last silently).
struct Members(Vec<(String, serde_json::Value)>);

impl<'de> serde::Deserialize<'de> for Members {
    fn deserialize<D: serde::Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct InOrder;
        impl<'de> serde::de::Visitor<'de> for InOrder {
            type Value = Members;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a JSON object")
            }
            fn visit_map<A: serde::de::MapAccess<'de>>(
                self,
                mut map: A,
            ) -> Result<Members, A::Error> {
                let mut members = Vec::new();
                while let Some(member) = map.next_entry()? {
                    members.push(member);
                }
                Ok(Members(members))
            }
        }
        deserializer.deserialize_map(InOrder)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{Field, Float64Type, Int64Type, TimestampNanosecondType};

    #[test]
    fn an_empty_object_is_a_row_of_nulls_and_a_blank_line_no_row() {
        let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int64, true)]));
        let mut decoder = Decoder::new(schema, 8, Keep::every());
        for line in ["{\"a\":1}\n", "{}\n", "  \n", "{\"a\": 2}\n"] {
            decoder.line(line.as_bytes(), None).unwrap();
        }
        let batch = decoder.batch().unwrap();
        let a = batch.column(0).as_primitive::<Int64Type>();
        assert_eq!(a.len(), 3);
        assert_eq!((a.value(0), a.is_null(1), a.value(2)), (1, true, 2));
    }

    #[test]
    fn a_given_schema_reads_times_and_requires_its_non_nullable_keys() {
        let time = DataType::Timestamp(TimeUnit::Nanosecond, None);
        let schema = Arc::new(Schema::new(vec![
            Field::new("t", time, false),
            Field::new("p", DataType::Float64, true),
        ]));
        let mut decoder = Decoder::new(schema.clone(), 8, Keep::every());
        for line in [
            "{\"t\":\"1970-01-01 00:00:01\",\"p\":1}\n",
            "{\"p\":null,\"t\":\"1970-01-01T00:00:02.5\"}\n",
            "{\"t\":\"1970\\u002d01-01 00:00:03\"}\n",
        ] {
            decoder.line(line.as_bytes(), None).unwrap();
        }
        let batch = decoder.batch().unwrap();
        let t = batch.column(0).as_primitive::<TimestampNanosecondType>();
        assert_eq!(t.values(), &[1_000_000_000, 2_500_000_000, 3_000_000_000]);
        let p = batch.column(1).as_primitive::<Float64Type>();
        assert_eq!((p.value(0), p.is_null(1), p.is_null(2)), (1.0, true, true));
        let cases = [
            ("{\"p\":1}", "key \"t\" is missing (every line needs it)"),
            (
                "{\"t\":null}",
                "key \"t\" is null (every line needs a value)",
            ),
            (
                "{\"t\":\"1970-02-30 00:00:00\"}",
                "key \"t\": \"1970-02-30 00:00:00\" is not a time (YYYY-MM-DD HH:MM:SS)",
            ),
            (
                "{\"t\":5}",
                "key \"t\": a value that is not a time as text (YYYY-MM-DD HH:MM:SS)",
            ),
            (
                "{\"t\":\"1970-01-01 00:00:01\",\"p\":\"n\\/a\"}",
                "key \"p\": a value that is not Float64",
            ),
            (
                "{\"t\":\"1970\\u002d02-30 00:00:00\"}",
                "key \"t\": \"1970-02-30 00:00:00\" is not a time (YYYY-MM-DD HH:MM:SS)",
            ),
            (
                "{\"t\":\"1970-01-01 00:00:01\",\"q\":1}",
                "key \"q\" is not one of the columns (t, p)",
            ),
            (
                "{\"t\":\"1970-01-01 00:00:01\",\r\n",
                "column 27: EOF while parsing a value",
            ),
        ];
        for (line, expected) in cases {
            let mut decoder = Decoder::new(schema.clone(), 8, Keep::every());
            assert_eq!(
                decoder.line(line.as_bytes(), None).unwrap_err(),
                expected,
                "{line}"
            );
        }
    }

    #[test]
    fn a_decoder_of_some_keys_skips_the_others_whatever_they_hold() {
        let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int64, true)]));
        let keep = Keep::of(Some(&["a".to_string()]));
        let mut decoder = Decoder::new(schema, 8, keep);
        for line in [
            "{\"p\":{\"x\":[1,{\"y\":\"}]\\\"\"}]},\"a\":1}\n",
            "{\"a\":2,\"p\":\"text \\u00e9\",\"q\":123456789012345678901234}\n",
            // Escaped keys and other spacing go through serde_json.
            "{ \"p\\u0031\" : [ ] , \"a\" : 3 }\n",
            "{\"p\":true}\n",
        ] {
            decoder.line(line.as_bytes(), None).unwrap();
        }
        let batch = decoder.batch().unwrap();
        let a = batch.column(0).as_primitive::<Int64Type>();
        assert_eq!(batch.num_columns(), 1);
        assert_eq!(
            (a.value(0), a.value(1), a.value(2), a.is_null(3)),
            (1, 2, 3, true)
        );
        // A skipped value is still checked to be JSON.
        let mut found = Vec::new();
        let keep = Keep::of(Some(&["a".to_string()]));
        for broken in [
            &b"{\"a\":1,\"p\":{\"x\":}"[..],
            b"{\"a\":1,\"p\":[1,2}",
            b"{\"a\":1,\"p\":\"\\q\"}",
            b"{\"a\":1,\"p\":\"\\ud800\"}",
        ] {
            assert_eq!(members(broken, &mut found, &keep), None, "{broken:?}");
        }
        let mut decoder = Decoder::new(
            Arc::new(Schema::new(vec![Field::new("a", DataType::Int64, true)])),
            8,
            keep,
        );
        let error = decoder.line(b"{\"a\":1,\"p\":[1,2}\n", None).unwrap_err();
        assert_eq!(error, "column 16: expected `,` or `]`");
    }

    #[test]
    fn members_are_what_json_says_or_none() {
        let mut found = Vec::new();
        let line = br#" {"a": 1, "b":-2.5e3,"c":"x y","d":null,"e":true,"f":"x\"y","g":-0.000125,"h":"a long text of more than eight bytes","i":{"j": [1, "}]"]}} "#;
        assert!(matches!(
            members(line, &mut found, &Keep::every()),
            Some(Line::Object(_))
        ));
        let text =
            |range: &Range<usize>| String::from_utf8_lossy(&line[range.clone()]).into_owned();
        let seen: Vec<(String, String)> = found
            .iter()
            .map(|(key, raw)| {
                let value = match raw {
                    Raw::Null => "null".to_string(),
                    Raw::Bool(v) => v.to_string(),
                    Raw::Int(r, v) => format!("int {} {v}", text(r)),
                    Raw::Float(r, v) => format!("float {} {v:?}", text(r)),
                    Raw::Text(r) => format!("text {}", text(r)),
                    Raw::Escaped(r) => format!("escaped {}", text(r)),
                    Raw::Nested(r) => format!("nested {}", text(r)),
                };
                (text(key), value)
            })
            .collect();
        let expected = [
            ("a", "int 1 1"),
            ("b", "float -2.5e3 None"),
            ("c", "text x y"),
            ("d", "null"),
            ("e", "true"),
            ("f", r#"escaped "x\"y""#),
            ("g", "float -0.000125 Some(-0.000125)"),
            ("h", "text a long text of more than eight bytes"),
            ("i", r#"nested {"j": [1, "}]"]}"#),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(seen, expected);
        assert_eq!(
            members(b"  \n", &mut found, &Keep::every()),
            Some(Line::Blank)
        );
        assert!(
            matches!(
                members(b"{ }", &mut found, &Keep::every()),
                Some(Line::Object(_))
            ) && found.is_empty()
        );
        assert!(members(b"{\"a\":-0}", &mut found, &Keep::every()).is_some());
        assert!(
            matches!(found[0].1, Raw::Float(_, Some(z)) if z == 0.0 && z.is_sign_negative()),
            "serde_json reads -0 as a float"
        );
        for unusual in [
            &br#"{"a\u00e9":1}"#[..],
            br#"{"a":{"b":}}"#,
            br#"{"a":[1}"#,
            br#"{"a":01}"#,
            br#"{"a":1.}"#,
            br#"{"a":1} x"#,
            br#"{"a":1234567890123456789}"#,
            br#"{"a":1e400}"#,
            br#"{"a":1"#,
            br#"[1]"#,
        ] {
            assert!(
                members(unusual, &mut found, &Keep::every()).is_none(),
                "{unusual:?}"
            );
        }
    }
}
