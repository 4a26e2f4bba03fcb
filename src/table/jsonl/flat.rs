//! The fast path of JSON Lines: a scanner of one flat JSON object (keys and plain values,
//! no escapes) that hands out the raw bytes of each member, and a decoder that puts the
//! members of many lines straight into Arrow columns of a known schema.
//!
//! Semantics: the scanner accepts only what JSON allows (the line must be UTF-8, the
//! number grammar is checked, keys and strings must be without escapes or control bytes,
//! nothing may follow the object) and gives up, returning `None`, on anything else: a
//! nested value, an escape in a key, an integer of more than 18 digits (serde_json reads longer
//! ones as floats or u64). The caller then reads that line with serde_json, whose reading
//! is the reference. The decoder refuses a key given twice in one object, naming it. A value is classified as serde_json classifies it: an integer literal is
//! [`Raw::Int`], one with a fraction or an exponent [`Raw::Float`].

use std::ops::Range;
use std::sync::Arc;

use arrow::array::{
    ArrayBuilder, ArrayRef, BooleanBuilder, Float64Builder, Int64Builder, NullArray, StringBuilder,
};
use arrow::datatypes::{DataType, Schema};
use arrow::record_batch::RecordBatch;

/// One member's value as written: where its bytes are on the line.
#[derive(Debug, Clone, PartialEq)]
pub(super) enum Raw {
    Null,
    Bool(bool),
    /// An integer literal (at most 18 digits, so it fits in i64).
    Int(Range<usize>),
    /// A number with a fraction or an exponent.
    Float(Range<usize>),
    /// A string without escapes (the quotes left out).
    Text(Range<usize>),
    /// A string with escapes (the quotes kept), for serde_json to unescape.
    Escaped(Range<usize>),
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

/// The members of the flat object on `line` into `members` (cleared first), or `None`
/// when the line needs serde_json (see the module header).
pub(super) fn members<'a>(line: &'a [u8], members: &mut Vec<Member>) -> Option<Line<'a>> {
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
        members.push((key, value));
        at = skip_space(line, next);
        match line.get(at) {
            Some(b',') => at = skip_space(line, at + 1),
            Some(b'}') => return (skip_space(line, at + 1) == line.len()).then_some(object?),
            _ => return None,
        }
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
    // Most keys and values are short: a byte loop finds their end sooner than memchr's
    // set-up; a long one goes on with memchr.
    let short = line.len().min(at + SHORT_TEXT);
    for (end, &b) in line[at..short].iter().enumerate() {
        match b {
            b'"' => return Some((at..at + end, at + end + 1)),
            b'\\' | 0..0x20 => return None,
            _ => {}
        }
    }
    let end = short + memchr::memchr2(b'"', b'\\', &line[short..])?;
    if line[end] != b'"' || line[short..end].iter().any(|&b| b < 0x20) {
        return None;
    }
    Some((at..end, end + 1))
}

/// The bytes of a string that [`text`] looks at one by one before calling memchr.
const SHORT_TEXT: usize = 24;

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
        _ => None,
    }
}

/// The number starting at `at`, its grammar checked.
fn number(line: &[u8], at: usize) -> Option<(Raw, usize)> {
    let digits = |from: usize| {
        line[from..]
            .iter()
            .position(|b| !b.is_ascii_digit())
            .map_or(line.len(), |n| from + n)
    };
    let mut end = at + usize::from(line[at] == b'-');
    let whole = end;
    end = digits(end);
    let whole_digits = end - whole;
    if whole_digits == 0 || (whole_digits > 1 && line[whole] == b'0') {
        return None;
    }
    let mut integer = true;
    if line.get(end) == Some(&b'.') {
        let from = end + 1;
        end = digits(from);
        if end == from {
            return None;
        }
        integer = false;
    }
    let mut exponent_digits = 0;
    if matches!(line.get(end), Some(b'e' | b'E')) {
        let mut from = end + 1;
        if matches!(line.get(from), Some(b'+' | b'-')) {
            from += 1;
        }
        end = digits(from);
        if end == from {
            return None;
        }
        exponent_digits = end - from;
        integer = false;
    }
    let literal = at..end;
    if integer && &line[literal.clone()] == b"-0" {
        // serde_json reads -0 as the float -0.0.
        return Some((Raw::Float(literal), end));
    }
    if integer {
        (whole_digits <= 18).then_some((Raw::Int(literal), end))
    } else if exponent_digits > 2 {
        // 1e400 overflows, which serde_json refuses: let it say so.
        None
    } else {
        Some((Raw::Float(literal), end))
    }
}

/// Whether the decoder takes columns of this type.
pub(super) fn decodes(schema: &Schema) -> bool {
    schema.fields().iter().all(|f| {
        matches!(
            f.data_type(),
            DataType::Null
                | DataType::Boolean
                | DataType::Int64
                | DataType::Float64
                | DataType::Utf8
        )
    })
}

/// One column being filled.
enum Builder {
    Null(usize),
    Bool(BooleanBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Text(StringBuilder),
}

impl Builder {
    fn new(data_type: &DataType, rows: usize) -> Builder {
        match data_type {
            DataType::Boolean => Builder::Bool(BooleanBuilder::with_capacity(rows)),
            DataType::Int64 => Builder::Int(Int64Builder::with_capacity(rows)),
            DataType::Float64 => Builder::Float(Float64Builder::with_capacity(rows)),
            DataType::Utf8 => Builder::Text(StringBuilder::with_capacity(rows, rows * 16)),
            _ => Builder::Null(0),
        }
    }

    fn len(&self) -> usize {
        match self {
            Builder::Null(rows) => *rows,
            Builder::Bool(b) => b.len(),
            Builder::Int(b) => b.len(),
            Builder::Float(b) => b.len(),
            Builder::Text(b) => b.len(),
        }
    }

    fn push_null(&mut self) {
        match self {
            Builder::Null(rows) => *rows += 1,
            Builder::Bool(b) => b.append_null(),
            Builder::Int(b) => b.append_null(),
            Builder::Float(b) => b.append_null(),
            Builder::Text(b) => b.append_null(),
        }
    }

    /// Appends `raw` of `line`; false when it is not of the column's type.
    fn push(&mut self, line: &str, raw: &Raw) -> bool {
        match (self, raw) {
            (builder, Raw::Null) => builder.push_null(),
            (Builder::Bool(b), Raw::Bool(v)) => b.append_value(*v),
            (Builder::Int(b), Raw::Int(literal)) => match line[literal.clone()].parse() {
                Ok(v) => b.append_value(v),
                Err(_) => return false,
            },
            (Builder::Float(b), Raw::Int(literal) | Raw::Float(literal)) => {
                match line[literal.clone()].parse() {
                    Ok(v) => b.append_value(v),
                    Err(_) => return false,
                }
            }
            (Builder::Text(b), Raw::Text(text)) => b.append_value(&line[text.clone()]),
            // A text column (by --schema) keeps numbers and booleans as written.
            (Builder::Text(b), Raw::Int(literal) | Raw::Float(literal)) => {
                b.append_value(&line[literal.clone()])
            }
            (Builder::Text(b), Raw::Bool(v)) => b.append_value(if *v { "true" } else { "false" }),
            (Builder::Text(b), Raw::Escaped(quoted)) => {
                match serde_json::from_str::<std::borrow::Cow<'_, str>>(&line[quoted.clone()]) {
                    Ok(text) => b.append_value(text),
                    Err(_) => return false,
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
}

impl Decoder {
    pub(super) fn new(schema: Arc<Schema>, batch_rows: usize) -> Decoder {
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
        Decoder {
            schema,
            columns,
            index,
            next: 0,
            members: Vec::new(),
            rows: 0,
        }
    }

    /// The rows decoded since the last batch.
    pub(super) fn rows(&self) -> usize {
        self.rows
    }

    /// Decodes one line (a blank one gives no row); an error says why the line does not
    /// fit the schema.
    pub(super) fn line(&mut self, line: &[u8]) -> Result<(), String> {
        let mut found = std::mem::take(&mut self.members);
        let decoded = match members(line, &mut found) {
            Some(Line::Blank) => Ok(()),
            Some(Line::Object(text)) => self.members_of(text, &found),
            None => self.parsed(line),
        };
        self.members = found;
        decoded
    }

    /// Decodes the scanned members of `line`.
    fn members_of(&mut self, line: &str, found: &[Member]) -> Result<(), String> {
        for (key, raw) in found {
            let key = &line[key.clone()];
            let column = match self.schema.fields().get(self.next) {
                Some(field) if field.name() == key => self.next,
                _ => self.column(key)?,
            };
            self.next = column + 1;
            if self.columns[column].len() > self.rows {
                return Err(format!("key {key:?} appears twice in the object"));
            }
            if !self.columns[column].push(line, raw) {
                if let Raw::Escaped(quoted) = raw {
                    return Err(format!(
                        "key {key:?}: {} is not a valid JSON string",
                        &line[quoted.clone()]
                    ));
                }
                return Err(self.mismatch(column));
            }
        }
        self.next = 0;
        self.end_row();
        Ok(())
    }

    /// Decodes `line` through serde_json (escapes, other spacing).
    fn parsed(&mut self, line: &[u8]) -> Result<(), String> {
        if line.iter().all(u8::is_ascii_whitespace) {
            return Ok(());
        }
        let Members(object) = serde_json::from_slice(line).map_err(|e| e.to_string())?;
        for (key, value) in &object {
            let column = self.column(key)?;
            if self.columns[column].len() > self.rows {
                return Err(format!("key {key:?} appears twice in the object"));
            }
            if !self.columns[column].push_value(value) {
                return Err(self.mismatch(column));
            }
        }
        self.end_row();
        Ok(())
    }

    /// Ends a row: the keys it lacked are null.
    fn end_row(&mut self) {
        self.rows += 1;
        for column in &mut self.columns {
            if column.len() < self.rows {
                column.push_null();
            }
        }
    }

    fn column(&self, key: &str) -> Result<usize, String> {
        self.index
            .get(key)
            .copied()
            .ok_or_else(|| format!("key {key:?} is not in the schema"))
    }

    fn mismatch(&self, column: usize) -> String {
        let field = self.schema.field(column);
        format!(
            "key {:?}: a value that is not {}",
            field.name(),
            field.data_type()
        )
    }

    /// The rows decoded since the last batch, as a batch.
    pub(super) fn batch(&mut self) -> Result<RecordBatch, arrow::error::ArrowError> {
        let options =
            arrow::record_batch::RecordBatchOptions::new().with_row_count(Some(self.rows));
        self.rows = 0;
        let columns = self.columns.iter_mut().map(Builder::finish).collect();
        RecordBatch::try_new_with_options(self.schema.clone(), columns, &options)
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
    use arrow::datatypes::{Field, Int64Type};

    #[test]
    fn an_empty_object_is_a_row_of_nulls_and_a_blank_line_no_row() {
        let schema = Arc::new(Schema::new(vec![Field::new("a", DataType::Int64, true)]));
        let mut decoder = Decoder::new(schema, 8);
        for line in ["{\"a\":1}\n", "{}\n", "  \n", "{\"a\": 2}\n"] {
            decoder.line(line.as_bytes()).unwrap();
        }
        let batch = decoder.batch().unwrap();
        let a = batch.column(0).as_primitive::<Int64Type>();
        assert_eq!(a.len(), 3);
        assert_eq!((a.value(0), a.is_null(1), a.value(2)), (1, true, 2));
    }

    #[test]
    fn members_are_what_json_says_or_none() {
        let mut found = Vec::new();
        let line = br#" {"a": 1, "b":-2.5e3,"c":"x y","d":null,"e":true,"f":"x\"y"} "#;
        assert!(matches!(members(line, &mut found), Some(Line::Object(_))));
        let text =
            |range: &Range<usize>| String::from_utf8_lossy(&line[range.clone()]).into_owned();
        let seen: Vec<(String, String)> = found
            .iter()
            .map(|(key, raw)| {
                let value = match raw {
                    Raw::Null => "null".to_string(),
                    Raw::Bool(v) => v.to_string(),
                    Raw::Int(r) => format!("int {}", text(r)),
                    Raw::Float(r) => format!("float {}", text(r)),
                    Raw::Text(r) => format!("text {}", text(r)),
                    Raw::Escaped(r) => format!("escaped {}", text(r)),
                };
                (text(key), value)
            })
            .collect();
        let expected = [
            ("a", "int 1"),
            ("b", "float -2.5e3"),
            ("c", "text x y"),
            ("d", "null"),
            ("e", "true"),
            ("f", r#"escaped "x\"y""#),
        ];
        let expected: Vec<(String, String)> = expected
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect();
        assert_eq!(seen, expected);
        assert_eq!(members(b"  \n", &mut found), Some(Line::Blank));
        assert!(matches!(members(b"{ }", &mut found), Some(Line::Object(_))) && found.is_empty());
        assert!(members(b"{\"a\":-0}", &mut found).is_some());
        assert!(
            matches!(found[0].1, Raw::Float(_)),
            "serde_json reads -0 as a float"
        );
        for unusual in [
            &br#"{"a\u00e9":1}"#[..],
            br#"{"a":{"b":1}}"#,
            br#"{"a":[1]}"#,
            br#"{"a":01}"#,
            br#"{"a":1.}"#,
            br#"{"a":1} x"#,
            br#"{"a":1234567890123456789}"#,
            br#"{"a":1e400}"#,
            br#"{"a":1"#,
            br#"[1]"#,
        ] {
            assert!(members(unusual, &mut found).is_none(), "{unusual:?}");
        }
    }
}
