//! What becomes of a job when one rank fails, for a program started by `World::run`:
//! rank R panics (`--panic R`) or returns an error (`--error R`) while every other rank
//! waits in an all-gather that rank R will never reach (the end of rank R's program
//! agrees over a communicator of its own, so it cannot stand in for that all-gather); or
//! every rank returns an error at the
//! end (`--error all`). The job ends either way, with one report naming the rank and host.
//!
//! ```sh
//! cargo build --release --examples
//! mpirun -n 3 target/release/examples/rank_failure --panic 1    # ends at once, exit 101
//! mpirun -n 3 target/release/examples/rank_failure --error 1    # ends after 10 s, exit 1
//! mpirun -n 3 target/release/examples/rank_failure --error all  # ends at once, exit 1
//! ```

use pardata::prelude::*;

/// What the command line asked rank `rank` to do.
fn failure_for(rank: usize) -> Result<Option<&'static str>, String> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let (how, target) = match args.as_slice() {
        [how, target] => (how.as_str(), target.as_str()),
        _ => return Err("usage: rank_failure --panic R | --error R | --error all".into()),
    };
    let chosen = target == "all" || target.parse::<usize>().ok() == Some(rank);
    match how {
        "--panic" | "--error" if chosen => {
            Ok(Some(if how == "--panic" { "panic" } else { "error" }))
        }
        "--panic" | "--error" => Ok(None),
        _ => Err(format!("unknown option {how}")),
    }
}

fn main() -> std::process::ExitCode {
    World::run(|world| {
        match failure_for(world.rank())? {
            Some("panic") => panic!("rank {} was told to panic", world.rank()),
            Some(_) => return Err(format!("rank {} was told to fail", world.rank())),
            None => {}
        }
        // The ranks that did not fail wait here for the one that did.
        let ranks = world.all_gather(&world.rank());
        assert_eq!(ranks, (0..world.size()).collect::<Vec<_>>());
        world.say("every rank reached the end");
        Ok(())
    })
}
