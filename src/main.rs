//! The `pardata` binary: parse the command line, then run the task in the SPMD world
//! ([`World::run`] starts it, installs the panic hook and turns the agreed outcome into the
//! exit code).

use std::process::ExitCode;

use pardata::runtime::{JobFailure, World};
use pardata::{cli, report, workloads};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    match cli::parse() {
        Ok(request) => {
            World::run_with_threads(request.threads, |world| perform(world, request, started))
        }
        Err(error) => refuse(error),
    }
}

/// Runs the requested task on this rank, writes the trace, the report and the flame graphs
/// it asked for (whether the task succeeded or failed: failures are agreed on, so every
/// rank gets there), and prints the outcome on rank 0.
fn perform(
    world: &World,
    request: cli::Request,
    started: std::time::Instant,
) -> Result<(), JobFailure> {
    let cli::Request {
        task,
        settings,
        trace,
        report,
        profile,
        stall_timeout,
        threads: _,
    } = request;
    if !settings.quiet {
        world.show_progress(report::progress::views());
    }
    if let Some(limit) = stall_timeout {
        world.watch_for_stalls(limit);
    }
    let profiler = profile.as_deref().map(report::profile::Profiler::start);
    let outcome = workloads::execute(world, &task, settings);
    let profiled = profiler.map_or(Ok(()), |p| p.finish(world));
    let traced = trace.map_or(Ok(()), |path| report::trace::write_trace(world, &path));
    let reported = report.map_or(Ok(()), |path| {
        let facts = report::html::RunFacts {
            command: std::env::args().collect::<Vec<_>>().join(" "),
            wall_seconds: started.elapsed().as_secs_f64(),
            succeeded: outcome.is_ok(),
        };
        report::html::write_report(world, &path, &facts)
    });
    let outcome =
        outcome.and_then(|outcome| profiled.and(traced).and(reported).map(|()| outcome))?;
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
    Ok(())
}

/// Ends a run whose command line clap refused (or answered, for `--help`): rank 0 prints
/// clap's text once; every rank waits for the others before exiting, since a rank that
/// exits early with an error makes mpirun stop the rest, rank 0 perhaps before it printed.
fn refuse(error: clap::Error) -> ExitCode {
    let code = ExitCode::from(u8::try_from(error.exit_code()).unwrap_or(2));
    match World::init() {
        Ok(world) => {
            if world.is_root() {
                let _ = error.print();
            }
            world.barrier();
        }
        Err(_) => {
            let _ = error.print();
        }
    }
    code
}
