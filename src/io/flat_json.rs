//! The fast path of the JSON Lines reader: a scanner for one flat JSON object whose keys
//! are the stock record's (`timestamp` a string; `close`, `high`, `low`, `open` numbers or
//! `null`), in any order, with any JSON whitespace.
//!
//! It accepts only what JSON allows (the number grammar is checked) and gives up, returning
//! `None`, on anything unusual: an escape in a string, an unknown, missing or repeated key,
//! a value of another type, trailing bytes. The caller then parses the line with serde_json,
//! which reads what is valid and words the error for what is not. On the dataset's records
//! (BENCHMARKS.md) the reader built on it fills columns and parses timestamps faster than
//! serde_json alone parses the same lines into structs.

/// Index of the close price in [`FlatRecord::prices`].
pub const CLOSE: usize = 0;
/// Index of the high price in [`FlatRecord::prices`].
pub const HIGH: usize = 1;
/// Index of the low price in [`FlatRecord::prices`].
pub const LOW: usize = 2;
/// Index of the open price in [`FlatRecord::prices`].
pub const OPEN: usize = 3;

/// A scanned record: the timestamp's text and the prices (NaN for `null`), in the order
/// close, high, low, open.
#[derive(Debug, PartialEq)]
pub struct FlatRecord<'a> {
    /// The `timestamp` string as written, borrowed from the line (not parsed).
    pub timestamp: &'a str,
    /// The prices, indexed by [`CLOSE`], [`HIGH`], [`LOW`] and [`OPEN`]; NaN for `null`.
    pub prices: [f64; 4],
}

struct Cursor<'a> {
    bytes: &'a [u8],
    at: usize,
}

impl<'a> Cursor<'a> {
    fn skip_space(&mut self) {
        while self
            .bytes
            .get(self.at)
            .is_some_and(|b| matches!(b, b' ' | b'\t' | b'\r' | b'\n'))
        {
            self.at += 1;
        }
    }

    fn peek(&self) -> Option<u8> {
        self.bytes.get(self.at).copied()
    }

    fn eat(&mut self, byte: u8) -> Option<()> {
        self.skip_space();
        (self.peek()? == byte).then(|| self.at += 1)
    }

    /// The bytes of a string without escapes, after its opening quote was seen.
    fn string(&mut self) -> Option<&'a [u8]> {
        let start = self.at;
        let length = self.bytes[start..]
            .iter()
            .position(|&b| b == b'"' || b == b'\\' || b < 0x20)?;
        if self.bytes[start + length] != b'"' {
            return None;
        }
        self.at = start + length + 1;
        Some(&self.bytes[start..start + length])
    }

    /// A JSON number (its grammar checked) or `null`.
    fn number(&mut self) -> Option<f64> {
        if self.bytes[self.at..].starts_with(b"null") {
            self.at += 4;
            return Some(f64::NAN);
        }
        let start = self.at;
        let negative = self.peek() == Some(b'-');
        if negative {
            self.at += 1;
        }
        let mut decimal = Decimal::default();
        if self.peek() == Some(b'0') {
            self.at += 1;
            decimal.digits += 1;
        } else if !self.digits_into(&mut decimal, false) {
            return None;
        }
        if self.peek() == Some(b'.') {
            self.at += 1;
            if !self.digits_into(&mut decimal, true) {
                return None;
            }
        }
        let mut exponent = false;
        if matches!(self.peek(), Some(b'e' | b'E')) {
            exponent = true;
            self.at += 1;
            if matches!(self.peek(), Some(b'+' | b'-')) {
                self.at += 1;
            }
            let from = self.at;
            while self.peek().is_some_and(|b| b.is_ascii_digit()) {
                self.at += 1;
            }
            if self.at == from {
                return None;
            }
        }
        // Clinger's fast path: an integer below 2^53 divided by an exact power of ten is
        // correctly rounded. Longer numbers and exponents take the standard parser.
        if !exponent && decimal.digits <= 15 && decimal.decimals < POWERS_OF_TEN.len() {
            let magnitude = decimal.mantissa as f64 / POWERS_OF_TEN[decimal.decimals];
            return Some(if negative { -magnitude } else { magnitude });
        }
        std::str::from_utf8(&self.bytes[start..self.at])
            .ok()?
            .parse()
            .ok()
    }
}

impl Cursor<'_> {
    /// Takes a run of digits into `decimal`; false when there is none.
    fn digits_into(&mut self, decimal: &mut Decimal, after_point: bool) -> bool {
        let from = self.at;
        while let Some(d) = self.peek().filter(u8::is_ascii_digit) {
            decimal.mantissa = decimal
                .mantissa
                .wrapping_mul(10)
                .wrapping_add(u64::from(d - b'0'));
            decimal.digits += 1;
            decimal.decimals += usize::from(after_point);
            self.at += 1;
        }
        self.at > from
    }
}

/// The digits of a number as one integer, how many there are and how many follow the point.
#[derive(Default)]
struct Decimal {
    mantissa: u64,
    digits: usize,
    decimals: usize,
}

/// The powers of ten that f64 holds exactly.
const POWERS_OF_TEN: [f64; 23] = [
    1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12, 1e13, 1e14, 1e15, 1e16,
    1e17, 1e18, 1e19, 1e20, 1e21, 1e22,
];

/// Scans one line; `None` when the line needs the full parser.
pub fn scan(line: &[u8]) -> Option<FlatRecord<'_>> {
    let mut cursor = Cursor { bytes: line, at: 0 };
    cursor.eat(b'{')?;
    let mut timestamp = None;
    let mut prices = [f64::NAN; 4];
    let mut seen = 0u8;
    loop {
        cursor.eat(b'"')?;
        let key = cursor.string()?;
        cursor.eat(b':')?;
        cursor.skip_space();
        let slot = match key {
            b"timestamp" => {
                cursor.eat(b'"')?;
                timestamp = Some(std::str::from_utf8(cursor.string()?).ok()?);
                4
            }
            b"close" => CLOSE,
            b"high" => HIGH,
            b"low" => LOW,
            b"open" => OPEN,
            _ => return None,
        };
        if slot < 4 {
            prices[slot] = cursor.number()?;
        }
        if seen & (1 << slot) != 0 {
            return None;
        }
        seen |= 1 << slot;
        cursor.skip_space();
        match cursor.peek()? {
            b',' => cursor.at += 1,
            b'}' => {
                cursor.at += 1;
                break;
            }
            _ => return None,
        }
    }
    cursor.skip_space();
    (seen == 0b11111 && cursor.at == line.len()).then_some(FlatRecord {
        timestamp: timestamp?,
        prices,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prices(line: &str) -> Option<[f64; 4]> {
        scan(line.as_bytes()).map(|r| r.prices)
    }

    #[test]
    fn compact_and_spaced_records_scan() {
        let compact =
            r#"{"timestamp":"2012-03-05 09:02:00","close":1.5,"high":2.0,"low":1e-1,"open":-0.25}"#;
        let record = scan(compact.as_bytes()).unwrap();
        assert_eq!(record.timestamp, "2012-03-05 09:02:00");
        assert_eq!(record.prices, [1.5, 2.0, 0.1, -0.25]);
        let spaced = " { \"open\" : 3 ,\t\"low\": null, \"high\": 2.5E+1, \"close\": 0, \"timestamp\": \"t\" } \r";
        let p = prices(spaced).unwrap();
        assert_eq!([p[CLOSE], p[HIGH], p[OPEN]], [0.0, 25.0, 3.0]);
        assert!(p[LOW].is_nan());
    }

    #[test]
    fn numbers_read_exactly_as_the_standard_parser_reads_them() {
        let numbers = [
            "0",
            "-0",
            "1",
            "123.456",
            "0.1",
            "0.3",
            "14.009",
            "-2.5",
            "99999.999",
            "123456789012345",
            "1234567890123456789",
            "0.000001",
            "3.14159265358979",
            "2.2250738585072014e-308",
            "1e22",
            "1.7976931348623157e308",
            "7.0e-1",
        ];
        for text in numbers {
            let line = format!(r#"{{"timestamp":"t","close":{text},"high":0,"low":0,"open":0}}"#);
            let read = prices(&line).unwrap()[CLOSE];
            let expected: f64 = text.parse().unwrap();
            assert_eq!(read.to_bits(), expected.to_bits(), "{text}");
        }
    }

    #[test]
    fn anything_unusual_goes_to_the_full_parser() {
        let good = r#"{"timestamp":"t","close":1,"high":2,"low":1,"open":1}"#;
        assert!(scan(good.as_bytes()).is_some());
        for unusual in [
            r#"{"timestamp":"t\u0041","close":1,"high":2,"low":1,"open":1}"#,
            r#"{"timestamp":"t","close":1,"high":2,"low":1}"#,
            r#"{"timestamp":"t","close":1,"close":1,"high":2,"low":1,"open":1}"#,
            r#"{"timestamp":"t","close":1,"high":2,"low":1,"open":1,"volume":1}"#,
            r#"{"timestamp":"t","close":"1","high":2,"low":1,"open":1}"#,
            r#"{"timestamp":"t","close":01,"high":2,"low":1,"open":1}"#,
            r#"{"timestamp":"t","close":1.,"high":2,"low":1,"open":1}"#,
            r#"{"timestamp":"t","close":.5,"high":2,"low":1,"open":1}"#,
            r#"{"timestamp":"t","close":+1,"high":2,"low":1,"open":1}"#,
            r#"{"timestamp":"t","close":NaN,"high":2,"low":1,"open":1}"#,
            r#"{"timestamp":"t","close":1,"high":2,"low":1,"open":1} x"#,
            r#"{"timestamp":"t","close":1,"high":2,"low":1,"open":1"#,
            r#"{"timestamp":1,"close":1,"high":2,"low":1,"open":1}"#,
            "",
        ] {
            assert_eq!(scan(unusual.as_bytes()), None, "{unusual}");
        }
    }
}
