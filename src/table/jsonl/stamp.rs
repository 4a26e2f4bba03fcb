//! Times written as text in JSON Lines, read into nanoseconds since 1970-01-01 00:00:00
//! for a column typed `timestamp[ns]` without a time zone.
//!
//! Semantics: `YYYY-MM-DD HH:MM:SS`, with a `T` instead of the space and an optional
//! fraction of a second (`.5`, `.123456789`), as pandas writes naive times; a time zone
//! suffix, a date alone or an impossible date (February 30th, hour 24) is not read.
//! Lines of one file mostly share a date, so the date of the last one is kept and most
//! lines only add their time of day.

use chrono::NaiveDateTime;

/// Reads the times of one column, keeping the date of the last one.
#[derive(Debug, Default)]
pub(super) struct Stamps {
    /// The date of the last time read, and its midnight in nanoseconds.
    last: Option<([u8; 10], i64)>,
}

impl Stamps {
    /// The nanoseconds since the epoch of `text`, or `None` when it is not a time as the
    /// module header says.
    pub(super) fn parse(&mut self, text: &str) -> Option<i64> {
        let b = text.as_bytes();
        let plain =
            b.len() == 19 && (b[10] == b' ' || b[10] == b'T') && b[13] == b':' && b[16] == b':';
        if !plain {
            return parse_timestamp(text);
        }
        let midnight_ns = match self.last {
            Some((date, midnight_ns)) if date[..] == b[..10] => midnight_ns,
            _ => {
                let midnight_ns = parse_timestamp(&format!("{} 00:00:00", &text[..10]))?;
                let mut date = [0; 10];
                date.copy_from_slice(&b[..10]);
                self.last = Some((date, midnight_ns));
                midnight_ns
            }
        };
        let two = |i: usize| -> Option<i64> {
            (b[i].is_ascii_digit() && b[i + 1].is_ascii_digit())
                .then(|| i64::from(b[i] - b'0') * 10 + i64::from(b[i + 1] - b'0'))
        };
        let (hours, minutes, seconds) = (two(11)?, two(14)?, two(17)?);
        if hours >= 24 || minutes >= 60 || seconds >= 60 {
            return None;
        }
        // The last day that nanoseconds reach (2262-04-11) ends before its midnight does.
        midnight_ns.checked_add(((hours * 60 + minutes) * 60 + seconds) * 1_000_000_000)
    }
}

/// Nanoseconds since the epoch of `YYYY-MM-DD HH:MM:SS` (or with `T`, or a fraction).
fn parse_timestamp(text: &str) -> Option<i64> {
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

    #[test]
    fn times_with_a_space_a_t_or_a_fraction_read_and_others_do_not() {
        let mut stamps = Stamps::default();
        assert_eq!(stamps.parse("1970-01-01 00:00:01"), Some(1_000_000_000));
        assert_eq!(stamps.parse("1970-01-01T00:00:01"), Some(1_000_000_000));
        assert_eq!(stamps.parse("1970-01-01 00:00:01.5"), Some(1_500_000_000));
        // The kept date is only a shortcut: another day reads as itself.
        assert_eq!(
            stamps.parse("2012-03-05 09:02:00"),
            Some(1_330_938_120_000_000_000)
        );
        assert_eq!(
            stamps.parse("1970-01-02 00:00:00"),
            Some(86_400_000_000_000)
        );
        for bad in [
            "2012-02-30 00:00:00",
            "2012-03-05 24:00:00",
            "2012-03-05 09:60:00",
            "2012-03-05",
            "2012-03-05 09:02:00+01:00",
            "yesterday",
            "2012-03-05 09:0x:00",
            "2262-04-11 23:50:00",
            "\0\0\0\0\0\0\0\0\0\0 00:00:01",
        ] {
            assert_eq!(stamps.parse(bad), None, "{bad}");
        }
    }
}
