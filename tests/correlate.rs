//! `pardata correlate` under mpirun against a plain sequential two-pass Pearson written
//! here with pandas' semantics, at 1 to 4 ranks: the same JSON bytes at every rank count,
//! odd block counts, more ranks than series, one and two series, NaN, infinities,
//! different lengths and constant series, the planted pair of `prep`, and a cross-check of
//! every pair with pandas.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::{launch, scratch};
use pardata::io::frame::{write_frame, Column};

/// A small deterministic generator (xorshift), so the test needs no crate for randomness.
struct Noise(u64);

impl Noise {
    fn next(&mut self) -> f64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        (self.0 >> 11) as f64 / (1u64 << 53) as f64 - 0.5
    }
}

fn write_series(dir: &Path, name: &str, close: &[f64]) {
    let stamps: Vec<i64> = (0..close.len() as i64)
        .map(|i| i * 60_000_000_000)
        .collect();
    let frame = [
        Column::DateTime64("timestamp", &stamps),
        Column::Float64("close", close),
        Column::Float64("open", close),
    ];
    write_frame(&dir.join(format!("{name}.h5")), "data", &frame).unwrap();
}

/// Pearson as pandas' Series.corr: aligned by position, rows without NaN on either side,
/// NaN for fewer than 2 rows, an infinity, or a constant side.
fn reference(a: &[f64], b: &[f64]) -> f64 {
    let rows: Vec<(f64, f64)> = a
        .iter()
        .zip(b)
        .filter(|(x, y)| !x.is_nan() && !y.is_nan())
        .map(|(x, y)| (*x, *y))
        .collect();
    if rows.len() < 2 || rows.iter().any(|(x, y)| x.is_infinite() || y.is_infinite()) {
        return f64::NAN;
    }
    let n = rows.len() as f64;
    let mx = rows.iter().map(|r| r.0).sum::<f64>() / n;
    let my = rows.iter().map(|r| r.1).sum::<f64>() / n;
    let sxy: f64 = rows.iter().map(|(x, y)| (x - mx) * (y - my)).sum();
    let sxx: f64 = rows.iter().map(|(x, _)| (x - mx) * (x - mx)).sum();
    let syy: f64 = rows.iter().map(|(_, y)| (y - my) * (y - my)).sum();
    if sxx == 0.0 || syy == 0.0 {
        return f64::NAN;
    }
    sxy / (sxx * syy).sqrt()
}

/// Every pair's reference correlation, best first (ties: smaller (a, b)), and the NaN count.
fn reference_ranking(series: &[(String, Vec<f64>)]) -> (Vec<(f64, String, String)>, usize) {
    let mut pairs = Vec::new();
    let mut nan = 0;
    for i in 0..series.len() {
        for j in i + 1..series.len() {
            let corr = reference(&series[i].1, &series[j].1);
            if corr.is_nan() {
                nan += 1;
            } else {
                pairs.push((corr, i, j));
            }
        }
    }
    pairs.sort_by(|x, y| y.0.total_cmp(&x.0).then((x.1, x.2).cmp(&(y.1, y.2))));
    (
        pairs
            .into_iter()
            .map(|(c, i, j)| (c, series[i].0.clone(), series[j].0.clone()))
            .collect(),
        nan,
    )
}

fn correlate_json(ranks: usize, dir: &Path, top: usize) -> (String, serde_json::Value) {
    let top = top.to_string();
    let run = launch(
        ranks,
        &[
            "correlate",
            dir.to_str().unwrap(),
            "--top",
            &top,
            "--format",
            "json",
        ],
        &[],
    )
    .ok();
    let value = serde_json::from_str(&run.stdout).expect("one JSON document");
    (run.stdout, value)
}

/// Checks pardata's ranking against the reference: same pairs in the same order, values
/// within 1e-12, the same NaN count; and the same bytes at every rank count.
fn check_against_reference(dir: &Path, series: &[(String, Vec<f64>)], top: usize, ranks: &[usize]) {
    let (expected, nan) = reference_ranking(series);
    let mut first: Option<String> = None;
    for &n in ranks {
        let (text, json) = correlate_json(n, dir, top);
        assert_eq!(json["series"].as_u64(), Some(series.len() as u64));
        assert_eq!(json["nan_pairs"].as_u64(), Some(nan as u64), "-n {n}");
        let listed = json["top"].as_array().unwrap();
        assert_eq!(listed.len(), expected.len().min(top), "-n {n}");
        let lookup: std::collections::HashMap<(&str, &str), f64> = expected
            .iter()
            .map(|(c, a, b)| ((a.as_str(), b.as_str()), *c))
            .collect();
        for (k, (pair, (corr, _, _))) in listed.iter().zip(&expected).enumerate() {
            // The k-th pair listed is one whose correlation is the k-th best (ties within
            // rounding may come in either order), and its value is right.
            let (a, b) = (pair["a"].as_str().unwrap(), pair["b"].as_str().unwrap());
            let truth = lookup.get(&(a, b)).copied().unwrap_or(f64::NAN);
            assert!(
                (truth - corr).abs() < 1e-12,
                "-n {n} place {k}: {a}-{b} ({truth}) where the reference has {corr}"
            );
            let got = pair["corr"].as_f64().unwrap();
            assert!(
                (got - truth).abs() < 1e-12,
                "-n {n} {a}-{b}: {got} against {truth}"
            );
        }
        assert_eq!(
            json["best"],
            listed.first().cloned().unwrap_or(serde_json::Value::Null)
        );
        match &first {
            None => first = Some(text),
            Some(first) => assert_eq!(first, &text, "-n {n} prints other bytes"),
        }
    }
}

fn random_series(count: usize, length: usize, seed: u64) -> Vec<(String, Vec<f64>)> {
    let mut noise = Noise(seed);
    let common: Vec<f64> = (0..length).map(|_| noise.next()).collect();
    (0..count)
        .map(|s| {
            let weight = (s % 7) as f64 / 7.0;
            let values = common.iter().map(|c| weight * c + noise.next()).collect();
            (format!("s{s:04}"), values)
        })
        .collect()
}

#[test]
fn many_series_in_three_blocks_at_every_rank_count() {
    let dir = scratch("correlate-blocks");
    let series = random_series(600, 40, 7);
    for (name, values) in &series {
        write_series(&dir, name, values);
    }
    check_against_reference(&dir, &series, 50, &[1, 2, 3, 4]);
    // The whole matrix, written through rank 0 tile by tile, is the same file at every rank
    // count and holds the reference's values.
    let out = scratch("correlate-blocks-matrix");
    let matrices: Vec<Vec<u8>> = [1, 4]
        .iter()
        .map(|&n| {
            let path = out.join(format!("m{n}.h5"));
            launch(
                n,
                &[
                    "correlate",
                    "--quiet",
                    dir.to_str().unwrap(),
                    "--matrix",
                    path.to_str().unwrap(),
                ],
                &[],
            )
            .ok();
            std::fs::read(&path).unwrap()
        })
        .collect();
    assert!(
        matrices[0] == matrices[1],
        "the matrix file is the same at -n 1 and -n 4"
    );
    // The other engines (block pairs as submitted tasks; the Bag pipeline) give the same bytes.
    let (blocks_json, _) = correlate_json(2, &dir, 50);
    for engine in ["futures", "bag"] {
        for ranks in [1, 3] {
            let args = [
                "correlate",
                dir.to_str().unwrap(),
                "--top",
                "50",
                "--format",
                "json",
                "--engine",
                engine,
            ];
            let run = launch(ranks, &args, &[]).ok();
            assert_eq!(run.stdout, blocks_json, "--engine {engine} at -n {ranks}");
            let path = out.join(format!("{engine}{ranks}.h5"));
            let args = [
                "correlate",
                "--quiet",
                dir.to_str().unwrap(),
                "--engine",
                engine,
                "--matrix",
                path.to_str().unwrap(),
            ];
            launch(ranks, &args, &[]).ok();
            assert!(
                std::fs::read(&path).unwrap() == matrices[0],
                "the {engine} engine's matrix at -n {ranks}"
            );
        }
    }
    let values = hdf5::File::open(out.join("m4.h5"))
        .unwrap()
        .group("data")
        .unwrap()
        .dataset("block0_values")
        .unwrap()
        .read_2d::<f64>()
        .unwrap();
    for (i, j) in [(0, 1), (5, 599), (599, 5), (255, 256), (300, 301), (17, 17)] {
        let expected = if i == j {
            1.0
        } else {
            reference(&series[i].1, &series[j].1)
        };
        assert!((values[[i, j]] - expected).abs() < 1e-12, "({i}, {j})");
    }
}

#[test]
fn nan_infinity_lengths_and_constants_follow_pandas() {
    let dir = scratch("correlate-odd");
    let mut series = random_series(9, 30, 11);
    let nan = f64::NAN;
    series[1].1[3] = nan;
    series[1].1[17] = nan;
    series[2].1.truncate(20);
    series[3].1 = vec![4.5; 30];
    series[4].1[5] = f64::INFINITY;
    series[5].1 = (0..30)
        .map(|i| if i % 2 == 0 { nan } else { i as f64 })
        .collect();
    series[6].1.extend([1.0, 2.0, 3.0]);
    // Finite, not constant, but the squares of its deviations overflow: it cannot be
    // standardized, and goes the exact pairwise way.
    series[7].1 = (0..30)
        .map(|i| if i % 3 == 0 { -1e200 } else { 1e200 })
        .collect();
    series.push(("short".into(), vec![1.0, 2.0]));
    series.push(("lonely".into(), vec![nan, 1.0, nan]));
    for (name, values) in &series {
        write_series(&dir, name, values);
    }
    series.sort_by(|a, b| a.0.cmp(&b.0));
    check_against_reference(&dir, &series, 1000, &[1, 2, 3, 4]);
}

#[test]
fn few_series_and_more_ranks_than_series() {
    let one = scratch("correlate-one");
    write_series(&one, "only", &[1.0, 2.0, 3.0]);
    let run = launch(3, &["correlate", one.to_str().unwrap()], &[]).ok();
    assert!(
        run.stdout.starts_with("1 series: no pairs to correlate"),
        "{}",
        run.stdout
    );

    let two = scratch("correlate-two");
    write_series(&two, "a", &[1.0, 2.0, 3.0, 5.0]);
    write_series(&two, "b", &[2.0, 4.0, 5.0, 11.0]);
    let series = vec![
        ("a".to_string(), vec![1.0, 2.0, 3.0, 5.0]),
        ("b".to_string(), vec![2.0, 4.0, 5.0, 11.0]),
    ];
    check_against_reference(&two, &series, 3, &[1, 2, 4]);
    let text = launch(4, &["correlate", two.to_str().unwrap()], &[])
        .ok()
        .stdout;
    let expected = reference(&series[0].1, &series[1].1);
    assert!(
        text.starts_with(&format!(
            "a matches with b with correlation {expected:.6}\n"
        )),
        "{text}"
    );
}

#[test]
fn the_planted_pair_of_prep_is_found() {
    let json = common::tutorial_frames(&scratch("correlate-planted"));
    for ranks in [1, 3] {
        let run = launch(ranks, &["correlate", json.to_str().unwrap()], &[]).ok();
        let first = run.stdout.lines().next().unwrap_or_default();
        assert!(
            first.starts_with("aet matches with luv with correlation 0.9"),
            "{first}"
        );
    }
}

#[test]
fn every_pair_agrees_with_pandas() {
    let python = match common::python::python() {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("skipped: {reason}");
            return;
        }
    };
    let dir = scratch("correlate-pandas");
    let mut series = random_series(12, 500, 3);
    series[2].1[10] = f64::NAN;
    series[7].1.truncate(300);
    for (name, values) in &series {
        write_series(&dir, name, values);
    }
    let matrix = dir.join("matrix.h5");
    let top = "1000".to_string();
    let run = launch(
        3,
        &[
            "correlate",
            dir.to_str().unwrap(),
            "--top",
            &top,
            "--format",
            "json",
            "--matrix",
            matrix.to_str().unwrap(),
        ],
        &[],
    )
    .ok();
    let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
    let files: Vec<PathBuf> = series
        .iter()
        .map(|(name, _)| dir.join(format!("{name}.h5")))
        .collect();
    let output = Command::new(python)
        .env("HDF5_USE_FILE_LOCKING", "FALSE")
        .arg(common::python::script("pandas_corr.py"))
        .args(&files)
        .output()
        .unwrap();
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    let pandas: Vec<(String, String, f64)> = String::from_utf8_lossy(&output.stdout)
        .lines()
        .map(|l| {
            let f: Vec<&str> = l.split(' ').collect();
            (f[0].to_string(), f[1].to_string(), f[2].parse().unwrap())
        })
        .collect();
    assert_eq!(pandas.len(), 66);
    let ours = json["top"].as_array().unwrap();
    assert_eq!(ours.len(), pandas.iter().filter(|p| !p.2.is_nan()).count());
    for pair in ours {
        let (a, b, corr) = (
            pair["a"].as_str().unwrap(),
            pair["b"].as_str().unwrap(),
            pair["corr"].as_f64().unwrap(),
        );
        let theirs = pandas.iter().find(|p| p.0 == a && p.1 == b).unwrap().2;
        assert!(
            (corr - theirs).abs() < 1e-12,
            "{a}-{b}: {corr} against pandas {theirs}"
        );
    }
}

#[test]
fn unreadable_frames_fail_or_are_skipped() {
    let dir = scratch("correlate-bad");
    let series = random_series(4, 30, 5);
    for (name, values) in &series {
        write_series(&dir, name, values);
    }
    std::fs::write(dir.join("broken.h5"), b"not HDF5 at all").unwrap();
    let broken = dir.join("broken.h5");
    for ranks in [1, 3] {
        let run = launch(ranks, &["correlate", dir.to_str().unwrap()], &[]);
        assert_eq!(run.code, 1);
        let errors = run.pardata_errors();
        assert_eq!(errors.len(), 2, "{errors:?}");
        assert!(
            errors[0].starts_with(&format!(
                "pardata: cannot open {}: not a readable HDF5 file",
                broken.display()
            )),
            "{}",
            errors[0]
        );
        assert!(
            errors[1].starts_with(
                "pardata: error: 1 of 5 files could not be read (--skip-bad skips them)"
            ),
            "{}",
            errors[1]
        );

        let skipping = launch(
            ranks,
            &[
                "correlate",
                dir.to_str().unwrap(),
                "--skip-bad",
                "--format",
                "json",
            ],
            &[],
        )
        .ok();
        assert!(skipping.pardata_errors()[0].starts_with(&format!(
            "pardata: skipped cannot open {}",
            broken.display()
        )));
        let json: serde_json::Value = serde_json::from_str(&skipping.stdout).unwrap();
        assert_eq!(json["series"].as_u64(), Some(4));
        assert_eq!(json["skipped"][0].as_str(), Some(broken.to_str().unwrap()));
        let (expected, _) = reference_ranking(&series);
        assert_eq!(json["best"]["a"].as_str(), Some(expected[0].1.as_str()));
    }
    let missing = launch(
        2,
        &["correlate", dir.to_str().unwrap(), "--column", "volume"],
        &[],
    );
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("has no column 'volume' (columns: close, open, timestamp)"),
        "{}",
        missing.stderr
    );
}

/// Series built to defeat an f32 screen (blocks of 256 series): in blocks 0 and 2,
/// near-ties (copies of one series a part in 10⁹ apart), exact duplicates and
/// anticorrelated copies; in block 1, nearly constant series (one plus noise at 1e-12);
/// in block 3, huge offsets (1e9 plus noise); series 270 and 780 correlated at exactly 0.9
/// up to rounding (at the threshold of the test); the rest independent noise.
fn adversarial_series(count: usize, length: usize, seed: u64) -> Vec<(String, Vec<f64>)> {
    let mut noise = Noise(seed);
    let base: Vec<f64> = (0..length).map(|_| noise.next()).collect();
    let standardized = |values: &[f64]| {
        let mean = values.iter().sum::<f64>() / values.len() as f64;
        let centred: Vec<f64> = values.iter().map(|v| v - mean).collect();
        let norm = centred.iter().map(|v| v * v).sum::<f64>().sqrt();
        centred.into_iter().map(|v| v / norm).collect::<Vec<f64>>()
    };
    let mut series: Vec<Vec<f64>> = (0..count)
        .map(|s| {
            let jitter: Vec<f64> = (0..length).map(|_| noise.next()).collect();
            match (s / 256, s % 5) {
                (0 | 2, 0) => base
                    .iter()
                    .zip(&jitter)
                    .map(|(b, j)| b + 1e-9 * j)
                    .collect(),
                (0 | 2, 1) => base.clone(),
                (0 | 2, 2) => base
                    .iter()
                    .zip(&jitter)
                    .map(|(b, j)| -b + 0.05 * j)
                    .collect(),
                (1, _) => jitter.iter().map(|j| 1.0 + 1e-12 * j).collect(),
                (3, _) => jitter.iter().map(|j| 1e9 + j).collect(),
                _ => jitter,
            }
        })
        .collect();
    // 780 = 0.9 x 270 + sqrt(0.19) x (noise orthogonal to 270), standardized.
    let x = standardized(&series[270]);
    let n = standardized(&series[780]);
    let along: f64 = x.iter().zip(&n).map(|(a, b)| a * b).sum();
    let orthogonal = standardized(
        &n.iter()
            .zip(&x)
            .map(|(b, a)| b - along * a)
            .collect::<Vec<_>>(),
    );
    series[780] = x
        .iter()
        .zip(&orthogonal)
        .map(|(a, o)| 0.9 * a + 0.19f64.sqrt() * o)
        .collect();
    // Off the fast path: a NaN in one series, a constant one, a shorter one.
    series[300][7] = f64::NAN;
    series[301] = vec![2.5; length];
    series[302].truncate(length - 20);
    series
        .into_iter()
        .enumerate()
        .map(|(s, values)| (format!("s{s:04}"), values))
        .collect()
}

#[test]
fn the_f32_screen_gives_the_f64_answer_byte_for_byte() {
    let dir = scratch("correlate-screen");
    let series = adversarial_series(800, 300, 11);
    for (name, values) in &series {
        write_series(&dir, name, values);
    }
    let out = scratch("correlate-screen-out");
    // The answer (without the screen's own report) and the edges' bytes, and how many
    // block pairs the screen sent to f64.
    let run = |ranks: usize, threads: &str, precision: &str, top: &str, threshold: &str| {
        let edges = out.join(format!(
            "{precision}-{ranks}-{threads}-{top}-{threshold}.parquet"
        ));
        let mut args = vec![
            "correlate",
            dir.to_str().unwrap(),
            "--top",
            top,
            "--format",
            "json",
        ];
        args.extend(["--precision", precision]);
        if top == "3" {
            // More rows than the series have: every pair is NaN and counted.
            args.extend(["--min-periods", "301"]);
        }
        if threshold != "none" {
            args.extend(["--threshold", threshold, "--edges", edges.to_str().unwrap()]);
        }
        let stdout = launch(ranks, &args, &[("PARDATA_THREADS", threads)])
            .ok()
            .stdout;
        let mut json: serde_json::Value = serde_json::from_str(&stdout).unwrap();
        let screen = json.as_object_mut().unwrap().remove("screen");
        if let Some(edges) = json.get_mut("edges") {
            edges["file"] = serde_json::Value::Null;
        }
        let bytes = std::fs::read(&edges).unwrap_or_default();
        (json, bytes, screen)
    };
    let cases = [
        ("1", "none"),
        ("40", "none"),
        ("400", "none"),
        ("5", "0.9"),
        ("3", "none"),
    ];
    for (top, threshold) in cases {
        let exact = run(1, "1", "exact", top, threshold);
        assert!(exact.2.is_none(), "an exact run reports no screen");
        let listed = exact.0["top"].as_array().unwrap().len();
        let nan = exact.0["nan_pairs"].as_u64().unwrap();
        if top == "3" {
            assert_eq!((listed, nan), (0, 800 * 799 / 2), "--min-periods 301");
        } else {
            assert_eq!(listed, top.parse::<usize>().unwrap());
            // The constant series' pairs are NaN.
            assert!(nan >= 799, "{nan} NaN pairs");
        }
        if threshold != "none" {
            assert!(!exact.1.is_empty(), "the exact run wrote its edges");
        }
        for (ranks, threads) in [(1, "1"), (1, "2"), (2, "1"), (3, "2")] {
            let (json, edges, screen) = run(ranks, threads, "screen", top, threshold);
            let case = format!("--top {top} --threshold {threshold} at -n {ranks} x {threads}");
            assert_eq!(json, exact.0, "{case}: the screened answer");
            assert!(edges == exact.1, "{case}: the screened edges");
            let screen = screen.expect("a screened run reports its screen");
            let (all, exact_pairs) = (screen["block_pairs"].as_u64(), screen["in_f64"].as_u64());
            assert_eq!(all, Some(10), "{case}");
            // The near-ties are in blocks 0 and 2: (0, 0), (0, 2) and (2, 2) are needed;
            // with the threshold, so is (1, 3), which holds the pair at 0.9.
            let needed = match (top, threshold) {
                ("3", _) => 10, // every pair NaN: the screen cannot decide, all in f64
                (_, "none") => 3,
                _ => 4,
            };
            assert_eq!(exact_pairs, Some(needed), "{case}: {screen}");
        }
    }
    // The f64 answer itself is the reference's (near-ties may come in either order within
    // rounding, as check_against_reference allows).
    check_against_reference(&dir, &series, 40, &[2]);
}
