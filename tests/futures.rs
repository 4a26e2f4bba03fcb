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

#[test]
fn bench_overhead_reports_every_figure() {
    for ranks in [1, 2] {
        let run = common::launch(
            ranks,
            &["bench", "overhead", "--tasks", "300", "--format", "json"],
            &[],
        )
        .ok();
        let json: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
        assert_eq!(json["ranks"].as_u64(), Some(ranks as u64));
        for figure in ["submit_result_micros", "map_micros", "map_chunked_micros"] {
            assert!(
                json[figure].as_f64().is_some_and(|us| us > 0.0),
                "{figure}: {}",
                run.stdout
            );
        }
        let sizes: Vec<u64> = json["granularity"]
            .as_array()
            .unwrap()
            .iter()
            .map(|g| g["task_micros"].as_u64().unwrap())
            .collect();
        assert_eq!(
            sizes,
            [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000]
        );
    }
}
