//! The submit lesson of the tutorial, cell by cell, on pardata's futures executor.
//!
//! ```sh
//! cargo build --release --examples
//! mpirun -n 4 target/release/examples/submit            # slow functions sleep 1 s
//! mpirun -n 4 target/release/examples/submit --sleep 0.1
//! ```
//!
//! Every rank runs this program; the driver (the body given to `futures::run`) runs on rank
//! 0, the tasks on whichever rank is free, and results come back to rank 0.

use std::time::{Duration, Instant};

use pardata::prelude::*;
use serde::{Deserialize, Serialize};

/// The calls of the notebook, with how long the slow ones sleep.
#[derive(Debug, Clone, Serialize, Deserialize)]
enum Call {
    SlowAdd {
        a: i64,
        b: i64,
        sleep: f64,
    },
    SlowSub {
        a: i64,
        b: i64,
        sleep: f64,
    },
    /// Divides, failing on zero (the notebook's exception cell).
    Divide {
        a: i64,
        b: i64,
    },
    /// Panics (a bug in a task, not an error it returns).
    Bug,
    /// Counts the primes below `below`: work for the processor, not a sleep.
    Primes {
        below: u64,
    },
}

impl Task for Call {
    type Output = i64;
    type Error = String;

    fn run(&self) -> Result<i64, String> {
        match *self {
            Call::SlowAdd { a, b, sleep } => {
                std::thread::sleep(Duration::from_secs_f64(sleep));
                Ok(a + b)
            }
            Call::SlowSub { a, b, sleep } => {
                std::thread::sleep(Duration::from_secs_f64(sleep));
                Ok(a - b)
            }
            Call::Divide { a, b } => a
                .checked_div(b)
                .ok_or_else(|| format!("cannot divide {a} by {b}")),
            Call::Bug => panic!("this task has a bug"),
            Call::Primes { below } => Ok(count_primes(below)),
        }
    }

    fn describe(&self) -> String {
        format!("{self:?}")
    }
}

fn count_primes(below: u64) -> i64 {
    (2..below)
        .filter(|&n| (2..).take_while(|d| d * d <= n).all(|d| n % d != 0))
        .count() as i64
}

fn main() -> std::process::ExitCode {
    World::run(program)
}

fn program(world: &World) -> Result<(), String> {
    let args: Vec<String> = std::env::args().collect();
    let sleep: f64 = args
        .iter()
        .position(|a| a == "--sleep")
        .and_then(|i| args.get(i + 1)?.parse().ok())
        .unwrap_or(1.0);
    let add = |a, b| Call::SlowAdd { a, b, sleep };

    futures::run(world, Options::default(), |ex| {
        let ranks = world.size();
        // One slow add, submitted: the future comes back at once, the result later.
        let future = ex.submit(add(1, 2));
        println!(
            "one slow add, submitted, then read: {:?}",
            ex.result(future)
        );

        // Ten slow adds: one after another here, then submitted to all ranks.
        let started = Instant::now();
        let sequential: Vec<i64> = (0..10)
            .map(|i| add(i, i).run().unwrap_or_default())
            .collect();
        println!(
            "ten slow adds, one after another: {sequential:?} in {:.1} s",
            started.elapsed().as_secs_f64()
        );
        let started = Instant::now();
        let futures: Vec<_> = (0..10).map(|i| ex.submit(add(i, i))).collect();
        let submitted: Vec<i64> = futures
            .into_iter()
            .filter_map(|f| ex.result(f).ok())
            .collect();
        println!(
            "ten slow adds, submitted to {ranks} ranks: {submitted:?} in {:.1} s",
            started.elapsed().as_secs_f64()
        );

        // The nested loop with a predicate: add when i < j, subtract when i > j.
        let mut calls = Vec::new();
        for i in 0..5 {
            for j in 0..5 {
                if i < j {
                    calls.push(add(i, j));
                } else if i > j {
                    calls.push(Call::SlowSub { a: i, b: j, sleep });
                }
            }
        }
        let results: Result<Vec<i64>, _> = ex.map(calls).collect();
        println!(
            "add if i < j, sub if i > j: {:?}",
            results.unwrap_or_default()
        );

        // An error in a task, and a bug: both come back where the result is read.
        let error = ex.submit(Call::Divide { a: 1, b: 0 });
        match ex.result(error) {
            Ok(value) => println!("1 / 0 = {value}?"),
            Err(error) => println!(
                "an error in a task, seen at result(): {}",
                error.to_string().lines().next().unwrap_or_default()
            ),
        }
        let bug = ex.submit(Call::Bug);
        if let Err(error) = ex.result(bug) {
            let first = error
                .to_string()
                .lines()
                .next()
                .unwrap_or_default()
                .to_string();
            println!("a panic in a task, seen at result(): {first} (with that rank's backtrace)");
        }
    });

    // At most 4 tasks in flight: submit waits while 4 are outstanding.
    futures::run(
        world,
        Options {
            max_in_flight: Some(4),
            retries: 0,
        },
        |ex| {
            let futures: Vec<_> = (0..12).map(|i| ex.submit(add(i, 1))).collect();
            let results: Vec<i64> = futures
                .into_iter()
                .filter_map(|f| ex.result(f).ok())
                .collect();
            println!(
                "twelve adds, at most 4 in flight (most seen: {}): {results:?}",
                ex.most_outstanding()
            );
        },
    );

    // Threads or processes? In Rust, threads inside one rank run in parallel too (there is
    // no interpreter lock): four prime counts on four threads of rank 0, then on the ranks.
    futures::run(world, Options::default(), |ex| {
        let work = vec![Call::Primes { below: 600_000 }; 4];
        let started = Instant::now();
        let threaded: Vec<i64> = std::thread::scope(|s| {
            work.iter()
                .map(|c| s.spawn(|| c.run().unwrap_or_default()))
                .collect::<Vec<_>>()
                .into_iter()
                .map(|h| h.join().unwrap_or_default())
                .collect()
        });
        let threads = started.elapsed().as_secs_f64();
        let started = Instant::now();
        let ranked: Vec<i64> = ex.map(work.clone()).filter_map(Result::ok).collect();
        println!(
            "four prime counts: {threaded:?} on 4 threads in {threads:.2} s, {ranked:?} on {} ranks in {:.2} s",
            world.size(),
            started.elapsed().as_secs_f64()
        );
    });
    Ok(())
}
