//! The text formats of the stock dataset (DESIGN.md, "Data formats"): one trading day of
//! price bars as a CSV file (`timestamp,close,high,low,open`) or as JSON Lines records
//! with the keys in the same order, and a symbol's daily prices as a CSV file
//! (`date,close,high,low,open`). Prices are exact thousandths, written with three
//! decimals in both formats, so a JSON line and its CSV row carry the same digits.

use chrono::NaiveDate;

/// The CSV header line.
pub const CSV_HEADER: &str = "timestamp,close,high,low,open\n";

/// The header line of the daily prices file.
pub const DAILY_CSV_HEADER: &str = "date,close,high,low,open\n";

/// Seconds from midnight to the first bar (09:00:00).
pub const SESSION_OPEN_SECONDS: u32 = 9 * 3600;

/// Seconds from the first to the last bar of a day (09:00:00 to 16:00:00).
pub const SESSION_SECONDS: u32 = 7 * 3600;

/// One price bar, prices in thousandths (123.456 is 123456).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Bar {
    /// The first price of the bar, in thousandths.
    pub open: i64,
    /// The highest price of the bar, in thousandths.
    pub high: i64,
    /// The lowest price of the bar, in thousandths.
    pub low: i64,
    /// The last price of the bar, in thousandths.
    pub close: i64,
}

/// The bars of one trading day, the first at 09:00:00 and then every `freq_seconds`.
#[derive(Debug, Clone, Copy)]
pub struct Day<'a> {
    /// The trading day.
    pub date: NaiveDate,
    /// Seconds from one bar to the next.
    pub freq_seconds: u32,
    /// The bars in time order, the first at 09:00:00.
    pub bars: &'a [Bar],
}

/// Appends the day as a CSV file: the header, then one row per bar.
pub fn push_csv(out: &mut Vec<u8>, day: Day<'_>) {
    out.extend_from_slice(CSV_HEADER.as_bytes());
    for_each_row(day, |stamp, bar| {
        out.extend_from_slice(stamp);
        push_prices(out, bar);
    });
}

/// Appends the day as JSON Lines: one flat object per bar.
pub fn push_json_lines(out: &mut Vec<u8>, day: Day<'_>) {
    for_each_row(day, |stamp, bar| {
        out.extend_from_slice(b"{\"timestamp\":\"");
        out.extend_from_slice(stamp);
        out.extend_from_slice(b"\",\"close\":");
        push_price(out, bar.close);
        out.extend_from_slice(b",\"high\":");
        push_price(out, bar.high);
        out.extend_from_slice(b",\"low\":");
        push_price(out, bar.low);
        out.extend_from_slice(b",\"open\":");
        push_price(out, bar.open);
        out.extend_from_slice(b"}\n");
    });
}

/// Appends a symbol's daily prices as a CSV file: the header, then one row per date.
pub fn push_daily_csv(out: &mut Vec<u8>, days: impl IntoIterator<Item = (NaiveDate, Bar)>) {
    out.extend_from_slice(DAILY_CSV_HEADER.as_bytes());
    for (date, bar) in days {
        out.extend_from_slice(date.format("%Y-%m-%d").to_string().as_bytes());
        push_prices(out, &bar);
    }
}

/// Appends `,close,high,low,open` and the end of the line.
fn push_prices(out: &mut Vec<u8>, bar: &Bar) {
    for price in [bar.close, bar.high, bar.low, bar.open] {
        out.push(b',');
        push_price(out, price);
    }
    out.push(b'\n');
}

/// Calls `row` with each bar and its timestamp text (`2012-03-05 09:02:00`).
fn for_each_row(day: Day<'_>, mut row: impl FnMut(&[u8], &Bar)) {
    let mut stamp = *b"0000-00-00 00:00:00";
    let date = day.date.format("%Y-%m-%d").to_string();
    stamp[..10].copy_from_slice(date.as_bytes());
    for (i, bar) in day.bars.iter().enumerate() {
        let seconds = SESSION_OPEN_SECONDS + i as u32 * day.freq_seconds;
        put_two_digits(&mut stamp[11..13], seconds / 3600);
        put_two_digits(&mut stamp[14..16], seconds / 60 % 60);
        put_two_digits(&mut stamp[17..19], seconds % 60);
        row(&stamp, bar);
    }
}

fn put_two_digits(slot: &mut [u8], value: u32) {
    slot[0] = b'0' + (value / 10 % 10) as u8;
    slot[1] = b'0' + (value % 10) as u8;
}

/// Appends thousandths as a decimal with exactly three decimals (`-1.050`, `12.000`).
pub fn push_price(out: &mut Vec<u8>, thousandths: i64) {
    if thousandths < 0 {
        out.push(b'-');
    }
    let magnitude = thousandths.unsigned_abs();
    let mut digits = itoa::Buffer::new();
    out.extend_from_slice(digits.format(magnitude / 1000).as_bytes());
    let fraction = (magnitude % 1000) as u32;
    out.extend_from_slice(&[
        b'.',
        b'0' + (fraction / 100) as u8,
        b'0' + (fraction / 10 % 10) as u8,
        b'0' + (fraction % 10) as u8,
    ]);
}

#[cfg(test)]
mod tests {
    use super::*;

    fn text(f: impl FnOnce(&mut Vec<u8>)) -> String {
        let mut out = Vec::new();
        f(&mut out);
        String::from_utf8(out).unwrap()
    }

    #[test]
    fn prices_have_three_decimals() {
        for (value, expected) in [
            (0, "0.000"),
            (5, "0.005"),
            (12_000, "12.000"),
            (123_456, "123.456"),
            (-1_050, "-1.050"),
        ] {
            assert_eq!(text(|o| push_price(o, value)), expected);
        }
    }

    fn two_bars() -> [Bar; 2] {
        [
            Bar {
                open: 10_000,
                high: 10_500,
                low: 9_900,
                close: 10_250,
            },
            Bar {
                open: 10_250,
                high: 10_250,
                low: 10_250,
                close: 10_250,
            },
        ]
    }

    #[test]
    fn csv_rows_follow_the_header() {
        let bars = two_bars();
        let date = NaiveDate::from_ymd_opt(2012, 3, 5).unwrap();
        let csv = text(|o| {
            push_csv(
                o,
                Day {
                    date,
                    freq_seconds: 120,
                    bars: &bars,
                },
            )
        });
        assert_eq!(
            csv,
            "timestamp,close,high,low,open\n\
             2012-03-05 09:00:00,10.250,10.500,9.900,10.000\n\
             2012-03-05 09:02:00,10.250,10.250,10.250,10.250\n"
        );
    }

    #[test]
    fn daily_rows_are_dated() {
        let date = NaiveDate::from_ymd_opt(2010, 1, 4).unwrap();
        let csv = text(|o| push_daily_csv(o, [(date, two_bars()[0])]));
        assert_eq!(
            csv,
            "date,close,high,low,open\n2010-01-04,10.250,10.500,9.900,10.000\n"
        );
    }

    #[test]
    fn json_lines_are_flat_records_in_key_order() {
        let bars = two_bars();
        let date = NaiveDate::from_ymd_opt(2014, 12, 31).unwrap();
        let lines = text(|o| {
            push_json_lines(
                o,
                Day {
                    date,
                    freq_seconds: 3600,
                    bars: &bars,
                },
            )
        });
        let mut rows = lines.lines();
        assert_eq!(
            rows.next(),
            Some(
                r#"{"timestamp":"2014-12-31 09:00:00","close":10.250,"high":10.500,"low":9.900,"open":10.000}"#
            )
        );
        let second: serde_json::Value = serde_json::from_str(rows.next().unwrap()).unwrap();
        assert_eq!(second["timestamp"], "2014-12-31 10:00:00");
        assert_eq!(second["open"].as_f64(), Some(10.25));
    }
}
