//! The map lesson of the tutorial: a slow function over 8 inputs, first one after another,
//! then spread over the ranks with pardata's map, statically and dynamically, then over
//! the ranks and their threads (`map_on_threads`), timed.
//!
//! ```sh
//! cargo build --release --examples
//! PARDATA_THREADS=2 mpirun -n 2 -x PARDATA_THREADS target/release/examples/map
//! ```
//!
//! The function sleeps a quarter of a second, as the tutorial's `slowadd` slept, so the
//! speed-up is the number of ranks (times their threads, on threads) however many cores
//! the machine has.

use std::convert::Infallible;
use std::time::{Duration, Instant};

use pardata::prelude::*;

/// The slow function: squares its input, taking a quarter of a second.
fn slow_square(x: &u64) -> Result<u64, Infallible> {
    std::thread::sleep(Duration::from_millis(250));
    Ok(x * x)
}

fn main() -> std::process::ExitCode {
    World::run(program)
}

fn program(world: &World) -> Result<(), String> {
    let inputs: Vec<u64> = (0..8).collect();

    // Sequential: rank 0 alone, as a plain loop would.
    let started = Instant::now();
    let sequential: Vec<u64> = if world.is_root() {
        inputs
            .iter()
            .map(|x| slow_square(x).unwrap_or_else(|never| match never {}))
            .collect()
    } else {
        Vec::new()
    };
    let sequential_seconds =
        world.broadcast(world.is_root().then_some(&started.elapsed().as_secs_f64()));
    world.say(format_args!(
        "sequential:            {sequential:?} in {sequential_seconds:.2} s"
    ));

    for (label, schedule) in [("static", Schedule::Static), ("dynamic", Schedule::Dynamic)] {
        let started = Instant::now();
        let results = map(world, &inputs, schedule, |_, x| slow_square(x));
        let seconds = started.elapsed().as_secs_f64();
        if let Some(results) = results {
            let values: Vec<u64> = results.into_iter().filter_map(|r| r.result.ok()).collect();
            let speedup = sequential_seconds / seconds;
            let ranks = world.size();
            let plural = if ranks == 1 { "" } else { "s" };
            println!("{label:7} map on {ranks} rank{plural}: {values:?} in {seconds:.2} s ({speedup:.1}x)");
        }
    }

    for (label, schedule) in [("static", Schedule::Static), ("dynamic", Schedule::Dynamic)] {
        let started = Instant::now();
        let results = map_on_threads(world, &inputs, schedule, "squares", |_, x| slow_square(x));
        let seconds = started.elapsed().as_secs_f64();
        if let Some(results) = results {
            let values: Vec<u64> = results.into_iter().filter_map(|r| r.result.ok()).collect();
            let speedup = sequential_seconds / seconds;
            let threads = world.threads().per_rank;
            println!("{label:7} map on threads ({threads} per rank): {values:?} in {seconds:.2} s ({speedup:.1}x)");
        }
    }

    // Many items of uneven cost on threads, the results on every rank: each rank checks
    // them against a plain loop, in input order.
    let many: Vec<u64> = (0..300).collect();
    let on_threads = map_all_on_threads(world, &many, Schedule::Dynamic, "steps", |_, x| {
        Ok::<u64, Infallible>(collatz_steps(x * 7919 + 1))
    });
    let indices: Vec<usize> = on_threads.iter().map(|r| r.index).collect();
    let steps: Vec<u64> = on_threads
        .into_iter()
        .filter_map(|r| r.result.ok())
        .collect();
    let expected: Vec<u64> = many.iter().map(|x| collatz_steps(x * 7919 + 1)).collect();
    if steps != expected || indices != (0..many.len()).collect::<Vec<_>>() {
        return Err("map_all_on_threads gave other steps than a plain loop".into());
    }

    // The same map with the results on every rank: each checks them itself, and a wrong
    // result anywhere fails every rank (`World::run` agrees on the outcome).
    let everywhere = map_all(world, &inputs, Schedule::Dynamic, |_, x| {
        Ok::<u64, Infallible>(x * x)
    });
    let squares: Vec<u64> = everywhere
        .into_iter()
        .filter_map(|r| r.result.ok())
        .collect();
    if squares != sequential_expected(&inputs) {
        return Err(format!("map_all gave {squares:?}, not the squares"));
    }
    Ok(())
}

/// The steps of the Collatz sequence from `x` down to 1: a cost that differs a lot from
/// one item to the next.
fn collatz_steps(mut x: u64) -> u64 {
    let mut steps = 0;
    while x > 1 {
        x = if x.is_multiple_of(2) {
            x / 2
        } else {
            3 * x + 1
        };
        steps += 1;
    }
    steps
}

/// The squares, computed plainly.
fn sequential_expected(inputs: &[u64]) -> Vec<u64> {
    inputs.iter().map(|x| x * x).collect()
}
