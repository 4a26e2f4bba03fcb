//! Writing a frame's rows: one file through rank 0 ([`Frame::write`]), or a folder of one
//! file per partition, each written by the rank that holds it
//! ([`Frame::write_partitions`]), in any of the data layer's formats
//! ([`crate::table::write`]).
//!
//! Neither leaves half-written output: one file is written beside its name and renamed;
//! a folder of partitions is written as a hidden folder beside its name (every rank its
//! files), and rank 0 renames it once every rank has written, or removes it when one
//! failed. A folder that is there already is replaced only if it holds nothing but part
//! files (a previous write's); the ranks must share the file system.

use std::path::{Path, PathBuf};

use arrow::array::RecordBatch;
use serde::{Deserialize, Serialize};

use super::{Frame, FrameError, Step};
use crate::io::atomic::temporary_path;
use crate::runtime::JobFailure;
use crate::table::write::write_batches;
use crate::table::{Batches, Format, Table, TableError};

/// What a write left: its files, and their rows and bytes (the same on every rank).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Output {
    /// The files, in the rows' order.
    pub files: Vec<PathBuf>,
    /// The rows written.
    pub rows: u64,
    /// The bytes of the files.
    pub bytes: u64,
}

impl<'w> Frame<'w> {
    /// The rows cut into `n` partitions of equal row counts (at least one), in row order,
    /// each rank holding its block of them ([`super::partition`] states the semantics):
    /// before [`Frame::write_partitions`], `n` files whatever the rank count; before
    /// other steps, ranks with even shares of the rows.
    pub fn repartition(self, n: usize) -> Frame<'w> {
        self.then(Step::Repartition(n.max(1)))
    }

    /// Writes the frame's rows to the file `path`, in the format its name says
    /// ([`Format::of`]), through rank 0: a collective. The file appears whole or not at
    /// all.
    ///
    /// ```no_run
    /// use pardata::frame::{col, lit, Frame};
    /// use pardata::prelude::*;
    ///
    /// # fn main() -> std::process::ExitCode {
    /// World::run(|world| {
    ///     let trips = Frame::scan(world, &["trips.csv".into()], Default::default())?;
    ///     let paid = trips.filter(col("fare_amount").gt(lit(0)));
    ///     let output = paid.write("paid.parquet".as_ref())?;
    ///     world.say(format_args!("{} rows", output.rows));
    ///     Ok::<(), JobFailure>(())
    /// })
    /// # }
    /// ```
    pub fn write(&self, path: &Path) -> Result<Output, JobFailure> {
        let world = self.world;
        let format = world.agree(format_of(path))?;
        let rows = self.collect()?;
        let written = rows.map(|batch| write_one(batch, path, format));
        let written = world.agree(written.transpose())?;
        let output = written.map(|w| Output {
            files: vec![path.to_path_buf()],
            rows: w.rows,
            bytes: w.bytes,
        });
        Ok(world.broadcast(output.as_ref()))
    }

    /// Writes the frame's rows to the folder `folder`, one file per partition, named
    /// `part-00000.<ext>` and on in the rows' order (more digits past 100,000
    /// partitions, all of one width), each by the rank that holds it: a
    /// collective. The partitions are a last [`Frame::repartition`]'s, or else one per
    /// rank (each rank's rows in file order, or all of them on rank 0 after a step that
    /// gathers). Every partition gets its file, an empty one too.
    ///
    /// ```no_run
    /// use pardata::frame::Frame;
    /// use pardata::prelude::*;
    /// use pardata::table::Format;
    ///
    /// # fn main() -> std::process::ExitCode {
    /// World::run(|world| {
    ///     let trips = Frame::scan(world, &["trips.csv".into()], Default::default())?;
    ///     // Four files of equal row counts, the same at any rank count.
    ///     let output = trips
    ///         .repartition(4)
    ///         .write_partitions("trips.parquet".as_ref(), Format::Parquet)?;
    ///     world.say(format_args!("{} files", output.files.len()));
    ///     Ok::<(), JobFailure>(())
    /// })
    /// # }
    /// ```
    pub fn write_partitions(&self, folder: &Path, format: Format) -> Result<Output, JobFailure> {
        let world = self.world;
        let partitions = self.plan.partitions(world)?;
        // This job's own staging folder (rank 0's process id), so that two jobs writing
        // the same folder do not write into each other's.
        let job = world.broadcast(Some(&std::process::id()));
        let staging = suffixed(&temporary_path(folder), &format!("-{job}"));
        let replaced = match world.is_root() {
            true => start_folder(folder, &staging),
            false => Ok(false),
        };
        let replaced = world.agree(replaced)?;
        // Numbers of one width, so that the files sort by name in the rows' order.
        let count = world
            .all_gather(&partitions.len())
            .into_iter()
            .sum::<usize>();
        let width = count.saturating_sub(1).to_string().len().max(5);
        let mine: Result<Vec<(usize, PathBuf, u64, u64)>, TableError> = partitions
            .into_iter()
            .map(|(p, batch)| {
                let name = format!("part-{p:0width$}.{}", format.extension());
                let written = write_one(batch, &staging.join(&name), format)?;
                Ok((p, folder.join(name), written.rows, written.bytes))
            })
            .collect();
        let mine = world.agree(mine);
        let finished = match (&mine, world.is_root()) {
            (Ok(_), true) => finish_folder(folder, &staging, replaced),
            (Err(_), true) => {
                let _ = std::fs::remove_dir_all(&staging);
                Ok(())
            }
            (_, false) => Ok(()),
        };
        let mine = mine?;
        world.agree(finished)?;
        let mut files: Vec<(usize, PathBuf, u64, u64)> =
            world.all_gather(&mine).into_iter().flatten().collect();
        files.sort_by_key(|(p, ..)| *p);
        Ok(Output {
            rows: files.iter().map(|(_, _, rows, _)| rows).sum(),
            bytes: files.iter().map(|(.., bytes)| bytes).sum(),
            files: files.into_iter().map(|(_, path, ..)| path).collect(),
        })
    }
}

/// `path` with `suffix` after its name.
fn suffixed(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.file_name().unwrap_or_default().to_os_string();
    name.push(suffix);
    path.with_file_name(name)
}

/// The format `path`'s name says.
fn format_of(path: &Path) -> Result<Format, FrameError> {
    Format::of(path).ok_or_else(|| {
        FrameError::Table(TableError::Write {
            path: path.to_path_buf(),
            detail: "the name says no format: end it in .parquet, .csv, .jsonl or .h5".into(),
        })
    })
}

/// Writes one batch to `path` (beside it first, then renamed).
fn write_one(
    batch: RecordBatch,
    path: &Path,
    format: Format,
) -> Result<crate::table::write::Written, TableError> {
    let table = Table {
        path: path.to_path_buf(),
        schema: batch.schema(),
        batches: vec![batch],
    };
    write_batches(Batches::from(table), path, format)
}

/// Checks that `folder` may be replaced (it is not there, or holds only part files),
/// and makes the empty folder `staging` beside it; says whether `folder` is there.
fn start_folder(folder: &Path, staging: &Path) -> Result<bool, TableError> {
    let failed = |detail: String| TableError::Write {
        path: folder.to_path_buf(),
        detail,
    };
    let there = match std::fs::metadata(folder) {
        Ok(meta) if meta.is_dir() => true,
        Ok(_) => return Err(failed("is there and is not a folder".into())),
        Err(_) => false,
    };
    if there {
        let entries = std::fs::read_dir(folder).map_err(|e| failed(e.to_string()))?;
        for entry in entries {
            let entry = entry.map_err(|e| failed(e.to_string()))?;
            let name = entry.file_name().to_string_lossy().into_owned();
            if !name.starts_with("part-") || !entry.path().is_file() {
                return Err(failed(format!(
                    "holds {name}, which is not a part file: pardata replaces only a folder \
                     of part files"
                )));
            }
        }
    }
    std::fs::create_dir(staging).map_err(|e| failed(format!("{}: {e}", staging.display())))?;
    Ok(there)
}

/// Puts the written `staging` folder in `folder`'s place: the old folder (if `replaced`)
/// is renamed aside first, the new one renamed in, and only then is the old one removed,
/// so that a failure leaves the old folder whole.
fn finish_folder(folder: &Path, staging: &Path, replaced: bool) -> Result<(), TableError> {
    let failed = |detail: String| TableError::Write {
        path: folder.to_path_buf(),
        detail,
    };
    let aside = suffixed(staging, "-old");
    if replaced {
        if let Err(e) = std::fs::rename(folder, &aside) {
            let _ = std::fs::remove_dir_all(staging);
            return Err(failed(e.to_string()));
        }
    }
    match std::fs::rename(staging, folder) {
        Ok(()) => {
            let _ = std::fs::remove_dir_all(&aside);
            Ok(())
        }
        Err(e) => {
            if replaced {
                let _ = std::fs::rename(&aside, folder);
            }
            let _ = std::fs::remove_dir_all(staging);
            Err(failed(e.to_string()))
        }
    }
}
