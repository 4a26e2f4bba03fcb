//! The runtime's typed collectives, each checked against what every rank can compute by
//! itself (rank r's contribution is a known function of r). Run it on any number of ranks:
//!
//! ```sh
//! mpirun -n 4 target/release/examples/collectives
//! ```
//!
//! Rank 0 prints `collectives: all correct on N ranks`; a wrong result on any rank makes
//! every rank exit non-zero through failure agreement.

use pardata::prelude::*;
use pardata::runtime::Scored;

/// What rank `r` contributes: `r + 1` numbers, `r * 10 ..`.
fn numbers_of(rank: usize) -> Vec<i64> {
    (0..=rank as i64).map(|i| rank as i64 * 10 + i).collect()
}

/// What rank `from` sends to rank `to` in the all-to-all: `from + to` copies of `100 * from + to`.
fn message(from: usize, to: usize) -> Vec<f64> {
    vec![(100 * from + to) as f64; from + to]
}

fn check(what: &str, ok: bool, problems: &mut Vec<String>) {
    if !ok {
        problems.push(what.to_string());
    }
}

fn main() -> std::process::ExitCode {
    World::run(program)
}

fn program(world: &World) -> Result<(), JobFailure> {
    let (rank, size) = (world.rank(), world.size());
    let mut problems = Vec::new();

    let greeting = format!("hello from {rank}");
    let root_value = world.broadcast(world.is_root().then_some(&("root".to_string(), 42u32)));
    check(
        "broadcast",
        root_value == ("root".to_string(), 42),
        &mut problems,
    );

    let gathered = world.gather(&greeting);
    let expected: Vec<String> = (0..size).map(|r| format!("hello from {r}")).collect();
    check(
        "gather",
        gathered == world.is_root().then(|| expected.clone()),
        &mut problems,
    );
    check(
        "all_gather",
        world.all_gather(&greeting) == expected,
        &mut problems,
    );

    let all_numbers: Vec<i64> = (0..size).flat_map(numbers_of).collect();
    let counts: Vec<usize> = (0..size).map(|r| r + 1).collect();
    let scattered =
        world.scatter_slices(world.is_root().then_some((&all_numbers[..], &counts[..])));
    check(
        "scatter_slices",
        scattered == numbers_of(rank),
        &mut problems,
    );

    let collected = world.gather_slices(&numbers_of(rank));
    check(
        "gather_slices",
        collected
            == world
                .is_root()
                .then(|| (all_numbers.clone(), counts.clone())),
        &mut problems,
    );

    let outgoing: Vec<f64> = (0..size).flat_map(|to| message(rank, to)).collect();
    let send_counts: Vec<usize> = (0..size).map(|to| rank + to).collect();
    let (incoming, recv_counts) = world.all_to_all_slices(&outgoing, &send_counts);
    let expected_in: Vec<f64> = (0..size).flat_map(|from| message(from, rank)).collect();
    check(
        "all_to_all_slices",
        incoming == expected_in && recv_counts == (0..size).map(|f| f + rank).collect::<Vec<_>>(),
        &mut problems,
    );

    // Every rank offers the same top value at index 10 + rank (ties: the smallest index
    // wins), and rank 0 also offers NaN, which never wins.
    let best = world.best(Some(Scored {
        value: 7.5,
        index: 10 + rank as u64,
    }));
    check(
        "best (tie)",
        best == Some(Scored {
            value: 7.5,
            index: 10,
        }),
        &mut problems,
    );
    let offer = if rank == 0 {
        Scored {
            value: f64::NAN,
            index: 0,
        }
    } else {
        Scored {
            value: rank as f64,
            index: rank as u64,
        }
    };
    let best = world.best(Some(offer));
    let expected_best = (size > 1).then(|| Scored {
        value: (size - 1) as f64,
        index: (size - 1) as u64,
    });
    let nan_ok = if size == 1 {
        best.is_some_and(|b| b.value.is_nan())
    } else {
        best == expected_best
    };
    check("best (NaN never wins)", nan_ok, &mut problems);

    let outcome = if problems.is_empty() {
        Ok(())
    } else {
        Err(format!("wrong results: {}", problems.join(", ")))
    };
    // Agreed here, so that rank 0 says "all correct" only when every rank is.
    world.agree(outcome)?;
    world.say(format_args!(
        "collectives: all correct on {size} rank{}",
        if size == 1 { "" } else { "s" }
    ));
    Ok(())
}
