//! Hostfiles, checked before a run (`pardata doctor --hostfile FILE`): Open MPI's format, one
//! host per line with optional `slots=N` and `max_slots=N` (or `max-slots=N`), and MPICH's
//! machinefile format, `host:N`; `#` starts a comment. `mpirun` reads the file itself; this
//! check finds its mistakes (an unknown keyword, a count that is not a positive number,
//! more slots than the maximum) with the line and column, before a job waits in a queue for
//! hours only to fail at launch.

use std::path::{Path, PathBuf};

/// One host of a hostfile.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct HostEntry {
    /// The host name or address, as written.
    pub host: String,
    /// Ranks placed here before the host counts as full (`None`: Open MPI's default, the
    /// host's cores).
    pub slots: Option<u32>,
    /// The most ranks allowed here, even with oversubscription.
    pub max_slots: Option<u32>,
    /// The line it is on, from 1.
    pub line: usize,
}

/// Why a hostfile cannot be used.
#[derive(Debug, thiserror::Error)]
pub enum HostfileError {
    /// The file could not be read.
    #[error("cannot read the hostfile {}: {source}", path.display())]
    Read {
        /// The hostfile.
        path: PathBuf,
        /// The error reading it.
        source: std::io::Error,
    },
    /// A line is not a valid host entry.
    #[error("{}: line {line}: column {column}: {message}", path.display())]
    Invalid {
        /// The hostfile.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// The byte column where the mistake starts, from 1.
        column: usize,
        /// What is wrong.
        message: String,
    },
    /// Every line is empty or a comment.
    #[error("{}: no hosts (every line is empty or a comment)", path.display())]
    Empty {
        /// The hostfile.
        path: PathBuf,
    },
}

/// Reads and checks the hostfile at `path`.
pub fn read(path: &Path) -> Result<Vec<HostEntry>, HostfileError> {
    let text = std::fs::read_to_string(path).map_err(|source| HostfileError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse(path, &text)
}

/// Checks a hostfile's `text` (the file at `path`).
pub fn parse(path: &Path, text: &str) -> Result<Vec<HostEntry>, HostfileError> {
    let mut hosts = Vec::new();
    for (index, full) in text.lines().enumerate() {
        let line = index + 1;
        let content = full.split('#').next().unwrap_or_default();
        let invalid = |column: usize, message: String| HostfileError::Invalid {
            path: path.to_path_buf(),
            line,
            column: column + 1,
            message,
        };
        let mut tokens = tokens(content);
        let Some((start, first)) = tokens.next() else {
            continue;
        };
        let (host, mut slots) = match first.split_once(':') {
            // MPICH's machinefile: host:ranks.
            Some((host, count)) if !count.is_empty() && !host.contains('[') => {
                let count = positive(count).map_err(|m| invalid(start + host.len() + 1, m))?;
                (host, Some(count))
            }
            _ => (first, None),
        };
        if let Some(bad) = host.find(|c: char| !(c.is_ascii_alphanumeric() || "-._:[]".contains(c)))
        {
            return Err(invalid(
                start + bad,
                format!("'{host}' is not a host name or address"),
            ));
        }
        let mut max_slots = None;
        for (column, token) in tokens {
            let Some((key, value)) = token.split_once('=') else {
                return Err(invalid(
                    column,
                    format!("'{token}': expected slots=N or max_slots=N"),
                ));
            };
            let number = positive(value).map_err(|m| invalid(column + key.len() + 1, m))?;
            match key {
                "slots" => slots = Some(number),
                "max_slots" | "max-slots" => max_slots = Some(number),
                _ => {
                    return Err(invalid(
                        column,
                        format!("unknown keyword '{key}' (Open MPI's are slots and max_slots)"),
                    ))
                }
            }
        }
        if let (Some(s), Some(m)) = (slots, max_slots) {
            if s > m {
                return Err(invalid(
                    start,
                    format!("{host} has slots={s} above max_slots={m}"),
                ));
            }
        }
        hosts.push(HostEntry {
            host: host.to_string(),
            slots,
            max_slots,
            line,
        });
    }
    if hosts.is_empty() {
        return Err(HostfileError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(hosts)
}

/// The whitespace-separated tokens of `text`, each with the byte column it starts at.
fn tokens(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split_whitespace()
        .map(move |token| (token.as_ptr() as usize - text.as_ptr() as usize, token))
}

/// A count of ranks: a whole number from 1.
fn positive(text: &str) -> Result<u32, String> {
    match text.parse::<u32>() {
        Ok(0) => Err("a count of 0 ranks".to_string()),
        Ok(n) => Ok(n),
        Err(_) => Err(format!("'{text}' is not a whole number of ranks")),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn check(text: &str) -> Result<Vec<HostEntry>, String> {
        parse(Path::new("h"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn both_formats_and_comments_read() {
        let hosts =
            check("# nodes\nnode01 slots=16 max_slots=32  # the big one\n\nnode02\nnode03:4\n")
                .unwrap();
        let summary: Vec<(&str, Option<u32>, Option<u32>, usize)> = hosts
            .iter()
            .map(|h| (h.host.as_str(), h.slots, h.max_slots, h.line))
            .collect();
        assert_eq!(
            summary,
            [
                ("node01", Some(16), Some(32), 2),
                ("node02", None, None, 4),
                ("node03", Some(4), None, 5)
            ]
        );
    }

    #[test]
    fn mistakes_are_named_with_the_place() {
        assert_eq!(
            check("a slots=2\nb slot=3\n").unwrap_err(),
            "h: line 2: column 3: unknown keyword 'slot' (Open MPI's are slots and max_slots)"
        );
        assert_eq!(
            check("a slots=x").unwrap_err(),
            "h: line 1: column 9: 'x' is not a whole number of ranks"
        );
        assert_eq!(
            check("a slots=4 max_slots=2").unwrap_err(),
            "h: line 1: column 1: a has slots=4 above max_slots=2"
        );
        assert_eq!(
            check("node:0").unwrap_err(),
            "h: line 1: column 6: a count of 0 ranks"
        );
        assert!(check("a/b").unwrap_err().contains("is not a host name"));
        assert!(check("# nothing\n\n").unwrap_err().contains("no hosts"));
        assert!(check("a 4").unwrap_err().contains("expected slots=N"));
    }
}
