//! The runtime and the map pattern under mpirun at several rank counts, through the
//! examples. The `collectives` example
//! checks each one against what every rank computes by itself, and fails through failure
//! agreement if any rank saw a wrong result.

mod common;

use std::path::Path;

use common::{example, launch_program};

#[test]
fn collectives_are_correct_at_every_rank_count() {
    let binary = example("collectives");
    for ranks in 0..=4 {
        let run = launch_program(&binary, Path::new("."), ranks, &[], &[]).ok();
        let shown = ranks.max(1);
        let plural = if shown == 1 { "" } else { "s" };
        assert_eq!(
            run.stdout.trim(),
            format!("collectives: all correct on {shown} rank{plural}"),
            "-n {ranks}"
        );
    }
}

#[test]
fn the_map_example_gives_the_squares_with_both_schedules() {
    let binary = example("map");
    for (ranks, threads) in [(1, 4), (3, 2)] {
        let env = [("PARDATA_THREADS", threads.to_string())];
        let env: Vec<(&str, &str)> = env.iter().map(|(k, v)| (*k, v.as_str())).collect();
        let run = launch_program(&binary, Path::new("."), ranks, &[], &env).ok();
        let squares = "[0, 1, 4, 9, 16, 25, 36, 49]";
        let lines: Vec<&str> = run.stdout.lines().collect();
        let on = if ranks == 1 {
            "1 rank".to_string()
        } else {
            format!("{ranks} ranks")
        };
        let expected = [
            format!("sequential:            {squares} in "),
            format!("static  map on {on}: {squares} in "),
            format!("dynamic map on {on}: {squares} in "),
            format!("static  map on threads ({threads} per rank): {squares} in "),
            format!("dynamic map on threads ({threads} per rank): {squares} in "),
        ];
        assert_eq!(lines.len(), expected.len(), "{}", run.stdout);
        for (line, start) in lines.iter().zip(&expected) {
            assert!(line.starts_with(start.as_str()), "{line}");
        }
    }
}

#[test]
fn the_submit_example_prints_what_the_notebook_printed() {
    let binary = example("submit");
    for ranks in [1, 3] {
        let run = launch_program(&binary, Path::new("."), ranks, &["--sleep", "0.02"], &[]).ok();
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines.len(), 8, "{}", run.stdout);
        assert_eq!(lines[0], "one slow add, submitted, then read: Ok(3)");
        let tens = "[0, 2, 4, 6, 8, 10, 12, 14, 16, 18]";
        assert!(
            lines[1].starts_with(&format!("ten slow adds, one after another: {tens} in ")),
            "{}",
            lines[1]
        );
        assert!(
            lines[2].starts_with(&format!(
                "ten slow adds, submitted to {ranks} ranks: {tens} in "
            )),
            "{}",
            lines[2]
        );
        let nested = "[1, 2, 3, 4, 1, 3, 4, 5, 2, 1, 5, 6, 3, 2, 1, 7, 4, 3, 2, 1]";
        assert_eq!(lines[3], format!("add if i < j, sub if i > j: {nested}"));
        assert!(
            lines[4]
                .starts_with("an error in a task, seen at result(): task Divide { a: 1, b: 0 } (#"),
            "{}",
            lines[4]
        );
        assert!(lines[4].ends_with("cannot divide 1 by 0"), "{}", lines[4]);
        assert!(
            lines[5].contains("panicked at examples/submit.rs")
                && lines[5].contains("this task has a bug"),
            "{}",
            lines[5]
        );
        assert!(
            lines[6].starts_with("twelve adds, at most 4 in flight (most seen: 4): [1, 2, 3"),
            "{}",
            lines[6]
        );
        assert!(
            lines[7]
                .starts_with("four prime counts: [49098, 49098, 49098, 49098] on 4 threads in "),
            "{}",
            lines[7]
        );
    }
}

/// How long a launch of `rank_failure` took, and what it returned.
fn rank_failure(ranks: usize, args: &[&str]) -> (common::Run, f64) {
    let started = std::time::Instant::now();
    let run = common::launch_program(
        &common::example("rank_failure"),
        std::path::Path::new("."),
        ranks,
        args,
        &[],
    );
    (run, started.elapsed().as_secs_f64())
}

#[test]
fn a_panicking_rank_ends_a_library_program_and_names_itself() {
    let (run, _) = rank_failure(3, &["--panic", "1"]);
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(
        run.stderr.contains("rank 1 on ") && run.stderr.contains("was told to panic"),
        "{}",
        run.stderr
    );
    assert!(!run.stdout.contains("every rank reached the end"));
}

#[test]
fn a_rank_whose_program_fails_while_the_others_wait_ends_the_job_on_its_own() {
    // Ranks 0 and 2 wait in an all-gather for rank 1, which returned an error instead: rank 1
    // waits FAILURE_GRACE (10 s) for them, then reports and ends the job (not a hang:
    // launch_program fails the test if the job outlives its limit).
    let (run, seconds) = rank_failure(3, &["--error", "1"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr
            .contains("rank_failure: error: rank 1 was told to fail [rank 1 on ")
            && run.stderr.contains("did not reach the end within 10 s"),
        "{}",
        run.stderr
    );
    assert!(
        seconds >= 10.0,
        "it waited for the others first ({seconds:.1} s)"
    );
}

#[test]
fn errors_on_every_rank_are_agreed_on_and_reported_once() {
    let (run, _) = rank_failure(3, &["--error", "all"]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    let reports: Vec<&str> = run
        .stderr
        .lines()
        .filter(|l| l.starts_with("rank_failure: error:"))
        .collect();
    assert_eq!(reports.len(), 1, "one report, from rank 0: {}", run.stderr);
    assert!(
        reports[0].starts_with("rank_failure: error: rank 0 was told to fail [rank 0 on ")
            && reports[0].ends_with("ranks 1, 2 reported errors]"),
        "{}",
        reports[0]
    );
    let (alone, _) = rank_failure(0, &["--error", "0"]);
    assert_eq!(alone.code, 1, "{}", alone.stderr);
    assert!(alone
        .stderr
        .contains("rank_failure: error: rank 0 was told to fail [rank 0 on "));
}
