//! The columnar data layer on files that pandas and pyarrow wrote (tests/python/
//! write_tables.py: quotes, NA spellings, booleans with nulls, JSON Lines with missing keys
//! and nested values, Parquet with row groups, a dictionary column and a time zone, stocks
//! of unequal length): `convert --to` gives what pandas reads from the input, and
//! `correlate` on the three layouts, aligned on time, gives pandas' correlations, with the
//! same bytes at 1, 2 and 3 ranks; bad files fail with one message naming the file and
//! the place, and leave no output.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::launch;

/// The test inputs, written once per test by pandas and pyarrow, or `None` (with the
/// reason printed) where the Python environment is missing.
fn inputs(name: &str) -> Option<(PathBuf, PathBuf)> {
    common::python::inputs(name, "write_tables.py", &[])
}

/// Runs check_tables.py with `args` and returns its output, failing the test if it fails.
fn check(python: &Path, args: &[&str]) -> String {
    let output = Command::new(python)
        .arg(common::python::script("check_tables.py"))
        .args(args)
        .output()
        .expect("python runs");
    let stdout = String::from_utf8_lossy(&output.stdout).into_owned();
    assert!(
        output.status.success(),
        "check_tables.py {args:?}\n{stdout}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    stdout
}

fn text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

#[test]
fn convert_writes_every_format_as_pandas_reads_the_input() {
    let Some((python, dir)) = inputs("tables-convert") else {
        return;
    };
    let sources = [
        "messy.csv",
        "multiline.csv",
        "spelled.csv",
        "records.jsonl",
        "flat.jsonl",
        "settled.jsonl",
        "trips.parquet",
    ];
    // Ranks and threads per rank; with threads, each text is cut into stretches of about
    // 1,000 bytes (outside quotes) that the threads parse at once. JSON Lines files read
    // whole are typed from their head and checked line by line: `settled.jsonl` keeps its
    // head's types to the end and is read once; `flat.jsonl` turns an integer key
    // fractional on line 66,001 and is read again; at 3 ranks and at 2 x 2 the head is 60
    // bytes (a line), so both are retyped and read again.
    let runs = [(1, "1"), (3, "1"), (1, "3"), (2, "2")];
    for (to, extension) in [("parquet", "parquet"), ("csv", "csv"), ("jsonl", "jsonl")] {
        let mut outputs = Vec::new();
        for (ranks, threads) in runs {
            let out = dir.join(format!("{to}-{ranks}-{threads}"));
            let mut args = vec!["convert".to_string()];
            args.extend(sources.iter().map(|s| text(&dir.join(s)).to_string()));
            args.extend(["--to".into(), to.into(), "--out".into(), text(&out).into()]);
            args.extend(["--threads".into(), threads.into()]);
            let args: Vec<&str> = args.iter().map(String::as_str).collect();
            let head = if ranks > 1 { "60" } else { "1048576" };
            let env = [
                ("PARDATA_STRETCH_BYTES", "1000"),
                ("PARDATA_HEAD_BYTES", head),
            ];
            let run = launch(ranks, &args, &env).ok();
            assert!(run.stdout.contains("convert: 7 files to"), "{}", run.stdout);
            outputs.push(common::read_tree(&out));
        }
        for (i, (ranks, threads)) in runs.iter().enumerate().skip(1) {
            assert_eq!(
                outputs[0], outputs[i],
                "--to {to}: the same bytes at 1 rank and at {ranks} ranks x {threads} threads"
            );
        }
        for source in sources {
            let stem = source.split('.').next().unwrap_or_default();
            let output = dir.join(format!("{to}-1-3/{stem}.{extension}"));
            if output.to_string_lossy() == dir.join(source).to_string_lossy() {
                continue;
            }
            let said = check(
                &python,
                &["convert", text(&dir.join(source)), text(&output)],
            );
            assert!(said.starts_with("ok: "), "{said}");
        }
    }
}

#[test]
fn convert_writes_hdf5_frames_that_pandas_reads_as_the_input() {
    let Some((python, dir)) = inputs("tables-hdf5-out") else {
        return;
    };
    // Numbers, times with a zone, text with quotes and line breaks, a dictionary column,
    // bools with and without nulls, NA spellings over several batches.
    let sources = [
        "numbers.parquet",
        "counts.csv",
        "messy.csv",
        "spelled.csv",
        "trips.parquet",
        "multiline.csv",
    ];
    let mut outputs = Vec::new();
    for ranks in [1, 2] {
        let out = dir.join(format!("h5-{ranks}"));
        let mut args = vec!["convert".to_string()];
        args.extend(sources.iter().map(|s| text(&dir.join(s)).to_string()));
        args.extend([
            "--to".into(),
            "hdf5".into(),
            "--out".into(),
            text(&out).into(),
        ]);
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        let run = launch(ranks, &args, &[]).ok();
        assert!(
            run.stdout.contains("convert: 6 files to pandas HDF5"),
            "{}",
            run.stdout
        );
        outputs.push(common::read_tree(&out));
    }
    assert_eq!(outputs[0], outputs[1], "the same bytes at 1 and 2 ranks");
    for source in sources {
        let stem = source.split('.').next().unwrap_or_default();
        let output = dir.join(format!("h5-2/{stem}.h5"));
        let said = check(
            &python,
            &["convert", text(&dir.join(source)), text(&output)],
        );
        assert!(said.starts_with("ok: "), "{said}");
    }
    // And back: pardata reads its frames (times with their zone, text, bools with and
    // without nulls) as pandas does.
    let back = dir.join("back");
    for stem in ["numbers", "messy", "counts"] {
        let frame = dir.join(format!("h5-2/{stem}.h5"));
        let args = [
            "convert",
            text(&frame),
            "--to",
            "parquet",
            "--out",
            text(&back),
        ];
        launch(2, &args, &[]).ok();
        let written = back.join(format!("{stem}.parquet"));
        let said = check(&python, &["convert", text(&frame), text(&written)]);
        assert!(said.starts_with("ok: "), "{said}");
    }
}

#[test]
fn correlate_aligns_on_time_as_pandas_does_in_every_layout() {
    let Some((python, dir)) = inputs("tables-correlate") else {
        return;
    };
    let stocks: Vec<String> = ["aapl", "goog", "msft"]
        .iter()
        .map(|s| text(&dir.join(format!("stocks/{s}.csv"))).to_string())
        .collect();
    let long: Vec<String> = ["long/a.parquet", "long/b.parquet"]
        .iter()
        .map(|f| text(&dir.join(f)).to_string())
        .collect();
    let strings = |parts: &[&str]| parts.iter().map(|s| s.to_string()).collect::<Vec<_>>();
    let joined = |a: Vec<String>, b: &[String]| a.into_iter().chain(b.iter().cloned()).collect();
    // The arguments and pandas' reference of each layout, and of its variants.
    let stock_dir = text(&dir.join("stocks")).to_string();
    let files_args = strings(&[&stock_dir, "--time", "date"]);
    let files_reference: Vec<String> = joined(strings(&["date", "close"]), &stocks);
    let long_args: Vec<String> = strings(&[
        "--layout", "long", "--by", "symbol", "--time", "date", "--value", "price",
    ]);
    let long_reference: Vec<String> = joined(strings(&["symbol", "date", "price"]), &long);
    let wide = |file: &str, extra: &[&str]| {
        let path = text(&dir.join(file)).to_string();
        let args = joined(
            strings(&[&path, "--layout", "wide", "--time", "t"]),
            &strings(extra),
        );
        (args, strings(&["t", &path]))
    };
    let (wide_parquet, wide_parquet_reference) = wide("wide.parquet", &[]);
    let (wide_bounded, wide_bounded_reference) = wide("wide.parquet", &["--memory", "5MB"]);
    let (wide_csv, wide_csv_reference) = wide("wide.csv", &[]);
    let cases: Vec<(&str, Vec<String>, Vec<String>)> = vec![
        ("files", files_args.clone(), files_reference.clone()),
        (
            "long",
            joined(long_args.clone(), &long),
            long_reference.clone(),
        ),
        ("wide", wide_parquet, wide_parquet_reference),
        (
            "files:spearman:80",
            joined(
                files_args,
                &strings(&["--method", "spearman", "--min-periods", "80"]),
            ),
            files_reference,
        ),
        (
            "long:spearman",
            joined(
                joined(long_args, &strings(&["--method", "spearman"])),
                &long,
            ),
            long_reference,
        ),
        ("wide", wide_bounded, wide_bounded_reference),
        ("wide", wide_csv, wide_csv_reference),
    ];
    for (kind, args, reference) in cases {
        let mut answers = Vec::new();
        for ranks in [1, 2, 3] {
            let mut all = vec!["correlate".to_string()];
            all.extend(args.iter().cloned());
            all.extend(["--top", "1000", "--format", "json"].map(String::from));
            let all: Vec<&str> = all.iter().map(String::as_str).collect();
            answers.push(launch(ranks, &all, &[]).ok().stdout);
        }
        assert!(
            answers.iter().all(|a| a == &answers[0]),
            "{kind}: the same answer at 1, 2 and 3 ranks"
        );
        let answer = dir.join(format!("answer-{kind}.json"));
        std::fs::write(&answer, &answers[0]).unwrap();
        let mut check_args = vec!["corr", text(&answer), kind];
        check_args.extend(reference.iter().map(String::as_str));
        let said = check(&python, &check_args);
        assert!(said.starts_with("ok: "), "{said}");
    }
    // The files and long layouts of the same prices give the same answer.
    let files = std::fs::read_to_string(dir.join("answer-files.json")).unwrap();
    let long = std::fs::read_to_string(dir.join("answer-long.json")).unwrap();
    assert_eq!(files, long);
}

#[test]
fn bounded_memory_gives_pandas_answers_with_the_same_bytes_at_any_budget_and_rank_count() {
    let Some((python, dir)) = inputs("tables-bounded") else {
        return;
    };
    let signals = text(&dir.join("signals.parquet")).to_string();
    let (matrix, edges) = (dir.join("matrix.parquet"), dir.join("edges.parquet"));
    let mut answers = Vec::new();
    let mut files = Vec::new();
    for (ranks, memory) in [(1, "30MB"), (2, "30MB"), (3, "40MB"), (2, "1GiB")] {
        let args = [
            "correlate",
            &signals,
            "--layout",
            "wide",
            "--time",
            "when",
            "--memory",
            memory,
            "--top",
            "1000",
            "--threshold",
            "0.3",
            "--edges",
            text(&edges),
            "--matrix",
            text(&matrix),
            "--format",
            "json",
        ];
        let run = launch(ranks, &args, &[]).ok();
        if memory == "30MB" {
            assert!(
                run.stdout.contains("\"chunks\": ") && !run.stdout.contains("\"chunks\": 1,"),
                "several time chunks: {}",
                run.stdout
            );
        }
        // The answer without the budget and the chunks it led to.
        let answer: String = run
            .stdout
            .split("\"bounded\"")
            .next()
            .unwrap_or_default()
            .to_string();
        answers.push(answer);
        files.push((
            std::fs::read(&matrix).expect("the matrix"),
            std::fs::read(&edges).expect("the edges"),
        ));
        if ranks == 1 {
            let answer = dir.join("answer-bounded.json");
            std::fs::write(&answer, &run.stdout).unwrap();
            let reference = ["wide:pearson:1:exact", "when", &signals];
            for check_args in [
                vec!["corr", text(&answer)],
                vec!["matrix", text(&matrix)],
                vec!["edges", text(&edges), "0.3"],
            ] {
                let mut all = check_args;
                all.extend(reference);
                let said = check(&python, &all);
                assert!(said.starts_with("ok: "), "{said}");
            }
        }
    }
    assert!(
        answers.iter().all(|a| a == &answers[0]),
        "the same answer at every budget and rank count"
    );
    assert!(
        files.iter().all(|f| f == &files[0]),
        "the same matrix and edge bytes at every budget and rank count"
    );
}

#[test]
fn hdf5_frames_and_datasets_read_as_pandas_and_h5py_read_them() {
    let Some((python, dir)) = inputs("tables-hdf5") else {
        return;
    };
    let hdf = dir.join("hdf");
    let out = dir.join("out");
    // pandas' table and fixed formats, and an h5py dataset, to every text format and Parquet.
    for (file, key) in [
        ("table.h5", "prices"),
        ("fixed.h5", "prices"),
        ("arrays.h5", "signals"),
        ("arrays.h5", "labels"),
        ("empty.h5", "data"),
        ("na.h5", "data"),
    ] {
        let input = hdf.join(file);
        // A CSV of no rows has no types for pandas to read back: the empty frame goes to
        // Parquet only.
        let formats: &[&str] = if file == "empty.h5" {
            &["parquet"]
        } else {
            &["parquet", "csv"]
        };
        for &to in formats {
            let target = out.join(format!("{key}-{to}"));
            let args = [
                "convert",
                text(&input),
                "--key",
                key,
                "--to",
                to,
                "--out",
                text(&target),
            ];
            launch(2, &args, &[]).ok();
            let stem = file.trim_end_matches(".h5");
            let written = target.join(format!("{stem}.{to}"));
            let source = format!("{}::{key}", text(&input));
            let said = check(&python, &["convert", &source, text(&written)]);
            assert!(said.starts_with("ok: "), "{said}");
        }
    }
    // One 2-D dataset shared out by rows (3 pieces): the same answer at 1, 2 and 3 ranks,
    // pandas' on the array h5py reads.
    let arrays = text(&hdf.join("arrays.h5")).to_string();
    let mut answers = Vec::new();
    for ranks in [1, 2, 3] {
        let args = [
            "correlate",
            &arrays,
            "--key",
            "signals",
            "--layout",
            "wide",
            "--top",
            "10",
            "--format",
            "json",
        ];
        answers.push(launch(ranks, &args, &[]).ok().stdout);
    }
    assert!(
        answers.iter().all(|a| a == &answers[0]),
        "same at 1-3 ranks"
    );
    let answer = dir.join("answer-hdf5.json");
    std::fs::write(&answer, &answers[0]).unwrap();
    let source = format!("{arrays}::signals");
    let said = check(&python, &["corr", text(&answer), "wide", "-", &source]);
    assert!(said.starts_with("ok: "), "{said}");
    // A key that is not there, and a file with several: the keys it has.
    let missing = launch(
        1,
        &["correlate", &arrays, "--key", "nope", "--layout", "wide"],
        &[],
    );
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("arrays.h5: no key \"nope\" (the keys are: labels, signals)"),
        "{}",
        missing.stderr
    );
    let several = launch(1, &["correlate", &arrays, "--layout", "wide"], &[]);
    assert!(
        several
            .stderr
            .contains("2 keys (labels, signals): name one with --key"),
        "{}",
        several.stderr
    );
}

#[test]
fn a_csv_or_json_lines_file_cut_in_byte_pieces_gives_the_same_bytes_as_whole() {
    let Some((python, dir)) = inputs("tables-pieces") else {
        return;
    };
    // 300 rows of 8 columns with NaN in about 40 kB: 2,000-byte pieces cut it in about 20,
    // at line ends, read by 1 to 3 ranks. The JSON Lines file has a key that only its
    // later pieces hold: the ranks agree the types of all pieces.
    for name in ["wide.csv", "wide.jsonl"] {
        let wide = text(&dir.join(name)).to_string();
        let args = [
            "correlate",
            &wide,
            "--layout",
            "wide",
            "--time",
            "t",
            "--top",
            "100",
            "--format",
            "json",
        ];
        let whole = launch(1, &args, &[]).ok().stdout;
        for ranks in [1, 2, 3] {
            let cut = launch(ranks, &args, &[("PARDATA_PIECE_BYTES", "2000")])
                .ok()
                .stdout;
            assert_eq!(cut, whole, "{name}: {ranks} ranks, 2,000-byte pieces");
        }
        let answer = dir.join(format!("answer-{name}.json"));
        std::fs::write(&answer, &whole).unwrap();
        let said = check(&python, &["corr", text(&answer), "wide", "t", &wide]);
        assert!(said.starts_with("ok: "), "{name}: {said}");
    }
    let wide = text(&dir.join("wide.csv")).to_string();
    // A bad line in a later piece names the file and its line (the type inference reads
    // the first 10,000 records of the file, which hold it here).
    let mut bad = std::fs::read_to_string(&wide).unwrap();
    let at = bad.len() * 3 / 4;
    let at = at + bad[at..].find('\n').unwrap() + 1;
    bad.insert_str(at, "1,2,3\n");
    let line = bad[..at].matches('\n').count() + 1;
    let bad_path = dir.join("bad-piece.csv");
    std::fs::write(&bad_path, bad).unwrap();
    let run = launch(
        2,
        &["correlate", text(&bad_path), "--layout", "wide"],
        &[("PARDATA_PIECE_BYTES", "2000")],
    );
    assert_eq!(run.code, 1, "{}", run.stderr);
    assert!(
        run.stderr.contains("bad-piece.csv")
            && run
                .stderr
                .contains(&format!("found 3 records at line {line} ")),
        "{}",
        run.stderr
    );
}

#[test]
fn a_schema_file_types_the_columns_that_inference_would_get_wrong() {
    let Some((python, dir)) = inputs("tables-schema") else {
        return;
    };
    let (csv, schema) = (dir.join("typed.csv"), dir.join("typed_schema.json"));
    let out = dir.join("out");
    let args = [
        "convert",
        text(&csv),
        "--schema",
        text(&schema),
        "--to",
        "parquet",
        "--out",
        text(&out),
    ];
    launch(2, &args, &[]).ok();
    let said = check(
        &python,
        &[
            "convert_typed",
            text(&csv),
            text(&out.join("typed.parquet")),
            text(&schema),
        ],
    );
    assert!(said.starts_with("ok: "), "{said}");
    // A column the file does not have, and a type that is not one.
    let wrong = dir.join("wrong.json");
    for (content, says) in [
        (r#"{"zipcode": "string"}"#, "--schema names the column \"zipcode\", which is not there (the columns are: zip, day, at, amount)"),
        (r#"{"zip": "complex"}"#, "column \"zip\": \"complex\" is not a type"),
    ] {
        std::fs::write(&wrong, content).unwrap();
        let run = launch(
            1,
            &["convert", text(&csv), "--schema", text(&wrong), "--to", "csv", "--out", text(&out)],
            &[],
        );
        assert_eq!(run.code, 1, "{}", run.stderr);
        assert!(run.stderr.contains(says), "{says:?} in {}", run.stderr);
    }
}

#[test]
fn series_of_unequal_length_are_reported_when_paired_by_position() {
    let Some((_, dir)) = inputs("tables-position") else {
        return;
    };
    let run = launch(2, &["correlate", text(&dir.join("stocks"))], &[]).ok();
    assert!(
        run.stdout
            .contains("series lengths differ (68 to 123 values)")
            && run.stdout.contains("--time T aligns them"),
        "{}",
        run.stdout
    );
    let aligned = launch(
        2,
        &["correlate", text(&dir.join("stocks")), "--time", "date"],
        &[],
    )
    .ok();
    assert!(
        aligned
            .stdout
            .contains("aligned on date: 123 distinct times; a series has 68 to 123 of them"),
        "{}",
        aligned.stdout
    );
}

#[test]
fn bad_tables_fail_with_the_file_and_the_place_and_leave_no_output() {
    let Some((_, dir)) = inputs("tables-bad") else {
        return;
    };
    let bad = |name: &str| text(&dir.join("bad").join(name)).to_string();
    let out = dir.join("out");
    let cases: Vec<(Vec<String>, Vec<&str>)> = vec![
        (
            vec![
                "correlate".into(),
                bad("extra.csv"),
                text(&dir.join("stocks/aapl.csv")).into(),
                "--column".into(),
                "a".into(),
            ],
            vec!["extra.csv", "line 3"],
        ),
        (
            vec![
                "convert".into(),
                text(&dir.join("typed.csv")).into(),
                "--schema".into(),
                text(&dir.join("typed_schema.json")).into(),
                "--to".into(),
                "hdf5".into(),
                "--out".into(),
                text(&out).into(),
            ],
            vec![
                "typed.h5",
                "column \"day\" is Date32, which pardata does not write to HDF5",
            ],
        ),
        (
            vec![
                "correlate".into(),
                bad("mixed.jsonl"),
                "--layout".into(),
                "wide".into(),
            ],
            vec![
                "mixed.jsonl",
                "key \"x\" holds floats and text on different lines",
                "--schema",
            ],
        ),
        (
            vec![
                "convert".into(),
                bad("twice.jsonl"),
                "--to".into(),
                "parquet".into(),
                "--out".into(),
                text(&out).into(),
            ],
            vec![
                "twice.jsonl",
                "line 2: key \"a\" appears twice in the object",
            ],
        ),
        (
            vec![
                "convert".into(),
                bad("late.csv"),
                "--to".into(),
                "parquet".into(),
                "--out".into(),
                text(&out).into(),
            ],
            vec!["late.csv", "line 100002, column \"n\": \"x\" is not"],
        ),
        (
            vec![
                "convert".into(),
                bad("truncated.parquet"),
                "--to".into(),
                "csv".into(),
                "--out".into(),
                text(&out).into(),
            ],
            vec!["truncated.parquet", "not a readable Parquet file"],
        ),
        (
            vec![
                "convert".into(),
                text(&dir.join("hdf/mixed.h5")).into(),
                "--to".into(),
                "parquet".into(),
                "--out".into(),
                text(&out).into(),
            ],
            vec![
                "mixed.h5",
                "column m is an object column of float and int and str values",
            ],
        ),
        (
            vec![
                "correlate".into(),
                bad("dup.csv"),
                text(&dir.join("stocks/goog.csv")).into(),
                "--time".into(),
                "date".into(),
            ],
            vec!["dup.csv", "the time 2010-04-01 00:00:00 appears twice"],
        ),
        (
            vec![
                "correlate".into(),
                text(&dir.join("stocks")).into(),
                "--time".into(),
                "when".into(),
            ],
            vec!["no column \"when\" (the columns are: date, close)"],
        ),
        (
            vec![
                "correlate".into(),
                text(&dir.join("long")).into(),
                "--layout".into(),
                "long".into(),
                "--by".into(),
                "symbol".into(),
            ],
            vec!["--layout long needs --by"],
        ),
        (
            vec![
                "correlate".into(),
                text(&dir.join("wide.csv")).into(),
                "--layout".into(),
                "wide".into(),
                "--memory".into(),
                "1GB".into(),
            ],
            vec!["--memory reads wide Parquet tables", "convert --to parquet"],
        ),
        (
            vec![
                "correlate".into(),
                text(&dir.join("signals.parquet")).into(),
                "--layout".into(),
                "wide".into(),
                "--memory".into(),
                "1MB".into(),
            ],
            vec!["--memory 976.6 KiB is too small for 40 series"],
        ),
        (
            vec![
                "correlate".into(),
                text(&dir.join("signals.parquet")).into(),
                "--layout".into(),
                "wide".into(),
                "--memory".into(),
                "1GB".into(),
                "--method".into(),
                "spearman".into(),
            ],
            vec!["Spearman's ranks need each series whole"],
        ),
    ];
    for (args, expected) in cases {
        let args: Vec<&str> = args.iter().map(String::as_str).collect();
        for ranks in [1, 2] {
            let run = launch(ranks, &args, &[]);
            assert_eq!(run.code, 1, "{args:?}: {}", run.stderr);
            let errors: Vec<&str> = run
                .stderr
                .lines()
                .filter(|l| l.starts_with("pardata: error:"))
                .collect();
            assert_eq!(errors.len(), 1, "one report: {}", run.stderr);
            for part in &expected {
                assert!(
                    run.stderr.contains(part),
                    "{args:?}: {part:?} in {}",
                    run.stderr
                );
            }
        }
    }
    let left: Vec<_> = std::fs::read_dir(&out)
        .map(|d| d.filter_map(Result::ok).map(|e| e.path()).collect())
        .unwrap_or_default();
    assert!(left.is_empty(), "no output left: {left:?}");
}

#[test]
fn convert_beside_the_inputs_reruns_and_refuses_two_inputs_with_one_output() {
    let Some((_, dir)) = inputs("tables-rerun") else {
        return;
    };
    let folder = dir.join("mine");
    std::fs::create_dir_all(&folder).unwrap();
    for name in ["messy.csv", "records.jsonl"] {
        std::fs::copy(dir.join(name), folder.join(name)).unwrap();
    }
    for _ in 0..2 {
        // The second run leaves the first run's Parquet files out of the folder's inputs.
        let run = launch(2, &["convert", text(&folder), "--to", "parquet"], &[]).ok();
        assert!(
            run.stdout.contains("convert: 2 files to Parquet"),
            "{}",
            run.stdout
        );
    }
    std::fs::copy(dir.join("messy.csv"), folder.join("records.csv")).unwrap();
    let clash = launch(2, &["convert", text(&folder), "--to", "parquet"], &[]);
    assert_eq!(clash.code, 1, "{}", clash.stderr);
    assert!(
        clash.stderr.contains("would both be written to")
            && clash.stderr.contains("records.parquet"),
        "{}",
        clash.stderr
    );
    let same = launch(2, &["correlate", text(&folder), "--column", "count"], &[]);
    assert_eq!(same.code, 1, "{}", same.stderr);
    assert!(
        same.stderr.contains("would both be the series"),
        "{}",
        same.stderr
    );
}

#[test]
fn block_pairs_on_threads_give_the_same_bytes_as_one_and_pandas_matrix() {
    let Some((python, dir)) = inputs("tables-threads") else {
        return;
    };
    // 600 series of 400 rows (3 blocks of 256 series: 6 block pairs), pyarrow-written:
    // coupled through 30 shared factors, with a few NaN (the exact pairwise path) and one
    // constant series.
    let many = dir.join("many.parquet");
    let write = "import numpy as np, pandas as pd, sys\n\
         r = np.random.default_rng(5)\n\
         base = r.normal(size=(400, 30))\n\
         x = base[:, r.integers(0, 30, 600)] + r.normal(scale=0.8, size=(400, 600))\n\
         x[r.random((400, 600)) < 0.002] = np.nan\n\
         x[:, 7] = 3.0\n\
         pd.DataFrame(x, columns=[f's{k:03d}' for k in range(600)]).to_parquet(sys.argv[1])";
    let status = Command::new(&python)
        .args(["-c", write, text(&many)])
        .status()
        .expect("python runs");
    assert!(status.success());
    let mut first: Option<(String, std::collections::BTreeMap<PathBuf, Vec<u8>>)> = None;
    for (ranks, threads) in [(1, "1"), (1, "2"), (1, "4"), (2, "2"), (3, "1")] {
        let out = dir.join(format!("{ranks}x{threads}"));
        std::fs::create_dir_all(&out).unwrap();
        let (edges, matrix) = (out.join("edges.parquet"), out.join("matrix.parquet"));
        let args = [
            "correlate",
            text(&many),
            "--layout",
            "wide",
            "--top",
            "20",
            "--threshold",
            "0.45",
            "--edges",
            text(&edges),
            "--matrix",
            text(&matrix),
        ];
        let run = launch(ranks, &args, &[("PARDATA_THREADS", threads)]).ok();
        // The answer (before the timing lines) and every file written.
        let answer: String = run.stdout.lines().take(22).collect::<Vec<_>>().join("\n");
        let files = common::read_tree(&out);
        match &first {
            None => first = Some((answer, files)),
            Some((answer_1, files_1)) => {
                assert_eq!(
                    &answer, answer_1,
                    "{ranks} ranks x {threads} threads: the answer"
                );
                assert!(
                    &files == files_1,
                    "{ranks} ranks x {threads} threads: other bytes than 1 x 1"
                );
            }
        }
    }
    // The matrix and the edges of 1 rank x 4 threads, against pandas'.
    let out = dir.join("1x4");
    let (matrix, edges) = (out.join("matrix.parquet"), out.join("edges.parquet"));
    for (what, file, threshold) in [("matrix", &matrix, None), ("edges", &edges, Some("0.45"))] {
        let mut args = vec![what, text(file)];
        args.extend(threshold);
        args.extend(["wide", "-", text(&many)]);
        let said = check(&python, &args);
        assert!(
            said.starts_with("ok: ") && !said.starts_with("ok: 0 "),
            "{what}: {said}"
        );
    }
}
