//! One CSV or JSON Lines text read by all of the rank's compute threads
//! (`crate::runtime::threads`): cut into stretches of whole records, each stretch
//! parsed by one thread, the batches given in file order as the sequential reader gives
//! them (the same rows, cut into batches of [`BATCH_ROWS`] rows), so that what is built
//! on them does not depend on the number of threads.
//!
//! Semantics:
//! - A CSV stretch ends at a line end outside quotes: the cuts count the quotes from the
//!   text's start (`""` inside a quoted field counts twice, so it changes nothing), so a
//!   quoted field with line breaks inside is never cut. A JSON Lines stretch ends at any
//!   line end (JSON text has no raw line breaks inside strings).
//! - The types are the sequential reader's: a CSV's from the head of the file, a JSON
//!   Lines text's from the keys of every stretch merged in file order (the kinds of a key
//!   over all lines, as [`super::jsonl::typing`] finds them from the whole text); or, read
//!   once ([`super::consume`]), from its head, each stretch checked against it as it is
//!   parsed, and the text read again as above when one does not keep them.
//! - The first error in file order is the one given, naming the file and the line (lines
//!   counted from the stretch's first byte); nothing comes after it.
//! - Memory: the stretches of one round (as many as there are threads) and those parsed
//!   but not yet taken (as many again).

use std::io::{Read, Seek, SeekFrom};
use std::ops::Range;
use std::path::{Path, PathBuf};
use std::sync::{mpsc, Arc};

use arrow::compute::concat_batches;
use arrow::datatypes::SchemaRef;
use arrow::record_batch::RecordBatch;
use rayon::prelude::*;

use super::{csv, jsonl, Batches, Format, ReadOptions, TableError, BATCH_ROWS};

/// The bytes of one stretch: 4 MiB, or `$PARDATA_STRETCH_BYTES`.
fn stretch_bytes() -> u64 {
    super::bytes_from_env("PARDATA_STRETCH_BYTES", 4 << 20)
}

/// The batches of the records of `path` (CSV or JSON Lines, not compressed) in `bytes`,
/// a range that starts and ends at record boundaries, read by the rank's threads; `None`
/// when one thread reads it (one thread, a text of less than two stretches, or a caller
/// that is one of the pool's threads).
pub(super) fn open(
    path: &Path,
    format: Format,
    options: &ReadOptions,
    bytes: Range<u64>,
    once: Option<&Arc<jsonl::ReadOnce>>,
) -> Result<Option<Batches>, TableError> {
    let threads = rayon::current_num_threads();
    let stretch = stretch_bytes();
    // A caller that is itself one of the pool's threads reads on its own: its threads
    // may all be waiting for stretches that none is free to parse.
    let in_pool = rayon::current_thread_index().is_some();
    if threads < 2 || in_pool || bytes.end - bytes.start < 2 * stretch {
        return Ok(None);
    }
    let owned = path.to_path_buf();
    type Reader = Arc<dyn Fn(Range<u64>) -> Result<Batches, TableError> + Send + Sync>;
    let mut delimiter = None;
    // A JSON Lines text is typed from all its lines first (as by one thread); a CSV's
    // types come from its head, and its cuts are found as the stretches are read.
    let (reader, schema, cuts): (Reader, SchemaRef, Option<Vec<Range<u64>>>) = match format {
        Format::JsonLines => {
            let cuts = record_cuts(path, bytes.clone(), stretch, None)?;
            let keep = options.keep();
            // Read once, each stretch checked against the head's types, when asked and
            // the ranks did not agree the types already.
            let head = match once.filter(|_| !options.json_typings.contains_key(path)) {
                Some(flags) => {
                    let lines = super::pieces::LineRange::of(path, bytes.clone())?.open()?;
                    jsonl::Once::of_head(path, lines, &options.types, &keep, flags.clone())?
                }
                None => None,
            };
            if let Some(once) = head {
                let schema = once.typing.schema.clone();
                let reader: Reader = Arc::new(move |r| jsonl::open_range_once(&owned, &once, r));
                (reader, schema, Some(cuts))
            } else {
                let typing = match options.json_typings.get(path) {
                    Some(typing) => typing.clone(),
                    None => {
                        let keys: Vec<jsonl::Keys> = cuts
                            .par_iter()
                            .map(|r| jsonl::piece_keys(path, r.clone(), &keep))
                            .collect::<Result<_, _>>()?;
                        let mut merged = keys[0].clone();
                        keys[1..].iter().for_each(|later| merged.merge(later));
                        jsonl::typing_of(path, &merged, &options.types, &keep)?
                    }
                };
                // Opening reads no batch yet: it only gives the schema.
                let schema = jsonl::open_range(path, &typing, cuts[0].clone())?.schema;
                let reader: Reader = Arc::new(move |r| jsonl::open_range(&owned, &typing, r));
                (reader, schema, Some(cuts))
            }
        }
        _ => {
            let schema = Arc::new(csv::infer(path, options)?);
            let (options, given) = (options.clone(), schema.clone());
            delimiter = Some(csv::delimiter(path, &options));
            let reader: Reader =
                Arc::new(move |r| csv::open_stretch(&owned, &options, given.clone(), r));
            (reader, schema, None)
        }
    };
    // Nothing is read until the first batch is asked for (a caller may want the schema
    // only).
    let owned = path.to_path_buf();
    let start = move || {
        let (sender, receiver) = mpsc::sync_channel(threads);
        std::thread::spawn(move || {
            let found = cuts.map_or_else(|| record_cuts(&owned, bytes, stretch, delimiter), Ok);
            let cuts = match found {
                Ok(cuts) => cuts,
                Err(error) => return drop(sender.send(Err(error))),
            };
            for round in cuts.chunks(threads) {
                let parsed: Vec<Result<Vec<RecordBatch>, TableError>> = round
                    .par_iter()
                    .map(|r| reader(r.clone())?.collect())
                    .collect();
                for stretch in parsed {
                    let failed = stretch.is_err();
                    if sender.send(stretch).is_err() || failed {
                        return;
                    }
                }
            }
        });
        receiver
    };
    let rebatched = Rebatched {
        path: path.to_path_buf(),
        schema: schema.clone(),
        start: Some(Box::new(start)),
        stretches: None,
        held: Vec::new(),
        held_rows: 0,
        done: false,
    };
    Ok(Some(Batches::new(path, schema, rebatched, |e| e)))
}

/// Each stretch's batches, in file order, as the threads parse them.
type Stretches = mpsc::Receiver<Result<Vec<RecordBatch>, TableError>>;

/// The batches parsed by the threads, stretch after stretch, cut again into batches of
/// [`BATCH_ROWS`] rows.
struct Rebatched {
    path: PathBuf,
    schema: SchemaRef,
    /// Starts the threads' reading, at the first batch asked for.
    start: Option<Box<dyn FnOnce() -> Stretches>>,
    stretches: Option<Stretches>,
    held: Vec<RecordBatch>,
    held_rows: usize,
    done: bool,
}

impl Iterator for Rebatched {
    type Item = Result<RecordBatch, TableError>;

    fn next(&mut self) -> Option<Self::Item> {
        if let Some(start) = self.start.take() {
            self.stretches = Some(start());
        }
        while self.held_rows < BATCH_ROWS && !self.done {
            let Some(stretches) = &self.stretches else {
                break;
            };
            match stretches.recv() {
                Ok(Ok(batches)) => {
                    self.held_rows += batches.iter().map(RecordBatch::num_rows).sum::<usize>();
                    self.held
                        .extend(batches.into_iter().filter(|b| b.num_rows() > 0));
                }
                Ok(Err(error)) => {
                    self.done = true;
                    return Some(Err(error));
                }
                Err(mpsc::RecvError) => self.done = true,
            }
        }
        if self.held_rows == 0 {
            return None;
        }
        let rows = self.held_rows.min(BATCH_ROWS);
        if self.held[0].num_rows() == rows {
            self.held_rows -= rows;
            return Some(Ok(self.held.remove(0)));
        }
        // The first `rows` rows, from as many held batches as it takes.
        let (mut taken, mut parts) = (0, Vec::new());
        while taken < rows {
            let first = &self.held[0];
            let take = (rows - taken).min(first.num_rows());
            parts.push(first.slice(0, take));
            match take == first.num_rows() {
                true => drop(self.held.remove(0)),
                false => self.held[0] = first.slice(take, first.num_rows() - take),
            }
            taken += take;
        }
        self.held_rows -= rows;
        Some(
            concat_batches(&self.schema, &parts).map_err(|e| TableError::Malformed {
                path: self.path.clone(),
                detail: format!("stretches whose batches do not join: {e}"),
            }),
        )
    }
}

/// Where a CSV text stands, for its cuts: in a field without quotes (or between
/// fields), inside quotes, or just after a quote inside quotes (which either ends them
/// or is the first of `""`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Quoting {
    Outside,
    Inside,
    AfterQuote,
}

/// `bytes` cut into stretches of about `stretch` bytes that each end just after a line
/// end: any line end for JSON Lines (`delimiter` `None`), one outside quotes for a CSV
/// text with this field delimiter (a quote opens a quoted field only where a field
/// starts, as csv-core reads it; elsewhere it is a plain character).
fn record_cuts(
    path: &Path,
    bytes: Range<u64>,
    stretch: u64,
    delimiter: Option<u8>,
) -> Result<Vec<Range<u64>>, TableError> {
    let io = |source| TableError::Io {
        path: path.to_path_buf(),
        source,
    };
    let mut file = std::fs::File::open(path).map_err(io)?;
    file.seek(SeekFrom::Start(bytes.start)).map_err(io)?;
    let mut text = file.take(bytes.end - bytes.start);
    let mut block = vec![0u8; 1 << 20];
    let (mut cuts, mut start) = (Vec::new(), bytes.start);
    // The offset of the block, the state at its start, and the byte before it (a record
    // starts at `bytes.start`).
    let (mut at, mut state, mut previous) = (bytes.start, Quoting::Outside, b'\n');
    loop {
        let read = text.read(&mut block).map_err(io)?;
        if read == 0 {
            break;
        }
        let block = &block[..read];
        let mut i = 0;
        while i < block.len() {
            // Before the next cut's earliest place, no line end matters.
            let before_target = at + (i as u64) < start + stretch;
            let upto = match before_target {
                true => usize::try_from(start + stretch - at)
                    .map_or(block.len(), |t| t.min(block.len())),
                false => block.len(),
            };
            match (delimiter, state) {
                (None, _) => match before_target {
                    true => i = upto,
                    false => match memchr::memchr(b'\n', &block[i..]) {
                        Some(k) => {
                            i += k + 1;
                            cut(&mut cuts, &mut start, at + i as u64, bytes.end);
                        }
                        None => i = block.len(),
                    },
                },
                (Some(delimiter), Quoting::Outside) => {
                    let found = match before_target {
                        true => memchr::memchr(b'"', &block[i..upto]),
                        false => memchr::memchr2(b'"', b'\n', &block[i..]),
                    };
                    let Some(k) = found else {
                        i = upto;
                        continue;
                    };
                    let j = i + k;
                    i = j + 1;
                    if block[j] == b'\n' {
                        cut(&mut cuts, &mut start, at + i as u64, bytes.end);
                        continue;
                    }
                    let before = if j == 0 { previous } else { block[j - 1] };
                    if matches!(before, b'\n' | b'\r') || before == delimiter {
                        state = Quoting::Inside;
                    }
                }
                (Some(_), Quoting::Inside) => match memchr::memchr(b'"', &block[i..]) {
                    Some(k) => {
                        state = Quoting::AfterQuote;
                        i += k + 1;
                    }
                    None => i = block.len(),
                },
                (Some(_), Quoting::AfterQuote) => match block[i] {
                    b'"' => {
                        state = Quoting::Inside;
                        i += 1;
                    }
                    // The quotes ended: this byte is read again, outside them.
                    _ => state = Quoting::Outside,
                },
            }
        }
        previous = block[block.len() - 1];
        at += read as u64;
    }
    cuts.push(start..bytes.end);
    Ok(cuts)
}

/// Ends the stretch that began at `start` at `end`, unless that is the text's end.
fn cut(cuts: &mut Vec<Range<u64>>, start: &mut u64, end: u64, text_end: u64) {
    if end < text_end {
        cuts.push(*start..end);
        *start = end;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn cuts_of(text: &str, stretch: u64, quoted: bool) -> Vec<String> {
        let delimiter = quoted.then_some(b',');
        let dir = std::env::temp_dir().join(format!("pardata-cuts-{}", std::process::id()));
        std::fs::create_dir_all(&dir).expect("a folder");
        let path = dir.join(format!("{stretch}-{quoted}.csv"));
        std::fs::write(&path, text).expect("written");
        let cuts = record_cuts(&path, 0..text.len() as u64, stretch, delimiter).expect("cut");
        let at = |r: &Range<u64>| text[r.start as usize..r.end as usize].to_string();
        cuts.iter().map(at).collect()
    }

    #[test]
    fn cuts_fall_after_line_ends_outside_quotes() {
        let text = "a,b\n1,\"x\ny\"\n2,\"\"\"q\"\"\"\n3,z\n";
        assert_eq!(
            cuts_of(text, 1, true),
            ["a,b\n", "1,\"x\ny\"\n", "2,\"\"\"q\"\"\"\n", "3,z\n"]
        );
        // Without quotes every line end may cut.
        assert_eq!(cuts_of(text, 1, false).len(), 5);
        // Stretches of about 10 bytes: the cut waits for the first line end after 10.
        assert_eq!(
            cuts_of(text, 10, true),
            ["a,b\n1,\"x\ny\"\n", "2,\"\"\"q\"\"\"\n3,z\n"]
        );
        // No line end at the end: the last stretch takes the rest.
        assert_eq!(cuts_of("a\nb\nc", 1, true), ["a\n", "b\n", "c"]);
        // A quote inside a field that is not quoted is a plain character (5" screens).
        assert_eq!(
            cuts_of("a,5\" x\nb,\"q\nr\"\nc,d\n", 1, true),
            ["a,5\" x\n", "b,\"q\nr\"\n", "c,d\n"]
        );
        // A stretch of a few bytes never cuts inside quotes, whatever the target falls on.
        let text = "k,note\n1,\"x,\ny \"\"z\"\"\n\"\n2,w\n".repeat(5);
        for stretch in 1..text.len() as u64 {
            let cuts = cuts_of(&text, stretch, true);
            assert_eq!(cuts.concat(), text);
            assert!(
                cuts.iter().all(|c| c.matches('"').count() % 2 == 0),
                "{stretch}: {cuts:?}"
            );
        }
    }
}
