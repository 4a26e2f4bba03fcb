//! A frame in pandas' fixed format written a batch of rows at a time, for tables of any
//! length in bounded memory: each column is a block of its own (`blockN_values`, rows x 1)
//! and the index (`axis1`, 0..n) grows as batches come, in chunked datasets that HDF5
//! extends (PyTables and `pandas.read_hdf` read them as they read their own arrays).
//!
//! Semantics, as `pandas.read_hdf` gives the frame back:
//! - float64 columns are float64 (a null is NaN);
//! - int64 columns are int64 while they have no null; the first null makes the column
//!   float64 with NaN there (what pandas gives for integers with missing values), its
//!   rows so far copied into a new block (the old block's space stays in the file);
//! - timestamps are `datetime64[unit]` blocks (`value_type`), with the time zone in the
//!   block's `tz` attribute when they have one; a null is NaT;
//! - text columns are object blocks: one pickled numpy object array of `str` (a null is
//!   NaN), PyTables' `VLARRAY` of `PSEUDOATOM = "object"`, as pandas writes them; pandas
//!   3 reads them as its `str` dtype, pandas 2 as `object`;
//! - bool columns are bool blocks (HDF5 8-bit bitfields, PyTables' bools) while they have
//!   no null; a column with a null is an object block of `True`, `False` and NaN, what
//!   `pandas.read_csv` gives for it.
//!
//! Text and bool columns are held until [`FrameAppender::finish`], as their pickle (the
//! text's bytes and 5 more per value) or one byte per row: PyTables keeps an object block
//! as one pickle, written at once; numbers and times go to the file batch by batch.

use std::path::{Path, PathBuf};

use hdf5::{Dataset, File, Group};
use ndarray::{s, Array2};

use super::pickle::ObjectArray;
use super::{array_attrs, create_frame_group, int_attr, text_attr, write_names, FrameError};

/// Rows per HDF5 chunk of a block.
const CHUNK_ROWS: usize = 1 << 16;

/// The type of one column of a frame written by [`FrameAppender`].
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Kind {
    /// float64.
    Float64,
    /// int64 (float64 from its first null on).
    Int64,
    /// A time as integers of `unit` (`"s"`, `"ms"`, `"us"`, `"ns"`) since the epoch, in
    /// the time zone `tz` if any.
    Time {
        /// The unit of the integers, as numpy names it.
        unit: &'static str,
        /// The time zone's name (`"Europe/Paris"`, `"UTC"`), or `None` for naive times.
        tz: Option<String>,
    },
    /// Text (`str`).
    Text,
    /// `bool` (`object` of `True`, `False` and NaN from its first null on).
    Bool,
}

/// One column's values of a batch of rows; `None` is a null.
#[derive(Debug, Clone, Copy)]
pub enum Values<'a> {
    /// For a [`Kind::Float64`] column.
    Float64(&'a [f64]),
    /// For a [`Kind::Int64`] or [`Kind::Time`] column, with the rows that are null.
    Int64(&'a [i64], Option<&'a [bool]>),
    /// For a [`Kind::Text`] column.
    Text(&'a [Option<&'a str>]),
    /// For a [`Kind::Bool`] column.
    Bool(&'a [Option<bool>]),
}

impl Values<'_> {
    fn len(&self) -> usize {
        match self {
            Values::Float64(v) => v.len(),
            Values::Int64(v, _) => v.len(),
            Values::Text(v) => v.len(),
            Values::Bool(v) => v.len(),
        }
    }
}

/// A block being written.
struct Block {
    number: usize,
    kind: Kind,
    /// Whether an int64 column has become float64.
    as_float: bool,
    store: Store,
}

/// Where a block's values are until the file is finished.
enum Store {
    /// Numbers and times: in the file, written as batches come.
    Written(Dataset),
    /// Text: the pickle of the object array, written by `finish`.
    Objects(ObjectArray),
    /// Bools: 0 (false), 1 (true) or [`MISSING`], one byte per row, written by `finish`.
    Bools(Vec<u8>),
}

/// A missing bool in [`Store::Bools`].
const MISSING: u8 = 2;

/// A frame of typed columns written a batch of rows at a time.
///
/// ```no_run
/// use pardata::io::frame::append::{FrameAppender, Kind, Values};
/// use std::path::Path;
///
/// let columns = [("price", Kind::Float64), ("count", Kind::Int64)];
/// let mut frame = FrameAppender::create(Path::new("t.h5"), "data", &columns)?;
/// frame.append(&[Values::Float64(&[1.5, 2.5]), Values::Int64(&[3, 4], None)])?;
/// frame.finish()?;
/// # Ok::<(), pardata::io::frame::FrameError>(())
/// ```
pub struct FrameAppender {
    path: PathBuf,
    file: File,
    frame: Group,
    index: Dataset,
    blocks: Vec<Block>,
    rows: usize,
}

impl FrameAppender {
    /// Creates the file at `path` with the frame `key` of `columns` and no rows yet.
    pub fn create(
        path: &Path,
        key: &str,
        columns: &[(&str, Kind)],
    ) -> Result<FrameAppender, FrameError> {
        let wrap = |source| FrameError::Write {
            path: path.to_path_buf(),
            source,
        };
        let (file, frame) = create_frame_group(path, key).map_err(wrap)?;
        let layout = || -> hdf5::Result<(Dataset, Vec<Block>)> {
            let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
            write_names(&frame, "axis0", &names)?;
            let index = frame
                .new_dataset::<i64>()
                .chunk(CHUNK_ROWS)
                .shape(0..)
                .create("axis1")?;
            array_attrs(&index)?;
            text_attr(&index, "kind", "integer")?;
            super::no_name_attr(&index)?;
            let mut blocks = Vec::with_capacity(columns.len());
            for (number, (name, kind)) in columns.iter().enumerate() {
                write_names(&frame, &format!("block{number}_items"), &[name])?;
                text_attr(&frame, &format!("block{number}_items_variety"), "regular")?;
                let store = match kind {
                    Kind::Text => Store::Objects(ObjectArray::new()),
                    Kind::Bool => Store::Bools(Vec::new()),
                    _ => Store::Written(block_values(&frame, number, kind, false)?),
                };
                blocks.push(Block {
                    number,
                    kind: kind.clone(),
                    as_float: false,
                    store,
                });
            }
            int_attr(&frame, "nblocks", columns.len() as i64)?;
            Ok((index, blocks))
        };
        let (index, blocks) = layout().map_err(wrap)?;
        Ok(FrameAppender {
            path: path.to_path_buf(),
            file,
            frame,
            index,
            blocks,
            rows: 0,
        })
    }

    /// Appends a batch of rows: one [`Values`] per column, in the columns' order, all of
    /// one length.
    pub fn append(&mut self, batch: &[Values<'_>]) -> Result<(), FrameError> {
        let rows = batch.first().map_or(0, Values::len);
        let (path, start) = (self.path.clone(), self.rows);
        let wrap = |source| FrameError::Write {
            path: path.clone(),
            source,
        };
        if batch.len() != self.blocks.len() {
            return Err(wrap(hdf5::Error::from(format!(
                "{} columns given for a frame of {}",
                batch.len(),
                self.blocks.len()
            ))));
        }
        if let Some(values) = batch.iter().find(|values| values.len() != rows) {
            return Err(wrap(hdf5::Error::from(format!(
                "a column of {} rows in a batch of {rows}",
                values.len()
            ))));
        }
        let end = start + rows;
        let index: Vec<i64> = (start as i64..end as i64).collect();
        self.index.resize(end).map_err(wrap)?;
        self.index
            .write_slice(&index, s![start..end])
            .map_err(wrap)?;
        for (block, values) in self.blocks.iter_mut().zip(batch) {
            block.append(&self.frame, start, values).map_err(wrap)?;
        }
        self.rows = end;
        Ok(())
    }

    /// Writes the text and bool blocks, and closes the file.
    pub fn finish(self) -> Result<(), FrameError> {
        let wrap = |source| FrameError::Write {
            path: self.path.clone(),
            source,
        };
        for block in self.blocks {
            block.finish(&self.frame).map_err(wrap)?;
        }
        drop(self.index);
        drop(self.frame);
        self.file.close().map_err(wrap)
    }
}

impl Block {
    /// Writes `values` at rows `start..`.
    fn append(&mut self, frame: &Group, start: usize, values: &Values<'_>) -> hdf5::Result<()> {
        match (values, &self.kind) {
            (Values::Float64(floats), Kind::Float64) => self.write(start, floats),
            (Values::Int64(ints, nulls), Kind::Int64) => {
                let has_null = nulls.is_some_and(|n| n.iter().any(|&null| null));
                if has_null && !self.as_float {
                    self.become_float(frame, start)?;
                }
                if self.as_float {
                    let floats: Vec<f64> = ints
                        .iter()
                        .enumerate()
                        .map(|(i, &v)| match nulls {
                            Some(nulls) if nulls[i] => f64::NAN,
                            _ => v as f64,
                        })
                        .collect();
                    self.write(start, &floats)
                } else {
                    self.write(start, ints)
                }
            }
            (Values::Int64(ints, nulls), Kind::Time { .. }) => {
                // pandas' NaT is the smallest int64.
                let times: Vec<i64> = ints
                    .iter()
                    .enumerate()
                    .map(|(i, &v)| match nulls {
                        Some(nulls) if nulls[i] => i64::MIN,
                        _ => v,
                    })
                    .collect();
                self.write(start, &times)
            }
            (Values::Text(texts), Kind::Text) => {
                if let Store::Objects(objects) = &mut self.store {
                    for text in texts.iter() {
                        match text {
                            Some(text) => objects.push_text(text),
                            None => objects.push_missing(),
                        }
                    }
                }
                Ok(())
            }
            (Values::Bool(bools), Kind::Bool) => {
                if let Store::Bools(held) = &mut self.store {
                    held.extend(bools.iter().map(|b| b.map_or(MISSING, u8::from)));
                }
                Ok(())
            }
            _ => Err(hdf5::Error::from(format!(
                "block {}: values of another type than its column's",
                self.number
            ))),
        }
    }

    /// Writes `values` as rows `start..` of the block, growing it.
    fn write<T: hdf5::H5Type + Copy>(&self, start: usize, values: &[T]) -> hdf5::Result<()> {
        let Store::Written(dataset) = &self.store else {
            return Err(self.not_written());
        };
        let end = start + values.len();
        dataset.resize((end, 1))?;
        let column = Array2::from_shape_vec((values.len(), 1), values.to_vec())
            .map_err(|e| hdf5::Error::from(e.to_string()))?;
        dataset.write_slice(&column, s![start..end, ..])
    }

    fn not_written(&self) -> hdf5::Error {
        hdf5::Error::from(format!(
            "block {}: numbers for a block of {:?}",
            self.number, self.kind
        ))
    }

    /// Writes a held block: text as one pickled object array; bools as a bitfield block,
    /// or as objects when one is missing.
    fn finish(self, frame: &Group) -> hdf5::Result<()> {
        let name = format!("block{}_values", self.number);
        match self.store {
            Store::Written(_) => Ok(()),
            Store::Objects(objects) => write_objects(frame, &name, objects),
            Store::Bools(bools) if bools.contains(&MISSING) => {
                let mut objects = ObjectArray::new();
                for &b in &bools {
                    match b {
                        MISSING => objects.push_missing(),
                        b => objects.push_bool(b == 1),
                    }
                }
                write_objects(frame, &name, objects)
            }
            Store::Bools(bools) => write_bools(frame, &name, &bools),
        }
    }

    /// Makes an int64 block float64: a new block under the same name, with the first
    /// `rows` values copied.
    fn become_float(&mut self, frame: &Group, rows: usize) -> hdf5::Result<()> {
        let Store::Written(ints) = &self.store else {
            return Err(self.not_written());
        };
        let name = format!("block{}_values", self.number);
        frame.unlink(&name)?;
        let floats = block_values(frame, self.number, &Kind::Float64, true)?;
        floats.resize((rows, 1))?;
        for from in (0..rows).step_by(CHUNK_ROWS) {
            let to = (from + CHUNK_ROWS).min(rows);
            let ints: Array2<i64> = ints.read_slice(s![from..to, ..])?;
            floats.write_slice(&ints.mapv(|v| v as f64), s![from..to, ..])?;
        }
        self.store = Store::Written(floats);
        self.as_float = true;
        Ok(())
    }
}

/// A new, empty, growing `blockN_values` for `kind` (float64 when `as_float`).
fn block_values(
    frame: &Group,
    number: usize,
    kind: &Kind,
    as_float: bool,
) -> hdf5::Result<Dataset> {
    let name = format!("block{number}_values");
    let builder = frame.new_dataset_builder().chunk((CHUNK_ROWS, 1));
    let values = match kind {
        Kind::Int64 if !as_float => builder
            .empty::<i64>()
            .shape((0.., 1))
            .create(name.as_str())?,
        Kind::Time { .. } => builder
            .empty::<i64>()
            .shape((0.., 1))
            .create(name.as_str())?,
        _ => builder
            .empty::<f64>()
            .shape((0.., 1))
            .create(name.as_str())?,
    };
    array_attrs(&values)?;
    if let Kind::Time { unit, tz } = kind {
        text_attr(&values, "value_type", &format!("datetime64[{unit}]"))?;
        if let Some(tz) = tz {
            text_attr(&values, "tz", tz)?;
        }
    }
    Ok(values)
}

/// An object block: PyTables' `VLARRAY` of one pickled object array (`PSEUDOATOM =
/// "object"`), as pandas' `write_array` makes for object and `str` columns.
fn write_objects(frame: &Group, name: &str, objects: ObjectArray) -> hdf5::Result<()> {
    let pickle = hdf5::types::VarLenArray::from_slice(&objects.finish());
    let dataset = frame
        .new_dataset::<hdf5::types::VarLenArray<u8>>()
        .chunk(1)
        .shape(1..)
        .create(name)?;
    dataset.write_raw(&[pickle])?;
    text_attr(&dataset, "CLASS", "VLARRAY")?;
    text_attr(&dataset, "VERSION", "1.4")?;
    text_attr(&dataset, "PSEUDOATOM", "object")?;
    dataset
        .new_attr::<u8>()
        .create("transposed")?
        .write_scalar(&1u8)
}

/// A bool block: rows x 1 of HDF5's 8-bit little-endian bitfield, the type PyTables
/// reads as numpy's `bool` (hdf5-metno has no bitfield type, hence the C API).
fn write_bools(frame: &Group, name: &str, bools: &[u8]) -> hdf5::Result<()> {
    use hdf5_sys::h5d::{H5Dcreate2, H5Dwrite};
    use hdf5_sys::h5p::{
        H5Pclose, H5Pcreate, H5Pset_obj_track_times, H5P_CLS_DATASET_CREATE, H5P_DEFAULT,
    };
    use hdf5_sys::h5s::{H5Sclose, H5Screate_simple, H5S_ALL};
    use hdf5_sys::h5t::{H5T_NATIVE_B8, H5T_STD_B8LE};

    let c_name = std::ffi::CString::new(name).map_err(|e| hdf5::Error::from(e.to_string()))?;
    let id = hdf5::sync::sync(|| {
        // SAFETY: the space and list made here are closed here; the buffer holds `bools.len()` bytes,
        // what the rows x 1 space of 1-byte bitfields describes; the dataset's id is
        // returned open, for `from_id` to own.
        unsafe {
            let dims = [bools.len() as u64, 1];
            let space = H5Screate_simple(2, dims.as_ptr(), std::ptr::null());
            // No modification time: the same frame gives the same bytes on every run.
            let create = H5Pcreate(*H5P_CLS_DATASET_CREATE);
            H5Pset_obj_track_times(create, 0);
            let dataset = H5Dcreate2(
                frame.id(),
                c_name.as_ptr(),
                *H5T_STD_B8LE,
                space,
                H5P_DEFAULT,
                create,
                H5P_DEFAULT,
            );
            H5Pclose(create);
            H5Sclose(space);
            if dataset < 0 {
                return Err(hdf5::Error::from(format!("cannot create {name}")));
            }
            let status = H5Dwrite(
                dataset,
                *H5T_NATIVE_B8,
                H5S_ALL,
                H5S_ALL,
                H5P_DEFAULT,
                bools.as_ptr().cast(),
            );
            if status < 0 {
                hdf5_sys::h5d::H5Dclose(dataset);
                return Err(hdf5::Error::from(format!("cannot write {name}")));
            }
            Ok(dataset)
        }
    })?;
    // SAFETY: `id` is a dataset just created and open, owned by nothing else.
    let dataset: Dataset = unsafe { hdf5::from_id(id)? };
    array_attrs(&dataset)
}
