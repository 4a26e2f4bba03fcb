//! The `pardata` binary: parse the command line, start the SPMD world, run the task, and
//! turn the outcome into output and an exit code.

use std::process::ExitCode;

use pardata::runtime::{panic, World};
use pardata::{cli, workloads};

/// The exit code of a job that failed on some rank.
const FAILURE: u8 = 1;

fn main() -> ExitCode {
    let (task, settings) = match cli::parse() {
        Ok(parsed) => parsed,
        Err(error) => {
            // Every rank parses the same arguments; only the first prints.
            if launched_as_first_rank() {
                let _ = error.print();
            }
            return ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
        }
    };
    let world = match World::init() {
        Ok(world) => world,
        Err(error) => {
            eprintln!("pardata: error: {error}");
            return ExitCode::from(FAILURE);
        }
    };
    panic::install(world.rank(), world.host());
    let code = match workloads::execute(&world, &task, settings) {
        Ok(outcome) => {
            if settings.json {
                match serde_json::to_string_pretty(&outcome) {
                    Ok(json) => world.say(json),
                    Err(error) => world.say(format_args!(
                        "pardata: cannot encode the result as JSON: {error}"
                    )),
                }
            } else {
                world.say(&outcome);
            }
            ExitCode::SUCCESS
        }
        Err(failure) => {
            if world.is_root() {
                eprintln!("pardata: error: {failure}");
            }
            ExitCode::from(FAILURE)
        }
    };
    drop(world); // finalizes MPI before the process exits
    code
}

/// Whether the launcher (mpirun, srun, or none) started this process as rank 0; known from
/// the environment before MPI starts.
fn launched_as_first_rank() -> bool {
    [
        "OMPI_COMM_WORLD_RANK",
        "PMI_RANK",
        "PMIX_RANK",
        "SLURM_PROCID",
    ]
    .iter()
    .find_map(|name| std::env::var(name).ok())
    .is_none_or(|rank| rank == "0")
}
