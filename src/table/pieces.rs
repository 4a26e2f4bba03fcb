//! How a set of table files is shared out over the ranks: each CSV or JSON Lines file is
//! one piece, each row group of a Parquet file another, and each run of [`HDF5_ROWS`]
//! rows of an HDF5 frame or dataset another (a hyperslab); rank r reads the r-th block of
//! the pieces in file order ([`crate::patterns::map::block`]), so one large Parquet file
//! is read by every rank, and the rows of all ranks in rank order are the rows of the
//! files in order.

use std::ops::Range;
use std::path::{Path, PathBuf};

use super::{h5, parquet, read, Format, ReadOptions, Table, TableError};
use crate::patterns::map::block;

/// A part of a file that one rank reads whole.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Piece {
    /// The file.
    pub path: PathBuf,
    /// The Parquet row group, or `None` for the whole file.
    pub row_group: Option<usize>,
    /// The rows of an HDF5 frame or dataset, or `None` for the whole file.
    pub rows: Option<Range<usize>>,
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
                    });
                }
            }
            Some(Format::Parquet) => {
                for group in 0..parquet::row_groups(path)? {
                    all.push(Piece {
                        path: path.clone(),
                        row_group: Some(group),
                        rows: None,
                    });
                }
            }
            Some(_) => all.push(Piece {
                path: path.clone(),
                row_group: None,
                rows: None,
            }),
            None => return Err(super::unknown(path)),
        }
    }
    Ok(all)
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

/// Reads one piece.
pub fn read_piece(piece: &Piece, options: &ReadOptions) -> Result<Table, TableError> {
    match (piece.row_group, &piece.rows) {
        (Some(group), _) => parquet::read(&piece.path, Some(vec![group])),
        (None, Some(rows)) => h5::read(
            &piece.path,
            options.key.as_deref(),
            Some(rows.clone()),
            options.numbers_only,
        ),
        (None, None) => read(&piece.path, options),
    }
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
