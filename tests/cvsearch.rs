//! `pardata cvsearch` under mpirun: the same scores at 1, 2 and 3 ranks, the files it
//! promises, validation accuracies that agree with scikit-learn's `SVC` on the same splits
//! (the bench script, in the test virtual environment), and bad data files named with the
//! place of the problem.

mod common;

use std::path::Path;

use common::{launch, scratch};

/// The fits of a results.json without what depends on the run (seconds, the rank).
fn scores(out: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(out.join("results.json")).expect("results.json");
    let results: serde_json::Value = serde_json::from_str(&text).expect("JSON");
    results["fits"]
        .as_array()
        .expect("fits")
        .iter()
        .map(|fit| {
            let mut fit = fit.clone();
            let object = fit.as_object_mut().expect("a fit is an object");
            object.remove("fit_seconds");
            object.remove("rank");
            fit
        })
        .collect()
}

#[test]
fn the_search_is_the_same_at_every_rank_count_and_writes_its_files() {
    let dir = scratch("cvsearch-ranks");
    let mut reference = None;
    for ranks in [1, 2, 3] {
        let out = dir.join(format!("n{ranks}"));
        let run = launch(
            ranks,
            &[
                "cvsearch",
                "--samples",
                "5",
                "--seed",
                "4",
                "--out",
                out.to_str().unwrap(),
            ],
            &[],
        )
        .ok();
        assert!(
            run.stdout
                .starts_with("cvsearch: 5 candidates x 2 splits = 10 fits on 1797 samples"),
            "{}",
            run.stdout
        );
        for file in [
            "results.csv",
            "results.json",
            "splits.json",
            "landscape.svg",
            "landscape.png",
        ] {
            assert!(out.join(file).is_file(), "-n {ranks}: no {file}");
        }
        let csv = std::fs::read_to_string(out.join("results.csv")).unwrap();
        assert_eq!(csv.lines().count(), 11, "a header and one row per fit");
        let splits: serde_json::Value =
            serde_json::from_str(&std::fs::read_to_string(out.join("splits.json")).unwrap())
                .unwrap();
        for split in splits["splits"].as_array().unwrap() {
            assert_eq!(split["validation"].as_array().unwrap().len(), 360);
        }
        let png = std::fs::read(out.join("landscape.png")).unwrap();
        assert!(png.starts_with(b"\x89PNG\r\n"), "-n {ranks}: a PNG picture");
        let svg = std::fs::read_to_string(out.join("landscape.svg")).unwrap();
        assert!(svg.contains("validation score") && svg.contains("log10(gamma)"));
        let fits = scores(&out);
        match &reference {
            None => reference = Some(fits),
            Some(first) => assert_eq!(&fits, first, "-n {ranks} scored differently"),
        }
    }
}

#[test]
fn validation_scores_agree_with_scikit_learn() {
    let python = match common::python::python() {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("skipped: {reason}");
            return;
        }
    };
    let out = scratch("cvsearch-sklearn").join("results");
    launch(
        2,
        &[
            "cvsearch",
            "--samples",
            "8",
            "--seed",
            "11",
            "--out",
            out.to_str().unwrap(),
        ],
        &[],
    )
    .ok();
    let check = std::process::Command::new(&python)
        .arg(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/bench/cvsearch_sklearn.py"
        ))
        .arg("sequential")
        .arg(&out)
        .arg(concat!(env!("CARGO_MANIFEST_DIR"), "/data/digits.csv.gz"))
        .output()
        .expect("python runs");
    let report = String::from_utf8_lossy(&check.stdout);
    assert!(
        check.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&check.stderr)
    );
    assert!(
        report.contains("within 0.02 16 of 16 fits"),
        "every fit within 0.02 of scikit-learn:\n{report}"
    );
    let best = report
        .lines()
        .find_map(|l| l.strip_prefix("best candidate "))
        .expect("the best candidates");
    let (theirs, ours) = best.split_once(" (pardata ").expect("both best candidates");
    assert_eq!(theirs, ours.trim_end_matches(')'), "{report}");
}

#[test]
fn bad_data_files_are_named_with_the_place() {
    let dir = scratch("cvsearch-bad");
    std::fs::create_dir_all(&dir).unwrap();
    let cases = [
        (
            "short.csv",
            "1,2,0\n3,4,1\n5,1\n",
            "short.csv: line 3: 2 columns, expected 3",
        ),
        (
            "word.csv",
            "1,2,0\n3,x,1\n",
            "word.csv: line 2: column 2: \"x\" is not a number",
        ),
        ("one.csv", "1,2,4\n3,4,4\n", "one class only (4)"),
        ("empty.csv", "", "empty.csv: no samples"),
    ];
    for (name, text, expected) in cases {
        let file = dir.join(name);
        std::fs::write(&file, text).unwrap();
        let out = dir.join(format!("{name}.out"));
        let run = launch(
            2,
            &[
                "cvsearch",
                "--data",
                file.to_str().unwrap(),
                "--out",
                out.to_str().unwrap(),
            ],
            &[],
        );
        assert_ne!(run.code, 0, "{name}");
        let errors = run.pardata_errors();
        assert_eq!(errors.len(), 1, "{name}: one report: {}", run.stderr);
        assert!(errors[0].contains(expected), "{name}: {}", errors[0]);
        assert!(!out.exists(), "{name}: no output folder for bad data");
    }
}

#[test]
fn shards_run_apart_merge_into_the_whole_search() {
    let dir = scratch("cvsearch-shards");
    let search = |out: &Path, extra: &[&str], ranks: usize| {
        let mut args = vec!["cvsearch", "--samples", "5", "--seed", "4"];
        args.extend_from_slice(&["--out", out.to_str().unwrap()]);
        args.extend_from_slice(extra);
        launch(ranks, &args, &[])
    };
    let whole = dir.join("whole");
    search(&whole, &[], 2).ok();
    let parts = dir.join("parts");
    for (shard, ranks) in [("0/3", 1), ("1/3", 2)] {
        let run = search(&parts, &["--shard", shard], ranks).ok();
        assert!(run.stdout.contains("wrote shards/shard-"), "{}", run.stdout);
    }
    let early = search(&parts, &["--merge"], 1);
    assert_ne!(early.code, 0);
    assert!(
        early.stderr.contains("shard-2-of-3.json: missing"),
        "{}",
        early.stderr
    );
    search(&parts, &["--shard", "2/3"], 3).ok();
    let foreign = launch(
        1,
        &[
            "cvsearch",
            "--samples",
            "5",
            "--seed",
            "5",
            "--merge",
            "--out",
            parts.to_str().unwrap(),
        ],
        &[],
    );
    assert_ne!(foreign.code, 0);
    assert!(
        foreign.stderr.contains("of another search"),
        "{}",
        foreign.stderr
    );
    search(&parts, &["--merge"], 2).ok();
    assert_eq!(scores(&parts), scores(&whole));
    let ranking = |out: &Path| {
        let text = std::fs::read_to_string(out.join("results.json")).unwrap();
        serde_json::from_str::<serde_json::Value>(&text).unwrap()["ranking"].clone()
    };
    assert_eq!(ranking(&parts), ranking(&whole));
}
