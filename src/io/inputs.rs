//! Input paths as the command line gives them: a file stands for itself, a folder for every
//! file in it with the wanted extension, sorted by name. Every rank expands the same paths
//! to the same list.

use std::path::{Path, PathBuf};

/// Why the inputs cannot be listed.
#[derive(Debug, thiserror::Error)]
pub enum InputError {
    /// A path given is neither a file nor a folder.
    #[error("{}: no such file or folder", path.display())]
    Missing {
        /// The path as given.
        path: PathBuf,
    },
    /// A folder could not be listed.
    #[error("cannot list {}: {source}", path.display())]
    List {
        /// The folder.
        path: PathBuf,
        /// The error listing it.
        source: std::io::Error,
    },
    /// A folder holds no file with the wanted extension.
    #[error("{}: no .{extension} files in this folder", path.display())]
    NoneFound {
        /// The folder.
        path: PathBuf,
        /// The extension looked for, without the dot.
        extension: String,
    },
}

/// The input files: each file path as given, each folder's `*.extension` files by name.
pub fn expand(paths: &[PathBuf], extension: &str) -> Result<Vec<PathBuf>, InputError> {
    let mut files = Vec::new();
    for path in paths {
        if path.is_dir() {
            let listed = list(path, extension).map_err(|source| InputError::List {
                path: path.clone(),
                source,
            })?;
            if listed.is_empty() {
                return Err(InputError::NoneFound {
                    path: path.clone(),
                    extension: extension.into(),
                });
            }
            files.extend(listed);
        } else if path.exists() {
            files.push(path.clone());
        } else {
            return Err(InputError::Missing { path: path.clone() });
        }
    }
    Ok(files)
}

fn list(folder: &Path, extension: &str) -> std::io::Result<Vec<PathBuf>> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(folder)? {
        let path = entry?.path();
        if path.is_file() && path.extension().is_some_and(|e| e == extension) {
            files.push(path);
        }
    }
    files.sort();
    Ok(files)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn folders_expand_to_sorted_matching_files() {
        let dir = std::env::temp_dir().join(format!("pardata-inputs-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(dir.join("sub.json")).unwrap();
        for name in ["b.json", "a.json", "c.txt"] {
            std::fs::write(dir.join(name), b"").unwrap();
        }
        let files = expand(&[dir.clone(), dir.join("c.txt")], "json").unwrap();
        assert_eq!(
            files,
            [dir.join("a.json"), dir.join("b.json"), dir.join("c.txt")]
        );
        let none = expand(&[dir.join("sub.json")], "json")
            .unwrap_err()
            .to_string();
        assert!(
            none.ends_with("sub.json: no .json files in this folder"),
            "{none}"
        );
        let missing = expand(&[dir.join("nope")], "json").unwrap_err().to_string();
        assert!(
            missing.ends_with("nope: no such file or folder"),
            "{missing}"
        );
        std::fs::remove_dir_all(dir).unwrap();
    }
}
