//! How a set of table files is shared out over the ranks: each CSV or JSON Lines file is
//! one piece (an uncompressed one larger than [`csv_piece_bytes`] is cut in pieces of
//! that many bytes, at line ends: [`LineRange`]; a smaller CSV file is one such range, a
//! smaller JSON Lines file is read whole, in one pass), each row group of a Parquet file
//! another, and each run of [`HDF5_ROWS`] rows of an HDF5 frame or dataset another (a
//! hyperslab); the pieces do not depend on the rank count; rank r reads the r-th block of
//! the pieces in file order ([`crate::patterns::map::block`]), so one large Parquet file
//! is read by every rank, and the rows of all ranks in rank order are the rows of the
//! files in order.

use std::collections::BTreeMap;
use std::ops::Range;
use std::path::{Path, PathBuf};

use super::{csv, h5, jsonl, parquet, read, Format, ReadOptions, Table, TableError};

use crate::patterns::map::block;
use crate::runtime::{JobFailure, World};

/// A part of a file that one rank reads whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// The file.
    pub path: PathBuf,
    /// The Parquet row group, or `None` for the whole file.
    pub row_group: Option<usize>,
    /// The rows of an HDF5 frame or dataset, or `None` for the whole file.
    pub rows: Option<Range<usize>>,
    /// The bytes of a large uncompressed CSV or JSON Lines file, or `None` for the whole
    /// file.
    pub bytes: Option<Range<u64>>,
}

/// The bytes of one piece of a large uncompressed CSV or JSON Lines file: 32 MiB, or
/// `$PARDATA_PIECE_BYTES`.
pub fn csv_piece_bytes() -> u64 {
    std::env::var("PARDATA_PIECE_BYTES")
        .ok()
        .and_then(|v| v.parse().ok())
        .filter(|&b| b > 0)
        .unwrap_or(32 << 20)
}

/// The rows of one piece of an HDF5 frame or dataset.
pub const HDF5_ROWS: usize = 1 << 16;

/// The pieces of `files`, in order (a Parquet file's footer is read to count its row
/// groups, an HDF5 file's shape to count its rows).
pub fn pieces(files: &[PathBuf], options: &ReadOptions) -> Result<Vec<Piece>, TableError> {
    let mut all = Vec::new();
    for path in files {
        match Format::of(path) {
            Some(Format::Hdf5) => {
                let rows = h5::resolve(path, options.key.as_deref())?.rows;
                for start in (0..rows.max(1)).step_by(HDF5_ROWS) {
                    all.push(Piece {
                        path: path.clone(),
                        row_group: None,
                        rows: Some(start..(start + HDF5_ROWS).min(rows)),
                        bytes: None,
                    });
                }
            }
            Some(Format::Parquet) => {
                for group in 0..parquet::row_groups(path)? {
                    all.push(Piece {
                        path: path.clone(),
                        row_group: Some(group),
                        rows: None,
                        bytes: None,
                    });
                }
            }
            // A JSON Lines file of one piece is read whole: typed from its head and
            // checked as it is decoded, in one pass ([`super::consume`]).
            Some(Format::JsonLines)
                if !compressed(path) && super::file_size(path)? <= csv_piece_bytes() =>
            {
                all.push(Piece {
                    path: path.clone(),
                    row_group: None,
                    rows: None,
                    bytes: None,
                })
            }
            Some(Format::Csv | Format::JsonLines) if !compressed(path) => {
                let size = super::file_size(path)?;
                let step = csv_piece_bytes();
                for start in (0..size.max(1)).step_by(step as usize) {
                    all.push(Piece {
                        path: path.clone(),
                        row_group: None,
                        rows: None,
                        bytes: Some(start..(start + step).min(size)),
                    });
                }
            }
            Some(_) => all.push(Piece {
                path: path.clone(),
                row_group: None,
                rows: None,
                bytes: None,
            }),
            None => return Err(super::unknown(path)),
        }
    }
    Ok(all)
}

/// The pieces of `files`, and the read options with the types of each JSON Lines file
/// read in byte pieces agreed: each rank finds the keys of its own pieces, all ranks
/// merge them in piece order ([`agreed_keys`]), and each rank types the columns the
/// options keep from them ([`typed`]; a file whose keys the quick pass does not settle
/// is typed by arrow-json from the whole file, by every rank alike).
pub fn agreed(
    world: &World,
    files: &[PathBuf],
    options: &ReadOptions,
) -> Result<(Vec<Piece>, ReadOptions), JobFailure> {
    let (all, keyed) = agreed_keys(world, files, options)?;
    let typed = world.agree(typed(&keyed).map_err(|e| e.to_string()))?;
    Ok((all, typed))
}

/// The pieces of `files`, and the read options with the keys and kinds of each JSON
/// Lines file read in byte pieces ([`ReadOptions::json_keys`]): each rank finds those of
/// its own pieces, all ranks merge them in piece order. Nothing is typed yet: a reading
/// of some columns ([`typed`]) types only those.
pub fn agreed_keys(
    world: &World,
    files: &[PathBuf],
    options: &ReadOptions,
) -> Result<(Vec<Piece>, ReadOptions), JobFailure> {
    let all = world.agree(pieces(files, options).map_err(|e| e.to_string()))?;
    let in_pieces =
        |piece: &Piece| piece.bytes.is_some() && Format::of(&piece.path) == Some(Format::JsonLines);
    if !all.iter().any(in_pieces) {
        return Ok((all, options.clone()));
    }
    let mine = block(all.len(), world.size(), world.rank());
    let every = jsonl::Keep::every();
    let found: Result<Vec<(usize, jsonl::Keys)>, TableError> = all[mine.clone()]
        .iter()
        .zip(mine)
        .filter(|(piece, _)| in_pieces(piece))
        .map(|(piece, index)| {
            let bytes = piece.bytes.clone().unwrap_or_default();
            Ok((index, jsonl::piece_keys(&piece.path, bytes, &every)?))
        })
        .collect();
    let found = world.agree(found.map_err(|e| e.to_string()))?;
    // Rank order is piece order: each rank's block follows the one before.
    let mut agreed = options.clone();
    for (index, piece_keys) in world.all_gather(&found).into_iter().flatten() {
        (agreed.json_keys.entry(all[index].path.clone()).or_default()).merge(&piece_keys);
    }
    Ok((all, agreed))
}

/// The options with the typing of the columns they keep ([`ReadOptions::columns`]) of
/// each JSON Lines file whose keys the ranks agreed ([`ReadOptions::json_typings`]).
pub fn typed(options: &ReadOptions) -> Result<ReadOptions, TableError> {
    let keep = options.keep();
    let mut typed = options.clone();
    typed.json_typings = (options.json_keys.iter())
        .map(|(file, keys)| {
            Ok((
                file.clone(),
                jsonl::typing_of(file, keys, &options.types, &keep)?,
            ))
        })
        .collect::<Result<_, TableError>>()?;
    Ok(typed)
}

/// Reads this rank's block of `pieces` (rank `rank` of `ranks`): a table per piece, in
/// order.
pub fn read_block(
    pieces: &[Piece],
    ranks: usize,
    rank: usize,
    csv: &ReadOptions,
) -> Result<Vec<Table>, TableError> {
    pieces[block(pieces.len(), ranks, rank)]
        .iter()
        .map(|piece| read_piece(piece, csv))
        .collect()
}

/// The batches of one piece, read as they are asked for (a Parquet row group a batch at
/// a time; the other pieces are read whole, each at most a CSV piece or
/// [`HDF5_ROWS`] rows).
pub fn open_piece(piece: &Piece, options: &ReadOptions) -> Result<super::Batches, TableError> {
    match piece.row_group {
        Some(group) => parquet::open(
            &piece.path,
            Some(vec![group]),
            options.columns.as_deref(),
            &options.dictionaries,
        ),
        None => read_piece(piece, options).map(super::Batches::from),
    }
}

/// Of the text `columns`, those that every piece, each a Parquet row group, holds in
/// dictionary-encoded pages only ([`parquet::dictionary_encoded`]): the columns a run may
/// read as dictionaries ([`ReadOptions::dictionaries`]). None when a piece is of another
/// format.
pub fn dictionary_encoded(pieces: &[Piece], columns: &[String]) -> Result<Vec<String>, TableError> {
    let mut groups: BTreeMap<&PathBuf, Vec<usize>> = BTreeMap::new();
    for piece in pieces {
        match piece.row_group {
            Some(group) => groups.entry(&piece.path).or_default().push(group),
            None => return Ok(Vec::new()),
        }
    }
    let mut kept = columns.to_vec();
    for (path, groups) in groups {
        if kept.is_empty() {
            break;
        }
        kept = parquet::dictionary_encoded(path, &groups, &kept)?;
    }
    Ok(kept)
}

/// Reads one piece.
pub fn read_piece(piece: &Piece, options: &ReadOptions) -> Result<Table, TableError> {
    match (piece.row_group, &piece.rows, &piece.bytes) {
        (Some(group), _, _) => parquet::open(
            &piece.path,
            Some(vec![group]),
            options.columns.as_deref(),
            &options.dictionaries,
        )?
        .into_table(),
        (None, Some(rows), _) => h5::read(
            &piece.path,
            options.key.as_deref(),
            Some(rows.clone()),
            options.numbers_only,
        ),
        (None, None, Some(bytes)) => {
            let format = Format::of(&piece.path).unwrap_or(Format::Csv);
            // A JSON Lines piece needs its file's typing (the whole file's, when the ranks
            // did not agree one): the options are copied only then.
            let mut options = std::borrow::Cow::Borrowed(options);
            if format == Format::JsonLines && !options.json_typings.contains_key(&piece.path) {
                let typing = jsonl::typing(&piece.path, &options.types, &options.keep())?;
                options
                    .to_mut()
                    .json_typings
                    .insert(piece.path.clone(), typing);
            }
            let lines = LineRange::of(&piece.path, bytes.clone())?;
            let exact = lines.start..lines.end;
            if let Some(batches) =
                super::parallel::open(&piece.path, format, &options, exact, None)?
            {
                return batches.into_table();
            }
            match format {
                Format::JsonLines => {
                    let typing = &options.json_typings[&piece.path];
                    jsonl::open_range(&piece.path, typing, bytes.clone())?.into_table()
                }
                _ => csv::read_range(&piece.path, &options, bytes.clone()),
            }
        }
        (None, None, None) => read(&piece.path, options),
    }
}

/// The lines of a file that start in a byte range: from the first line end at or after
/// its start (the file's start for 0) to the end of the line its last byte is in, so
/// that the ranges of a file's pieces share its lines out, each line once.
#[derive(Debug, Clone)]
pub struct LineRange {
    path: PathBuf,
    /// The first byte of the first line.
    pub start: u64,
    /// The byte after the last line's end.
    pub end: u64,
}

impl LineRange {
    /// The lines of `path` that start in `bytes`.
    pub fn of(path: &Path, bytes: Range<u64>) -> Result<LineRange, TableError> {
        use std::io::{BufRead, Seek, SeekFrom};
        let io = |source| TableError::Io {
            path: path.to_path_buf(),
            source,
        };
        let mut file = std::fs::File::open(path).map_err(io)?;
        let mut line_end_from = |at: u64| -> std::io::Result<u64> {
            // The offset just past the first line end at or after `at`.
            file.seek(SeekFrom::Start(at))?;
            let mut reader = std::io::BufReader::with_capacity(1 << 16, &mut file);
            let mut skipped = Vec::new();
            let read = reader.read_until(b'\n', &mut skipped)?;
            Ok(at + read as u64)
        };
        let start = if bytes.start == 0 {
            0
        } else {
            line_end_from(bytes.start - 1).map_err(io)?
        };
        let end = line_end_from(bytes.end.max(1) - 1).map_err(io)?;
        Ok(LineRange {
            path: path.to_path_buf(),
            start,
            end: end.max(start),
        })
    }

    /// A reader of the lines.
    pub fn open(&self) -> Result<Box<dyn std::io::BufRead>, TableError> {
        use std::io::{Read, Seek, SeekFrom};
        let io = |source| TableError::Io {
            path: self.path.clone(),
            source,
        };
        let mut file = std::fs::File::open(&self.path).map_err(io)?;
        file.seek(SeekFrom::Start(self.start)).map_err(io)?;
        let piece = file.take(self.end - self.start);
        Ok(Box::new(std::io::BufReader::with_capacity(1 << 20, piece)))
    }

    /// What adds to an error's message that its line numbers count from the range's
    /// start (nothing for a range at the file's start).
    pub fn note(&self) -> impl Fn(TableError) -> TableError + Clone + 'static {
        let start = self.start;
        move |error| match error {
            TableError::Malformed { path, detail } if start > 0 => TableError::Malformed {
                path,
                detail: format!("{detail} (lines counted from byte {start}, a piece of the file)"),
            },
            other => other,
        }
    }
}

/// Whether the file's name says it is compressed (then it is one piece).
pub(super) fn compressed(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().to_ascii_lowercase())
        .unwrap_or_default();
    name.ends_with(".gz") || name.ends_with(".zst")
}

/// The name of a series read from `path`: its file name without the compression and the
/// format's extension (`BRK.B.csv.gz` -> `BRK.B`).
///
/// ```
/// use pardata::table::pieces::stem;
/// use std::path::Path;
///
/// assert_eq!(stem(Path::new("data/BRK.B.csv.gz")), "BRK.B");
/// assert_eq!(stem(Path::new("aapl.parquet")), "aapl");
/// ```
pub fn stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let lower = name.to_ascii_lowercase();
    let mut end = name.len();
    for suffix in [".gz", ".zst"] {
        if lower.ends_with(suffix) {
            end -= suffix.len();
            break;
        }
    }
    let name = &name[..end];
    name.rsplit_once('.')
        .map_or(name, |(stem, _)| stem)
        .to_string()
}
