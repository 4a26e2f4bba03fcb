//! pandas' fixed-format blocks that are not numbers: object blocks (one pickled numpy
//! object array per block, PyTables' `VLARRAY` of `PSEUDOATOM = "object"`) and bool
//! blocks (HDF5 8-bit bitfields), as Arrow columns.
//!
//! Semantics: an object column whose values are all `str` or missing (`None`, NaN) is
//! utf8 with nulls, which is what pandas' `str` and object text columns hold; all `bool`
//! or missing is bool with nulls (pandas' object column of `True`, `False` and NaN);
//! anything else (numbers or dates kept as objects, mixed types) is an error naming the
//! column and the types found. An object block is one pickle, so reading some rows of it
//! unpickles the whole block, as pandas does.

use std::ops::Range;
use std::sync::Arc;

use arrow::array::{ArrayRef, BooleanArray, StringArray};
use hdf5::types::VarLenArray;
use hdf5::Dataset;

use super::{attr_text, read_hyperslab, Column};
use crate::io::frame::unpickle::{objects, Object};

/// Whether `dataset` is an object block (a pickle per element).
pub(super) fn is_object_block(dataset: &Dataset) -> bool {
    attr_text(dataset, "PSEUDOATOM").as_deref() == Some("object")
}

/// Whether `dataset`'s values are HDF5 bitfields (PyTables' bools).
pub(super) fn is_bitfield(dataset: &Dataset) -> bool {
    use hdf5_sys::h5d::H5Dget_type;
    use hdf5_sys::h5t::{H5T_class_t, H5Tclose, H5Tget_class};
    hdf5::sync::sync(|| {
        // SAFETY: the type id opened here is closed here.
        unsafe {
            let datatype = H5Dget_type(dataset.id());
            if datatype < 0 {
                return false;
            }
            let class = H5Tget_class(datatype);
            H5Tclose(datatype);
            class == H5T_class_t::H5T_BITFIELD
        }
    })
}

/// The columns `names` of an object block, rows `rows`.
pub(super) fn object_columns(
    dataset: &Dataset,
    names: &[String],
    rows: Range<usize>,
) -> hdf5::Result<Vec<Column>> {
    let pickles = dataset.read_raw::<VarLenArray<u8>>()?;
    let pickle = pickles
        .first()
        .ok_or_else(|| hdf5::Error::from("an object block with no pickle".to_string()))?;
    let array = objects(pickle)
        .map_err(|e| hdf5::Error::from(format!("columns {}: {e}", names.join(", "))))?;
    if array.values.is_empty() && rows.is_empty() {
        // pandas writes an empty block untransposed (items x 0): no rows either way.
        let empty = || Arc::new(StringArray::from(Vec::<Option<&str>>::new())) as ArrayRef;
        return Ok(names.iter().map(|name| (name.clone(), empty())).collect());
    }
    let width = match array.shape[..] {
        [_] => 1,
        [_, width] => width,
        _ => 0,
    };
    if width != names.len() {
        return Err(hdf5::Error::from(format!(
            "columns {}: an object block of shape {:?} for {} columns (rows {rows:?})",
            names.join(", "),
            array.shape,
            names.len()
        )));
    }
    let length = array.values.len() / width.max(1);
    if rows.end > length {
        return Err(hdf5::Error::from(format!(
            "columns {}: rows {rows:?} of an object block of {length}",
            names.join(", ")
        )));
    }
    names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let column = rows.clone().map(|row| &array.values[row * width + k]);
            Ok((name.clone(), typed(name, column)?))
        })
        .collect()
}

/// The column of `values` as text or bools, or why neither.
fn typed<'a>(
    name: &str,
    values: impl Iterator<Item = &'a Object> + Clone,
) -> hdf5::Result<ArrayRef> {
    let missing =
        |o: &Object| matches!(o, Object::None) || matches!(o, Object::Float(x) if x.is_nan());
    let present = || values.clone().filter(|o| !missing(o));
    if present().all(|o| matches!(o, Object::Text(_))) {
        let texts: StringArray = values
            .map(|o| match o {
                Object::Text(text) => Some(text.as_ref()),
                _ => None,
            })
            .collect();
        return Ok(Arc::new(texts));
    }
    if present().all(|o| matches!(o, Object::Bool(_))) {
        let bools: BooleanArray = values
            .map(|o| match o {
                Object::Bool(b) => Some(*b),
                _ => None,
            })
            .collect();
        return Ok(Arc::new(bools));
    }
    let mut kinds: Vec<String> = present().map(kind).collect();
    kinds.sort();
    kinds.dedup();
    Err(hdf5::Error::from(format!(
        "column {name} is an object column of {} values, which pardata does not read (it reads objects that are all text or all bools): convert it in pandas (astype(str) or astype(float)) before to_hdf, or write Parquet",
        kinds.join(" and ")
    )))
}

fn kind(object: &Object) -> String {
    match object {
        Object::None => "None".into(),
        Object::Bool(_) => "bool".into(),
        Object::Int(_) => "int".into(),
        Object::Float(_) => "float".into(),
        Object::Text(_) => "str".into(),
        Object::Other(what) => what.clone(),
    }
}

/// The columns `names` of a bool block (rows x columns of 8-bit bitfields), rows `rows`.
pub(super) fn bool_columns(
    dataset: &Dataset,
    names: &[String],
    rows: Range<usize>,
) -> hdf5::Result<Vec<Column>> {
    use hdf5_sys::h5t::H5T_NATIVE_B8;

    let shape = dataset.shape();
    let width = names.len();
    if shape.len() != 2 || shape[1] != width || rows.end > shape[0] {
        return Err(hdf5::Error::from(format!(
            "columns {}: a bool block of shape {shape:?}",
            names.join(", ")
        )));
    }
    let mut bytes = vec![0u8; rows.len() * width];
    if !bytes.is_empty() {
        let status = hdf5::sync::sync(|| {
            // SAFETY: the buffer holds the `rows.len()` x `width` bytes asked for, and
            // the lock is held.
            unsafe {
                read_hyperslab(
                    dataset,
                    *H5T_NATIVE_B8,
                    &[rows.start as u64, 0],
                    &[rows.len() as u64, width as u64],
                    bytes.as_mut_ptr().cast(),
                )
            }
        });
        if status < 0 {
            return Err(hdf5::Error::from(format!(
                "cannot read the bool block of {}",
                names.join(", ")
            )));
        }
    }
    Ok(names
        .iter()
        .enumerate()
        .map(|(k, name)| {
            let bools: BooleanArray = (0..rows.len())
                .map(|row| Some(bytes[row * width + k] != 0))
                .collect();
            (name.clone(), Arc::new(bools) as ArrayRef)
        })
        .collect())
}
