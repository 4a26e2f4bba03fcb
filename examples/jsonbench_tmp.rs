use serde::Deserialize;
use std::time::Instant;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Record<'a> {
    #[serde(borrow)]
    timestamp: &'a str,
    close: Option<f64>,
    high: Option<f64>,
    low: Option<f64>,
    open: Option<f64>,
}

fn main() {
    let path = std::env::args().nth(1).unwrap();
    let text = std::fs::read_to_string(&path).unwrap();
    for round in 0..3 {
        let t = Instant::now();
        let mut sum = 0.0;
        for line in text.lines() {
            let r: Record = serde_json::from_str(line).unwrap();
            sum += r.close.unwrap() + r.timestamp.len() as f64 + r.high.unwrap() + r.low.unwrap() + r.open.unwrap();
        }
        let a = t.elapsed().as_secs_f64();
        let t = Instant::now();
        let mut sum2 = 0.0;
        for line in text.lines() {
            let r: Record = sonic_rs::from_str(line).unwrap();
            sum2 += r.close.unwrap() + r.timestamp.len() as f64 + r.high.unwrap() + r.low.unwrap() + r.open.unwrap();
        }
        let b = t.elapsed().as_secs_f64();
        let mb = text.len() as f64 / 1e6;
        println!("round {round}: serde_json {:.0} MB/s, sonic-rs {:.0} MB/s ({sum} {sum2})", mb / a, mb / b);
    }
}
