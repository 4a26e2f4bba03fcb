//! JSON parsers on the stock records: serde_json against sonic-rs (a SIMD parser), each
//! parsing every line of a JSON Lines file into the same typed record, and pardata's stock
//! reader (`convert`'s: the data layer's decoder given the records' schema, serde_json for
//! the lines its scanner leaves) reading the whole file into columns, timestamps included.
//! Prints MB/s, best of five rounds, on one core.
//!
//! ```sh
//! target/release/pardata prep --out /tmp/stocks --symbols 1
//! cargo bench --bench json_parse -- /tmp/stocks/json/aet.json
//! ```

use std::time::Instant;

use serde::Deserialize;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Record<'a> {
    #[serde(borrow)]
    timestamp: std::borrow::Cow<'a, str>,
    close: Option<f64>,
    high: Option<f64>,
    low: Option<f64>,
    open: Option<f64>,
}

impl Record<'_> {
    fn checksum(&self) -> f64 {
        let prices = [self.close, self.high, self.low, self.open];
        self.timestamp.len() as f64 + prices.iter().map(|p| p.unwrap_or(0.0)).sum::<f64>()
    }
}

/// Best MB/s over five rounds of parsing every line with `parse`.
fn measure(text: &str, parse: impl Fn(&str) -> f64) -> (f64, f64) {
    let mut best = 0.0f64;
    let mut checksum = 0.0;
    for _ in 0..5 {
        let started = Instant::now();
        checksum = text.lines().map(&parse).sum();
        best = best.max(text.len() as f64 / 1e6 / started.elapsed().as_secs_f64());
    }
    (best, checksum)
}

fn main() {
    let Some(path) = std::env::args().skip(1).find(|a| !a.starts_with("--")) else {
        eprintln!("usage: cargo bench --bench json_parse -- FILE.json");
        std::process::exit(2);
    };
    let text = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("cannot read {path}: {e}"));
    let (serde, a) = measure(&text, |line| {
        serde_json::from_str::<Record>(line)
            .expect("a record")
            .checksum()
    });
    // sonic-rs's SIMD paths are chosen by the CPU it runs on (one run on an AMD EPYC
    // refused a record that serde_json reads): where it refuses one, it is left out, saying
    // so, rather than measured on errors.
    let refused = text
        .lines()
        .find_map(|line| sonic_rs::from_str::<Record>(line).err());
    let sonic = match refused {
        None => {
            let (sonic, b) = measure(&text, |line| {
                sonic_rs::from_str::<Record>(line)
                    .expect("a record")
                    .checksum()
            });
            assert_eq!(a, b, "both parsers read the same values");
            Some(sonic)
        }
        Some(e) => {
            eprintln!("sonic-rs refuses a record on this CPU ({e}): left out");
            None
        }
    };
    let mut layer = 0.0f64;
    for _ in 0..5 {
        let started = Instant::now();
        let columns = pardata::workloads::convert::read_stock_json(std::path::Path::new(&path))
            .expect("records");
        assert_eq!(columns.timestamp.len(), text.lines().count());
        layer = layer.max(text.len() as f64 / 1e6 / started.elapsed().as_secs_f64());
    }
    println!(
        "json_parse {path} ({:.1} MB, one core):",
        text.len() as f64 / 1e6
    );
    println!("  serde_json {serde:6.0} MB/s");
    if let Some(sonic) = sonic {
        println!(
            "  sonic-rs   {sonic:6.0} MB/s   (serde_json / sonic-rs = {:.2})",
            serde / sonic
        );
    }
    println!(
        "  pardata    {layer:6.0} MB/s   (pardata / serde_json = {:.2}; into columns, timestamps parsed)",
        layer / serde
    );
}
