//! The futures executor under mpirun at 1 to 4 ranks, through the `futures_check` example:
//! ordering, completeness of as_completed, the in-flight bound (checked by the executor's
//! counter), cancel, retries, errors and panics in tasks on each rank in turn (the job goes
//! on and each error names its rank), balance of uneven tasks; and a rank that dies ending
//! the job.

mod common;

use std::path::Path;

use common::{example, launch_program};

#[test]
fn every_check_passes_at_every_rank_count() {
    let binary = example("futures_check");
    for ranks in 1..=4 {
        let run = launch_program(&binary, Path::new("."), ranks, &[], &[]).ok();
        let passed = run.stdout.lines().filter(|l| l.starts_with("ok: ")).count();
        assert_eq!(passed, 9 + 3 * ranks + 3, "-n {ranks}:\n{}", run.stdout);
        assert!(run.stdout.contains(&format!(
            "ok: a task panic on rank {} names rank {}",
            ranks - 1,
            ranks - 1
        )));
    }
}

#[test]
fn a_rank_that_dies_ends_the_job() {
    let binary = example("futures_check");
    for ranks in [1, 3] {
        let run = launch_program(&binary, Path::new("."), ranks, &["--die"], &[]);
        assert_ne!(run.code, 0, "-n {ranks}");
    }
}
