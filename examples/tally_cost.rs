//! What progress reporting costs per unit of work: every rank counts a million units with
//! the progress tally (`Tally::add`, which rank 0 shows as the bar), timed per call on rank
//! 0 (which takes in the other ranks' counts) and on the others (which send theirs at most
//! every 100 ms). BENCHMARKS.md compares it with the smallest items the workloads count.
//!
//! ```sh
//! mpirun -n 2 target/release/examples/tally_cost
//! ```

use std::time::Instant;

use pardata::prelude::*;

const UNITS: u64 = 1_000_000;

fn main() -> std::process::ExitCode {
    World::run(program)
}

fn program(world: &World) -> Result<(), String> {
    let mut tally = world.tally();
    let started = Instant::now();
    for _ in 0..UNITS {
        std::hint::black_box(tally.add(1));
    }
    let per_unit = started.elapsed().as_secs_f64() / UNITS as f64;
    let total = tally.finish(|_| {});
    let costs = world.gather(&per_unit);
    if let (Some(costs), Some(total)) = (costs, total) {
        for (rank, cost) in costs.iter().enumerate() {
            println!("rank {rank}: {:.0} ns per counted unit", cost * 1e9);
        }
        println!("counted {total} units over {} ranks", world.size());
    }
    Ok(())
}
