//! Times cut down to the start of their bin: SQL's `date_trunc` and `time_bucket`, and
//! [`Frame::resample`](super::Frame::resample)'s bins.
//!
//! Semantics (DuckDB's): a bin of a fixed width (seconds, minutes, hours, days, weeks)
//! starts at a whole number of widths from Monday 2000-01-03 00:00 (DuckDB's
//! `time_bucket` origin; every width that divides a week is also aligned on midnight and
//! on the epoch, so `date_trunc('hour', t)` is the hour `t` is in and a week starts on
//! Monday); a bin of months starts on the first of a month, a whole number of bins from
//! January 2000 (`date_trunc('quarter', t)` starts in January, April, July or October).
//! A time with a zone is binned by its local time in that zone with [`Clock::Local`] (as
//! DuckDB's `date_trunc` bins in its session's zone and pandas' `resample` in the
//! index's), the start taken back to an instant: where the clocks went back, the later of
//! the two instants that is not after the time (so that a bin holds its times), and where
//! they skipped the start, the instant it would have been at the offset before. With
//! [`Clock::Utc`] (DuckDB's `time_bucket` of a zoned time) it is binned by its UTC time.
//! A date is binned as its midnight and stays a date. Nulls stay null; a bin outside the
//! type's range is an error.

use std::fmt;
use std::str::FromStr;
use std::sync::Arc;

use arrow::array::timezone::Tz;
use arrow::array::{Array, ArrayRef, AsArray, Int64Array};
use arrow::compute::cast;
use arrow::datatypes::{DataType, Int64Type, TimeUnit};
use arrow::error::ArrowError;
use chrono::{Datelike, LocalResult, NaiveDate, NaiveDateTime, Offset, TimeZone};

/// Monday 2000-01-03 00:00 UTC, in seconds since the epoch: the origin of fixed bins.
const ORIGIN: i64 = 946_857_600;

/// Where a time with a zone is binned.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Clock {
    /// By its local time in its zone (`date_trunc`, pandas' `resample`).
    Local,
    /// By its UTC time (DuckDB's `time_bucket`).
    Utc,
}

/// The width of a time bin.
///
/// ```
/// use pardata::frame::timebin::TimeBin;
///
/// assert_eq!("hour".parse::<TimeBin>(), Ok(TimeBin::Seconds(3600)));
/// assert_eq!("15 minutes".parse::<TimeBin>(), Ok(TimeBin::Seconds(900)));
/// assert_eq!("quarter".parse::<TimeBin>(), Ok(TimeBin::Months(3)));
/// assert_eq!(TimeBin::Seconds(900).to_string(), "15 minutes");
/// ```
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TimeBin {
    /// A fixed width, in seconds (more than zero).
    Seconds(i64),
    /// A number of calendar months (more than zero).
    Months(i64),
}

impl TimeBin {
    /// The bin of the unit that `date_trunc` names (`second`, `minute`, `hour`, `day`,
    /// `week`, `month`, `quarter`, `year`), if it is one.
    pub fn unit(name: &str) -> Option<TimeBin> {
        Some(match name.to_ascii_lowercase().trim_end_matches('s') {
            "second" | "sec" => TimeBin::Seconds(1),
            "minute" | "min" => TimeBin::Seconds(60),
            "hour" | "h" => TimeBin::Seconds(3600),
            "day" | "d" => TimeBin::Seconds(86_400),
            "week" | "w" => TimeBin::Seconds(7 * 86_400),
            "month" => TimeBin::Months(1),
            "quarter" => TimeBin::Months(3),
            "year" | "y" => TimeBin::Months(12),
            _ => return None,
        })
    }

    /// The name `date_trunc` gives this bin, when it is one unit.
    pub fn unit_name(self) -> Option<&'static str> {
        Some(match self {
            TimeBin::Seconds(1) => "second",
            TimeBin::Seconds(60) => "minute",
            TimeBin::Seconds(3600) => "hour",
            TimeBin::Seconds(86_400) => "day",
            TimeBin::Seconds(604_800) => "week",
            TimeBin::Months(1) => "month",
            TimeBin::Months(3) => "quarter",
            TimeBin::Months(12) => "year",
            _ => return None,
        })
    }

    /// The values of a date or time column cut to the start of their bins, in the
    /// column's type, zoned times read on `clock` (see the module's semantics).
    pub fn apply(self, values: &ArrayRef, clock: Clock) -> Result<ArrayRef, ArrowError> {
        match values.data_type().clone() {
            DataType::Timestamp(unit, zone) => {
                let scale = match unit {
                    TimeUnit::Second => 1,
                    TimeUnit::Millisecond => 1_000,
                    TimeUnit::Microsecond => 1_000_000,
                    TimeUnit::Nanosecond => 1_000_000_000,
                };
                let zone = match clock {
                    Clock::Local => zone.as_deref().map(Tz::from_str).transpose()?,
                    Clock::Utc => None,
                };
                let raw = cast(values, &DataType::Int64)?;
                let binned: Int64Array = raw
                    .as_primitive::<Int64Type>()
                    .try_unary(|v| self.bin_instant(v, scale, zone.as_ref()))?;
                cast(&(Arc::new(binned) as ArrayRef), values.data_type())
            }
            DataType::Date32 | DataType::Date64 => {
                let midnight = DataType::Timestamp(TimeUnit::Second, None);
                let binned = self.apply(&cast(values, &midnight)?, clock)?;
                cast(&binned, values.data_type())
            }
            other => Err(ArrowError::InvalidArgumentError(format!(
                "time bins need a date or a time, not {other}"
            ))),
        }
    }

    /// The start of the bin of `v` (`scale` units a second), in the same units.
    fn bin_instant(self, v: i64, scale: i64, zone: Option<&Tz>) -> Result<i64, ArrowError> {
        let out_of_range = || ArrowError::ComputeError(format!("the bin of {v} is out of range"));
        let Some(zone) = zone else {
            return self.bin_local(v, scale).ok_or_else(out_of_range);
        };
        let seconds = v.div_euclid(scale);
        let utc = chrono::DateTime::from_timestamp(seconds, 0).ok_or_else(out_of_range)?;
        let offset = i64::from(
            zone.offset_from_utc_datetime(&utc.naive_utc())
                .fix()
                .local_minus_utc(),
        );
        let local = offset
            .checked_mul(scale)
            .and_then(|o| v.checked_add(o))
            .ok_or_else(out_of_range)?;
        let start = self.bin_local(local, scale).ok_or_else(out_of_range)?;
        let seconds = start.div_euclid(scale);
        let local_start = naive(seconds).ok_or_else(out_of_range)?;
        let instant = match zone.from_local_datetime(&local_start) {
            LocalResult::Single(at) => at.timestamp(),
            // The clocks went back: the later instant when it is not after `v`, so that
            // the bin holds `v`.
            LocalResult::Ambiguous(early, late) => match late.timestamp() * scale <= v {
                true => late.timestamp(),
                false => early.timestamp(),
            },
            // A start the clocks skipped: the instant it would have been at the offset
            // before the change (`seconds - offset` is just before it).
            LocalResult::None => {
                let before = naive(seconds - offset).ok_or_else(out_of_range)?;
                let before = zone
                    .offset_from_utc_datetime(&before)
                    .fix()
                    .local_minus_utc();
                seconds - i64::from(before)
            }
        };
        instant
            .checked_mul(scale)
            .and_then(|s| s.checked_add(start.rem_euclid(scale)))
            .ok_or_else(out_of_range)
    }

    /// The start of the bin of a local (or naive) time `v`, `scale` units a second.
    fn bin_local(self, v: i64, scale: i64) -> Option<i64> {
        match self {
            TimeBin::Seconds(width) => {
                let width = width.checked_mul(scale)?;
                let origin = ORIGIN.checked_mul(scale)?;
                let bins = v.checked_sub(origin)?.div_euclid(width);
                origin.checked_add(bins.checked_mul(width)?)
            }
            TimeBin::Months(months) => {
                let time = naive(v.div_euclid(scale))?;
                let since = i64::from(time.year() - 2000) * 12 + i64::from(time.month0());
                let start = since.div_euclid(months) * months;
                let year = i32::try_from(2000 + start.div_euclid(12)).ok()?;
                let month = u32::try_from(start.rem_euclid(12)).ok()? + 1;
                let first = NaiveDate::from_ymd_opt(year, month, 1)?.and_hms_opt(0, 0, 0)?;
                first.and_utc().timestamp().checked_mul(scale)
            }
        }
    }
}

/// The naive time `seconds` after the epoch.
fn naive(seconds: i64) -> Option<NaiveDateTime> {
    chrono::DateTime::from_timestamp(seconds, 0).map(|t| t.naive_utc())
}

impl FromStr for TimeBin {
    type Err = String;

    /// A unit (`hour`), or a count and a unit (`15 minutes`, `2 months`).
    fn from_str(text: &str) -> Result<TimeBin, String> {
        let text = text.trim();
        let wrong = || {
            format!(
                "\"{text}\" is not a time bin (a count and one of second, minute, hour, day, \
                 week, month, quarter, year: \"15 minutes\")"
            )
        };
        let (count, unit) = match text.split_once(char::is_whitespace) {
            Some((count, unit)) => (count.parse::<i64>().map_err(|_| wrong())?, unit.trim()),
            None => (1, text),
        };
        if count <= 0 {
            return Err(wrong());
        }
        match TimeBin::unit(unit).ok_or_else(wrong)? {
            TimeBin::Seconds(s) => s.checked_mul(count).map(TimeBin::Seconds),
            TimeBin::Months(m) => m.checked_mul(count).map(TimeBin::Months),
        }
        .ok_or_else(wrong)
    }
}

impl fmt::Display for TimeBin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (count, unit) = match *self {
            TimeBin::Months(m) if m % 12 == 0 => (m / 12, "year"),
            TimeBin::Months(m) => (m, "month"),
            TimeBin::Seconds(s) => [(86_400, "day"), (3600, "hour"), (60, "minute")]
                .into_iter()
                .find(|(width, _)| s % width == 0)
                .map_or((s, "second"), |(width, unit)| (s / width, unit)),
        };
        write!(f, "{count} {unit}{}", if count == 1 { "" } else { "s" })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Date32Array, TimestampMicrosecondArray, TimestampSecondArray};

    fn seconds(text: &str) -> i64 {
        NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S")
            .expect("a time")
            .and_utc()
            .timestamp()
    }

    fn binned(bin: &str, times: &[&str], zone: Option<&str>) -> Vec<i64> {
        let values =
            TimestampSecondArray::from(times.iter().map(|t| seconds(t)).collect::<Vec<_>>())
                .with_timezone_opt(zone);
        let out = bin
            .parse::<TimeBin>()
            .expect("a bin")
            .apply(&(Arc::new(values) as ArrayRef), Clock::Local)
            .expect("binned");
        let out = cast(&out, &DataType::Int64).expect("integers");
        out.as_primitive::<Int64Type>().values().to_vec()
    }

    #[test]
    fn fixed_bins_start_on_the_hour_and_weeks_on_monday() {
        let t = ["2015-01-07 13:45:10", "1969-12-31 23:59:59"];
        assert_eq!(
            binned("hour", &t, None),
            vec![
                seconds("2015-01-07 13:00:00"),
                seconds("1969-12-31 23:00:00")
            ]
        );
        assert_eq!(
            binned("15 minutes", &t, None),
            vec![
                seconds("2015-01-07 13:45:00"),
                seconds("1969-12-31 23:45:00")
            ]
        );
        // 2015-01-07 is a Wednesday; its week starts on Monday the 5th.
        assert_eq!(
            binned("week", &t[..1], None),
            vec![seconds("2015-01-05 00:00:00")]
        );
    }

    #[test]
    fn month_bins_follow_the_calendar() {
        let t = ["2015-05-31 23:00:00", "1999-02-03 00:00:00"];
        assert_eq!(
            binned("month", &t, None),
            vec![
                seconds("2015-05-01 00:00:00"),
                seconds("1999-02-01 00:00:00")
            ]
        );
        assert_eq!(
            binned("quarter", &t, None),
            vec![
                seconds("2015-04-01 00:00:00"),
                seconds("1999-01-01 00:00:00")
            ]
        );
        assert_eq!(
            binned("year", &t[..1], None),
            vec![seconds("2015-01-01 00:00:00")]
        );
    }

    #[test]
    fn zoned_times_bin_by_their_local_time() {
        // 03:30 UTC is 09:00 in Kolkata (+05:30): its local day began at 18:30 UTC before.
        let got = binned("day", &["2015-01-07 03:30:00"], Some("Asia/Kolkata"));
        assert_eq!(got, vec![seconds("2015-01-06 18:30:00")]);
        let got = binned("hour", &["2015-01-07 03:40:00"], Some("Asia/Kolkata"));
        assert_eq!(got, vec![seconds("2015-01-07 03:30:00")]);
    }

    #[test]
    fn bins_hold_their_times_where_the_clocks_change() {
        // Sao Paulo skipped 2018-11-04 00:00 (-03 to -02): the day began at 01:00 -02,
        // 03:00 UTC, as DuckDB says.
        let got = binned("day", &["2018-11-04 12:00:00"], Some("America/Sao_Paulo"));
        assert_eq!(got, vec![seconds("2018-11-04 03:00:00")]);
        // New York's 01:00 came twice on 2015-11-01: 06:30 UTC is in the second (EST).
        let t = ["2015-11-01 05:30:00", "2015-11-01 06:30:00"];
        let got = binned("hour", &t, Some("America/New_York"));
        assert_eq!(
            got,
            vec![
                seconds("2015-11-01 05:00:00"),
                seconds("2015-11-01 06:00:00")
            ]
        );
    }

    #[test]
    fn dates_stay_dates_and_nulls_stay_null() {
        let dates: ArrayRef = Arc::new(Date32Array::from(vec![Some(16_442), None]));
        let out = TimeBin::Months(1)
            .apply(&dates, Clock::Local)
            .expect("binned");
        assert_eq!(out.data_type(), &DataType::Date32);
        let out = out.as_primitive::<arrow::datatypes::Date32Type>();
        // 2015-01-07 (day 16,442) is in the month of 2015-01-01 (day 16,436).
        assert_eq!(out.iter().collect::<Vec<_>>(), vec![Some(16_436), None]);
        let micros: ArrayRef = Arc::new(TimestampMicrosecondArray::from(vec![1_500_000]));
        let out = TimeBin::Seconds(1)
            .apply(&micros, Clock::Utc)
            .expect("binned");
        let out = cast(&out, &DataType::Int64).expect("integers");
        assert_eq!(out.as_primitive::<Int64Type>().value(0), 1_000_000);
    }

    #[test]
    fn wrong_bins_are_refused_with_the_ones_there_are() {
        let error = "3 fortnights".parse::<TimeBin>().expect_err("no such unit");
        assert!(error.contains("15 minutes"), "{error}");
        assert!("0 hours".parse::<TimeBin>().is_err());
    }
}
