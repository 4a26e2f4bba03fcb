//! The submit lesson of the tutorial, on pardata's dynamic map (the futures executor of the
//! next issue will give it `submit` and `as_completed`): calls are described as values,
//! handed out to free ranks, and their results collected in the order they were made.
//!
//! ```sh
//! cargo build --release --examples
//! mpirun -n 4 target/release/examples/submit
//! ```
//!
//! First ten slow additions, then the nested loop with a predicate: for i, j in 0..5, add
//! when i < j and subtract when i > j.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use pardata::patterns::map::{map, Schedule};
use pardata::runtime::World;
use serde::{Deserialize, Serialize};

/// A call to run on some rank.
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
enum Call {
    Add(i64, i64),
    Sub(i64, i64),
}

/// The tutorial's slow functions: a tenth of a second each.
fn run(call: &Call) -> Result<i64, Infallible> {
    std::thread::sleep(Duration::from_millis(100));
    Ok(match *call {
        Call::Add(a, b) => a + b,
        Call::Sub(a, b) => a - b,
    })
}

/// Runs the calls over all ranks; rank 0 gets the results in submission order.
fn collect(world: &World, calls: &[Call]) -> Option<Vec<i64>> {
    let results = map(world, calls, Schedule::Dynamic, |_, call| run(call))?;
    Some(results.into_iter().filter_map(|r| r.result.ok()).collect())
}

fn main() -> std::process::ExitCode {
    let Ok(world) = World::init() else {
        eprintln!("submit: MPI could not be initialised");
        return std::process::ExitCode::FAILURE;
    };
    let started = Instant::now();
    let adds: Vec<Call> = (0..10).map(|i| Call::Add(i, i)).collect();
    if let Some(sums) = collect(&world, &adds) {
        println!(
            "ten slow adds: {sums:?} in {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }

    let started = Instant::now();
    let mut calls = Vec::new();
    for i in 0..5 {
        for j in 0..5 {
            if i < j {
                calls.push(Call::Add(i, j));
            } else if i > j {
                calls.push(Call::Sub(i, j));
            }
        }
    }
    if let Some(results) = collect(&world, &calls) {
        println!(
            "add if i < j, sub if i > j: {results:?} in {:.2} s",
            started.elapsed().as_secs_f64()
        );
    }
    std::process::ExitCode::SUCCESS
}
