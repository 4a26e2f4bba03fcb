//! `pardata convert` under mpirun: every frame holds the JSON's values (read back here with
//! the hdf5 crate and compared with the JSON parsed by serde_json), the same bytes at every
//! rank count and schedule, pandas reads them (cross-check in Python), pardata reads frames
//! pandas wrote, and bad inputs give the exact errors.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use chrono::NaiveDateTime;
use common::{launch, prep, read_tree, scratch, sorted_paths};
use hdf5::types::{FixedAscii, FixedUnicode};

fn json_files(folder: &Path) -> Vec<PathBuf> {
    sorted_paths(folder)
        .into_iter()
        .filter(|p| p.extension().is_some_and(|e| e == "json"))
        .collect()
}

/// A frame read with the hdf5 crate, following pandas' layout by hand.
struct Frame {
    columns: Vec<String>,
    floats: Vec<(String, Vec<f64>)>,
    timestamps: Vec<i64>,
}

fn read_names(dataset: &hdf5::Dataset) -> Vec<String> {
    match dataset.read_raw::<FixedAscii<64>>() {
        Ok(names) => names.iter().map(|n| n.as_str().to_string()).collect(),
        Err(_) => dataset
            .read_raw::<FixedUnicode<64>>()
            .unwrap()
            .iter()
            .map(|n| n.as_str().to_string())
            .collect(),
    }
}

fn read_frame(path: &Path) -> Frame {
    let file = hdf5::File::open(path).unwrap();
    let group = file.group("data").unwrap();
    let columns = read_names(&group.dataset("axis0").unwrap());
    let blocks: i64 = group.attr("nblocks").unwrap().read_scalar().unwrap();
    let (mut floats, mut timestamps) = (Vec::new(), Vec::new());
    for block in 0..blocks {
        let names = read_names(&group.dataset(&format!("block{block}_items")).unwrap());
        let values = group.dataset(&format!("block{block}_values")).unwrap();
        if values.attr("value_type").is_ok() {
            assert_eq!(names, ["timestamp"]);
            timestamps = values.read_2d::<i64>().unwrap().column(0).to_vec();
        } else {
            let values = values.read_2d::<f64>().unwrap();
            for (i, name) in names.into_iter().enumerate() {
                floats.push((name, values.column(i).to_vec()));
            }
        }
    }
    Frame {
        columns,
        floats,
        timestamps,
    }
}

fn check_frame_against_json(json: &Path) {
    let frame = read_frame(&json.with_extension("h5"));
    assert_eq!(
        frame.columns,
        ["timestamp", "close", "high", "low", "open"],
        "{}",
        json.display()
    );
    let text = std::fs::read_to_string(json).unwrap();
    let records: Vec<serde_json::Value> = text
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(
        frame.timestamps.len(),
        records.len(),
        "{}: one row per line",
        json.display()
    );
    for (row, record) in records.iter().enumerate() {
        let stamp = NaiveDateTime::parse_from_str(
            record["timestamp"].as_str().unwrap(),
            "%Y-%m-%d %H:%M:%S",
        )
        .unwrap();
        assert_eq!(
            frame.timestamps[row],
            stamp.and_utc().timestamp_nanos_opt().unwrap(),
            "{} row {row}",
            json.display()
        );
        for (name, values) in &frame.floats {
            assert_eq!(
                values[row],
                record[name].as_f64().unwrap(),
                "{} row {row} {name}",
                json.display()
            );
        }
    }
}

/// Rewrites a JSON Lines file the way the tutorial's `json.dump` wrote it: spaces after `:`
/// and `,`, and here the keys in another order.
fn tutorial_style(from: &Path, to: &Path) {
    let text = std::fs::read_to_string(from).unwrap();
    let mut out = String::new();
    for line in text.lines() {
        let r: serde_json::Value = serde_json::from_str(line).unwrap();
        out +=
            &format!(
            "{{\"open\": {}, \"timestamp\": \"{}\", \"close\": {}, \"high\": {}, \"low\": {}}}\n",
            r["open"], r["timestamp"].as_str().unwrap(), r["close"], r["high"], r["low"]
        );
    }
    std::fs::write(to, out).unwrap();
}

#[test]
fn frames_hold_the_json_values_at_every_rank_count_and_schedule() {
    let dir = scratch("convert-ranks");
    prep(
        2,
        &dir.join("data"),
        &["--days", "5", "--json-days", "4", "--symbols", "5"],
    );
    let json = dir.join("data/json");
    tutorial_style(&json.join("al.json"), &json.join("tutorial-al.json"));
    let mut reference = None;
    for (ranks, schedule) in [
        (0, "static"),
        (1, "static"),
        (2, "static"),
        (3, "static"),
        (1, "dynamic"),
        (2, "dynamic"),
        (3, "dynamic"),
    ] {
        for h5 in std::fs::read_dir(&json)
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "h5"))
        {
            std::fs::remove_file(h5).unwrap();
        }
        let run = launch(
            ranks,
            &[
                "convert",
                json.to_str().unwrap(),
                "--schedule",
                schedule,
                "--quiet",
            ],
            &[],
        )
        .ok();
        assert!(
            run.stdout.starts_with("convert: 6 files to HDF5"),
            "{}",
            run.stdout
        );
        for file in json_files(&json) {
            check_frame_against_json(&file);
        }
        let tree = read_tree(&json);
        assert_eq!(
            tree.len(),
            12,
            "a frame beside each JSON file and nothing else"
        );
        match &reference {
            None => reference = Some(tree),
            Some(first) => assert!(first == &tree, "-n {ranks} {schedule} wrote other bytes"),
        }
    }
    let al = read_frame(&json.join("al.h5"));
    let tutorial = read_frame(&json.join("tutorial-al.h5"));
    assert!(
        al.timestamps == tutorial.timestamps && al.floats == tutorial.floats,
        "the tutorial's spelling reads the same"
    );
}

#[test]
fn pandas_reads_every_frame() {
    let python = match common::python::python() {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("skipped: {reason}");
            return;
        }
    };
    let dir = scratch("convert-pandas");
    prep(2, &dir.join("data"), &["--days", "3", "--symbols", "4"]);
    let json = dir.join("data/json");
    // Records as other writers leave them: keys in another order, spaces, a price
    // missing or null (NaN for pandas), a blank line, a `T` and fractions of a second.
    std::fs::write(
        json.join("messy.json"),
        concat!(
            "{\"open\": 1.5, \"timestamp\": \"2014-01-02T09:00:00\", \"close\": 2, \"high\": 3.25, \"low\": null}\n",
            "\n",
            "{\"timestamp\":\"2014-01-02 09:00:00.5\",\"close\":-1e-3,\"low\":0.5}\n",
            "{\"timestamp\":\"2014-01-03 16:59:59.123456789\",\"high\":4,\"low\":1,\"open\":2,\"close\":3}\n",
        ),
    )
    .unwrap();
    launch(
        2,
        &["convert", json.to_str().unwrap(), "--schedule", "dynamic"],
        &[],
    )
    .ok();
    let files = json_files(&json);
    let output = Command::new(python)
        .env("HDF5_USE_FILE_LOCKING", "FALSE")
        .arg(common::python::script("check_frames.py"))
        .args(&files)
        .output()
        .unwrap();
    let stdout = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        stdout.lines().filter(|l| l.ends_with("rows match")).count(),
        5,
        "{stdout}"
    );
}

#[test]
fn frames_written_by_pandas_read() {
    use pardata::io::frame::read_float_column;
    let python = match common::python::python() {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("skipped: {reason}");
            return;
        }
    };
    let dir = scratch("convert-read-pandas");
    let path = dir.join("pandas.h5");
    let status = Command::new(python)
        .env("HDF5_USE_FILE_LOCKING", "FALSE")
        .arg(common::python::script("write_frame.py"))
        .arg(&path)
        .status()
        .unwrap();
    assert!(status.success());
    let close = read_float_column(&path, "data", "close").unwrap();
    let open = read_float_column(&path, "data", "open").unwrap();
    assert_eq!(close.len(), 1000);
    assert!(close.iter().enumerate().all(|(i, &v)| v == i as f64 / 4.0));
    assert!(open.iter().enumerate().all(|(i, &v)| v == -(i as f64)));
    let shown = path.display().to_string();
    assert_eq!(
        read_float_column(&path, "data", "volume")
            .unwrap_err()
            .to_string(),
        format!("{shown}: column 'volume' of 'data' is not float64")
    );
    assert_eq!(
        read_float_column(&path, "data", "high")
            .unwrap_err()
            .to_string(),
        format!("{shown}: the frame 'data' has no column 'high' (columns: volume, close, open)")
    );
    assert_eq!(
        read_float_column(&path, "prices", "close")
            .unwrap_err()
            .to_string(),
        format!("{shown}: no frame under the key 'prices'")
    );

    let bytes = std::fs::read(&path).unwrap();
    let truncated = dir.join("truncated.h5");
    std::fs::write(&truncated, &bytes[..bytes.len() / 2]).unwrap();
    let error = read_float_column(&truncated, "data", "close")
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with(&format!(
            "cannot open {}: not a readable HDF5 file",
            truncated.display()
        )),
        "{error}"
    );
    let foreign = dir.join("foreign.h5");
    std::fs::write(&foreign, b"this is not HDF5").unwrap();
    let error = read_float_column(&foreign, "data", "close")
        .unwrap_err()
        .to_string();
    assert!(
        error.starts_with(&format!(
            "cannot open {}: not a readable HDF5 file",
            foreign.display()
        )),
        "{error}"
    );
}

/// Error lines without the rank that hit them, which each must name (with the dynamic
/// schedule, any rank may convert any file).
fn without_place<'a>(errors: &[&'a str]) -> Vec<&'a str> {
    errors
        .iter()
        .map(|e| {
            let (what, place) = e.rsplit_once(" [rank ").expect("the rank is named");
            assert!(place.contains(" on ") && place.ends_with(']'), "{e}");
            what
        })
        .collect()
}

#[test]
fn bad_files_are_reported_with_file_and_line_and_the_good_ones_converted() {
    let dir = scratch("convert-bad");
    prep(2, &dir.join("data"), &["--days", "2", "--symbols", "2"]);
    let json = dir.join("data/json");
    let good = std::fs::read_to_string(json.join("aet.json")).unwrap();
    let first = good.lines().next().unwrap();
    let cut = r#"{"timestamp":"2012-03-05 09:02:00","close":1.0,"#;
    std::fs::write(
        json.join("malformed.json"),
        format!("{first}\n{cut}\n{first}\n"),
    )
    .unwrap();
    std::fs::write(json.join("truncated.json"), &good[..good.len() - 20]).unwrap();
    std::fs::write(json.join("empty.json"), b"").unwrap();
    let truncated_line = good.lines().count();
    let truncated_column = good.lines().last().unwrap().len() - 20 + 1;
    let folder = json.display();
    let expected = [
        format!("pardata: {folder}/empty.json: no records (the file is empty)"),
        format!("pardata: {folder}/malformed.json: line 2: column {}: EOF while parsing a value", cut.len()),
        format!("pardata: {folder}/truncated.json: line {truncated_line}: column {truncated_column}: EOF while parsing an object"),
    ];
    for ranks in [1, 3] {
        let run = launch(
            ranks,
            &["convert", json.to_str().unwrap(), "--schedule", "dynamic"],
            &[],
        );
        assert_eq!(run.code, 1, "{}", run.stderr);
        let errors = run.pardata_errors();
        assert_eq!(
            without_place(&errors[..3]),
            expected.iter().map(String::as_str).collect::<Vec<_>>(),
            "-n {ranks}"
        );
        assert!(
            errors[3].starts_with("pardata: error: 3 of 5 files could not be converted"),
            "{}",
            errors[3]
        );
        assert_eq!(errors.len(), 4);
        let tree = read_tree(&json);
        assert!(
            tree.contains_key(Path::new("aet.h5")) && tree.contains_key(Path::new("afl.h5")),
            "good files converted"
        );
        assert_eq!(
            tree.len(),
            5 + 2,
            "no frame, no temporary file for the bad ones: {:?}",
            tree.keys()
        );

        let skipping = launch(
            ranks,
            &["convert", json.to_str().unwrap(), "--skip-bad"],
            &[],
        )
        .ok();
        let skipped: Vec<String> = expected
            .iter()
            .map(|e| e.replace("pardata: ", "pardata: skipped "))
            .collect();
        assert_eq!(
            without_place(&skipping.pardata_errors()),
            skipped.iter().map(String::as_str).collect::<Vec<_>>()
        );
        assert!(
            skipping.stdout.contains("convert: 2 files to HDF5")
                && skipping.stdout.contains("skipped 3 bad files"),
            "{}",
            skipping.stdout
        );
    }
}

#[test]
fn missing_inputs_are_one_error() {
    let dir = scratch("convert-missing");
    std::fs::create_dir_all(dir.join("none")).unwrap();
    std::fs::write(dir.join("none/readme.txt"), b"no JSON here").unwrap();
    for (path, message) in [
        (dir.join("none"), "no .json files in this folder"),
        (dir.join("nope"), "no such file or folder"),
    ] {
        let run = launch(2, &["convert", path.to_str().unwrap()], &[]);
        assert_eq!(run.code, 1);
        let errors = run.pardata_errors();
        assert_eq!(errors.len(), 1, "{errors:?}");
        assert!(
            errors[0].starts_with(&format!(
                "pardata: error: {}: {message} [rank 0 on ",
                path.display()
            )),
            "{}",
            errors[0]
        );
    }
}
