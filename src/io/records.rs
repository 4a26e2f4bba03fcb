//! Reading the stock dataset's JSON Lines files into columns: one flat object per line with
//! the keys `timestamp`, `close`, `high`, `low` and `open`, in any order, with or without
//! spaces (pardata's compact lines and the tutorial's `json.dump` lines both read).
//!
//! A missing, duplicated or unknown key, a price that is not a number, or a timestamp that
//! is not `YYYY-MM-DD HH:MM:SS` (a `T` may separate date and time, and seconds may have a
//! fraction) is an error naming the file, the line and the column. A `null` price reads as
//! NaN, as pandas reads it. Blank lines are skipped; a file without records is an error.
//!
//! Lines go through [`flat_json`]'s scanner first; what it does not take (escapes, odd
//! keys, errors) goes to serde_json, which reads every valid line and words every error.
//! serde_json was measured against sonic-rs on these records (BENCHMARKS.md) and was the
//! faster of the two; the reader with the scanner is faster again (BENCHMARKS.md).

use std::path::{Path, PathBuf};

use chrono::NaiveDateTime;
use serde::Deserialize;

use super::flat_json::{self, CLOSE, HIGH, LOW, OPEN};

/// The columns of one stock file.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct StockColumns {
    /// Nanoseconds since 1970-01-01 00:00:00.
    pub timestamp: Vec<i64>,
    /// Close prices; NaN where the record has `null`.
    pub close: Vec<f64>,
    /// High prices; NaN where the record has `null`.
    pub high: Vec<f64>,
    /// Low prices; NaN where the record has `null`.
    pub low: Vec<f64>,
    /// Open prices; NaN where the record has `null`.
    pub open: Vec<f64>,
}

impl StockColumns {
    /// The number of records.
    pub fn len(&self) -> usize {
        self.timestamp.len()
    }

    /// Whether there are no records.
    pub fn is_empty(&self) -> bool {
        self.timestamp.is_empty()
    }
}

/// Why a file's records cannot be read.
#[derive(Debug, thiserror::Error)]
pub enum RecordError {
    /// The file could not be read.
    #[error("cannot read {}: {source}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// The error reading it.
        source: std::io::Error,
    },
    /// A line is not a valid record.
    #[error("{}: line {line}: {message}", path.display())]
    Line {
        /// The file.
        path: PathBuf,
        /// The line, from 1.
        line: usize,
        /// What is wrong, with the column where serde_json gives one.
        message: String,
    },
    /// The file holds no records, only blank lines or nothing.
    #[error("{}: no records (the file is empty)", path.display())]
    Empty {
        /// The file.
        path: PathBuf,
    },
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Record<'a> {
    #[serde(borrow)]
    timestamp: std::borrow::Cow<'a, str>,
    #[serde(deserialize_with = "price")]
    close: f64,
    #[serde(deserialize_with = "price")]
    high: f64,
    #[serde(deserialize_with = "price")]
    low: f64,
    #[serde(deserialize_with = "price")]
    open: f64,
}

/// A required price: a number, or `null` for a missing value (NaN).
fn price<'de, D: serde::Deserializer<'de>>(deserializer: D) -> Result<f64, D::Error> {
    Option::<f64>::deserialize(deserializer).map(|p| p.unwrap_or(f64::NAN))
}

/// Reads the JSON Lines file at `path`.
pub fn read_stock_json(path: &Path) -> Result<StockColumns, RecordError> {
    let bytes = std::fs::read(path).map_err(|source| RecordError::Read {
        path: path.to_path_buf(),
        source,
    })?;
    parse_stock_json(&bytes, path)
}

/// Parses JSON Lines `bytes`; `path` names them in errors.
pub fn parse_stock_json(bytes: &[u8], path: &Path) -> Result<StockColumns, RecordError> {
    let estimate = bytes.len() / 90 + 1;
    let mut columns = StockColumns {
        timestamp: Vec::with_capacity(estimate),
        close: Vec::with_capacity(estimate),
        high: Vec::with_capacity(estimate),
        low: Vec::with_capacity(estimate),
        open: Vec::with_capacity(estimate),
    };
    let mut dates = DateCache::default();
    for (number, line) in bytes.split(|&b| b == b'\n').enumerate() {
        if line.iter().all(u8::is_ascii_whitespace) {
            continue;
        }
        let at = |message: String| RecordError::Line {
            path: path.to_path_buf(),
            line: number + 1,
            message,
        };
        let (timestamp, prices) = match flat_json::scan(line) {
            Some(record) => (std::borrow::Cow::Borrowed(record.timestamp), record.prices),
            None => {
                let record: Record = serde_json::from_slice(line).map_err(|e| at(describe(&e)))?;
                (
                    record.timestamp,
                    [record.close, record.high, record.low, record.open],
                )
            }
        };
        let stamp = dates.parse(&timestamp).ok_or_else(|| {
            at(format!(
                "timestamp '{timestamp}' is not YYYY-MM-DD HH:MM:SS"
            ))
        })?;
        columns.timestamp.push(stamp);
        columns.close.push(prices[CLOSE]);
        columns.high.push(prices[HIGH]);
        columns.low.push(prices[LOW]);
        columns.open.push(prices[OPEN]);
    }
    if columns.is_empty() {
        return Err(RecordError::Empty {
            path: path.to_path_buf(),
        });
    }
    Ok(columns)
}

/// Timestamps of a file come day by day: the date of the last one is kept, so most lines
/// only add the time of day.
#[derive(Default)]
struct DateCache {
    date: [u8; 10],
    midnight_ns: i64,
}

impl DateCache {
    fn parse(&mut self, text: &str) -> Option<i64> {
        let b = text.as_bytes();
        let plain =
            b.len() == 19 && (b[10] == b' ' || b[10] == b'T') && b[13] == b':' && b[16] == b':';
        if !plain {
            return parse_timestamp(text);
        }
        if b[..10] != self.date {
            self.midnight_ns = parse_timestamp(&format!("{} 00:00:00", &text[..10]))?;
            self.date.copy_from_slice(&b[..10]);
        }
        let two = |i: usize| -> Option<i64> {
            (b[i].is_ascii_digit() && b[i + 1].is_ascii_digit())
                .then(|| i64::from(b[i] - b'0') * 10 + i64::from(b[i + 1] - b'0'))
        };
        let (hours, minutes, seconds) = (two(11)?, two(14)?, two(17)?);
        (hours < 24 && minutes < 60 && seconds < 60)
            .then(|| self.midnight_ns + ((hours * 60 + minutes) * 60 + seconds) * 1_000_000_000)
    }
}

/// serde_json's message with its position given as a column of the line.
fn describe(error: &serde_json::Error) -> String {
    let text = error.to_string();
    let message = text
        .rsplit_once(" at line ")
        .map_or(text.as_str(), |(message, _)| message);
    format!("column {}: {message}", error.column())
}

/// Nanoseconds since the epoch of `YYYY-MM-DD HH:MM:SS` (or with `T`, or a fraction).
pub fn parse_timestamp(text: &str) -> Option<i64> {
    let b = text.as_bytes();
    if b.len() == 19
        && b[4] == b'-'
        && b[7] == b'-'
        && (b[10] == b' ' || b[10] == b'T')
        && b[13] == b':'
        && b[16] == b':'
    {
        let number = |range: std::ops::Range<usize>| -> Option<u32> {
            b[range].iter().try_fold(0u32, |n, &d| {
                d.is_ascii_digit().then(|| n * 10 + u32::from(d - b'0'))
            })
        };
        let date =
            chrono::NaiveDate::from_ymd_opt(number(0..4)? as i32, number(5..7)?, number(8..10)?)?;
        let time = date.and_hms_opt(number(11..13)?, number(14..16)?, number(17..19)?)?;
        return time.and_utc().timestamp_nanos_opt();
    }
    ["%Y-%m-%d %H:%M:%S%.f", "%Y-%m-%dT%H:%M:%S%.f"]
        .iter()
        .find_map(|format| NaiveDateTime::parse_from_str(text, format).ok())
        .and_then(|time| time.and_utc().timestamp_nanos_opt())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<StockColumns, String> {
        parse_stock_json(text.as_bytes(), Path::new("s.json")).map_err(|e| e.to_string())
    }

    #[test]
    fn compact_and_spaced_lines_read_alike() {
        let compact =
            r#"{"timestamp":"2012-03-05 09:02:00","close":1.5,"high":2.0,"low":1.0,"open":1.25}"#;
        let spaced = r#"{"open": 1.25, "low": 1.0, "high": 2.0, "close": 1.5, "timestamp": "2012-03-05 09:02:00"}"#;
        let a = parse(&format!("{compact}\n")).unwrap();
        let b = parse(&format!("\n{spaced}\r\n\n")).unwrap();
        assert_eq!(a, b);
        assert_eq!(a.timestamp, [1_330_938_120_000_000_000]);
        assert_eq!(
            (a.close[0], a.high[0], a.low[0], a.open[0]),
            (1.5, 2.0, 1.0, 1.25)
        );
    }

    #[test]
    fn null_prices_are_nan() {
        let columns =
            parse(r#"{"timestamp":"2012-03-05 09:02:00","close":null,"high":2,"low":1,"open":1}"#)
                .unwrap();
        assert!(columns.close[0].is_nan());
        assert_eq!(columns.high[0], 2.0);
    }

    #[test]
    fn errors_name_file_line_and_column() {
        let good = r#"{"timestamp":"2012-03-05 09:02:00","close":1,"high":2,"low":1,"open":1}"#;
        let cases = [
            (
                r#"{"timestamp":"2012-03-05 09:02:00","close":1,"high":2,"low":1}"#,
                "s.json: line 2: column 62: missing field `open`",
            ),
            (
                r#"{"timestamp":"2012-03-05 09:02:00","close":"x","high":2,"low":1,"open":1}"#,
                "s.json: line 2: column 46: invalid type: string \"x\", expected f64",
            ),
            (
                r#"{"timestamp":"2012-03-05 09:02:00","close":1,"high":2,"low":1,"open":1,"volume":5}"#,
                "s.json: line 2: column 79: unknown field `volume`",
            ),
            (
                r#"{"timestamp":"2012-03-05 09:02:00","close":1,"close":1,"high":2,"low":1,"open":1}"#,
                "s.json: line 2: column 52: duplicate field `close`",
            ),
            (
                r#"{"timestamp":"2012-13-05 09:02:00","close":1,"high":2,"low":1,"open":1}"#,
                "s.json: line 2: timestamp '2012-13-05 09:02:00' is not YYYY-MM-DD HH:MM:SS",
            ),
            (
                r#"{"timestamp":"2012-03-05 09:02:00","close":1,"hi"#,
                "s.json: line 2: column 48: EOF while parsing",
            ),
        ];
        for (bad, expected) in cases {
            let error = parse(&format!("{good}\n{bad}\n{good}\n")).unwrap_err();
            assert!(
                error.starts_with(expected),
                "{error}\n  expected {expected}"
            );
        }
        assert_eq!(
            parse("\n\n").unwrap_err(),
            "s.json: no records (the file is empty)"
        );
    }

    #[test]
    fn timestamps() {
        assert_eq!(parse_timestamp("1970-01-01 00:00:01"), Some(1_000_000_000));
        assert_eq!(parse_timestamp("1970-01-01T00:00:01"), Some(1_000_000_000));
        assert_eq!(
            parse_timestamp("1970-01-01 00:00:01.5"),
            Some(1_500_000_000)
        );
        for bad in [
            "2012-02-30 00:00:00",
            "2012-03-05 24:00:00",
            "2012-03-05",
            "yesterday",
            "2012-03-05 09:0x:00",
        ] {
            assert_eq!(parse_timestamp(bad), None, "{bad}");
        }
    }
}
