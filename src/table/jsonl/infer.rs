//! The types of a flat JSON Lines file's keys, found in one quick pass: each line is
//! scanned by [`flat::members`], or by serde_json without building its values where that
//! scanner gives up, and each key's kinds of value
//! (null, bool, integer, float, text) are merged into an Arrow type as arrow-json's
//! inference merges them (integers and floats: float64; only nulls: null), keys in the
//! order they first appear (pandas' order; arrow-json sorts them).
//!
//! Semantics: the types are arrow-json's `infer_json_schema` over every line whenever
//! this pass gives them; a file it does not settle (a nested value, an integer beyond
//! int64, a line that is not an object or not JSON) is marked unsettled, and the caller
//! asks arrow-json, whose types or error stand, in this pass's order of keys. Text and
//! numbers in one key are an error naming the key ([`Keys::schema`]).

use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;

use arrow::datatypes::{DataType, Field, Schema};

use super::flat::{self, Raw};
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The kinds of value seen for one key, as bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Kinds(u8);

impl Kinds {
    const BOOL: u8 = 1;
    const INT: u8 = 2;
    const FLOAT: u8 = 4;
    const TEXT: u8 = 8;

    /// The kinds in words.
    fn described(self) -> String {
        let names = [
            (Self::BOOL, "booleans"),
            (Self::INT, "integers"),
            (Self::FLOAT, "floats"),
            (Self::TEXT, "text"),
        ];
        let seen: Vec<&str> = names
            .iter()
            .filter(|(bit, _)| self.0 & bit != 0)
            .map(|(_, name)| *name)
            .collect();
        seen.join(" and ")
    }

    /// The Arrow type of a key that had these kinds, or `None` for a mix of kinds.
    fn data_type(self) -> Option<DataType> {
        match self.0 {
            0 => Some(DataType::Null),
            Self::BOOL => Some(DataType::Boolean),
            Self::INT => Some(DataType::Int64),
            Self::FLOAT => Some(DataType::Float64),
            x if x == Self::INT | Self::FLOAT => Some(DataType::Float64),
            Self::TEXT => Some(DataType::Utf8),
            _ => None,
        }
    }
}

/// One value's kind, or why the quick pass cannot settle the file.
enum Seen {
    Null,
    Kind(u8),
    Unsettled,
}

/// The keys of some lines (a file, or a piece of one), in first-seen order, with the
/// kinds of value each had: what pieces' inferences merge.
#[derive(Debug, Clone, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Keys {
    names: Vec<String>,
    kinds: Vec<Kinds>,
    /// Where the last key was found: lines mostly repeat one order.
    #[serde(skip)]
    next: usize,
    /// Whether a line had what the quick pass does not settle (a nested value, an
    /// integer beyond int64, a line that is not an object): then only the keys' order
    /// stands, and arrow-json gives the types.
    pub unsettled: bool,
}

impl Keys {
    /// `later`'s keys added after this one's (the lines of a later piece): kinds merged,
    /// new keys in their order.
    pub fn merge(&mut self, later: &Keys) {
        self.unsettled |= later.unsettled;
        for (name, kinds) in later.names.iter().zip(&later.kinds) {
            match self.names.iter().position(|n| n == name) {
                Some(at) => self.kinds[at].0 |= kinds.0,
                None => {
                    self.names.push(name.clone());
                    self.kinds.push(*kinds);
                }
            }
        }
    }

    /// The schema of these keys; a key whose values mix kinds (text and numbers, booleans
    /// and numbers) is text if `typed` says `--schema` gives its type (which then
    /// replaces it), and otherwise the error names it and the kinds.
    pub fn schema(&self, typed: &dyn Fn(&str) -> bool) -> Result<Schema, String> {
        let mut fields = Vec::with_capacity(self.names.len());
        for (name, kinds) in self.names.iter().zip(&self.kinds) {
            let data_type = match kinds.data_type() {
                Some(data_type) => data_type,
                None if typed(name) => DataType::Utf8,
                None => {
                    return Err(format!(
                        "key {name:?} holds {} on different lines, which pandas keeps as Python objects: give it one type with --schema FILE.json, e.g. {{\"{name}\": \"string\"}}",
                        kinds.described()
                    ))
                }
            };
            fields.push(Field::new(name, data_type, true));
        }
        Ok(Schema::new(fields))
    }

    fn note(&mut self, name: &str, seen: Seen) {
        let at = if self.names.get(self.next).is_some_and(|n| n == name) {
            self.next
        } else if let Some(at) = self.names.iter().position(|n| n == name) {
            at
        } else {
            self.names.push(name.to_string());
            self.kinds.push(Kinds::default());
            self.names.len() - 1
        };
        self.next = at + 1;
        match seen {
            Seen::Null => {}
            Seen::Kind(kind) => self.kinds[at].0 |= kind,
            Seen::Unsettled => self.unsettled = true,
        }
    }
}

/// The keys of every line of `reader` with their kinds, unsettled when a line has what
/// the quick pass does not settle (see the module header; the keys' order still stands
/// then, up to a line that is not a JSON object).
pub(super) fn keys(reader: impl BufRead) -> std::io::Result<Keys> {
    keys_of_head(reader, u64::MAX)
}

/// The keys of the lines of `reader` that start in its first `bytes` bytes, as [`keys`]
/// finds them.
pub(super) fn keys_of_head(mut reader: impl BufRead, bytes: u64) -> std::io::Result<Keys> {
    let mut keys = Keys::default();
    let mut line = Vec::with_capacity(1 << 12);
    let mut found = Vec::new();
    let mut read = 0u64;
    while read < bytes {
        let noted = super::with_line(&mut reader, &mut line, |text| {
            read += text.len() as u64;
            keys.note_line(text, &mut found)
        })?;
        match noted {
            None => break,
            Some(true) => {}
            Some(false) => {
                // Not JSON, or not an object: arrow-json words the error.
                keys.unsettled = true;
                break;
            }
        }
    }
    Ok(keys)
}

impl Keys {
    /// Notes the keys and kinds of `line` (`found` is room for its members); false when
    /// the line is not a JSON object.
    pub(super) fn note_line(&mut self, line: &[u8], found: &mut Vec<flat::Member>) -> bool {
        if let Some(scanned) = flat::members(line, found) {
            if let flat::Line::Object(text) = scanned {
                self.note_members(text, found);
            }
            return true;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            return true;
        }
        let mut deserializer = serde_json::Deserializer::from_slice(line);
        let object = deserializer.deserialize_map(Object(self));
        if object.is_err() || deserializer.end().is_err() {
            return false;
        }
        self.next = 0;
        true
    }

    /// Notes the members `found` (by [`flat::members`]) of the object on `line`.
    pub(super) fn note_members(&mut self, line: &str, found: &[flat::Member]) {
        for (key, raw) in found {
            let seen = match raw {
                Raw::Null => Seen::Null,
                Raw::Bool(_) => Seen::Kind(Kinds::BOOL),
                Raw::Int(..) => Seen::Kind(Kinds::INT),
                Raw::Float(..) => Seen::Kind(Kinds::FLOAT),
                Raw::Text(_) | Raw::Escaped(_) => Seen::Kind(Kinds::TEXT),
            };
            self.note(&line[key.clone()], seen);
        }
        self.next = 0;
    }

    /// The names of the keys in the order they first appear.
    pub fn names(&self) -> &[String] {
        &self.names
    }
}

/// One line's object: each key noted with its value's kind.
struct Object<'k>(&'k mut Keys);

impl<'de> Visitor<'de> for Object<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(name)) = map.next_key()? {
            let seen = map.next_value_seed(Value)?;
            self.0.note(&name, seen);
        }
        Ok(())
    }
}

/// A key, borrowed from the line unless it had escapes.
struct Key<'de>(Cow<'de, str>);

impl<'de> serde::Deserialize<'de> for Key<'de> {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        struct Text;
        impl<'de> Visitor<'de> for Text {
            type Value = Key<'de>;
            fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
                f.write_str("a key")
            }
            fn visit_borrowed_str<E>(self, text: &'de str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Borrowed(text)))
            }
            fn visit_str<E>(self, text: &str) -> Result<Key<'de>, E> {
                Ok(Key(Cow::Owned(text.to_string())))
            }
        }
        deserializer.deserialize_str(Text)
    }
}

/// A value's kind, the value itself skipped.
struct Value;

impl<'de> DeserializeSeed<'de> for Value {
    type Value = Seen;

    fn deserialize<D: Deserializer<'de>>(self, deserializer: D) -> Result<Seen, D::Error> {
        deserializer.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Value {
    type Value = Seen;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON value")
    }
    fn visit_unit<E>(self) -> Result<Seen, E> {
        Ok(Seen::Null)
    }
    fn visit_bool<E>(self, _: bool) -> Result<Seen, E> {
        Ok(Seen::Kind(Kinds::BOOL))
    }
    fn visit_i64<E>(self, _: i64) -> Result<Seen, E> {
        Ok(Seen::Kind(Kinds::INT))
    }
    fn visit_u64<E>(self, value: u64) -> Result<Seen, E> {
        Ok(if i64::try_from(value).is_ok() {
            Seen::Kind(Kinds::INT)
        } else {
            Seen::Unsettled
        })
    }
    fn visit_f64<E>(self, _: f64) -> Result<Seen, E> {
        Ok(Seen::Kind(Kinds::FLOAT))
    }
    fn visit_str<E>(self, _: &str) -> Result<Seen, E> {
        Ok(Seen::Kind(Kinds::TEXT))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Seen, A::Error> {
        while map.next_entry::<IgnoredAny, IgnoredAny>()?.is_some() {}
        Ok(Seen::Unsettled)
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Seen, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Seen::Unsettled)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick pass and arrow-json's inference agree where the quick pass answers.
    #[test]
    fn agrees_with_arrow_json_or_defers() {
        let cases: [(&str, bool); 6] = [
            (
                "{\"a\":1,\"b\":\"x\"}\n{\"b\":null,\"a\":2.5,\"c\":true}\n",
                true,
            ),
            ("{\"a\":null}\n\n{\"a\":null}\n", true),
            ("{\"k\\u00e9y\":1}\n", true),
            ("{\"a\":{\"b\":1}}\n", false),
            ("{\"a\":18446744073709551615}\n", false),
            ("[1,2]\n", false),
        ];
        for (text, settled) in cases {
            let keys = keys(text.as_bytes()).unwrap();
            let quick = (!keys.unsettled)
                .then(|| keys.schema(&|_| false).ok())
                .flatten();
            assert_eq!(quick.is_some(), settled, "{text}");
            if let Some(quick) = quick {
                let (arrow, _) =
                    arrow::json::reader::infer_json_schema(text.as_bytes(), None).unwrap();
                assert_eq!(quick, arrow, "{text}");
            }
        }
    }
}
