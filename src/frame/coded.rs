//! Group lookups for text keys read as dictionaries ([`ReadOptions::dictionaries`]): one
//! or two key columns of `Dictionary(Int32, Utf8)`, as Parquet's dictionary-encoded pages
//! give them. Each distinct text gets a code, looked up once per dictionary value that a
//! batch uses rather than once per row; a row's group is then found from its codes (an
//! index for one key, a hash of two codes for two). A batch's dictionary is usually its
//! column chunk's, shared by every batch of the chunk: the codes of its values are kept
//! until a batch brings another.
//!
//! The groups' keys are the same row encodings as for plain text keys (the row format of
//! several columns is each column's encoding, one after the other), so partial states
//! from coded and plain lookups merge alike.
//!
//! [`ReadOptions::dictionaries`]: crate::table::ReadOptions::dictionaries

use std::collections::HashMap;
use std::sync::Arc;

use arrow::array::{Array, ArrayRef, AsArray, DictionaryArray};
use arrow::datatypes::{DataType, Int32Type};
use arrow::row::{RowConverter, Rows};

use super::aggregate::row_converter;
use super::FrameError;

/// The code of a null key.
const NULL_CODE: u32 = u32::MAX;
/// A dictionary value no row has used yet.
const UNKNOWN: u32 = u32::MAX - 1;

/// Whether `array` is a text key that [`Coded`] looks up.
pub(super) fn is_text_dictionary(array: &ArrayRef) -> bool {
    matches!(array.data_type(), DataType::Dictionary(k, v)
        if k.as_ref() == &DataType::Int32 && v.as_ref() == &DataType::Utf8)
}

/// One key column's codes: one per distinct text, the same in every batch whatever its
/// dictionary, each with its row encoding.
struct Codebook {
    by_text: HashMap<Box<[u8]>, u32, ahash::RandomState>,
    /// Each code's row encoding, as one column of a group key.
    rows: Vec<Box<[u8]>>,
    /// The row encoding of a null key.
    null_row: Box<[u8]>,
    converter: RowConverter,
    /// The dictionary of the last batch, with its values' codes.
    seen: Option<Seen>,
}

/// A dictionary and the codes of its values (`UNKNOWN` until a row uses one), with
/// their row encodings.
struct Seen {
    values: ArrayRef,
    codes: Vec<u32>,
    rows: Rows,
}

fn internal(detail: impl std::fmt::Display) -> FrameError {
    FrameError::Internal(detail.to_string())
}

impl Codebook {
    fn new() -> Result<Codebook, FrameError> {
        let converter = row_converter(&[DataType::Utf8])?;
        let nulls = converter
            .convert_columns(&[arrow::array::new_null_array(&DataType::Utf8, 1)])
            .map_err(internal)?;
        Ok(Codebook {
            by_text: HashMap::with_hasher(ahash::RandomState::with_seeds(1, 2, 3, 4)),
            rows: Vec::new(),
            null_row: nulls.row(0).data().into(),
            converter,
            seen: None,
        })
    }

    /// The code of each row of `keys`, into `codes` (cleared first).
    fn codes(
        &mut self,
        keys: &DictionaryArray<Int32Type>,
        codes: &mut Vec<u32>,
    ) -> Result<(), FrameError> {
        let values = keys.values();
        if !matches!(&self.seen, Some(seen) if Arc::ptr_eq(&seen.values, values)) {
            let rows = self
                .converter
                .convert_columns(std::slice::from_ref(values))
                .map_err(internal)?;
            self.seen = Some(Seen {
                values: values.clone(),
                codes: vec![UNKNOWN; values.len()],
                rows,
            });
        }
        let Codebook {
            by_text,
            rows,
            seen: Some(seen),
            ..
        } = self
        else {
            return Err(internal("a dictionary key without its codes"));
        };
        let texts = seen
            .values
            .as_string_opt::<i32>()
            .ok_or_else(|| internal("a dictionary key of other values than utf8"))?;
        let nulls = keys.nulls().filter(|n| n.null_count() > 0);
        codes.clear();
        codes.reserve(keys.len());
        for (i, &key) in keys.keys().values().iter().enumerate() {
            if nulls.is_some_and(|n| n.is_null(i)) {
                codes.push(NULL_CODE);
                continue;
            }
            let at = usize::try_from(key).map_err(internal)?;
            let known = seen
                .codes
                .get_mut(at)
                .ok_or_else(|| internal("a dictionary key beyond its values"))?;
            if *known == UNKNOWN {
                *known = match texts.is_null(at) {
                    true => NULL_CODE,
                    false => {
                        let text = texts.value(at).as_bytes();
                        match by_text.get(text) {
                            Some(&code) => code,
                            None => {
                                let code = u32::try_from(rows.len())
                                    .ok()
                                    .filter(|&c| c < UNKNOWN)
                                    .ok_or_else(|| internal("over 2^32 distinct key texts"))?;
                                by_text.insert(text.into(), code);
                                rows.push(seen.rows.row(at).data().into());
                                code
                            }
                        }
                    }
                };
            }
            codes.push(*known);
        }
        Ok(())
    }

    /// The row encoding of `code`'s text.
    fn row(&self, code: u32) -> &[u8] {
        match code {
            NULL_CODE => &self.null_row,
            code => &self.rows[code as usize],
        }
    }
}

/// The groups of one or two text keys read as dictionaries, by their codes.
pub(super) struct Coded {
    books: Vec<Codebook>,
    /// One key: each code's group (`UNKNOWN` for none yet), and the null key's.
    group_of_code: Vec<u32>,
    null_group: Option<u32>,
    /// Two keys: the group of each pair of codes.
    group_of_pair: HashMap<u64, u32, ahash::RandomState>,
    codes: [Vec<u32>; 2],
    key: Vec<u8>,
}

impl Coded {
    /// The most key columns it looks up.
    pub(super) const MOST_KEYS: usize = 2;

    /// The lookup of `keys` key columns (1 to [`Coded::MOST_KEYS`]).
    pub(super) fn new(keys: usize) -> Result<Coded, FrameError> {
        Ok(Coded {
            books: (0..keys)
                .map(|_| Codebook::new())
                .collect::<Result<_, _>>()?,
            group_of_code: Vec::new(),
            null_group: None,
            group_of_pair: HashMap::with_hasher(ahash::RandomState::with_seeds(1, 2, 3, 4)),
            codes: [Vec::new(), Vec::new()],
            key: Vec::new(),
        })
    }

    /// Each row's group into `groups` (appended), `new_group(key)` making a group of a
    /// key (its row encoding) not seen before. `columns` are the key columns, each a
    /// text dictionary ([`is_text_dictionary`]).
    pub(super) fn groups(
        &mut self,
        columns: &[ArrayRef],
        groups: &mut Vec<u32>,
        new_group: &mut dyn FnMut(&[u8]) -> u32,
    ) -> Result<(), FrameError> {
        if columns.len() != self.books.len() {
            return Err(internal("a coded lookup of another number of keys"));
        }
        for ((book, codes), column) in self.books.iter_mut().zip(&mut self.codes).zip(columns) {
            let keys = column
                .as_dictionary_opt::<Int32Type>()
                .ok_or_else(|| internal("a coded key that is not a dictionary"))?;
            book.codes(keys, codes)?;
        }
        let [first, second] = &self.codes;
        match self.books.as_slice() {
            [book] => {
                for &code in first {
                    let known = match code {
                        NULL_CODE => self
                            .null_group
                            .get_or_insert_with(|| new_group(&book.null_row)),
                        code => {
                            let at = code as usize;
                            if at >= self.group_of_code.len() {
                                self.group_of_code.resize(at + 1, UNKNOWN);
                            }
                            let known = &mut self.group_of_code[at];
                            if *known == UNKNOWN {
                                *known = new_group(book.row(code));
                            }
                            known
                        }
                    };
                    groups.push(*known);
                }
            }
            [one, two] => {
                for (&a, &b) in first.iter().zip(second) {
                    let pair = (u64::from(a) << 32) | u64::from(b);
                    let g = match self.group_of_pair.get(&pair) {
                        Some(&g) => g,
                        None => {
                            self.key.clear();
                            self.key.extend_from_slice(one.row(a));
                            self.key.extend_from_slice(two.row(b));
                            let g = new_group(&self.key);
                            self.group_of_pair.insert(pair, g);
                            g
                        }
                    };
                    groups.push(g);
                }
            }
            _ => return Err(internal("a coded lookup of more than two keys")),
        }
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use std::collections::HashMap;
    use std::sync::Arc;

    use arrow::array::{ArrayRef, DictionaryArray, Int32Array, StringArray};
    use arrow::datatypes::{DataType, Int32Type};

    use super::Coded;
    use crate::frame::aggregate::row_converter;

    /// A dictionary column of `keys` (None: a null key) into `values`.
    fn dictionary(keys: &[Option<i32>], values: &[Option<&str>]) -> ArrayRef {
        let keys = Int32Array::from(keys.to_vec());
        let values = Arc::new(StringArray::from(values.to_vec()));
        Arc::new(DictionaryArray::<Int32Type>::try_new(keys, values).expect("valid keys"))
    }

    /// The groups `Coded` finds for the batches, and each group's key as plain text
    /// encoded row by row (the reference: the encoding of the rows' texts).
    fn grouped(batches: &[Vec<ArrayRef>]) -> (Vec<u32>, Vec<Vec<u8>>, Vec<Vec<u8>>) {
        let mut coded = Coded::new(batches[0].len()).expect("a lookup");
        let (mut groups, mut keys) = (Vec::new(), Vec::new());
        let mut expected = Vec::new();
        let converter = row_converter(&vec![DataType::Utf8; batches[0].len()]).expect("rows");
        for columns in batches {
            coded
                .groups(columns, &mut groups, &mut |key| {
                    keys.push(key.to_vec());
                    keys.len() as u32 - 1
                })
                .expect("groups");
            let plain: Vec<ArrayRef> = columns
                .iter()
                .map(|c| arrow::compute::cast(c, &DataType::Utf8).expect("a cast"))
                .collect();
            let rows = converter.convert_columns(&plain).expect("rows");
            expected.extend(rows.iter().map(|r| r.data().to_vec()));
        }
        (groups, keys, expected)
    }

    #[test]
    fn one_key_over_two_dictionaries() {
        let first = dictionary(
            &[Some(0), Some(1), None, Some(2), Some(0), Some(3)],
            &[Some("b"), Some("a"), None, Some("c")],
        );
        let second = dictionary(
            &[Some(1), Some(0), None, Some(2)],
            &[Some("c"), Some("a"), Some("d")],
        );
        let (groups, keys, expected) = grouped(&[vec![first], vec![second]]);
        // b a null null b c | a c null d: a null value and a null key are one group.
        assert_eq!(groups, [0, 1, 2, 2, 0, 3, 1, 3, 2, 4]);
        for (row, &g) in groups.iter().enumerate() {
            assert_eq!(keys[g as usize], expected[row], "row {row}");
        }
    }

    #[test]
    fn two_keys_find_each_pair_once() {
        let a = dictionary(
            &[Some(0), Some(1), Some(0), None, Some(1)],
            &[Some("x"), Some("y")],
        );
        let b = dictionary(
            &[Some(0), Some(0), Some(1), Some(1), Some(0)],
            &[Some("p"), None],
        );
        let c = dictionary(&[Some(0), None], &[Some("y")]);
        let d = dictionary(&[Some(1), Some(0)], &[Some("q"), Some("p")]);
        let (groups, keys, expected) = grouped(&[vec![a, b], vec![c, d]]);
        let mut seen: HashMap<&[u8], u32> = HashMap::new();
        for (row, &g) in groups.iter().enumerate() {
            assert_eq!(keys[g as usize], expected[row], "row {row}");
            assert_eq!(*seen.entry(&expected[row]).or_insert(g), g, "row {row}");
        }
        // (x,p) (y,p) (x,null) (null,null) (y,p) | (y,p) (null,q)
        assert_eq!(groups, [0, 1, 2, 3, 1, 1, 4]);
    }
}
