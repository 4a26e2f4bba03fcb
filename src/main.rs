//! The `pardata` binary: parse the command line, start the SPMD world, run the task, and
//! turn the outcome into output and an exit code.

use std::process::ExitCode;

use pardata::runtime::{panic, World};
use pardata::{cli, report, workloads};

#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// The exit code of a job that failed on some rank.
const FAILURE: u8 = 1;

fn main() -> ExitCode {
    let started = std::time::Instant::now();
    // HDF5 loads filter plugins named by the files it reads; an input file must not make
    // pardata load code, so plugins are off ("::" is HDF5's spelling of none) unless the
    // user says otherwise. Set before any thread or HDF5 call exists.
    if std::env::var_os("HDF5_PLUGIN_PRELOAD").is_none() {
        std::env::set_var("HDF5_PLUGIN_PRELOAD", "::");
    }
    let cli::Request {
        task,
        settings,
        trace,
        report,
        profile,
        stall_timeout,
    } = match cli::parse() {
        Ok(request) => request,
        Err(error) => return refuse(error),
    };
    let world = match World::init() {
        Ok(world) => world,
        Err(error) => {
            eprintln!("pardata: error: {error}");
            return ExitCode::from(FAILURE);
        }
    };
    panic::install(world.rank(), world.host());
    if let Some(problem) = world.launch().size_mismatch(world.size()) {
        eprintln!("pardata: warning: {problem}");
    }
    if !settings.quiet {
        world.show_progress(report::progress::views());
    }
    if let Some(limit) = stall_timeout {
        world.watch_for_stalls(limit);
    }
    let profiler = profile.as_deref().map(report::profile::Profiler::start);
    let outcome = workloads::execute(&world, &task, settings);
    let profiled = profiler.map_or(Ok(()), |p| p.finish(&world));
    // The trace is written whether the task succeeded or failed (failures are agreed on, so
    // every rank gets here).
    let traced = trace.map_or(Ok(()), |path| report::trace::write_trace(&world, &path));
    let reported = report.map_or(Ok(()), |path| {
        let facts = report::html::RunFacts {
            command: std::env::args().collect::<Vec<_>>().join(" "),
            wall_seconds: started.elapsed().as_secs_f64(),
            succeeded: outcome.is_ok(),
        };
        report::html::write_report(&world, &path, &facts)
    });
    let written = profiled.and(traced).and(reported);
    let code = match outcome.and_then(|outcome| written.map(|()| outcome)) {
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
