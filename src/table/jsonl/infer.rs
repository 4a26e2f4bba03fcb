//! The types of a flat JSON Lines file's keys, found in one quick pass: each line is
//! scanned by [`flat::members`], or by serde_json without building its values where that
//! scanner gives up, and each key's kinds of value
//! (null, bool, integer, float, text) are merged into an Arrow type as arrow-json's
//! inference merges them (integers and floats: float64; only nulls: null), keys in the
//! order they first appear (pandas' order; arrow-json sorts them). A reading of some keys
//! only notes those ([`Keep`]): the values of the others neither type nor unsettle it.
//!
//! Semantics: the types are arrow-json's `infer_json_schema` over every line whenever
//! this pass gives them; a key it does not settle (a nested value, an integer beyond
//! int64) makes the keys unsettled, and the caller asks arrow-json, whose types stand, in
//! this pass's order of keys. The pass stops at a line that is not a JSON object (the
//! decoding of that line words the error, naming it). Text and numbers in one key are an
//! error naming the key ([`Keys::schema`]).

use std::borrow::Cow;
use std::fmt;
use std::io::BufRead;

use arrow::datatypes::{DataType, Field, Schema};

use super::flat::{self, Raw};
use super::keep::Keep;
use serde::de::{DeserializeSeed, Deserializer, IgnoredAny, MapAccess, SeqAccess, Visitor};

/// The kinds of value seen for one key, as bits.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
struct Kinds(u8);

impl Kinds {
    const BOOL: u8 = 1;
    const INT: u8 = 2;
    const FLOAT: u8 = 4;
    const TEXT: u8 = 8;
    /// An object or an array: arrow-json types the key.
    const NESTED: u8 = 16;
    /// An integer beyond int64: arrow-json types the key.
    const HUGE: u8 = 32;

    /// The kinds in words.
    fn described(self) -> String {
        let names = [
            (Self::BOOL, "booleans"),
            (Self::INT, "integers"),
            (Self::FLOAT, "floats"),
            (Self::TEXT, "text"),
            (Self::NESTED, "nested values"),
            (Self::HUGE, "integers beyond int64"),
        ];
        let seen: Vec<&str> = names
            .iter()
            .filter(|(bit, _)| self.0 & bit != 0)
            .map(|(_, name)| *name)
            .collect();
        seen.join(" and ")
    }

    /// Whether the quick pass does not settle the key's type (arrow-json does).
    fn unsettled(self) -> bool {
        self.0 & (Self::NESTED | Self::HUGE) != 0
    }

    /// The Arrow type of a key that had these kinds, or `None` for a mix of kinds (or a
    /// kind that arrow-json types).
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

/// One value's kind.
enum Seen {
    Null,
    Kind(u8),
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
    /// Whether the pass stopped at a line that is not a JSON object.
    stopped: bool,
}

impl Keys {
    /// Whether the quick pass does not settle the types: a key with a nested value or an
    /// integer beyond int64. Then only the keys' order stands, and arrow-json gives the
    /// types.
    pub fn unsettled(&self) -> bool {
        self.kinds.iter().any(|k| k.unsettled())
    }

    /// Only the keys `keep` keeps, in their order.
    pub fn kept(&self, keep: &Keep) -> Keys {
        let (names, kinds) = (self.names.iter().zip(&self.kinds))
            .filter(|(name, _)| keep.keeps(name.as_bytes()))
            .map(|(name, kinds)| (name.clone(), *kinds))
            .unzip();
        Keys {
            names,
            kinds,
            next: 0,
            stopped: self.stopped,
        }
    }

    /// The schema a frame reads these keys as, without asking arrow-json: nested values
    /// as their JSON text, integers beyond int64 as float64 (arrow-json's type for them),
    /// a key of mixed kinds as text (an error only when it is read: [`Keys::schema`]).
    pub fn text_schema(&self) -> Schema {
        let fields = (self.names.iter().zip(&self.kinds)).map(|(name, kinds)| {
            let huge = kinds.0 & Kinds::HUGE != 0;
            let numbers = Kinds((kinds.0 & !Kinds::HUGE) | if huge { Kinds::FLOAT } else { 0 });
            let data_type = numbers.data_type().unwrap_or(DataType::Utf8);
            Field::new(name, data_type, true)
        });
        Schema::new(fields.collect::<Vec<_>>())
    }

    /// Whether the pass stopped at a line that is not a JSON object (the keys of the lines
    /// after it are not here).
    pub fn stopped(&self) -> bool {
        self.stopped
    }

    /// `later`'s keys added after this one's (the lines of a later piece): kinds merged,
    /// new keys in their order.
    pub fn merge(&mut self, later: &Keys) {
        self.stopped |= later.stopped;
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
        }
    }
}

/// The keys of every line of `reader` with their kinds, up to a line that is not a JSON
/// object (see the module header).
pub(super) fn keys(reader: impl BufRead, keep: &Keep) -> std::io::Result<Keys> {
    keys_of_head(reader, u64::MAX, keep)
}

/// The keys of the lines of `reader` that start in its first `bytes` bytes, as [`keys`]
/// finds them.
pub(super) fn keys_of_head(
    mut reader: impl BufRead,
    bytes: u64,
    keep: &Keep,
) -> std::io::Result<Keys> {
    let mut keys = Keys::default();
    let mut line = Vec::with_capacity(1 << 12);
    let mut found = Vec::new();
    let mut read = 0u64;
    while read < bytes {
        let noted = super::with_line(&mut reader, &mut line, |text| {
            read += text.len() as u64;
            keys.note_line(text, &mut found, keep)
        })?;
        match noted {
            None => break,
            Some(true) => {}
            // Not JSON, or not an object: the reading of that line words the error.
            Some(false) => {
                keys.stopped = true;
                break;
            }
        }
    }
    Ok(keys)
}

impl Keys {
    /// Notes the kinds of the keys of `line` that `keep` keeps (`found` is room for its
    /// members); false when the line is not a JSON object.
    pub(super) fn note_line(
        &mut self,
        line: &[u8],
        found: &mut Vec<flat::Member>,
        keep: &Keep,
    ) -> bool {
        if let Some(scanned) = flat::members(line, found, keep) {
            if let flat::Line::Object(text) = scanned {
                self.note_members(text, found);
            }
            return true;
        }
        if line.iter().all(u8::is_ascii_whitespace) {
            return true;
        }
        let mut deserializer = serde_json::Deserializer::from_slice(line);
        let object = deserializer.deserialize_map(Object(self, keep));
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
                Raw::Nested(_) => Seen::Kind(Kinds::NESTED),
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

/// One line's object: each key kept noted with its value's kind (the other values
/// skipped).
struct Object<'k>(&'k mut Keys, &'k Keep);

impl<'de> Visitor<'de> for Object<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a JSON object")
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        while let Some(Key(name)) = map.next_key()? {
            if self.1.keeps(name.as_bytes()) {
                let seen = map.next_value_seed(Value)?;
                self.0.note(&name, seen);
            } else {
                map.next_value::<IgnoredAny>()?;
            }
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
            Seen::Kind(Kinds::HUGE)
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
        Ok(Seen::Kind(Kinds::NESTED))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Seen, A::Error> {
        while seq.next_element::<IgnoredAny>()?.is_some() {}
        Ok(Seen::Kind(Kinds::NESTED))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The quick pass and arrow-json's inference agree where the quick pass answers.
    #[test]
    fn agrees_with_arrow_json_or_defers() {
        let cases: [(&str, bool); 5] = [
            (
                "{\"a\":1,\"b\":\"x\"}\n{\"b\":null,\"a\":2.5,\"c\":true}\n",
                true,
            ),
            ("{\"a\":null}\n\n{\"a\":null}\n", true),
            ("{\"k\\u00e9y\":1}\n", true),
            ("{\"a\":{\"b\":1}}\n", false),
            ("{\"a\":18446744073709551615}\n", false),
        ];
        for (text, settled) in cases {
            let keys = keys(text.as_bytes(), &Keep::every()).unwrap();
            let quick = (!keys.unsettled())
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
