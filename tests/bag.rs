//! `Bag` under mpirun at 1 to 4 ranks: the `bag_check` example checks every operation
//! against plain sequential code (including empty partitions, a rank with no data, every
//! key on one rank, megabyte values, the planner's choices); the `bag_props` example checks
//! them as properties on random inputs (proptest, shrinking agreed by all ranks); the
//! `collections` example prints the notebook's results, and its correlation pipeline finds
//! what `pardata correlate` finds.

mod common;

use std::path::Path;

use common::{example, launch, launch_program, scratch};

/// Runs a checking example at each of `ranks` and expects `checks` lines starting "ok: ".
fn passes_every_check(name: &str, ranks: std::ops::RangeInclusive<usize>, checks: usize) {
    let binary = example(name);
    for ranks in ranks {
        let run = launch_program(&binary, Path::new("."), ranks, &[], &[]).ok();
        assert_eq!(
            run.stdout.lines().filter(|l| l.starts_with("ok: ")).count(),
            checks,
            "{name} -n {ranks}:\n{}",
            run.stdout
        );
    }
}

#[test]
fn every_operation_matches_sequential_code() {
    passes_every_check("bag_check", 1..=4, 52);
}

#[test]
fn every_operation_holds_its_properties_on_random_inputs() {
    passes_every_check("bag_props", 1..=3, 9);
}

#[test]
fn the_collections_example_prints_the_notebooks_results() {
    let json = common::tutorial_frames(&scratch("bag-collections"));
    let answer = launch(2, &["correlate", json.to_str().unwrap()], &[])
        .ok()
        .stdout;
    let answer = answer.lines().next().unwrap_or_default().to_string();
    assert!(answer.starts_with("aet matches with luv"), "{answer}");
    let binary = example("collections");
    for ranks in [1, 2, 3] {
        let run = launch_program(
            &binary,
            Path::new("."),
            ranks,
            &[json.to_str().unwrap()],
            &[],
        )
        .ok();
        let lines: Vec<&str> = run.stdout.lines().collect();
        assert_eq!(lines[0], "range(5): [0, 1, 2, 3, 4]");
        assert_eq!(lines[1], "map square: [0, 1, 4, 9, 16]");
        assert_eq!(lines[2], "filter even: [0, 2, 4]");
        assert!(
            run.stdout.contains("product with itself: 25 pairs"),
            "{}",
            run.stdout
        );
        assert!(
            run.stdout
                .contains("map square, product, filter even: 15 pairs: [(0, 0), (0, 1)"),
            "{}",
            run.stdout
        );
        assert_eq!(
            lines.last().copied(),
            Some(answer.as_str()),
            "the Bag pipeline at -n {ranks}"
        );
    }
}
