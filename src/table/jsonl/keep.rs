//! The keys a JSON Lines reading keeps ([`ReadOptions::columns`](crate::table::ReadOptions)):
//! a projection, as a Parquet reading decodes only the columns asked for.
//!
//! Semantics: a kept key is typed and decoded as in a reading of every key; the values of
//! the other keys are checked to be JSON (nested ones by serde_json, without building
//! them) and skipped, so a key that is not kept may hold anything, nested values and
//! kinds that would conflict included, and only the kept keys' columns come out.

use std::io::{BufRead, Read};
use std::sync::Arc;

use super::flat::{kept_line, Member};

/// The keys a reading keeps: those named, or every key.
///
/// ```
/// use pardata::table::jsonl::Keep;
///
/// let keep = Keep::of(Some(&["type".to_string()]));
/// assert!(keep.keeps(b"type") && !keep.keeps(b"payload"));
/// assert!(Keep::every().keeps(b"payload"));
/// ```
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Keep(Option<Arc<[Box<[u8]>]>>);

impl Keep {
    /// Every key.
    pub fn every() -> Keep {
        Keep(None)
    }

    /// The keys of `columns`, or every key for `None`.
    pub fn of(columns: Option<&[String]>) -> Keep {
        Keep(columns.map(|names| names.iter().map(|n| n.as_bytes().into()).collect()))
    }

    /// Whether a key (as the line writes it, without escapes) is kept.
    pub fn keeps(&self, key: &[u8]) -> bool {
        match &self.0 {
            None => true,
            Some(names) => names.iter().any(|name| super::flat::same_key(name, key)),
        }
    }

    /// Whether every key is kept.
    pub fn keeps_every(&self) -> bool {
        self.0.is_none()
    }
}

/// The lines of a reader with only the members of the keys kept ([`kept_line`]), line
/// for line: what arrow-json reads of a file when some keys are skipped, so that the
/// values of the others neither type the file nor fail it.
pub(super) struct KeptLines {
    source: Box<dyn BufRead>,
    keep: Keep,
    line: Vec<u8>,
    found: Vec<Member>,
    kept: Vec<u8>,
    at: usize,
}

impl KeptLines {
    /// The lines of `source` with only the members of the keys `keep` keeps.
    pub(super) fn new(source: Box<dyn BufRead>, keep: Keep) -> KeptLines {
        KeptLines {
            source,
            keep,
            line: Vec::new(),
            found: Vec::new(),
            kept: Vec::new(),
            at: 0,
        }
    }
}

impl Read for KeptLines {
    fn read(&mut self, into: &mut [u8]) -> std::io::Result<usize> {
        let available = self.fill_buf()?;
        let n = available.len().min(into.len());
        into[..n].copy_from_slice(&available[..n]);
        self.consume(n);
        Ok(n)
    }
}

impl BufRead for KeptLines {
    fn fill_buf(&mut self) -> std::io::Result<&[u8]> {
        while self.at == self.kept.len() {
            self.kept.clear();
            self.at = 0;
            let (keep, found, kept) = (&self.keep, &mut self.found, &mut self.kept);
            let next = super::with_line(&mut *self.source, &mut self.line, |line| {
                kept_line(line, keep, found, kept)
            })?;
            if next.is_none() {
                break;
            }
        }
        Ok(&self.kept[self.at..])
    }

    fn consume(&mut self, n: usize) {
        self.at = (self.at + n).min(self.kept.len());
    }
}
