//! A search split over separate jobs (a Slurm job array: `--shard K/N` in each element, then
//! one `--merge`): shard K fits the candidates whose index leaves K when divided by N (every
//! shard gets cheap and costly regions of the grid alike) on every split, and writes its
//! fits to `OUT/shards/shard-K-of-N.json` with the search they belong to. The merge reads
//! all N, checks that they are complete and of the same search as the merge's own options,
//! and hands the fits on to be ranked and written as one run's would be.

use std::path::{Path, PathBuf};

use serde::{Deserialize, Serialize};

use super::FitResult;
use crate::io::atomic::write_if_changed;

/// Which part of a search this is: shard `index` of `count` (0-based).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct Shard {
    pub index: usize,
    pub count: usize,
}

impl Shard {
    /// Whether candidate `candidate` belongs to this shard.
    pub fn holds(self, candidate: usize) -> bool {
        candidate % self.count == self.index
    }

    /// Where the shard's fits go, relative to `--out`.
    pub fn relative_path(self) -> PathBuf {
        Path::new("shards").join(format!("shard-{}-of-{}.json", self.index, self.count))
    }

    fn file(self, out: &Path) -> PathBuf {
        out.join(self.relative_path())
    }
}

/// What identifies a search: shards and merge must agree on all of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Search {
    pub source: String,
    pub samples: usize,
    pub seed: u64,
    pub grid: String,
    pub candidates: usize,
    pub splits: usize,
    pub max_iter: usize,
}

/// One shard's file.
#[derive(Debug, Serialize, Deserialize)]
struct ShardFile {
    shard: usize,
    shards: usize,
    search: Search,
    fits: Vec<FitResult>,
}

/// Writes shard `shard`'s fits (complete or not at all).
pub fn write(out: &Path, shard: Shard, search: &Search, fits: &[FitResult]) -> Result<(), String> {
    let path = shard.file(out);
    let folder = out.join("shards");
    std::fs::create_dir_all(&folder).map_err(|e| format!("{}: {e}", folder.display()))?;
    let file = ShardFile {
        shard: shard.index,
        shards: shard.count,
        search: search.clone(),
        fits: fits.to_vec(),
    };
    let bytes = serde_json::to_vec_pretty(&file).map_err(|e| e.to_string())?;
    write_if_changed(&path, &bytes)
        .map(|_| ())
        .map_err(|e| format!("{}: {e}", path.display()))
}

/// The fits of all shards in `out/shards`, in (candidate, split) order, as one run of
/// `search` would give them; an error names the missing, foreign or broken file.
pub fn merge(out: &Path, search: &Search) -> Result<Vec<FitResult>, String> {
    let folder = out.join("shards");
    let entries = std::fs::read_dir(&folder).map_err(|e| {
        format!(
            "{}: {e} (run the shards first, with --shard K/N)",
            folder.display()
        )
    })?;
    let mut files: Vec<PathBuf> = entries
        .filter_map(|entry| entry.ok().map(|e| e.path()))
        .filter(|path| path.extension().is_some_and(|x| x == "json"))
        .collect();
    files.sort();
    let first = files
        .first()
        .ok_or_else(|| format!("{}: no shard files", folder.display()))?;
    let count = read(first)?.shards;
    let mut fits = Vec::new();
    for index in 0..count {
        let path = Shard { index, count }.file(out);
        if !path.exists() {
            return Err(format!(
                "{}: missing: shard {index} of {count} has not finished",
                path.display()
            ));
        }
        let file = read(&path)?;
        if file.search != *search || (file.shard, file.shards) != (index, count) {
            return Err(format!(
                "{}: shard {} of {} of another search ({:?}); this merge is of {search:?}",
                path.display(),
                file.shard,
                file.shards,
                file.search
            ));
        }
        fits.extend(file.fits);
    }
    fits.sort_by_key(|f| (f.candidate, f.split));
    let expected = search.candidates * search.splits;
    if fits.len() != expected {
        return Err(format!(
            "{}: the shards hold {} fits, the search has {expected}",
            folder.display(),
            fits.len()
        ));
    }
    Ok(fits)
}

fn read(path: &Path) -> Result<ShardFile, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| {
        format!(
            "{}: line {}, column {}: not a shard file: {e}",
            path.display(),
            e.line(),
            e.column()
        )
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shards_cover_every_candidate_once() {
        for count in 1..6 {
            for candidate in 0..40 {
                let holders = (0..count)
                    .filter(|&index| Shard { index, count }.holds(candidate))
                    .count();
                assert_eq!(holders, 1);
            }
        }
    }
}
