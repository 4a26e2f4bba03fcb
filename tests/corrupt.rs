//! The corrupt-input suite: every reader of untrusted files, given broken or hostile ones,
//! ends with an error that names the file (and the line and column for text), exits
//! non-zero, never panics, and with `--skip-bad` still processes the good files.
//!
//! JSON Lines (`convert`): binary garbage, non-UTF-8 bytes, a line of two megabytes, NaN
//! and infinity spelled as JSON writers do, duplicate, unknown and missing keys, a time that
//! is not one, a truncated file,
//! an empty one. HDF5 (`correlate`): a truncated file, flipped bytes, a foreign HDF5 file,
//! wrong dtypes and shapes, an external link (refused), a filter plugin (refused), a
//! directory and a missing file. The samples CSV (`cvsearch --data`) and job files have
//! their own tests (tests/cvsearch.rs, tests/job.rs).

mod common;

use std::path::Path;
use std::process::Command;

use common::{launch, prep, scratch};

/// Runs `args` on 2 ranks; checks a clean failure naming `file` (and `place`), then that
/// `--skip-bad` succeeds past it.
fn fails_cleanly(args: &[&str], file: &Path, place: &str, skip_says: &str) {
    let run = launch(2, args, &[]);
    let case = file.display();
    assert_eq!(run.code, 1, "{case}: {}", run.stderr);
    assert!(!run.stderr.contains("panicked"), "{case}: {}", run.stderr);
    let named = run
        .pardata_errors()
        .into_iter()
        .find(|l| l.contains(&file.display().to_string()))
        .unwrap_or_else(|| panic!("{case}: no error names the file: {}", run.stderr));
    assert!(named.contains(place), "{case}: '{place}' not in: {named}");
    let mut skipping = args.to_vec();
    skipping.push("--skip-bad");
    let skipped = launch(2, &skipping, &[]).ok();
    assert!(
        skipped.stdout.contains(skip_says),
        "{case}: {}",
        skipped.stdout
    );
}

#[test]
fn broken_json_lines_are_named_with_the_place() {
    let dir = scratch("corrupt-json");
    prep(2, &dir.join("data"), &["--days", "2", "--symbols", "2"]);
    let good = std::fs::read_to_string(dir.join("data/json/aet.json")).unwrap();
    let first = good.lines().next().unwrap();
    let mut garbage = vec![0u8; 3000];
    for (i, byte) in garbage.iter_mut().enumerate() {
        *byte = (i * 7919 % 251) as u8;
    }
    // A trailing comma after a price of two million digits: the error's column is
    // beyond them.
    let big = format!(
        "{first}\n{{\"timestamp\":\"2014-01-02 09:00:00\",\"close\":1.{},}}\n",
        "5".repeat(2_000_000)
    );
    let stamp = "\"timestamp\":\"2014-01-02 09:00:00\"";
    // Cut inside a line, not at its end (a file of whole lines is a valid, shorter one).
    let mid_line = good[..good.len() / 2].rfind('\n').unwrap() + 10;
    let mut non_utf8 = format!("{first}\n{{{stamp},\"close\":1.5,\"high\":2").into_bytes();
    non_utf8.push(0xFF);
    non_utf8.extend_from_slice(b",\"low\":1,\"open\":1}\n");
    let cases: Vec<(&str, Vec<u8>, &str)> = vec![
        ("garbage", garbage, "line 1: column 1"),
        ("non-utf8", non_utf8, "line 2"),
        ("megabyte-line", big.into_bytes(), "line 2: column 2000"),
        (
            "nan",
            format!("{{{stamp},\"close\":NaN,\"high\":Infinity,\"low\":-Infinity,\"open\":1}}\n")
                .into_bytes(),
            "line 1: column",
        ),
        (
            "duplicate-key",
            format!("{{{stamp},\"close\":1,\"close\":2,\"high\":2,\"low\":1,\"open\":1}}\n")
                .into_bytes(),
            "line 1: key \"close\" appears twice in the object",
        ),
        (
            // A missing price is NaN, as pandas reads it; a missing time is an error.
            "missing-key",
            b"{\"close\":1,\"high\":2,\"low\":1,\"open\":1}\n".to_vec(),
            "line 1: key \"timestamp\" is missing",
        ),
        (
            "unknown-key",
            format!("{{{stamp},\"close\":1,\"high\":2,\"low\":1,\"open\":1,\"volume\":5}}\n")
                .into_bytes(),
            "line 1: key \"volume\" is not one of the columns (timestamp, close, high, low, open)",
        ),
        (
            "bad-time",
            b"{\"timestamp\":\"2014-13-02 09:00:00\",\"close\":1}\n".to_vec(),
            "line 1: key \"timestamp\": \"2014-13-02 09:00:00\" is not a time",
        ),
        ("truncated", good.as_bytes()[..mid_line].to_vec(), "line "),
        ("empty", Vec::new(), "no records"),
    ];
    for (name, bytes, place) in cases {
        let folder = dir.join(name);
        std::fs::create_dir_all(&folder).unwrap();
        std::fs::write(folder.join("good.json"), &good).unwrap();
        let bad = folder.join(format!("{name}.json"));
        std::fs::write(&bad, bytes).unwrap();
        fails_cleanly(
            &["convert", folder.to_str().unwrap()],
            &bad,
            place,
            "convert: 1 file to HDF5",
        );
        assert!(
            !folder.join(format!("{name}.h5")).exists(),
            "{name}: no frame for a bad file"
        );
    }
}

#[test]
fn broken_and_hostile_hdf5_files_are_refused_with_the_file_named() {
    let python = match common::python::python() {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("skipped: {reason}");
            return;
        }
    };
    let dir = scratch("corrupt-hdf5");
    prep(2, &dir.join("data"), &["--days", "3", "--symbols", "3"]);
    launch(
        2,
        &["convert", dir.join("data/json").to_str().unwrap()],
        &[],
    )
    .ok();
    let made = dir.join("made");
    std::fs::create_dir_all(&made).unwrap();
    let good = dir.join("data/json/aet.h5");
    let status = Command::new(python)
        .arg(common::python::script("corrupt_frames.py"))
        .args([&good, &made])
        .status()
        .expect("python runs");
    assert!(status.success());
    let cases = [
        ("truncated", "not a readable HDF5 file"),
        ("flipped", ""),
        (
            "foreign",
            "no pandas frame and no numeric dataset in the file",
        ),
        ("wrongdtype", "is not float64"),
        ("wrongshape", "3 dimensions, not 2"),
        ("extlink", "is an external link to another file: refused"),
        ("plugin", "filter plugins disabled"),
    ];
    for (name, says) in cases {
        let folder = dir.join(name);
        std::fs::create_dir_all(&folder).unwrap();
        for symbol in ["aet", "afl", "aig"] {
            let from = dir.join(format!("data/json/{symbol}.h5"));
            std::fs::copy(from, folder.join(format!("{symbol}.h5"))).unwrap();
        }
        let bad = folder.join(format!("{name}.h5"));
        std::fs::copy(made.join(format!("{name}.h5")), &bad).unwrap();
        fails_cleanly(
            &["correlate", folder.to_str().unwrap()],
            &bad,
            says,
            "3 series, 3 pairs",
        );
    }
    // A directory where a frame should be, and a file that is not there.
    let folder = dir.join("directory");
    std::fs::create_dir_all(folder.join("inner.h5")).unwrap();
    let run = launch(
        2,
        &["correlate", folder.join("inner.h5").to_str().unwrap()],
        &[],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("inner.h5"), "{}", run.stderr);
    let missing = dir.join("nowhere.h5");
    let run = launch(2, &["correlate", missing.to_str().unwrap()], &[]);
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(run.stderr.contains("nowhere.h5"), "{}", run.stderr);
}
