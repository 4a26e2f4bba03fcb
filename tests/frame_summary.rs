//! `Frame::head`, `value_counts`, `describe` and `resample` (examples/frame_summary.rs) on taxi trips
//! of `pardata prep --taxi`: the same output at 1, 2 and 3 ranks, equal to pandas' `head`,
//! `value_counts`, `describe` and `resample` on the same files, and a group-by and a top-k
//! after a `repartition` (tests/python/check_summary.py).

mod common;

use std::path::Path;

use common::{example, launch_program, prep, scratch};

#[test]
fn head_value_counts_and_describe_are_pandas_at_every_rank_count() {
    let dir = scratch("frame_summary");
    prep(
        2,
        &dir,
        &["--taxi", "--rows", "20000", "--file-rows", "6000"],
    );
    let folder = dir.join("taxi").join("parquet");
    let folder = folder.to_str().expect("a UTF-8 path");
    let program = example("frame_summary");
    let outputs: Vec<String> = [1, 2, 3]
        .iter()
        .map(|&ranks| {
            launch_program(&program, &dir, ranks, &[folder], &[])
                .ok()
                .stdout
        })
        .collect();
    assert_eq!(outputs[0].lines().count(), 6, "{}", outputs[0]);
    assert_eq!(outputs[0], outputs[1], "1 and 2 ranks");
    assert_eq!(outputs[0], outputs[2], "1 and 3 ranks");
    let output = dir.join("output.txt");
    std::fs::write(&output, &outputs[0]).expect("a writable folder");
    common::python::check("check_summary.py", &[Path::new(folder), &output]);
}
