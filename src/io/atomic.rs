//! Output files that are never half-written: content goes to a hidden temporary file beside
//! the final name and is renamed over it when complete. A file that already holds exactly
//! the wanted bytes is kept as it is, so re-running a step verifies and resumes its output.

use std::fs;
use std::io::{self, Write};
use std::path::{Path, PathBuf};

/// What [`write_if_changed`] did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Written {
    /// The file was created or replaced.
    Written,
    /// The file already held these bytes.
    Kept,
}

/// The temporary name a file is written under before it is renamed into place.
pub fn temporary_path(path: &Path) -> PathBuf {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    path.with_file_name(format!(".{name}.pardata-tmp"))
}

/// Makes `path` hold exactly `bytes`: keeps it if it already does, otherwise writes a
/// temporary file and renames it over `path`. On error no temporary file is left.
pub fn write_if_changed(path: &Path, bytes: &[u8]) -> io::Result<Written> {
    if holds(path, bytes)? {
        return Ok(Written::Kept);
    }
    let temporary = temporary_path(path);
    let written = fs::File::create(&temporary)
        .and_then(|mut file| file.write_all(bytes))
        .and_then(|()| fs::rename(&temporary, path));
    if let Err(error) = written {
        let _ = fs::remove_file(&temporary);
        return Err(error);
    }
    Ok(Written::Written)
}

/// Whether `path` is a file holding exactly `bytes` (false when it does not exist).
fn holds(path: &Path, bytes: &[u8]) -> io::Result<bool> {
    match fs::metadata(path) {
        Ok(meta) if meta.is_file() && meta.len() == bytes.len() as u64 => {
            Ok(fs::read(path)? == bytes)
        }
        Ok(_) => Ok(false),
        Err(e) if e.kind() == io::ErrorKind::NotFound => Ok(false),
        Err(e) => Err(e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn scratch(name: &str) -> PathBuf {
        let dir =
            std::env::temp_dir().join(format!("pardata-atomic-{}-{name}", std::process::id()));
        let _ = fs::remove_dir_all(&dir);
        fs::create_dir_all(&dir).unwrap();
        dir
    }

    #[test]
    fn writes_then_keeps_then_replaces() {
        let dir = scratch("cycle");
        let path = dir.join("a.csv");
        assert_eq!(write_if_changed(&path, b"abc").unwrap(), Written::Written);
        assert_eq!(write_if_changed(&path, b"abc").unwrap(), Written::Kept);
        fs::write(&path, b"ab").unwrap(); // a truncated file
        assert_eq!(write_if_changed(&path, b"abc").unwrap(), Written::Written);
        fs::write(&path, b"abd").unwrap(); // same length, other bytes
        assert_eq!(write_if_changed(&path, b"abc").unwrap(), Written::Written);
        assert_eq!(fs::read(&path).unwrap(), b"abc");
        assert!(!temporary_path(&path).exists());
        fs::remove_dir_all(dir).unwrap();
    }

    #[test]
    fn a_failed_write_leaves_nothing() {
        let dir = scratch("fail");
        let path = dir.join("missing-folder").join("a.csv");
        assert!(write_if_changed(&path, b"abc").is_err());
        assert!(!path.exists() && !temporary_path(&path).exists());
        fs::remove_dir_all(dir).unwrap();
    }
}
