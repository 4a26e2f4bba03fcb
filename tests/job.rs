//! `pardata run JOB.toml`: steps run in order on the same ranks and give what the same
//! commands give alone; a wrong job file is refused before any step runs, naming the file
//! and the place.

mod common;

use common::{launch, launch_in, read_tree, scratch};

#[test]
fn a_job_runs_its_steps_in_order() {
    let dir = scratch("job-steps");
    let job = dir.join("two.toml");
    std::fs::write(
        &job,
        "name = \"two\"\n\
         [[step]]\nname = \"small\"\nargs = [\"prep\", \"--out\", \"small\", \"--days\", \"3\", \"--symbols\", \"2\"]\n\
         [[step]]\nargs = [\"prep\", \"--out\", \"other\", \"--days\", \"2\", \"--symbol-list\", \"ibm\", \"--seed\", \"5\"]\n",
    )
    .unwrap();
    let run = launch_in(&dir, 2, &["run", "two.toml"], &[]).ok();
    assert!(
        run.stdout.contains("[1/2] small: pardata prep --out small"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("[2/2] prep: pardata prep --out other"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("job two: 2 steps done in"),
        "{}",
        run.stdout
    );

    launch_in(
        &dir,
        1,
        &[
            "prep",
            "--out",
            "alone-small",
            "--days",
            "3",
            "--symbols",
            "2",
        ],
        &[],
    )
    .ok();
    launch_in(
        &dir,
        0,
        &[
            "prep",
            "--out",
            "alone-other",
            "--days",
            "2",
            "--symbol-list",
            "ibm",
            "--seed",
            "5",
        ],
        &[],
    )
    .ok();
    assert!(read_tree(&dir.join("small")) == read_tree(&dir.join("alone-small")));
    assert!(read_tree(&dir.join("other")) == read_tree(&dir.join("alone-other")));

    let json = launch_in(&dir, 3, &["run", "two.toml", "--format", "json"], &[]).ok();
    let document: serde_json::Value =
        serde_json::from_str(&json.stdout).expect("one JSON document");
    assert_eq!(document["job"], "two");
    assert_eq!(
        document["steps"][1]["result"]["kept"].as_u64(),
        Some(2 + 1 + 1),
        "the rerun keeps every file"
    );
}

#[test]
fn the_tutorial_job_runs() {
    let dir = scratch("job-tutorial");
    let job = concat!(env!("CARGO_MANIFEST_DIR"), "/jobs/tutorial.toml");
    let run = launch_in(&dir, 2, &["run", job], &[]).ok();
    assert!(
        run.stdout.contains("job tutorial: 4 steps done"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout
            .contains("aet matches with luv with correlation 0.9"),
        "{}",
        run.stdout
    );
    assert!(dir.join("data/tutorial/json/aet.json").is_file());
    assert!(
        dir.join("data/tutorial/json/aet.h5").is_file(),
        "the convert step ran"
    );
    assert!(
        dir.join("data/tutorial/cvsearch/landscape.png").is_file(),
        "the cvsearch step ran"
    );
}

#[test]
fn a_wrong_job_file_is_refused_before_any_step() {
    let dir = scratch("job-wrong");
    let cases = [
        ("typo.toml", "[[step]]\nargs = [\"prep\", \"--out\", \"x\"]\n[[step]]\nargz = [\"prep\"]\n", "line 4"),
        ("bad-args.toml", "[[step]]\nargs = [\"prep\", \"--out\", \"x\"]\n[[step]]\nargs = [\"prep\", \"--freq\", \"7\", \"--out\", \"y\"]\n", "step 2"),
        ("nested.toml", "[[step]]\nargs = [\"run\", \"other.toml\"]\n", "cannot run another job"),
        ("empty.toml", "", "no [[step]]"),
        ("syntax.toml", "[[step]\nargs = 1\n", "line 1"),
    ];
    for (name, text, place) in cases {
        std::fs::write(dir.join(name), text).unwrap();
        let run = launch_in(&dir, 2, &["run", name], &[]);
        assert_eq!(run.code, 2, "{name}: {}", run.stderr);
        let first = run.stderr.lines().next().unwrap_or_default();
        assert!(
            first.contains(name) && first.contains(place),
            "{name}: {}",
            run.stderr
        );
        assert!(!dir.join("x").exists(), "{name}: no step ran");
    }
    let missing = launch(2, &["run", "/nonexistent/job.toml"], &[]);
    assert_eq!(missing.code, 2);
    assert!(
        missing.stderr.contains("/nonexistent/job.toml"),
        "{}",
        missing.stderr
    );
}
