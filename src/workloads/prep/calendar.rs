//! The trading calendar: weekdays on which the New York Stock Exchange was (or, by its
//! rules, will be) open, from 2010-01-04 on. The default span 2010-01-04 .. 2014-12-31 has
//! 1258 such days; longer requests extend it forward with the same rules.
//!
//! Closed: weekends; New Year's Day (a Sunday moves to Monday, a Saturday is not made up);
//! Martin Luther King Jr. Day, Washington's Birthday (third Mondays of January and
//! February); Good Friday; Memorial Day (last Monday of May); Juneteenth (from 2022);
//! Independence Day and Christmas (a Saturday moves to Friday, a Sunday to Monday); Labor
//! Day (first Monday of September); Thanksgiving (fourth Thursday of November); and the
//! exchange's unscheduled closures (Hurricane Sandy 2012, national days of mourning).

use chrono::{Datelike, Duration, NaiveDate, Weekday};

/// Trading days from 2010-01-04 to 2014-12-31, the tutorial's span.
pub const SPAN_DAYS: usize = 1258;

fn date(y: i32, m: u32, d: u32) -> NaiveDate {
    NaiveDate::from_ymd_opt(y, m, d).expect("a valid calendar date")
}

/// The first `count` trading days from 2010-01-04 on.
pub fn trading_days_from_2010(count: usize) -> Vec<NaiveDate> {
    let mut days = Vec::with_capacity(count);
    let mut day = date(2010, 1, 4);
    while days.len() < count {
        if is_trading_day(day) {
            days.push(day);
        }
        day += Duration::days(1);
    }
    days
}

/// Whether the exchange is open on `day`.
pub fn is_trading_day(day: NaiveDate) -> bool {
    !matches!(day.weekday(), Weekday::Sat | Weekday::Sun) && !is_holiday(day)
}

fn is_holiday(day: NaiveDate) -> bool {
    const UNSCHEDULED: [(i32, u32, u32); 4] =
        [(2012, 10, 29), (2012, 10, 30), (2018, 12, 5), (2025, 1, 9)];
    let y = day.year();
    let mut holidays = vec![
        nth_weekday(y, 1, Weekday::Mon, 3),
        nth_weekday(y, 2, Weekday::Mon, 3),
        easter_sunday(y) - Duration::days(2),
        last_weekday(y, 5, Weekday::Mon),
        observed(date(y, 7, 4)),
        nth_weekday(y, 9, Weekday::Mon, 1),
        nth_weekday(y, 11, Weekday::Thu, 4),
        observed(date(y, 12, 25)),
    ];
    if y >= 2022 {
        holidays.push(observed(date(y, 6, 19)));
    }
    let new_year = date(y, 1, 1);
    holidays.push(if new_year.weekday() == Weekday::Sun {
        date(y, 1, 2)
    } else {
        new_year
    });
    holidays.contains(&day) || UNSCHEDULED.iter().any(|&(y, m, d)| date(y, m, d) == day)
}

/// A fixed-date holiday as observed: Saturday to Friday, Sunday to Monday.
fn observed(day: NaiveDate) -> NaiveDate {
    match day.weekday() {
        Weekday::Sat => day - Duration::days(1),
        Weekday::Sun => day + Duration::days(1),
        _ => day,
    }
}

fn nth_weekday(year: i32, month: u32, weekday: Weekday, n: u8) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, n)
        .expect("every month has four of each weekday")
}

fn last_weekday(year: i32, month: u32, weekday: Weekday) -> NaiveDate {
    NaiveDate::from_weekday_of_month_opt(year, month, weekday, 5)
        .unwrap_or_else(|| nth_weekday(year, month, weekday, 4))
}

/// Easter Sunday in the Gregorian calendar (the anonymous Gregorian algorithm).
fn easter_sunday(year: i32) -> NaiveDate {
    let a = year % 19;
    let b = year / 100;
    let c = year % 100;
    let d = b / 4;
    let e = b % 4;
    let f = (b + 8) / 25;
    let g = (b - f + 1) / 3;
    let h = (19 * a + b - d - g + 15) % 30;
    let i = c / 4;
    let k = c % 4;
    let l = (32 + 2 * e + 2 * i - h - k) % 7;
    let m = (a + 11 * h + 22 * l) / 451;
    let month = (h + l - 7 * m + 114) / 31;
    let day = (h + l - 7 * m + 114) % 31 + 1;
    date(year, month as u32, day as u32)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_tutorial_span_has_1258_days() {
        let days = trading_days_from_2010(SPAN_DAYS + 1);
        assert_eq!(days[0], date(2010, 1, 4));
        assert_eq!(days[SPAN_DAYS - 1], date(2014, 12, 31));
        assert_eq!(days[SPAN_DAYS], date(2015, 1, 2));
    }

    #[test]
    fn known_closures_and_openings() {
        for closed in [
            date(2012, 4, 6),
            date(2012, 10, 29),
            date(2010, 12, 24),
            date(2011, 12, 26),
            date(2012, 1, 2),
            date(2013, 11, 28),
            date(2014, 5, 26),
            date(2010, 7, 5),
        ] {
            assert!(!is_trading_day(closed), "{closed} is a holiday");
        }
        for open in [
            date(2010, 12, 31),
            date(2012, 10, 31),
            date(2013, 12, 24),
            date(2014, 7, 3),
        ] {
            assert!(is_trading_day(open), "{open} is a trading day");
        }
    }

    #[test]
    fn easter_dates() {
        assert_eq!(easter_sunday(2010), date(2010, 4, 4));
        assert_eq!(easter_sunday(2013), date(2013, 3, 31));
        assert_eq!(easter_sunday(2024), date(2024, 3, 31));
    }
}
