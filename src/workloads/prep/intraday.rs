//! Intraday bars of one trading day, as the tutorial's generator made them: a bounded
//! random walk from the day's open to its close on a grid of `freq / 5` seconds from 09:00
//! to 16:00, stretched so that it touches the day's high and low exactly, rounded to
//! thousandths, then resampled to `freq` bars (open = first, high = max, low = min, close =
//! last; left-closed, left-labelled). The 16:00 bar holds the last point alone, so its
//! open, high, low and close all equal the day's close.

use rand::Rng;
use rand_chacha::ChaCha8Rng;

use crate::io::stock::{Bar, SESSION_SECONDS};

/// Grid points per bar.
const POINTS_PER_BAR: usize = 5;
/// Walks tried before the fallback (a walk fails when it never rises above the larger of
/// open and close while the high lies above it, or the same below; this is rare).
const MAX_TRIES: usize = 1000;

/// The number of bars per day at `freq_seconds` (211 at 120 s).
pub fn bars_per_day(freq_seconds: u32) -> usize {
    (SESSION_SECONDS / freq_seconds) as usize + 1
}

/// Whether `freq_seconds` makes whole bars of a whole grid: a multiple of 5 that divides
/// the 7-hour session.
pub fn valid_freq(freq_seconds: u32) -> bool {
    freq_seconds > 0
        && freq_seconds.is_multiple_of(POINTS_PER_BAR as u32)
        && SESSION_SECONDS.is_multiple_of(freq_seconds)
}

/// Fills `bars` with the day's bars at `freq_seconds`; `walk` is scratch space.
pub fn day_bars(
    day: Bar,
    freq_seconds: u32,
    rng: &mut ChaCha8Rng,
    walk: &mut Vec<f64>,
    bars: &mut Vec<Bar>,
) {
    let points = (bars_per_day(freq_seconds) - 1) * POINTS_PER_BAR + 1;
    bounded_walk(day, points, rng, walk);
    bars.clear();
    bars.extend(walk.chunks(POINTS_PER_BAR).map(|chunk| {
        let milli: Vec<i64> = chunk.iter().map(|&v| (v * 1000.0).round() as i64).collect();
        Bar {
            open: milli[0],
            close: milli[milli.len() - 1],
            high: milli.iter().copied().max().unwrap_or(milli[0]),
            low: milli.iter().copied().min().unwrap_or(milli[0]),
        }
    }));
}

/// numpy's `allclose` for one pair.
fn close_to(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-8 + 1e-5 * b.abs()
}

fn min_max(values: &[f64]) -> (f64, f64) {
    values
        .iter()
        .fold((f64::INFINITY, f64::NEG_INFINITY), |(lo, hi), &v| {
            (lo.min(v), hi.max(v))
        })
}

/// A walk of `points` values from open to close whose extremes are the day's high and low.
fn bounded_walk(day: Bar, points: usize, rng: &mut ChaCha8Rng, walk: &mut Vec<f64>) {
    let price = |milli: i64| milli as f64 / 1000.0;
    let (open, high, low, close) = (
        price(day.open),
        price(day.high),
        price(day.low),
        price(day.close),
    );
    let (top, bottom) = (open.max(close), open.min(close));
    let last = (points - 1) as f64;
    for _ in 0..MAX_TRIES {
        walk.clear();
        let mut level = 0.0;
        walk.extend((0..points).map(|_| {
            level += rng.random::<f64>() - 0.5;
            level
        }));
        let (lo, hi) = min_max(walk);
        let scale = if hi > lo {
            (high - low) / (hi - lo)
        } else {
            0.0
        };
        let (first, end) = (walk[0] * scale, walk[points - 1] * scale);
        for (i, v) in walk.iter_mut().enumerate() {
            let shift = (open - first) + (close - end - (open - first)) * i as f64 / last;
            *v = *v * scale + shift;
        }
        let (lo, hi) = min_max(walk);
        for v in walk.iter_mut() {
            if *v > top && hi > top {
                *v = (*v - top) * (high - top) / (hi - top) + top;
            } else if *v < bottom && lo < bottom {
                *v = (*v - bottom) * (low - bottom) / (lo - bottom) + bottom;
            }
        }
        let (lo, hi) = min_max(walk);
        if close_to(hi, high) && close_to(lo, low) {
            return;
        }
    }
    // No walk reached both extremes: place them inside the day by hand.
    walk[points / 3] = high;
    walk[2 * points / 3] = low;
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::workloads::prep::model::stream;

    fn bar(open: i64, high: i64, low: i64, close: i64) -> Bar {
        Bar {
            open,
            high,
            low,
            close,
        }
    }

    fn check(day: Bar, freq: u32, seed: u64) -> Vec<Bar> {
        let mut rng = stream(seed, "test", "", 0);
        let (mut walk, mut bars) = (Vec::new(), Vec::new());
        day_bars(day, freq, &mut rng, &mut walk, &mut bars);
        assert_eq!(bars.len(), bars_per_day(freq));
        assert_eq!(bars[0].open, day.open);
        assert_eq!(bars[bars.len() - 1].close, day.close);
        assert_eq!(bars.iter().map(|b| b.high).max(), Some(day.high));
        assert_eq!(bars.iter().map(|b| b.low).min(), Some(day.low));
        for b in &bars {
            assert!(b.low <= b.open.min(b.close) && b.open.max(b.close) <= b.high);
        }
        let last = bars[bars.len() - 1];
        assert!(last.open == last.close && last.high == last.close && last.low == last.close);
        bars
    }

    #[test]
    fn bars_touch_the_days_extremes() {
        for seed in 0..50 {
            check(bar(20_000, 20_900, 19_500, 20_300), 120, seed);
        }
        assert_eq!(check(bar(5_000, 5_100, 4_990, 5_100), 60, 1).len(), 421);
    }

    #[test]
    fn flat_and_tight_days() {
        check(bar(1_000, 1_000, 1_000, 1_000), 120, 0);
        check(bar(1_000, 1_001, 999, 1_000), 120, 0);
        check(bar(1_000, 1_001, 1_000, 1_001), 25_200, 0);
    }

    #[test]
    fn frequencies() {
        assert_eq!(bars_per_day(120), 211);
        assert!(valid_freq(120) && valid_freq(60) && valid_freq(300) && valid_freq(25_200));
        assert!(!valid_freq(0) && !valid_freq(7) && !valid_freq(110) && !valid_freq(50_400));
    }
}
