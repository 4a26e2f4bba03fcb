//! The labelled samples of the search: the handwritten digits built into the binary (the
//! default), or any CSV of that shape (features, then an integer class label; plain or
//! gzip-compressed), read with errors that name the file, line and column. A header row is
//! detected (a first row with a field that is not a number) and skipped; a header whose
//! first field is empty is pandas' index column (`DataFrame.to_csv()` writes one), and
//! that column is dropped.

use std::io::Read;
use std::path::Path;

use ndarray::Array2;

/// The digits (1797 8x8 images, classes 0..9), gzip-compressed CSV: data/README.md.
const DIGITS: &[u8] = include_bytes!("../../../data/digits.csv.gz");

/// Samples as rows of features with a class label each.
#[derive(Debug, Clone)]
pub struct Samples {
    /// Where they came from, for messages.
    pub source: String,
    pub features: Array2<f64>,
    pub labels: Vec<u32>,
}

impl Samples {
    /// The distinct classes, ascending.
    pub fn classes(&self) -> Vec<u32> {
        let mut classes = self.labels.clone();
        classes.sort_unstable();
        classes.dedup();
        classes
    }
}

/// The built-in digits.
pub fn builtin() -> Result<Samples, String> {
    parse(
        "the built-in digits",
        &gunzip("the built-in digits", DIGITS)?,
    )
}

/// Samples from `path` (gzip-compressed when it ends in `.gz`).
pub fn read(path: &Path) -> Result<Samples, String> {
    let name = path.display().to_string();
    let bytes = std::fs::read(path).map_err(|e| format!("cannot read {name}: {e}"))?;
    let text = if name.ends_with(".gz") {
        gunzip(&name, &bytes)?
    } else {
        String::from_utf8(bytes).map_err(|e| format!("{name}: not UTF-8 text ({e})"))?
    };
    parse(&name, &text)
}

fn gunzip(name: &str, bytes: &[u8]) -> Result<String, String> {
    let mut text = String::new();
    flate2::read::GzDecoder::new(bytes)
        .read_to_string(&mut text)
        .map_err(|e| format!("{name}: not gzip-compressed UTF-8 text ({e})"))?;
    Ok(text)
}

/// Parses rows of `features..., label` (the samples called `name`); every row the same
/// width, at least two classes.
pub fn parse(name: &str, text: &str) -> Result<Samples, String> {
    let mut values = Vec::new();
    let mut labels = Vec::new();
    let mut width = None;
    let (header, skip) = header_of(text);
    for (number, line) in text.lines().enumerate().skip(header) {
        let line = line.trim();
        if line.is_empty() {
            continue;
        }
        let at = |column: usize| format!("{name}: line {}: column {}", number + 1, column + skip);
        let fields: Vec<&str> = line.split(',').map(str::trim).skip(skip).collect();
        let expected = *width.get_or_insert(fields.len());
        if fields.len() != expected || expected < 2 {
            return Err(format!(
                "{name}: line {}: {} columns, expected {} (features, then a label)",
                number + 1,
                fields.len(),
                expected.max(2)
            ));
        }
        for (column, field) in fields[..expected - 1].iter().enumerate() {
            let value: f64 = field
                .parse()
                .map_err(|_| format!("{}: {field:?} is not a number", at(column + 1)))?;
            if !value.is_finite() {
                return Err(format!(
                    "{}: {field} is not a finite number",
                    at(column + 1)
                ));
            }
            values.push(value);
        }
        let label = fields[expected - 1];
        labels.push(label.parse::<u32>().map_err(|_| {
            format!(
                "{}: the label {label:?} is not a class number",
                at(expected)
            )
        })?);
    }
    let width = width.ok_or_else(|| format!("{name}: no samples"))?;
    let features = Array2::from_shape_vec((labels.len(), width - 1), values)
        .map_err(|e| format!("{name}: {e}"))?;
    let samples = Samples {
        source: name.to_string(),
        features,
        labels,
    };
    if samples.classes().len() < 2 {
        return Err(format!(
            "{name}: one class only ({}): a classifier needs two or more",
            samples.labels[0]
        ));
    }
    Ok(samples)
}

/// How many lines the header takes (0, or up to the first non-empty line, inclusive, when
/// that line has a field that is a name, not a number) and how many leading columns to
/// drop (1 for pandas' unnamed index column, else 0).
fn header_of(text: &str) -> (usize, usize) {
    let Some((number, first)) = text
        .lines()
        .enumerate()
        .find(|(_, line)| !line.trim().is_empty())
    else {
        return (0, 0);
    };
    let fields: Vec<&str> = first.split(',').map(str::trim).collect();
    // A header has a name that is not a number; an empty field is a missing value of a
    // data row (reported as such), not a header.
    if !fields
        .iter()
        .any(|f| !f.is_empty() && f.parse::<f64>().is_err())
    {
        return (0, 0);
    }
    // pandas' index column: an empty name first, then named columns.
    let index = usize::from(
        fields.len() > 1 && fields[0].is_empty() && fields[1..].iter().all(|f| !f.is_empty()),
    );
    (number + 1, index)
}

#[cfg(test)]
mod tests {
    use super::{builtin, parse};

    #[test]
    fn a_header_row_and_pandas_index_column_are_skipped() {
        let plain = parse("f.csv", "1,2,0\n3,4,1\n").unwrap();
        let headed = parse("f.csv", "x,y,label\n1,2,0\n3,4,1\n").unwrap();
        let pandas = parse("f.csv", ",x,y,label\n0,1,2,0\n1,3,4,1\n").unwrap();
        assert_eq!(plain.features, headed.features);
        assert_eq!(plain.features, pandas.features);
        assert_eq!(pandas.labels, vec![0, 1]);
        let bad = parse("f.csv", "x,y,label\n1,2,0\n3,z,1\n").unwrap_err();
        assert_eq!(bad, "f.csv: line 3: column 2: \"z\" is not a number");
        let missing = parse("f.csv", "1,,0\n3,4,1\n").unwrap_err();
        assert_eq!(missing, "f.csv: line 1: column 2: \"\" is not a number");
    }

    #[test]
    fn the_builtin_digits_are_1797_images_of_ten_classes() {
        let digits = builtin().expect("the built-in data parses");
        assert_eq!(digits.features.dim(), (1797, 64));
        assert_eq!(digits.classes(), (0..10).collect::<Vec<u32>>());
        assert!(digits.features.iter().all(|&v| (0.0..=16.0).contains(&v)));
    }

    #[test]
    fn bad_rows_are_named_by_line_and_column() {
        let short = parse("f.csv", "1,2,0\n1,1\n").unwrap_err();
        assert_eq!(
            short,
            "f.csv: line 2: 2 columns, expected 3 (features, then a label)"
        );
        let word = parse("f.csv", "1,2,0\n1,x,1\n").unwrap_err();
        assert_eq!(word, "f.csv: line 2: column 2: \"x\" is not a number");
        let label = parse("f.csv", "1,2,0.5\n").unwrap_err();
        assert!(
            label.contains("line 1: column 3: the label \"0.5\""),
            "{label}"
        );
        let one = parse("f.csv", "1,2,3\n4,5,3\n").unwrap_err();
        assert!(one.contains("one class only (3)"), "{one}");
        assert_eq!(parse("f.csv", "\n").unwrap_err(), "f.csv: no samples");
    }
}
