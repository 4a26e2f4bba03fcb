//! Data frames in pandas' HDF5 "fixed" format: what `DataFrame.to_hdf(path, key=KEY)`
//! writes and `pandas.read_hdf(path, KEY)` reads, written and read with the hdf5 crate.
//!
//! The layout (worked out from frames pandas 3.1 and PyTables 3.11 wrote, seen with
//! `h5dump`): a group `/KEY` with attributes `pandas_type = "frame"`, `ndim = 2`,
//! `nblocks`, `axis0_variety`, `axis1_variety` and `blockN_items_variety` (all
//! `"regular"`), `encoding = "UTF-8"`, `errors = "strict"`; inside it, `axis0` (the column
//! names, fixed-length strings, `kind = "string"`), `axis1` (the row index, int64 0..n,
//! `kind = "integer"`), and per block of columns of one dtype `blockN_items` (the block's
//! column names) and `blockN_values` (an n x k array, row-major, `transposed = 1`;
//! pardata writes each float column as a block of its own, k = 1, which pandas reads as
//! it reads its own unconsolidated frames, so that one column is one contiguous read);
//! datetime blocks hold int64 nanoseconds since the epoch with `value_type =
//! "datetime64"`. Every array carries PyTables' `CLASS = "ARRAY"`, `VERSION = "2.4"`,
//! `FLAVOR = "numpy"`, groups `CLASS = "GROUP"`, `VERSION = "1.0"`.
//!
//! Reading finds a named float64 column in whichever block holds it, so frames that pandas
//! wrote (with any block order) read the same as pardata's. Files are opened read-only.

pub mod append;
pub mod pickle;
pub mod unpickle;

use std::path::{Path, PathBuf};
use std::str::FromStr;

use hdf5::types::{FixedAscii, FixedUnicode, TypeDescriptor};
use hdf5::{Dataset, File, Group, Location};
use ndarray::{Array1, Array2, ArrayView2};

/// Longest column name or attribute text written. Attribute texts are UTF-8 at their exact
/// length, as PyTables writes them (it reads ASCII ones as bytes, and keeps padding).
const TEXT: usize = 128;
type Text = FixedUnicode<TEXT>;

/// One column of a frame to write.
#[derive(Debug, Clone, Copy)]
pub enum Column<'a> {
    /// A float64 column: its name and its values.
    Float64(&'a str, &'a [f64]),
    /// Nanoseconds since 1970-01-01T00:00:00, as pandas' `datetime64[ns]`.
    DateTime64(&'a str, &'a [i64]),
}

impl Column<'_> {
    fn name(&self) -> &str {
        match self {
            Column::Float64(name, _) | Column::DateTime64(name, _) => name,
        }
    }

    fn len(&self) -> usize {
        match self {
            Column::Float64(_, values) => values.len(),
            Column::DateTime64(_, values) => values.len(),
        }
    }
}

/// Why a frame cannot be written or read.
#[derive(Debug, thiserror::Error)]
pub enum FrameError {
    /// The file could not be opened as HDF5.
    #[error("cannot open {}: not a readable HDF5 file ({source})", path.display())]
    Open {
        /// The file.
        path: PathBuf,
        /// The HDF5 library's error.
        source: hdf5::Error,
    },
    /// The file has nothing under the frame's key.
    #[error("{}: no frame under the key '{key}'", path.display())]
    MissingKey {
        /// The file.
        path: PathBuf,
        /// The key asked for.
        key: String,
    },
    /// No block of the frame names the column asked for.
    #[error("{}: the frame '{key}' has no column '{column}' (columns: {available})", path.display())]
    MissingColumn {
        /// The file.
        path: PathBuf,
        /// The frame's key.
        key: String,
        /// The column asked for.
        column: String,
        /// The frame's column names, comma-separated.
        available: String,
    },
    /// The key holds something other than a frame in pandas' fixed format.
    #[error("{}: '{key}' is not a pandas frame in the fixed format: {detail}", path.display())]
    NotAFrame {
        /// The file.
        path: PathBuf,
        /// The frame's key.
        key: String,
        /// What is missing or malformed.
        detail: String,
    },
    /// The file, or the frame's group, holds a link to another file; it is not followed.
    #[error("{}: '{link}' is an external link to another file: refused (inputs are read from the file given, nowhere else)", path.display())]
    ExternalLink {
        /// The file.
        path: PathBuf,
        /// The link's path inside the file.
        link: String,
    },
    /// The column exists but its values are not float64.
    #[error("{}: column '{column}' of '{key}' is not float64", path.display())]
    NotFloat {
        /// The file.
        path: PathBuf,
        /// The frame's key.
        key: String,
        /// The column asked for.
        column: String,
    },
    /// The HDF5 library failed while creating or writing the file.
    #[error("cannot write {}: {source}", path.display())]
    Write {
        /// The file.
        path: PathBuf,
        /// The HDF5 library's error.
        source: hdf5::Error,
    },
    /// The columns to write are not all of one length.
    #[error("cannot write {}: {detail}", path.display())]
    Shape {
        /// The file.
        path: PathBuf,
        /// Which column has how many rows.
        detail: String,
    },
}

fn text(value: &str) -> hdf5::Result<Text> {
    Text::from_str(value)
        .map_err(|e| hdf5::Error::from(format!("'{value}' is not a short text: {e}")))
}

/// A text attribute stored at its exact length, as PyTables reads texts with their padding.
fn text_attr(location: &Location, name: &str, value: &str) -> hdf5::Result<()> {
    let exact = TypeDescriptor::FixedUnicode(value.len().max(1));
    location
        .new_attr_builder()
        .empty_as(&exact)
        .create(name)?
        .write_scalar(&text(value)?)
}

fn int_attr(location: &Location, name: &str, value: i64) -> hdf5::Result<()> {
    location
        .new_attr::<i64>()
        .create(name)?
        .write_scalar(&value)
}

fn array_attrs(dataset: &Dataset) -> hdf5::Result<()> {
    text_attr(dataset, "CLASS", "ARRAY")?;
    text_attr(dataset, "VERSION", "2.4")?;
    text_attr(dataset, "FLAVOR", "numpy")?;
    dataset
        .new_attr::<u8>()
        .create("transposed")?
        .write_scalar(&1u8)
}

fn group_attrs(group: &Location) -> hdf5::Result<()> {
    text_attr(group, "CLASS", "GROUP")?;
    text_attr(group, "VERSION", "1.0")
}

/// An index of names (`axis0`, `blockN_items`).
fn write_names(group: &Group, dataset: &str, names: &[&str]) -> hdf5::Result<()> {
    let values = names
        .iter()
        .map(|n| {
            FixedAscii::<TEXT>::from_ascii(n)
                .map_err(|e| hdf5::Error::from(format!("column name '{n}': {e}")))
        })
        .collect::<hdf5::Result<Vec<_>>>()?;
    // ASCII at the longest name's length, as pandas writes names.
    let longest = names.iter().map(|n| n.len()).max().unwrap_or(1).max(1);
    let ds = group
        .new_dataset_builder()
        .empty_as(&TypeDescriptor::FixedAscii(longest))
        .shape(values.len())
        .create(dataset)?;
    ds.write_raw(&values)?;
    array_attrs(&ds)?;
    text_attr(&ds, "kind", "string")?;
    no_name_attr(&ds)
}

/// `name = None`, as PyTables stores it: the pickle of `None` in an ASCII text.
fn no_name_attr(location: &Location) -> hdf5::Result<()> {
    let pickled_none =
        FixedAscii::<TEXT>::from_ascii("N.").map_err(|e| hdf5::Error::from(e.to_string()))?;
    location
        .new_attr_builder()
        .empty_as(&TypeDescriptor::FixedAscii(2))
        .create("name")?
        .write_scalar(&pickled_none)
}

/// Writes `columns` (all of one length) as the frame `key` of a new file at `path`.
pub fn write_frame(path: &Path, key: &str, columns: &[Column<'_>]) -> Result<(), FrameError> {
    let rows = columns.first().map_or(0, Column::len);
    if let Some(bad) = columns.iter().find(|c| c.len() != rows) {
        let detail = format!("column '{}' has {} rows, not {rows}", bad.name(), bad.len());
        return Err(FrameError::Shape {
            path: path.to_path_buf(),
            detail,
        });
    }
    write_layout(path, key, columns, rows).map_err(|source| FrameError::Write {
        path: path.to_path_buf(),
        source,
    })
}

fn write_layout(path: &Path, key: &str, columns: &[Column<'_>], rows: usize) -> hdf5::Result<()> {
    let (file, frame) = create_frame_group(path, key)?;
    let names: Vec<&str> = columns.iter().map(Column::name).collect();
    write_names(&frame, "axis0", &names)?;
    let index = frame
        .new_dataset_builder()
        .with_data(&Array1::from_iter(0..rows as i64))
        .create("axis1")?;
    array_attrs(&index)?;
    text_attr(&index, "kind", "integer")?;
    no_name_attr(&index)?;

    let floats: Vec<(&str, &[f64])> = columns
        .iter()
        .filter_map(|c| match c {
            Column::Float64(name, values) => Some((*name, *values)),
            Column::DateTime64(..) => None,
        })
        .collect();
    let datetimes: Vec<(&str, &[i64])> = columns
        .iter()
        .filter_map(|c| match c {
            Column::DateTime64(name, values) => Some((*name, *values)),
            Column::Float64(..) => None,
        })
        .collect();
    // One block per float column: a reader of one column (correlate) reads it in one
    // contiguous transfer, where a shared block's row-major layout would interleave them.
    let mut blocks = 0;
    for column in &floats {
        write_block(&frame, blocks, std::slice::from_ref(column), rows, None)?;
        blocks += 1;
    }
    if !datetimes.is_empty() {
        write_block(&frame, blocks, &datetimes, rows, Some("datetime64"))?;
        blocks += 1;
    }
    int_attr(&frame, "nblocks", blocks)?;
    file.close()
}

/// A new file at `path` holding the (so far empty) frame group `key`.
fn create_frame_group(path: &Path, key: &str) -> hdf5::Result<(File, Group)> {
    // No modification times in the file: the same frame gives the same bytes on every run.
    let file = File::with_options()
        .with_fcpl(|fcpl| fcpl.obj_track_times(false))
        .create(path)?;
    group_attrs(&file)?;
    text_attr(&file, "PYTABLES_FORMAT_VERSION", "2.1")?;
    let frame = file.create_group(key)?;
    group_attrs(&frame)?;
    text_attr(&frame, "pandas_type", "frame")?;
    text_attr(&frame, "pandas_version", "0.15.2")?;
    text_attr(&frame, "encoding", "UTF-8")?;
    text_attr(&frame, "errors", "strict")?;
    int_attr(&frame, "ndim", 2)?;
    text_attr(&frame, "axis0_variety", "regular")?;
    text_attr(&frame, "axis1_variety", "regular")?;
    Ok((file, frame))
}

/// A square float64 frame written tile by tile: rows and columns both named `names`, as
/// pandas' `DataFrame.corr()` would give (`pandas.read_hdf(path, key)` reads it back). The
/// whole matrix is never held in memory.
pub struct MatrixWriter {
    path: PathBuf,
    file: File,
    values: Dataset,
}

impl MatrixWriter {
    /// Creates the file and the frame's layout; the values start as zeros.
    pub fn create(path: &Path, key: &str, names: &[&str]) -> Result<MatrixWriter, FrameError> {
        let wrap = |source| FrameError::Write {
            path: path.to_path_buf(),
            source,
        };
        let (file, frame) = create_frame_group(path, key).map_err(wrap)?;
        let layout = || -> hdf5::Result<Dataset> {
            write_names(&frame, "axis0", names)?;
            write_names(&frame, "axis1", names)?;
            write_names(&frame, "block0_items", names)?;
            text_attr(&frame, "block0_items_variety", "regular")?;
            int_attr(&frame, "nblocks", 1)?;
            let n = names.len();
            let values = frame
                .new_dataset::<f64>()
                .shape((n, n))
                .create("block0_values")?;
            array_attrs(&values)?;
            Ok(values)
        };
        let values = layout().map_err(wrap)?;
        Ok(MatrixWriter {
            path: path.to_path_buf(),
            file,
            values,
        })
    }

    /// Writes `tile` with its top-left corner at (`row`, `column`).
    pub fn write_tile(
        &self,
        row: usize,
        column: usize,
        tile: ndarray::ArrayView2<'_, f64>,
    ) -> Result<(), FrameError> {
        let (rows, columns) = tile.dim();
        self.values
            .write_slice(
                tile.as_standard_layout().view(),
                ndarray::s![row..row + rows, column..column + columns],
            )
            .map_err(|source| FrameError::Write {
                path: self.path.clone(),
                source,
            })
    }

    /// Closes the file.
    pub fn finish(self) -> Result<(), FrameError> {
        drop(self.values);
        self.file.close().map_err(|source| FrameError::Write {
            path: self.path,
            source,
        })
    }
}

/// Block `number`: its item names and its values as an n x k row-major array.
fn write_block<T: hdf5::H5Type + Copy + Default>(
    frame: &Group,
    number: i64,
    columns: &[(&str, &[T])],
    rows: usize,
    value_type: Option<&str>,
) -> hdf5::Result<()> {
    let names: Vec<&str> = columns.iter().map(|(name, _)| *name).collect();
    write_names(frame, &format!("block{number}_items"), &names)?;
    let name = format!("block{number}_values");
    let ds = match columns {
        // One column is already the n x 1 array, row after row: written from where it is.
        [(_, values)] => frame
            .new_dataset_builder()
            .with_data(&ArrayView2::from_shape((rows, 1), values).map_err(|e| e.to_string())?)
            .create(name.as_str())?,
        _ => {
            let values = Array2::from_shape_fn((rows, columns.len()), |(row, column)| {
                columns[column].1[row]
            });
            frame
                .new_dataset_builder()
                .with_data(&values)
                .create(name.as_str())?
        }
    };
    array_attrs(&ds)?;
    text_attr(frame, &format!("block{number}_items_variety"), "regular")?;
    if let Some(value_type) = value_type {
        text_attr(&ds, "value_type", value_type)?;
    }
    Ok(())
}

/// Refuses a `group` (at `prefix` in the file at `path`) that links to another file: an
/// input names one file, and reading it must not open others.
fn refuse_external_links(group: &Group, path: &Path, prefix: &str) -> Result<(), FrameError> {
    let external = group
        .iter_visit_default(None, |_, name, info, found: &mut Option<String>| {
            if info.link_type == hdf5::LinkType::External {
                *found = Some(name.to_string());
                return false;
            }
            true
        })
        .ok()
        .flatten();
    match external {
        Some(name) => Err(FrameError::ExternalLink {
            path: path.to_path_buf(),
            link: format!("{prefix}{name}"),
        }),
        None => Ok(()),
    }
}

/// The HDF5 library's version, as "major.minor.release".
pub fn hdf5_version() -> String {
    let (major, minor, release) = hdf5::library_version();
    format!("{major}.{minor}.{release}")
}

/// The number of rows of the frame `key` in the file at `path` (the length of its index).
pub fn frame_rows(path: &Path, key: &str) -> Result<usize, FrameError> {
    open_frame(path, key)?
        .dataset("axis1")
        .map(|axis| axis.size())
        .map_err(|e| FrameError::NotAFrame {
            path: path.to_path_buf(),
            key: key.into(),
            detail: e.to_string(),
        })
}

/// The group of the frame `key` in the file at `path`, opened read-only, with no link to
/// another file on the way to it or in it.
fn open_frame(path: &Path, key: &str) -> Result<Group, FrameError> {
    let file = File::open(path).map_err(|source| FrameError::Open {
        path: path.to_path_buf(),
        source,
    })?;
    if !file.link_exists(key) {
        return Err(FrameError::MissingKey {
            path: path.to_path_buf(),
            key: key.into(),
        });
    }
    refuse_external_links(&file, path, "")?;
    let frame = file.group(key).map_err(|e| FrameError::NotAFrame {
        path: path.to_path_buf(),
        key: key.into(),
        detail: e.to_string(),
    })?;
    refuse_external_links(&frame, path, &format!("{key}/"))?;
    Ok(frame)
}

/// Reads the float64 column `column` of the frame `key` in the file at `path`.
pub fn read_float_column(path: &Path, key: &str, column: &str) -> Result<Vec<f64>, FrameError> {
    let frame = open_frame(path, key)?;
    let not_a_frame = |detail: String| FrameError::NotAFrame {
        path: path.to_path_buf(),
        key: key.into(),
        detail,
    };
    let blocks: i64 = frame
        .attr("nblocks")
        .and_then(|a| a.read_scalar())
        .map_err(|e| not_a_frame(format!("no nblocks attribute ({e})")))?;
    let mut available = Vec::new();
    for block in 0..blocks {
        let names = frame
            .dataset(&format!("block{block}_items"))
            .and_then(|d| read_names(&d))
            .map_err(|e| not_a_frame(format!("block{block}_items: {e}")))?;
        if let Some(position) = names.iter().position(|n| n == column) {
            let values = frame
                .dataset(&format!("block{block}_values"))
                .map_err(|e| not_a_frame(format!("block{block}_values: {e}")))?;
            return read_block_column(&values, position, names.len()).map_err(
                |detail| match detail {
                    BlockProblem::NotFloat => FrameError::NotFloat {
                        path: path.to_path_buf(),
                        key: key.into(),
                        column: column.into(),
                    },
                    BlockProblem::Other(detail) => {
                        not_a_frame(format!("block{block}_values: {detail}"))
                    }
                },
            );
        }
        available.extend(names);
    }
    Err(FrameError::MissingColumn {
        path: path.to_path_buf(),
        key: key.into(),
        column: column.into(),
        available: available.join(", "),
    })
}

/// Column names stored as UTF-8 (pandas 1.x on) or ASCII (older writers) strings.
fn read_names(dataset: &Dataset) -> hdf5::Result<Vec<String>> {
    match dataset.read_raw::<Text>() {
        Ok(names) => Ok(names.iter().map(|n| n.as_str().to_string()).collect()),
        Err(_) => Ok(dataset
            .read_raw::<FixedAscii<TEXT>>()?
            .iter()
            .map(|n| n.as_str().to_string())
            .collect()),
    }
}

enum BlockProblem {
    NotFloat,
    Other(String),
}

/// Column `position` of a block of `width` columns, stored transposed (n x k, as pandas
/// writes) or not (k x n).
fn read_block_column(
    values: &Dataset,
    position: usize,
    width: usize,
) -> Result<Vec<f64>, BlockProblem> {
    let dtype = values
        .dtype()
        .map_err(|e| BlockProblem::Other(e.to_string()))?;
    if !dtype.is::<f64>() {
        return Err(BlockProblem::NotFloat);
    }
    // pandas writes `transposed` as a numpy bool (an HDF5 bitfield); pardata as a u8.
    let transposed = match values.attr("transposed") {
        Ok(attr) => attr.read_scalar::<u8>().map_or(true, |flag| flag != 0),
        Err(_) => false,
    };
    let shape = values.shape();
    let (rows, columns) = match shape[..] {
        [rows, columns] => (rows, columns),
        _ => {
            return Err(BlockProblem::Other(format!(
                "{} dimensions, not 2",
                shape.len()
            )))
        }
    };
    // The whole block is read in one contiguous transfer and the column picked out here: a
    // strided hyperslab of one column costs HDF5 far more than the bytes it skips.
    let column_of = |block: ndarray::Array2<f64>, along_rows: bool| {
        if along_rows {
            block.column(position).to_vec()
        } else {
            block.row(position).to_vec()
        }
    };
    let along_rows = match (transposed, columns == width, rows == width) {
        (true, true, _) => true,
        (false, _, true) => false,
        _ => {
            let detail = format!("shape {rows} x {columns} does not hold {width} columns");
            return Err(BlockProblem::Other(detail));
        }
    };
    let read = if along_rows && width == 1 {
        values.read_raw::<f64>()
    } else {
        values
            .read_2d::<f64>()
            .map(|block| column_of(block, along_rows))
    };
    read.map_err(|e| BlockProblem::Other(e.to_string()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn written_columns_read_back() {
        let dir = std::env::temp_dir().join(format!("pardata-frame-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("f.h5");
        let stamps = [0i64, 120_000_000_000, 240_000_000_000];
        let (close, open) = ([1.5, 2.5, f64::NAN], [1.0, 2.0, 3.0]);
        let columns = [
            Column::DateTime64("timestamp", &stamps),
            Column::Float64("close", &close),
            Column::Float64("open", &open),
        ];
        write_frame(&path, "data", &columns).unwrap();
        assert_eq!(read_float_column(&path, "data", "open").unwrap(), open);
        let read = read_float_column(&path, "data", "close").unwrap();
        assert_eq!(&read[..2], &close[..2]);
        assert!(read[2].is_nan());
        let missing = read_float_column(&path, "data", "volume")
            .unwrap_err()
            .to_string();
        assert!(
            missing.contains("no column 'volume'") && missing.contains("close, open"),
            "{missing}"
        );
        let not_float = read_float_column(&path, "data", "timestamp")
            .unwrap_err()
            .to_string();
        assert!(
            not_float.contains("'timestamp'") && not_float.contains("not float64"),
            "{not_float}"
        );
        let no_key = read_float_column(&path, "prices", "open")
            .unwrap_err()
            .to_string();
        assert!(
            no_key.contains("no frame under the key 'prices'"),
            "{no_key}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn columns_of_unequal_length_are_refused() {
        let path = std::env::temp_dir().join("pardata-frame-unequal.h5");
        let error = write_frame(
            &path,
            "data",
            &[Column::Float64("a", &[1.0]), Column::Float64("b", &[])],
        )
        .unwrap_err();
        assert!(error.to_string().contains("column 'b' has 0 rows, not 1"));
        assert!(!path.exists());
    }
}
