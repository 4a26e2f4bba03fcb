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
//!   block's `tz` attribute when they have one; a null is NaT.

use std::path::{Path, PathBuf};

use hdf5::{Dataset, File, Group};
use ndarray::{s, Array2};

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
}

/// One column's values of a batch of rows; `None` is a null.
#[derive(Debug, Clone, Copy)]
pub enum Values<'a> {
    /// For a [`Kind::Float64`] column.
    Float64(&'a [f64]),
    /// For a [`Kind::Int64`] or [`Kind::Time`] column, with the rows that are null.
    Int64(&'a [i64], Option<&'a [bool]>),
}

/// A block being written.
struct Block {
    number: usize,
    kind: Kind,
    /// Whether an int64 column has become float64.
    as_float: bool,
    values: Dataset,
}

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
                let values = block_values(&frame, number, kind, false)?;
                blocks.push(Block {
                    number,
                    kind: kind.clone(),
                    as_float: false,
                    values,
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
        let rows = batch.first().map_or(0, |values| match values {
            Values::Float64(v) => v.len(),
            Values::Int64(v, _) => v.len(),
        });
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

    /// Closes the file.
    pub fn finish(self) -> Result<(), FrameError> {
        drop(self.blocks);
        drop(self.index);
        drop(self.frame);
        self.file.close().map_err(|source| FrameError::Write {
            path: self.path,
            source,
        })
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
            _ => Err(hdf5::Error::from(format!(
                "block {}: values of another type than its column's",
                self.number
            ))),
        }
    }

    /// Writes `values` as rows `start..` of the block, growing it.
    fn write<T: hdf5::H5Type + Copy>(&self, start: usize, values: &[T]) -> hdf5::Result<()> {
        let end = start + values.len();
        self.values.resize((end, 1))?;
        let column = Array2::from_shape_vec((values.len(), 1), values.to_vec())
            .map_err(|e| hdf5::Error::from(e.to_string()))?;
        self.values.write_slice(&column, s![start..end, ..])
    }

    /// Makes an int64 block float64: a new block under the same name, with the first
    /// `rows` values copied.
    fn become_float(&mut self, frame: &Group, rows: usize) -> hdf5::Result<()> {
        let name = format!("block{}_values", self.number);
        frame.unlink(&name)?;
        let floats = block_values(frame, self.number, &Kind::Float64, true)?;
        floats.resize((rows, 1))?;
        for from in (0..rows).step_by(CHUNK_ROWS) {
            let to = (from + CHUNK_ROWS).min(rows);
            let ints: Array2<i64> = self.values.read_slice(s![from..to, ..])?;
            floats.write_slice(&ints.mapv(|v| v as f64), s![from..to, ..])?;
        }
        self.values = floats;
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
