//! `Bag` under mpirun at 1 to 4 ranks: the `bag_check` example checks every operation
//! against plain sequential code (including empty partitions, a rank with no data, every
//! key on one rank, megabyte values); the `collections` example prints the notebook's
//! results, and its correlation pipeline finds what `pardata correlate` finds.

mod common;

use std::path::Path;

use common::{example, launch, launch_program, scratch};

#[test]
fn every_operation_matches_sequential_code() {
    let binary = example("bag_check");
    for ranks in 1..=4 {
        let run = launch_program(&binary, Path::new("."), ranks, &[], &[]).ok();
        assert_eq!(
            run.stdout.lines().filter(|l| l.starts_with("ok: ")).count(),
            46,
            "-n {ranks}:\n{}",
            run.stdout
        );
    }
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
