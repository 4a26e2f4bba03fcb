//! How numeric payloads travel inside typed messages: [`Floats`], a vector of `f64` that
//! serializes as one byte string (a copy of its memory) instead of element by element.
//!
//! postcard writes a `Vec<f64>` as eight bytes per element through serde's visitor, which
//! costs several times a memory copy on the megabyte series that `Bag` shuffles and
//! gathers; a `Floats` field costs one copy each way. The bytes are the machine's own
//! layout, as with every numeric slice the collectives send: the ranks of a job share it.

use std::fmt;
use std::ops::{Deref, DerefMut};

use serde::de::{Error, SeqAccess, Visitor};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A vector of `f64` that travels as bytes (see the module header).
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Floats(pub Vec<f64>);

impl Deref for Floats {
    type Target = Vec<f64>;
    fn deref(&self) -> &Vec<f64> {
        &self.0
    }
}

impl DerefMut for Floats {
    fn deref_mut(&mut self) -> &mut Vec<f64> {
        &mut self.0
    }
}

impl From<Vec<f64>> for Floats {
    fn from(values: Vec<f64>) -> Floats {
        Floats(values)
    }
}

impl Serialize for Floats {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        serializer.serialize_bytes(bytemuck::cast_slice(&self.0))
    }
}

impl<'de> Deserialize<'de> for Floats {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Floats, D::Error> {
        deserializer.deserialize_bytes(FloatsVisitor)
    }
}

struct FloatsVisitor;

impl<'de> Visitor<'de> for FloatsVisitor {
    type Value = Floats;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("the bytes of f64 values")
    }

    fn visit_bytes<E: Error>(self, bytes: &[u8]) -> Result<Floats, E> {
        if !bytes.len().is_multiple_of(size_of::<f64>()) {
            return Err(E::invalid_length(bytes.len(), &self));
        }
        // Copied into f64 storage: the message's bytes need not be aligned for f64.
        Ok(Floats(bytemuck::pod_collect_to_vec(bytes)))
    }

    /// Self-describing formats (JSON) hand the bytes over as a sequence.
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Floats, A::Error> {
        let mut bytes = Vec::with_capacity(seq.size_hint().unwrap_or(0));
        while let Some(byte) = seq.next_element::<u8>()? {
            bytes.push(byte);
        }
        self.visit_bytes(&bytes)
    }
}

#[cfg(test)]
mod tests {
    use super::Floats;

    #[test]
    fn floats_survive_the_trip_bit_for_bit() {
        let values = Floats(vec![
            0.0,
            -0.0,
            1.5,
            f64::NAN,
            f64::INFINITY,
            f64::MIN_POSITIVE,
        ]);
        let bytes = postcard::to_stdvec(&(7u8, values.clone())).expect("encodes");
        assert_eq!(bytes.len(), 1 + 1 + 6 * 8, "a length and the raw bytes");
        let (tag, back): (u8, Floats) = postcard::from_bytes(&bytes).expect("decodes");
        assert_eq!(tag, 7);
        let bits = |f: &Floats| f.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
        assert_eq!(bits(&back), bits(&values));
    }

    #[test]
    fn a_byte_string_of_the_wrong_length_is_an_error() {
        let bytes = postcard::to_stdvec(&serde_bytes_like(&[1, 2, 3])).expect("encodes");
        assert!(postcard::from_bytes::<Floats>(&bytes).is_err());
    }

    fn serde_bytes_like(bytes: &[u8]) -> impl serde::Serialize + '_ {
        struct Raw<'a>(&'a [u8]);
        impl serde::Serialize for Raw<'_> {
            fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
                s.serialize_bytes(self.0)
            }
        }
        Raw(bytes)
    }
}
