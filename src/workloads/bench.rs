//! `pardata bench overhead`: what the futures executor costs per task, measured on empty
//! tasks (submit + result, map unchunked, map in chunks of 1000) and as the smallest task
//! that still runs at 90% efficiency on the ranks there are (METG, as Task Bench defines
//! it). The peers' figures come from bench/overhead.sh (mpi4py.futures, dask.distributed).

use std::fmt;
use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

use crate::patterns::futures::{self, Options, Task};
use crate::runtime::{JobFailure, World};

/// What to measure.
#[derive(Debug, Clone)]
pub struct OverheadOptions {
    pub tasks: usize,
}

/// A task that spins for a number of microseconds (0: an empty task).
#[derive(Debug, Clone, Copy, Serialize, Deserialize)]
struct Spin {
    micros: u64,
}

impl Task for Spin {
    type Output = ();
    type Error = std::convert::Infallible;

    fn run(&self) -> Result<(), Self::Error> {
        let until = Instant::now() + Duration::from_micros(self.micros);
        while self.micros > 0 && Instant::now() < until {
            std::hint::spin_loop();
        }
        Ok(())
    }
}

/// Efficiency of tasks of one duration.
#[derive(Debug, Clone, Serialize)]
pub struct Granularity {
    pub task_micros: u64,
    pub tasks: usize,
    pub efficiency: f64,
}

/// The figures of `bench overhead`.
#[derive(Debug, Serialize)]
pub struct OverheadSummary {
    pub ranks: usize,
    pub workers: usize,
    pub tasks: usize,
    pub submit_result_micros: f64,
    pub map_micros: f64,
    pub map_chunked_micros: f64,
    /// The smallest task duration measured that ran at 90% efficiency or better.
    pub metg_micros: Option<u64>,
    pub granularity: Vec<Granularity>,
}

impl fmt::Display for OverheadSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "bench overhead: {} empty tasks, {} ranks ({} running tasks besides rank 0)",
            self.tasks, self.ranks, self.workers
        )?;
        writeln!(
            f,
            "  submit + result      {:8.2} us per task",
            self.submit_result_micros
        )?;
        writeln!(
            f,
            "  map, unchunked       {:8.2} us per item",
            self.map_micros
        )?;
        writeln!(
            f,
            "  map, chunks of 1000  {:8.3} us per item",
            self.map_chunked_micros
        )?;
        for g in &self.granularity {
            writeln!(
                f,
                "  tasks of {:6} us: {:5.1}% efficient ({} tasks)",
                g.task_micros,
                100.0 * g.efficiency,
                g.tasks
            )?;
        }
        match self.metg_micros {
            Some(metg) => write!(
                f,
                "  METG(90%): {metg} us (the smallest task measured that runs at 90% efficiency)"
            ),
            None => write!(f, "  METG(90%): above every size measured"),
        }
    }
}

/// Runs the measurements (a collective: every rank calls it).
pub fn overhead(world: &World, options: &OverheadOptions) -> Result<OverheadSummary, JobFailure> {
    let n = options.tasks.max(1);
    let empty = || vec![Spin { micros: 0 }; n];
    let per_task = |seconds: f64| seconds * 1e6 / n as f64;

    let submit_result = futures::run(world, Options::default(), |ex| {
        let started = Instant::now();
        let futures: Vec<_> = empty().into_iter().map(|t| ex.submit(t)).collect();
        for f in futures {
            let _ = ex.result(f);
        }
        started.elapsed().as_secs_f64()
    });
    let map = futures::run(world, Options::default(), |ex| {
        let started = Instant::now();
        ex.map(empty()).for_each(drop);
        started.elapsed().as_secs_f64()
    });
    let chunked = futures::run(world, Options::default(), |ex| {
        let started = Instant::now();
        ex.map_chunked(empty(), 1000).for_each(drop);
        started.elapsed().as_secs_f64()
    });

    // METG: tasks of growing size, each size about 0.2 s of work per worker.
    let workers = world.size().saturating_sub(1).max(1);
    let mut granularity = Vec::new();
    for micros in [1u64, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000] {
        let count =
            ((200_000 * workers as u64) / micros).clamp(4 * workers as u64, 20_000) as usize;
        let wall = futures::run(world, Options::default(), |ex| {
            let started = Instant::now();
            ex.map(vec![Spin { micros }; count]).for_each(drop);
            started.elapsed().as_secs_f64()
        });
        let wall = world.broadcast(wall.as_ref());
        let efficiency = (count as f64 * micros as f64 * 1e-6) / (wall * workers as f64);
        granularity.push(Granularity {
            task_micros: micros,
            tasks: count,
            efficiency,
        });
    }
    let metg_micros = granularity
        .iter()
        .find(|g| g.efficiency >= 0.9)
        .map(|g| g.task_micros);
    Ok(OverheadSummary {
        ranks: world.size(),
        workers: world.size() - 1,
        tasks: n,
        submit_result_micros: per_task(world.broadcast(submit_result.as_ref())),
        map_micros: per_task(world.broadcast(map.as_ref())),
        map_chunked_micros: per_task(world.broadcast(chunked.as_ref())),
        metg_micros,
        granularity,
    })
}
