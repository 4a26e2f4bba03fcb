//! The columnar data layer: the user's tables as Apache Arrow record batches.
//!
//! Readers for CSV ([`csv`]), JSON Lines ([`jsonl`]), Parquet ([`parquet`]) and HDF5
//! ([`h5`]: pandas' table and fixed formats, h5py datasets), chosen by
//! the file's name ([`Format::of`]); writers for the same formats ([`write`](mod@write)); and the
//! columns a computation needs, as plain values ([`columns`]: numbers with nulls as NaN,
//! times as instants). Types follow what pandas gives for the same file: CSV columns are
//! int64, float64, bool or utf8 (dates stay text, as in `pandas.read_csv` without
//! `parse_dates`), nulls are pandas' default NA spellings; JSON Lines keys may come in
//! any order and be missing (null); Parquet keeps its own schema, time zones included.
//!
//! How a set of files is shared out over the ranks is [`pieces`]: byte ranges of large
//! CSV files, whole JSON Lines files, Parquet row groups and HDF5 row ranges, so that one
//! large file is read by every rank, each its own part.
//!
//! Every reader gives its rows a batch at a time ([`open`], [`Batches`]), and the writers
//! take them so ([`write::write_batches`]): `convert` holds one batch, not the file. An
//! uncompressed CSV or JSON Lines text is parsed by all of the rank's threads, a
//! stretch of whole records each, and given in the same batches as by one thread
//! (`parallel.rs`).
//! [`stream`] reads chosen numeric columns of wide Parquet tables in chunks of rows, for
//! bounded-memory correlation.

pub mod batches;
pub mod columns;
pub mod csv;
pub mod h5;
pub mod jsonl;
mod parallel;
pub mod parquet;
pub mod pieces;
pub mod schema;
pub mod stream;
pub mod write;

use std::path::{Path, PathBuf};
use std::sync::Arc;

pub use batches::Batches;

use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;

/// The rows read per record batch.
pub const BATCH_ROWS: usize = 64 * 1024;

/// The file formats of the data layer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub enum Format {
    /// Comma-separated values (`.csv`, `.tsv` with tabs; `.gz` or `.zst` compressed).
    Csv,
    /// One JSON object per line (`.jsonl`, `.ndjson`, `.json`; `.gz` or `.zst`).
    JsonLines,
    /// Apache Parquet (`.parquet`, `.pq`).
    Parquet,
    /// HDF5 (`.h5`, `.hdf5`, `.hdf`): pandas frames and h5py datasets read; pandas frames
    /// of numbers, times, text and bools written ([`write::hdf5`]).
    Hdf5,
}

impl Format {
    /// The format a file's name says, if it is one of the data layer's (in any case; a
    /// `.gz` or `.zst` ending is the compression).
    ///
    /// ```
    /// use pardata::table::Format;
    /// use std::path::Path;
    ///
    /// assert_eq!(Format::of(Path::new("trips.csv.gz")), Some(Format::Csv));
    /// assert_eq!(Format::of(Path::new("events.jsonl")), Some(Format::JsonLines));
    /// assert_eq!(Format::of(Path::new("flights.parquet")), Some(Format::Parquet));
    /// assert_eq!(Format::of(Path::new("frame.h5")), Some(Format::Hdf5));
    /// assert_eq!(Format::of(Path::new("notes.txt")), None);
    /// ```
    pub fn of(path: &Path) -> Option<Format> {
        let name = path.file_name()?.to_string_lossy().to_ascii_lowercase();
        let name = name
            .strip_suffix(".gz")
            .or_else(|| name.strip_suffix(".zst"))
            .unwrap_or(&name);
        let extension = name.rsplit_once('.')?.1;
        match extension {
            "csv" | "tsv" => Some(Format::Csv),
            "jsonl" | "ndjson" | "json" => Some(Format::JsonLines),
            "parquet" | "pq" => Some(Format::Parquet),
            "h5" | "hdf5" | "hdf" => Some(Format::Hdf5),
            _ => None,
        }
    }

    /// The usual file extension of the format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::JsonLines => "jsonl",
            Format::Parquet => "parquet",
            Format::Hdf5 => "h5",
        }
    }
}

/// Why a table cannot be read or written. Every message names the file, and the line, row
/// group or column where that is known.
#[derive(Debug, thiserror::Error)]
pub enum TableError {
    /// The file could not be opened or read.
    #[error("cannot read {}: {source}", path.display())]
    Io {
        /// The file.
        path: PathBuf,
        /// What the system said.
        source: std::io::Error,
    },
    /// The file is not of a format the data layer reads.
    #[error("{}: {detail}", path.display())]
    Unknown {
        /// The file.
        path: PathBuf,
        /// What it seems to be, and what would read it.
        detail: String,
    },
    /// The file's content is not valid for its format (a malformed line, a type conflict,
    /// a truncated footer).
    #[error("{}: {detail}", path.display())]
    Malformed {
        /// The file.
        path: PathBuf,
        /// Where and what, as the parser reports it.
        detail: String,
    },
    /// A column that the computation needs is missing or of the wrong type.
    #[error("{}: {detail}", path.display())]
    Column {
        /// The file.
        path: PathBuf,
        /// Which column and why, with the columns the file has.
        detail: String,
    },
    /// The output could not be written.
    #[error("cannot write {}: {detail}", path.display())]
    Write {
        /// The output file.
        path: PathBuf,
        /// What went wrong.
        detail: String,
    },
}

/// A table read from one file (or a part of one): its schema and its record batches.
#[derive(Debug, Clone)]
pub struct Table {
    /// Where it was read from.
    pub path: PathBuf,
    /// The columns' names and types.
    pub schema: SchemaRef,
    /// The rows, in file order.
    pub batches: Vec<RecordBatch>,
}

impl Table {
    /// The number of rows.
    pub fn rows(&self) -> usize {
        self.batches.iter().map(RecordBatch::num_rows).sum()
    }

    /// The column names, for messages.
    pub fn column_names(&self) -> Vec<String> {
        self.schema
            .fields()
            .iter()
            .map(|f| f.name().clone())
            .collect()
    }
}

/// The column names of `schema`, comma-separated, for messages.
pub(crate) fn column_list(schema: &arrow::datatypes::Schema) -> String {
    schema
        .fields()
        .iter()
        .map(|f| f.name().as_str())
        .collect::<Vec<_>>()
        .join(", ")
}

/// How to read the files: CSV's dialect, and what to read of an HDF5 file (the other
/// formats describe themselves).
#[derive(Debug, Clone)]
pub struct ReadOptions {
    /// The field separator (`,` by default; `\t` for `.tsv` files).
    pub delimiter: Option<u8>,
    /// Whether the first line names the columns (pandas' default: yes).
    pub header: bool,
    /// How many records the type inference looks at.
    pub infer_rows: usize,
    /// The frame or dataset of an HDF5 file (its only one when `None`).
    pub key: Option<String>,
    /// Leave out text columns of HDF5 frames instead of refusing them (for computations
    /// that need only numbers).
    pub numbers_only: bool,
    /// Types of CSV and JSON Lines columns instead of the inferred ones (`--schema`).
    pub types: schema::Types,
    /// The keys and kinds of JSON Lines files read in byte pieces, as the ranks agreed
    /// them from every piece ([`pieces::agreed_keys`]).
    pub json_keys: std::collections::BTreeMap<PathBuf, jsonl::Keys>,
    /// The types of JSON Lines files read in byte pieces, from their agreed keys
    /// ([`pieces::typed`]); a file not here is typed by reading it whole.
    pub json_typings: std::collections::BTreeMap<PathBuf, jsonl::Typing>,
    /// Only these columns, where the format can skip the others (Parquet decodes only
    /// their column chunks, JSON Lines only their keys: [`jsonl::Keep`]); `None` for all.
    /// Readers of other formats give every column.
    pub columns: Option<Vec<String>>,
    /// Text columns of Parquet files read as dictionaries (`Dictionary(Int32, Utf8)`:
    /// each page's keys and its column chunk's values) instead of one text per row, for
    /// the group-by that keys its groups by dictionary values ([`parquet::open`]). Other
    /// formats ignore it.
    pub dictionaries: Vec<String>,
}

impl ReadOptions {
    /// The keys a JSON Lines reading keeps: [`ReadOptions::columns`].
    pub fn keep(&self) -> jsonl::Keep {
        jsonl::Keep::of(self.columns.as_deref())
    }
}

impl Default for ReadOptions {
    fn default() -> ReadOptions {
        ReadOptions {
            delimiter: None,
            header: true,
            infer_rows: 10_000,
            key: None,
            numbers_only: false,
            types: Vec::new(),
            json_keys: Default::default(),
            json_typings: Default::default(),
            columns: None,
            dictionaries: Vec::new(),
        }
    }
}

/// Reads a whole file of any of the data layer's formats (all row groups of a Parquet
/// file).
///
/// ```no_run
/// use pardata::table::{read, ReadOptions};
/// use std::path::Path;
///
/// let table = read(Path::new("flights.csv"), &ReadOptions::default()).unwrap();
/// println!("{} rows of {:?}", table.rows(), table.column_names());
/// ```
pub fn read(path: &Path, options: &ReadOptions) -> Result<Table, TableError> {
    consume(path, options, Batches::into_table)
}

/// What `consume` makes of all the record batches of a file, read in one pass where
/// that gives the batches [`open`] gives: a JSON Lines file is typed from its head and
/// checked as it is decoded (by one thread or several). When a later line types it
/// otherwise, or anything fails, the first batches given are left and `consume` is
/// called again with [`open`]'s batches, whose types and errors are the ones that stand
/// (so it must start afresh each time: collect into a new table, write a temporary file;
/// and it must take every batch: one that stops early has the head's types). The other
/// formats are [`open`]'s batches once.
///
/// ```no_run
/// use pardata::table::{consume, ReadOptions};
/// use std::path::Path;
///
/// let rows = consume(Path::new("events.jsonl"), &ReadOptions::default(), |batches| {
///     batches.map(|batch| batch.map(|b| b.num_rows())).sum::<Result<usize, _>>()
/// })?;
/// println!("{rows} rows");
/// # Ok::<(), pardata::table::TableError>(())
/// ```
pub fn consume<T>(
    path: &Path,
    options: &ReadOptions,
    mut consume: impl FnMut(Batches) -> Result<T, TableError>,
) -> Result<T, TableError> {
    let flags = Arc::new(jsonl::ReadOnce::default());
    match consume(open_as(path, options, Some(&flags))?) {
        Ok(done) if !flags.retyped() => Ok(done),
        Err(error) if !flags.read() => Err(error),
        _ => consume(open(path, options)?),
    }
}

/// The record batches of a whole file of any of the data layer's formats, read as they
/// are asked for: a CSV, JSON Lines or Parquet file one batch of rows at a time, an HDF5
/// frame or dataset [`pieces::HDF5_ROWS`] rows at a time.
///
/// ```no_run
/// use pardata::table::{open, ReadOptions};
/// use std::path::Path;
///
/// let mut rows = 0;
/// for batch in open(Path::new("trips.csv"), &ReadOptions::default())? {
///     rows += batch?.num_rows();
/// }
/// println!("{rows} rows");
/// # Ok::<(), pardata::table::TableError>(())
/// ```
pub fn open(path: &Path, options: &ReadOptions) -> Result<Batches, TableError> {
    open_as(path, options, None)
}

/// [`open`]'s batches, or with `once` a JSON Lines file's in one pass
/// ([`jsonl::open_once`], which notes in `once` what it did).
fn open_as(
    path: &Path,
    options: &ReadOptions,
    once: Option<&Arc<jsonl::ReadOnce>>,
) -> Result<Batches, TableError> {
    let format = Format::of(path);
    if let Some(text @ (Format::Csv | Format::JsonLines)) = format {
        if !pieces::compressed(path) {
            let bytes = 0..file_size(path)?;
            if let Some(batches) = parallel::open(path, text, options, bytes, once)? {
                return Ok(batches);
            }
        }
    }
    match format {
        Some(Format::Csv) => csv::open(path, options),
        Some(Format::JsonLines) => match once {
            Some(flags) => jsonl::open_once(path, &options.types, &options.keep(), flags.clone()),
            None => jsonl::open(path, &options.types, &options.keep()),
        },
        Some(Format::Parquet) => parquet::open(
            path,
            None,
            options.columns.as_deref(),
            &options.dictionaries,
        ),
        Some(Format::Hdf5) => h5::open(path, options.key.as_deref(), options.numbers_only),
        None => Err(unknown(path)),
    }
}

/// A number of bytes from the environment variable `name` (a positive integer), or
/// `default`: the sizes that tests make small.
fn bytes_from_env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&b| b > 0)
        .unwrap_or(default)
}

/// The bytes of the file at `path`.
pub(crate) fn file_size(path: &Path) -> Result<u64, TableError> {
    let metadata = std::fs::metadata(path).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    Ok(metadata.len())
}

/// Why [`files_of`] found no file where a path was given.
#[derive(Debug, thiserror::Error)]
pub enum PathProblem {
    /// The folder could not be listed.
    #[error("cannot list {}: {}", .0.display(), .1)]
    List(PathBuf, std::io::Error),
    /// The folder holds no file of the data layer's formats.
    #[error("{}: no CSV, JSON Lines, Parquet or HDF5 file in this folder", .0.display())]
    Empty(PathBuf),
    /// Nothing is at the path.
    #[error("{}: no such file or folder", .0.display())]
    Missing(PathBuf),
}

/// The table files of `paths`: each file as given, each folder's files of the data
/// layer's formats other than `skip`, by name ([`tables_in`]).
///
/// ```no_run
/// use pardata::table::files_of;
///
/// let files = files_of(&["trips".into(), "extra.csv".into()], None).unwrap();
/// println!("{} files", files.len());
/// ```
pub fn files_of(paths: &[PathBuf], skip: Option<Format>) -> Result<Vec<PathBuf>, PathProblem> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let found = tables_in(path, skip).map_err(|e| PathProblem::List(path.clone(), e))?;
            if found.is_empty() {
                return Err(PathProblem::Empty(path.clone()));
            }
            files.extend(found);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(PathProblem::Missing(path.clone()));
        }
    }
    Ok(files)
}

/// The files of `folder` whose names are of the data layer's formats, other than `skip`,
/// sorted by name.
pub fn tables_in(folder: &Path, skip: Option<Format>) -> std::io::Result<Vec<PathBuf>> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        if path.is_file() && Format::of(&path).is_some_and(|f| Some(f) != skip) {
            found.push(path);
        }
    }
    found.sort();
    Ok(found)
}

/// The error for a file whose name is none of the data layer's formats, saying what the
/// file looks like and what reads it.
pub fn unknown(path: &Path) -> TableError {
    let mut head = [0u8; 8];
    let looks = std::fs::File::open(path)
        .and_then(|mut f| std::io::Read::read(&mut f, &mut head))
        .map(|n| &head[..n])
        .unwrap_or_default();
    let detail = if looks.starts_with(b"\x89HDF") {
        "an HDF5 file without the .h5 extension: rename it to NAME.h5".to_string()
    } else if looks.starts_with(b"PAR1") {
        "a Parquet file without the .parquet extension: rename it to NAME.parquet".to_string()
    } else {
        "not a file the data layer reads: name it .csv, .tsv, .jsonl, .ndjson, .json or .parquet (optionally .gz or .zst)".to_string()
    };
    TableError::Unknown {
        path: path.to_path_buf(),
        detail,
    }
}

/// Opens `path` for reading, through gzip or zstd when its name ends in `.gz` or `.zst`.
pub(crate) fn open_text(path: &Path) -> Result<Box<dyn std::io::BufRead>, TableError> {
    let file = std::fs::File::open(path).map_err(|source| TableError::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    let reader: Box<dyn std::io::Read> = if name.ends_with(".gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else if name.ends_with(".zst") {
        Box::new(
            zstd::stream::read::Decoder::new(file).map_err(|source| TableError::Io {
                path: path.to_path_buf(),
                source,
            })?,
        )
    } else {
        Box::new(file)
    };
    Ok(Box::new(std::io::BufReader::with_capacity(1 << 20, reader)))
}
