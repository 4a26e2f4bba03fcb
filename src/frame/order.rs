//! The order of a batch sorted by one numeric key: each row becomes a fixed-size tuple
//! (null rank, the key as an order-preserving `u64`, its place, its index) and the tuples
//! are sorted with `sort_unstable` (or selected, for a limit). The index makes every
//! tuple distinct, so the unstable sort gives exactly the order of the stable
//! `lexsort_to_indices` over (key, place, index), several times faster than its
//! comparator over dynamic columns.
//!
//! Semantics, as arrow's sort kernels: floats in IEEE total order (`-NaN` < `-inf` < ... <
//! `-0.0` < `+0.0` < ... < `inf` < `NaN`), `descending` reverses the values only, nulls
//! go first or last as `nulls_first` says.

use arrow::array::{Array, ArrayRef, AsArray, UInt32Array, UInt64Array};
use arrow::compute::{cast, SortOptions};
use arrow::datatypes::{DataType, Float64Type, Int32Type, Int64Type};

/// One row's sort key.
type Entry = (u8, u64, u64, u32);

/// The order of the rows of `values` (the first `limit` of it, if given), ties broken by
/// `place` and then by row; `None` where `values` is not of a type this path takes (64-
/// and 32-bit integers and their times, 64-bit floats) or has 2^32 rows or more.
pub(super) fn one_key_order(
    values: &ArrayRef,
    options: SortOptions,
    place: Option<&UInt64Array>,
    limit: Option<usize>,
) -> Option<UInt32Array> {
    let rows = u32::try_from(values.len()).ok()?;
    let keys: Box<dyn Fn(usize) -> u64> = match values.data_type() {
        DataType::Float64 => {
            let v = values.as_primitive::<Float64Type>().values().clone();
            Box::new(move |i| float_key(v[i]))
        }
        DataType::Int64
        | DataType::Timestamp(..)
        | DataType::Date64
        | DataType::Time64(_)
        | DataType::Duration(_) => {
            let v = cast(values, &DataType::Int64).ok()?;
            let v = v.as_primitive::<Int64Type>().values().clone();
            Box::new(move |i| int_key(v[i]))
        }
        DataType::Int32 | DataType::Date32 | DataType::Time32(_) => {
            let v = cast(values, &DataType::Int32).ok()?;
            let v = v.as_primitive::<Int32Type>().values().clone();
            Box::new(move |i| int_key(i64::from(v[i])))
        }
        _ => return None,
    };
    let null_rank = |null: bool| match (null, options.nulls_first) {
        (false, _) => 1,
        (true, true) => 0,
        (true, false) => 2,
    };
    let flip = if options.descending { u64::MAX } else { 0 };
    let mut entries: Vec<Entry> = (0..rows)
        .map(|row| {
            let i = row as usize;
            let null = values.is_null(i);
            let key = if null { 0 } else { keys(i) ^ flip };
            (null_rank(null), key, place.map_or(0, |p| p.value(i)), row)
        })
        .collect();
    match limit {
        Some(k) if k < entries.len() => {
            if k > 0 {
                entries.select_nth_unstable(k - 1);
            }
            entries.truncate(k);
            entries.sort_unstable();
        }
        _ => entries.sort_unstable(),
    }
    Some(UInt32Array::from_iter_values(
        entries.into_iter().map(|e| e.3),
    ))
}

/// An `f64` as a `u64` in the same order as `f64::total_cmp`.
fn float_key(x: f64) -> u64 {
    let bits = x.to_bits();
    if bits >> 63 == 1 {
        !bits
    } else {
        bits | 1 << 63
    }
}

/// An `i64` as a `u64` in the same order.
fn int_key(x: i64) -> u64 {
    (x as u64) ^ 1 << 63
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Float64Array, Int64Array};
    use arrow::compute::{lexsort_to_indices, SortColumn};
    use std::sync::Arc;

    /// The order arrow's stable lexsort gives over (values, place, row).
    fn reference(
        values: &ArrayRef,
        options: SortOptions,
        place: &UInt64Array,
        limit: Option<usize>,
    ) -> UInt32Array {
        let rows = UInt32Array::from_iter_values(0..values.len() as u32);
        let columns = [
            SortColumn {
                values: values.clone(),
                options: Some(options),
            },
            SortColumn {
                values: Arc::new(place.clone()),
                options: None,
            },
            SortColumn {
                values: Arc::new(rows),
                options: None,
            },
        ];
        lexsort_to_indices(&columns, limit).unwrap()
    }

    #[test]
    fn the_order_is_arrows_lexsort_for_floats_ints_nulls_and_limits() {
        let floats: ArrayRef = Arc::new(Float64Array::from(vec![
            Some(1.5),
            None,
            Some(f64::NAN),
            Some(-0.0),
            Some(0.0),
            Some(f64::NEG_INFINITY),
            Some(1.5),
            Some(-f64::NAN),
            None,
            Some(f64::INFINITY),
            Some(-3.25),
            Some(1.5),
        ]));
        let ints: ArrayRef = Arc::new(Int64Array::from(vec![
            Some(3),
            None,
            Some(i64::MIN),
            Some(i64::MAX),
            Some(0),
            Some(-1),
            Some(3),
            Some(3),
            None,
            Some(7),
            Some(-7),
            Some(3),
        ]));
        let place = UInt64Array::from(vec![5, 4, 3, 2, 1, 0, 9, 8, 7, 6, 11, 5]);
        for values in [&floats, &ints] {
            for descending in [false, true] {
                for nulls_first in [false, true] {
                    for limit in [None, Some(0), Some(1), Some(4), Some(12), Some(20)] {
                        let options = SortOptions {
                            descending,
                            nulls_first,
                        };
                        let got = one_key_order(values, options, Some(&place), limit).unwrap();
                        assert_eq!(
                            got,
                            reference(values, options, &place, limit),
                            "{options:?} {limit:?}"
                        );
                    }
                }
            }
        }
    }
}
