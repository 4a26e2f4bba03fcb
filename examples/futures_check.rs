//! Checks of the futures executor, run by the tests at several rank counts (and a
//! walk-through of its API). Each check prints one line `ok: ...` on rank 0; a failed check
//! makes every rank exit non-zero through failure agreement.
//!
//! ```sh
//! mpirun -n 3 target/release/examples/futures_check [--die]
//! ```
//!
//! With `--die`, one task ends its process (as a killed rank would) and the job must end.

use std::collections::HashSet;
use std::path::PathBuf;
use std::time::Duration;

use pardata::patterns::futures::WaitFor;
use pardata::prelude::*;
use serde::{Deserialize, Serialize};

/// The rank this process is, as the launcher says (tasks see no `World`).
fn my_rank() -> usize {
    ["OMPI_COMM_WORLD_RANK", "PMI_RANK"]
        .iter()
        .find_map(|v| std::env::var(v).ok()?.parse().ok())
        .unwrap_or(0)
}

#[derive(Debug, Clone, Serialize, Deserialize)]
enum Call {
    /// Sleeps, then returns its input and the rank that ran it.
    Echo { value: u64, millis: u64 },
    /// Fails (returns Err) when run on the given rank.
    FailOn { rank: usize },
    /// Panics when run on the given rank.
    PanicOn { rank: usize },
    /// Fails until it has been tried `until` times (counting attempts in a folder).
    Flaky { folder: PathBuf, until: u32 },
    /// Ends the process.
    Die,
}

impl Task for Call {
    type Output = (u64, usize);
    type Error = String;

    fn run(&self) -> Result<(u64, usize), String> {
        match self {
            Call::Echo { value, millis } => {
                std::thread::sleep(Duration::from_millis(*millis));
                Ok((*value, my_rank()))
            }
            Call::FailOn { rank } if *rank == my_rank() => Err(format!("refused on rank {rank}")),
            Call::PanicOn { rank } if *rank == my_rank() => panic!("task panicked on rank {rank}"),
            Call::FailOn { .. } | Call::PanicOn { .. } => Ok((0, my_rank())),
            Call::Flaky { folder, until } => {
                let attempt = (0..)
                    .find(|k| std::fs::File::create_new(folder.join(k.to_string())).is_ok())
                    .unwrap_or(0);
                if attempt + 1 < *until {
                    Err(format!("attempt {}", attempt + 1))
                } else {
                    Ok((attempt as u64 + 1, my_rank()))
                }
            }
            Call::Die => std::process::abort(),
        }
    }

    fn describe(&self) -> String {
        format!("{self:?}")
    }
}

fn echo(value: u64, millis: u64) -> Call {
    Call::Echo { value, millis }
}

/// Every check; the first failure as an error.
fn checks(world: &World) -> Result<Vec<String>, String> {
    let size = world.size();
    let mut passed = Vec::new();
    let mut check = |name: &str, ok: bool, detail: String| -> Result<(), String> {
        if ok {
            passed.push(format!("ok: {name}"));
            Ok(())
        } else {
            Err(format!("{name}: {detail}"))
        }
    };

    // submit / result, map in order, map_unordered and as_completed complete.
    let outcome = futures::run(world, Options::default(), |ex| {
        let one = ex.submit(echo(41, 0));
        let single = ex.result(one);
        let mapped: Result<Vec<u64>, _> = ex
            .map((0..50).map(|v| echo(v, v % 3)).collect())
            .map(|r| r.map(|(v, _)| v))
            .collect();
        let chunked: Result<Vec<u64>, _> = ex
            .map_chunked((0..500).map(|v| echo(v, 0)).collect(), 64)
            .map(|r| r.map(|(v, _)| v))
            .collect();
        let unordered = ex.map_unordered((0..30).map(|v| echo(v, (30 - v) % 4)).collect());
        let futures: Vec<_> = (0..20).map(|v| ex.submit(echo(v, v % 5))).collect();
        let completed: Vec<u64> = ex.as_completed(&futures).map(|(f, _)| f.id()).collect();
        (
            single,
            mapped,
            chunked,
            unordered,
            completed,
            futures.iter().map(|f| f.id()).collect::<HashSet<_>>(),
        )
    });
    if let Some((single, mapped, chunked, unordered, completed, submitted)) = outcome {
        check(
            "submit and result",
            single.as_ref().map(|r| r.0) == Ok(41),
            format!("{single:?}"),
        )?;
        check(
            "map keeps input order",
            mapped == Ok((0..50).collect()),
            format!("{mapped:?}"),
        )?;
        check(
            "chunked map keeps input order",
            chunked == Ok((0..500).collect()),
            format!("{chunked:?}"),
        )?;
        let positions: HashSet<usize> = unordered.iter().map(|(i, _)| *i).collect();
        let right = unordered
            .iter()
            .all(|(i, r)| r.as_ref().is_ok_and(|(v, _)| *v == *i as u64));
        check(
            "map_unordered gives every result once",
            positions.len() == 30 && unordered.len() == 30 && right,
            format!("{unordered:?}"),
        )?;
        let ids: HashSet<u64> = completed.iter().copied().collect();
        check(
            "as_completed yields every future once",
            completed.len() == 20 && ids == submitted,
            format!("{completed:?}"),
        )?;
    }

    // A bound on tasks in flight, wait, batches.
    let outcome = futures::run(
        world,
        Options {
            max_in_flight: Some(3),
            retries: 0,
        },
        |ex| {
            let futures: Vec<_> = (0..12).map(|v| ex.submit(echo(v, 2))).collect();
            let (first, _) = ex.wait(&futures, WaitFor::FirstCompleted);
            let (all, rest) = ex.wait(&futures, WaitFor::AllCompleted);
            let mut batches = Vec::new();
            loop {
                let batch = ex.completed_batch(&futures);
                if batch.is_empty() {
                    break;
                }
                batches.push(batch.len());
            }
            (
                ex.most_outstanding(),
                first.len(),
                all.len(),
                rest.len(),
                batches.iter().sum::<usize>(),
            )
        },
    );
    if let Some((most, first, all, rest, batched)) = outcome {
        check(
            "never more than 3 tasks outstanding",
            (1..=3).contains(&most),
            format!("{most}"),
        )?;
        check(
            "wait: first completed, then all",
            first >= 1 && all == 12 && rest == 0,
            format!("{first} {all} {rest}"),
        )?;
        check(
            "batches hold every completed future",
            batched == 12,
            format!("{batched}"),
        )?;
    }

    // Cancel tasks not started.
    let outcome = futures::run(world, Options::default(), |ex| {
        let futures: Vec<_> = (0..10).map(|v| ex.submit(echo(v, 20))).collect();
        let cancelled = futures
            .iter()
            .rev()
            .take(4)
            .filter(|f| ex.cancel(**f))
            .count();
        let results: Vec<bool> = futures.iter().map(|f| ex.result(*f).is_ok()).collect();
        (cancelled, results)
    });
    if let Some((cancelled, results)) = outcome {
        let failed = results.iter().filter(|ok| !**ok).count();
        check(
            "cancel stops tasks not started",
            cancelled >= 1 && failed == cancelled,
            format!("{cancelled} cancelled, {failed} failed"),
        )?;
    }

    // Errors and panics on each rank in turn name that rank; the job goes on.
    for rank in 0..size {
        let outcome = futures::run(world, Options::default(), |ex| {
            let errs: Vec<_> = ex
                .map((0..4 * size).map(|_| Call::FailOn { rank }).collect())
                .collect();
            let panics: Vec<_> = ex
                .map((0..4 * size).map(|_| Call::PanicOn { rank }).collect())
                .collect();
            (errs, panics)
        });
        if let Some((errs, panics)) = outcome {
            for (what, results) in [("error", &errs), ("panic", &panics)] {
                let wrong: Vec<String> = results
                    .iter()
                    .filter_map(|r| r.as_ref().err())
                    .filter(|e| e.rank != rank || (what == "panic") != e.backtrace.is_some())
                    .map(|e| e.to_string())
                    .collect();
                // Workers always get tasks; rank 0 runs some only while every worker is busy.
                let seen = results.iter().any(|r| r.is_err()) || (rank == 0 && size > 1);
                check(
                    &format!("a task {what} on rank {rank} names rank {rank}"),
                    seen && wrong.is_empty(),
                    wrong.join("; "),
                )?;
            }
            let first_error = errs.iter().position(|r| r.is_err());
            let collected: Result<Vec<_>, _> = errs.into_iter().collect();
            let stops_at_first = match (first_error, &collected) {
                (Some(_), Err(e)) => e.message == format!("refused on rank {rank}"),
                (None, Ok(_)) => true,
                _ => false,
            };
            check(
                &format!("collecting a map stops at its first error (rank {rank})"),
                stops_at_first,
                format!("{collected:?}"),
            )?;
        }
    }

    // Retries: a task that fails twice succeeds on its third run with retries = 2, and
    // fails for good after 2 runs with retries = 1.
    let folder = std::env::temp_dir().join(format!("pardata-flaky-{}", std::process::id()));
    let flaky = |retries: u32| {
        futures::run(
            world,
            Options {
                max_in_flight: None,
                retries,
            },
            |ex| {
                let _ = std::fs::remove_dir_all(&folder);
                let _ = std::fs::create_dir_all(&folder);
                let three = ex.submit(Call::Flaky {
                    folder: folder.clone(),
                    until: 3,
                });
                ex.result(three)
            },
        )
    };
    if let Some(result) = flaky(2) {
        check(
            "retries run a failing task again",
            result.as_ref().map(|r| r.0) == Ok(3),
            format!("{result:?}"),
        )?;
    }
    if let Some(result) = flaky(1) {
        check(
            "retries stop at their bound",
            result.as_ref().is_err_and(|e| e.attempts == 2),
            format!("{result:?}"),
        )?;
    }
    let _ = std::fs::remove_dir_all(&folder);

    // Uneven tasks balance: one long task and many short ones. A static split would give the
    // long task's rank half the total; here every rank ends near the mean.
    let mut work = vec![400u64];
    work.extend(std::iter::repeat_n(20u64, 40));
    let total: u64 = work.iter().sum();
    let outcome = futures::run(world, Options::default(), |ex| {
        ex.map(
            work.iter()
                .enumerate()
                .map(|(i, &ms)| echo(i as u64, ms))
                .collect(),
        )
        .collect::<Result<Vec<_>, _>>()
    });
    if let Some(Ok(results)) = outcome {
        let mut per_rank = vec![0u64; size];
        for (i, (_, rank)) in results.iter().enumerate() {
            per_rank[*rank] += work[i];
        }
        let busiest = per_rank.iter().max().copied().unwrap_or(0);
        let workers = if size == 1 { 1 } else { size - 1 };
        let fair = total / workers as u64 + 400;
        check(
            "uneven tasks balance",
            busiest <= fair,
            format!("per rank {per_rank:?}, bound {fair}"),
        )?;
    }
    Ok(passed)
}

fn main() -> std::process::ExitCode {
    World::run(program)
}

fn program(world: &World) -> Result<(), JobFailure> {
    if std::env::args().any(|a| a == "--die") {
        let _ = futures::run(world, Options::default(), |ex| {
            let futures: Vec<_> = (0..4).map(|_| ex.submit(Call::Die)).collect();
            futures
                .into_iter()
                .map(|f| ex.result(f).is_ok())
                .collect::<Vec<_>>()
        });
        return Ok(());
    }
    let outcome = if world.is_root() {
        checks(world)
    } else {
        checks(world).map(|_| Vec::new())
    };
    // Agreed here, so that rank 0 prints the passed checks only when every rank passed.
    for line in world.agree(outcome)? {
        world.say(line);
    }
    Ok(())
}
