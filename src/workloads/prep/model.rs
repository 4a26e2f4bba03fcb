//! The daily price model: open, high, low and close of every symbol on every trading day,
//! seeded and reproducible item by item.
//!
//! The log close price of a symbol is `ln(p0) + vol * z(t) + 0.006 * e(t)`, where `p0`
//! (10 to 150) and `vol` (0.12 to 0.18) are drawn per symbol, `e(t)` is white noise (the
//! day-to-day jitter) and `z(t)` is a unit-variance mix of latent factors:
//! - the market, shared by all symbols (loading 0.4; AR(1), phi = 0.995);
//! - one of seven sectors (loading 0.4; AR(1), phi = 0.99);
//! - the symbol's own path (the rest of the variance): a smooth process, AR(1) noise
//!   filtered once more by the same AR(1), phi = 0.85, so that its level wanders for a few
//!   weeks at a time, as prices do, yet the paths of unrelated symbols stay weakly
//!   correlated over a year.
//!
//! The planted pair (`aet`, `luv`) replaces market and sector with a pair factor of its own
//! (loading 0.975; AR(1), phi = 0.995), rescaled to zero mean and unit variance over the
//! last 365 days of the tutorial's span. Their close prices over that span then correlate
//! at about 0.95 (0.91 to 0.98 over seeds 0..200 of a simulation of this model), while the
//! best other pair stays below 0.8: the tutorial's answer, "aet matches with luv".
//!
//! The open is the previous close times `exp(0.004 n)`; the high and low lie beyond
//! max/min(open, close) by `exp(0.006 |n|)`. Prices are rounded to thousandths, positive.
//!
//! Randomness: every latent path and every symbol's daily draws come from a ChaCha stream
//! keyed by the seed and the item's name, drawn in day order from 2010-01-04. A symbol's
//! day is therefore the same whichever rank computes it, whatever `--days` asks for, and
//! whichever other symbols are generated.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use super::calendar::SPAN_DAYS;
use super::symbols::{sector_of, PLANTED_PAIR, SECTORS};
use crate::io::stock::Bar;

const MARKET_PHI: f64 = 0.995;
const SECTOR_PHI: f64 = 0.99;
const OWN_PHI: f64 = 0.85;
const PAIR_PHI: f64 = 0.995;
const MARKET_LOADING: f64 = 0.4;
const SECTOR_LOADING: f64 = 0.4;
const PAIR_LOADING: f64 = 0.975;
const JITTER: f64 = 0.006;
const GAP: f64 = 0.004;
const RANGE: f64 = 0.006;
/// Days the smooth process runs before day 0, to forget its start.
const BURN_IN: usize = 200;
/// The window over which the pair factor is standardized: the default JSON span.
const PAIR_WINDOW: usize = 365;

/// FNV-1a of a name: a stable 64-bit key for symbols and streams.
pub fn name_hash(name: &str) -> u64 {
    name.bytes().fold(0xcbf2_9ce4_8422_2325, |h, b| {
        (h ^ u64::from(b)).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The random stream of one item: the seed picks the key, `(kind, name, index)` the stream.
pub fn stream(seed: u64, kind: &str, name: &str, index: u64) -> ChaCha8Rng {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let id = name_hash(kind)
        ^ name_hash(name).rotate_left(21)
        ^ index.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    rng.set_stream(id);
    rng
}

fn normal(rng: &mut ChaCha8Rng) -> f64 {
    rng.sample(StandardNormal)
}

/// A stationary unit-variance AR(1) path.
fn ar1(rng: &mut ChaCha8Rng, phi: f64, len: usize) -> Vec<f64> {
    let shock = (1.0 - phi * phi).sqrt();
    let mut x = normal(rng);
    (0..len)
        .map(|t| {
            if t > 0 {
                x = phi * x + shock * normal(rng);
            }
            x
        })
        .collect()
}

/// A smooth unit-variance path: an AR(1) path filtered by the same AR(1) once more.
fn smooth(rng: &mut ChaCha8Rng, phi: f64, len: usize) -> Vec<f64> {
    let noise = ar1(rng, phi, len + BURN_IN);
    let scale = (1.0 - phi * phi) / (1.0 + phi * phi).sqrt();
    let mut y = 0.0;
    let mut path: Vec<f64> = noise
        .iter()
        .map(|&x| {
            y = phi * y + x;
            y * scale
        })
        .collect();
    path.drain(..BURN_IN);
    path
}

/// The latent paths shared by symbols, over the model calendar.
pub struct Factors {
    seed: u64,
    market: Vec<f64>,
    sectors: Vec<Vec<f64>>,
    pair: Vec<f64>,
}

impl Factors {
    /// The shared paths for `len` trading days from 2010-01-04 (at least the tutorial's span).
    pub fn new(seed: u64, len: usize) -> Factors {
        assert!(
            len >= SPAN_DAYS,
            "the model calendar covers the tutorial's span"
        );
        let market = ar1(&mut stream(seed, "market", "", 0), MARKET_PHI, len);
        let sectors = (0..SECTORS)
            .map(|k| ar1(&mut stream(seed, "sector", "", k as u64), SECTOR_PHI, len))
            .collect();
        let mut pair = ar1(&mut stream(seed, "pair", "", 0), PAIR_PHI, len);
        let window = &pair[SPAN_DAYS - PAIR_WINDOW..SPAN_DAYS];
        let mean = window.iter().sum::<f64>() / PAIR_WINDOW as f64;
        let sd =
            (window.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / PAIR_WINDOW as f64).sqrt();
        pair.iter_mut().for_each(|x| *x = (*x - mean) / sd);
        Factors {
            seed,
            market,
            sectors,
            pair,
        }
    }

    /// The number of days the paths cover.
    pub fn days(&self) -> usize {
        self.market.len()
    }

    /// One symbol's daily bars over the whole model calendar.
    pub fn daily_bars(&self, symbol: &str) -> Vec<Bar> {
        let len = self.days();
        let own = smooth(&mut stream(self.seed, "own", symbol, 0), OWN_PHI, len);
        let mut traits = stream(self.seed, "traits", symbol, 0);
        let p0: f64 = 10.0 * 15f64.powf(traits.random::<f64>());
        let vol = 0.12 + 0.06 * traits.random::<f64>();
        let planted = symbol == PLANTED_PAIR.0 || symbol == PLANTED_PAIR.1;
        let sector = &self.sectors[sector_of(symbol)];
        let latent = |t: usize| {
            if planted {
                PAIR_LOADING * self.pair[t] + (1.0 - PAIR_LOADING * PAIR_LOADING).sqrt() * own[t]
            } else {
                let own_loading = (1.0 - MARKET_LOADING.powi(2) - SECTOR_LOADING.powi(2)).sqrt();
                MARKET_LOADING * self.market[t] + SECTOR_LOADING * sector[t] + own_loading * own[t]
            }
        };
        let mut daily = stream(self.seed, "daily", symbol, 0);
        let mut previous_close = None;
        (0..len)
            .map(|t| {
                let close = (p0.ln() + vol * latent(t) + JITTER * normal(&mut daily)).exp();
                let open = previous_close.unwrap_or(close) * (GAP * normal(&mut daily)).exp();
                let high = open.max(close) * (RANGE * normal(&mut daily).abs()).exp();
                let low = open.min(close) * (-RANGE * normal(&mut daily).abs()).exp();
                previous_close = Some(close);
                to_bar(open, high, low, close)
            })
            .collect()
    }
}

/// Rounds a day's prices to positive thousandths, keeping low <= open, close <= high.
fn to_bar(open: f64, high: f64, low: f64, close: f64) -> Bar {
    let milli = |p: f64| ((p * 1000.0).round() as i64).max(1);
    let (open, close) = (milli(open), milli(close));
    Bar {
        open,
        close,
        high: milli(high).max(open).max(close),
        low: milli(low).min(open).min(close),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_have_unit_variance() {
        let mut rng = stream(7, "test", "", 0);
        for path in [ar1(&mut rng, 0.9, 20_000), smooth(&mut rng, 0.85, 20_000)] {
            let mean = path.iter().sum::<f64>() / path.len() as f64;
            let var = path.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / path.len() as f64;
            assert!((var - 1.0).abs() < 0.15, "variance {var}");
        }
    }

    #[test]
    fn days_are_valid_bars_and_stable_under_longer_calendars() {
        let short = Factors::new(3, SPAN_DAYS).daily_bars("ibm");
        let long = Factors::new(3, SPAN_DAYS + 40).daily_bars("ibm");
        assert_eq!(short[..], long[..SPAN_DAYS]);
        for bar in &long {
            assert!(bar.low >= 1 && bar.low <= bar.open.min(bar.close));
            assert!(bar.high >= bar.open.max(bar.close));
        }
    }

    #[test]
    fn streams_differ_by_key_and_repeat_by_key() {
        let draw = |seed, kind, name, i| stream(seed, kind, name, i).random::<u64>();
        assert_eq!(draw(1, "daily", "aet", 0), draw(1, "daily", "aet", 0));
        assert_ne!(draw(1, "daily", "aet", 0), draw(2, "daily", "aet", 0));
        assert_ne!(draw(1, "daily", "aet", 0), draw(1, "daily", "luv", 0));
        assert_ne!(draw(1, "intraday", "aet", 5), draw(1, "intraday", "aet", 6));
    }
}
