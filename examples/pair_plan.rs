//! Prints what the all-pairs plan of `correlate` gives each rank for N series on P ranks,
//! without running anything: block pairs, series held (the memory) and series received
//! (the exchange). Used for the projection in BENCHMARKS.md.
//!
//! ```sh
//! cargo run --release --example pair_plan -- 100000 64 128 256 512 1024
//! ```

use pardata::patterns::pairs::PairPlan;

fn main() {
    let args: Vec<usize> = std::env::args()
        .skip(1)
        .filter_map(|a| a.parse().ok())
        .collect();
    let Some((&series, ranks)) = args.split_first() else {
        eprintln!("usage: pair_plan SERIES RANKS...");
        std::process::exit(2);
    };
    println!("{series} series: ranks, block pairs per rank (max), series held per rank (max), series received per rank (max), pair-work balance (max/mean)");
    for &p in ranks {
        let plan = PairPlan::new(series, p);
        let (mut pairs, mut held, mut received) = (0, 0, 0);
        let mut work = Vec::with_capacity(p);
        for rank in 0..p {
            let needed = plan.needed_by(rank);
            let owned = plan.owned_by(rank);
            pairs = pairs.max(plan.pairs_of(rank).len());
            held = held.max(needed.len());
            received = received.max(needed.iter().filter(|s| !owned.contains(s)).count());
            let size = |b: usize| plan.block_series(b).len() as f64;
            work.push(
                plan.pairs_of(rank)
                    .iter()
                    .map(|&(i, j)| {
                        if i == j {
                            size(i) * size(i) / 2.0
                        } else {
                            size(i) * size(j)
                        }
                    })
                    .sum::<f64>(),
            );
        }
        let mean = work.iter().sum::<f64>() / p as f64;
        let most = work.iter().cloned().fold(0.0, f64::max);
        println!("{p:6} {pairs:8} {held:8} {received:8} {:.3}", most / mean);
    }
}
