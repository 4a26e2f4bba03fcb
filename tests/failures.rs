//! A failure on one rank ends the whole job: one report naming the rank and host (or the
//! path), a non-zero exit code, and no hang (every launch runs under a time limit, and a
//! launch that reaches it fails the test).

mod common;

use common::{launch, scratch};

fn prep_args(out: &str) -> Vec<&str> {
    vec![
        "prep",
        "--quiet",
        "--out",
        out,
        "--days",
        "200",
        "--symbols",
        "3",
    ]
}

#[test]
fn an_unwritable_out_gives_one_line_naming_the_path() {
    let dir = scratch("fail-out");
    let blocker = dir.join("a-file");
    std::fs::write(&blocker, b"not a folder").unwrap();
    let out = blocker.join("data");
    let out = out.to_str().unwrap();
    for ranks in [0, 1, 2, 3] {
        let run = launch(ranks, &prep_args(out), &[]);
        assert_eq!(run.code, 1, "-n {ranks}: {}", run.stderr);
        let errors = run.pardata_errors();
        assert_eq!(errors.len(), 1, "-n {ranks}: one report, got {errors:?}");
        assert!(
            errors[0].contains(out) && errors[0].contains("cannot create folder"),
            "{}",
            errors[0]
        );
        assert!(run.stdout.is_empty(), "no result on stdout: {}", run.stdout);
    }
}

#[test]
fn an_error_on_one_rank_is_reported_once_by_rank_0() {
    let out = scratch("fail-error").join("data");
    for rank in [0, 2] {
        let spec = format!("error@{rank}");
        let run = launch(
            3,
            &prep_args(out.to_str().unwrap()),
            &[("PARDATA_FAULT", &spec)],
        );
        assert_eq!(run.code, 1, "{}", run.stderr);
        let errors = run.pardata_errors();
        assert_eq!(errors.len(), 1, "one report, got {errors:?}");
        assert!(
            errors[0].starts_with("pardata: error: injected fault"),
            "{}",
            errors[0]
        );
        assert!(
            errors[0].contains(&format!("[rank {rank} on ")),
            "{}",
            errors[0]
        );
    }
}

#[test]
fn a_panic_on_one_rank_aborts_every_rank() {
    let out = scratch("fail-panic").join("data");
    let run = launch(
        3,
        &prep_args(out.to_str().unwrap()),
        &[("PARDATA_FAULT", "panic@1")],
    );
    assert_ne!(run.code, 0);
    assert!(
        run.stderr.contains("pardata: rank 1 on ") && run.stderr.contains("panicked"),
        "{}",
        run.stderr
    );
    assert!(run.stderr.contains("injected panic"), "{}", run.stderr);
}

#[test]
fn a_rank_that_dies_ends_the_job() {
    let out = scratch("fail-crash").join("data");
    let run = launch(
        3,
        &prep_args(out.to_str().unwrap()),
        &[("PARDATA_FAULT", "crash@2")],
    );
    assert_ne!(run.code, 0, "{}", run.stderr);
}

#[test]
fn a_rank_that_stops_answering_ends_the_job_after_the_stall_timeout() {
    let out = scratch("fail-hang").join("data");
    let mut args = prep_args(out.to_str().unwrap());
    args.extend_from_slice(&["--stall-timeout", "3"]);
    let started = std::time::Instant::now();
    let run = launch(3, &args, &[("PARDATA_FAULT", "hang@1")]);
    let took = started.elapsed().as_secs();
    assert_ne!(run.code, 0, "{}", run.stderr);
    assert!(took < 60, "the job ended after {took} s");
    assert!(
        run.stderr
            .contains("for the other ranks (--stall-timeout 3)"),
        "{}",
        run.stderr
    );
}

#[test]
fn a_single_rank_panic_without_mpirun_exits_non_zero() {
    let out = scratch("fail-alone").join("data");
    let run = launch(
        0,
        &prep_args(out.to_str().unwrap()),
        &[("PARDATA_FAULT", "panic@0")],
    );
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("pardata: rank 0 on "), "{}", run.stderr);
}

#[test]
fn bad_options_give_one_clap_error() {
    for (ranks, args) in [
        (2, &["prep", "--out", "x", "--freq", "7"][..]),
        (
            3,
            &["prep", "--out", "x", "--symbols", "2", "--symbol-list", "a"],
        ),
        (2, &["prep", "--out", "x", "--bogus"]),
        (0, &["prep"]),
        (2, &["frobnicate"]),
    ] {
        let run = launch(ranks, args, &[]);
        assert_eq!(run.code, 2, "{args:?}: {}", run.stderr);
        let errors = run
            .stderr
            .lines()
            .filter(|l| l.starts_with("error:"))
            .count();
        assert_eq!(errors, 1, "{args:?} on {ranks} ranks: {}", run.stderr);
    }
}
