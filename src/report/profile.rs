//! `--profile DIR`: a CPU flame graph per rank (`DIR/rank-N.svg`), the snakeviz lesson for
//! Rust: pprof-rs samples each rank's stacks 199 times a second while the task runs.

use std::path::{Path, PathBuf};

use super::write_file;
use crate::runtime::{JobFailure, World};

/// Samples per second (a prime, so as not to beat with periodic work).
const FREQUENCY: i32 = 199;

/// A running profiler of this rank.
pub struct Profiler {
    guard: Option<pprof::ProfilerGuard<'static>>,
    dir: PathBuf,
}

impl Profiler {
    /// Starts sampling this rank (a failure to start is reported by [`Profiler::finish`]).
    pub fn start(dir: &Path) -> Profiler {
        Profiler {
            guard: pprof::ProfilerGuardBuilder::default()
                .frequency(FREQUENCY)
                .blocklist(&["libc", "libgcc", "pthread", "vdso"])
                .build()
                .ok(),
            dir: dir.to_path_buf(),
        }
    }

    /// Stops sampling and writes this rank's flame graph (a collective: the ranks agree on
    /// whether every graph was written).
    pub fn finish(self, world: &World) -> Result<(), JobFailure> {
        let path = self.dir.join(format!("rank-{}.svg", world.rank()));
        let written = match self.guard {
            None => Err("the profiler could not start".to_string()),
            Some(guard) => std::fs::create_dir_all(&self.dir)
                .map_err(|e| format!("cannot create {}: {e}", self.dir.display()))
                .and_then(|()| guard.report().build().map_err(|e| e.to_string()))
                .and_then(|report| {
                    let mut svg = Vec::new();
                    report.flamegraph(&mut svg).map_err(|e| e.to_string())?;
                    write_file(&path, &svg)
                }),
        };
        world.agree(written.map_err(|e| format!("rank {}: profile: {e}", world.rank())))
    }
}
