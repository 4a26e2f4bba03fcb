//! `pardata stats` under mpirun against the same questions answered here by reading the CSV
//! files with a plain loop: the same JSON at every rank count, the right numbers, and a bad
//! file named with its line.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{csv_rows, launch, prep, scratch, sorted_paths};

/// The reference: (daily means, year high, all-time high, hourly bins, counts, top 5).
type Expected = (
    Vec<(String, f64)>,
    (String, f64),
    (String, f64),
    usize,
    BTreeMap<(String, u32), u64>,
    Vec<f64>,
);

fn reference(out: &Path, symbol: &str, year: u32) -> Expected {
    let mut daily: BTreeMap<String, (f64, u64)> = BTreeMap::new();
    let mut hours: BTreeMap<String, ()> = BTreeMap::new();
    let mut counts: BTreeMap<(String, u32), u64> = BTreeMap::new();
    let (mut year_high, mut all_high) = ((String::new(), f64::MIN), (String::new(), f64::MIN));
    let mut closes = Vec::new();
    let symbols = sorted_paths(&out.join("minute"));
    for dir in symbols {
        let name = dir.file_name().unwrap().to_string_lossy().into_owned();
        let files = sorted_paths(&dir);
        for file in files {
            let text = std::fs::read_to_string(&file).unwrap();
            let rows = csv_rows(&text);
            let file_year: u32 = file.file_stem().unwrap().to_string_lossy()[..4]
                .parse()
                .unwrap();
            *counts.entry((name.clone(), file_year)).or_default() += rows.len() as u64;
            if name != symbol {
                continue;
            }
            for row in rows {
                let (stamp, close, high): (&str, f64, f64) =
                    (row[0], row[1].parse().unwrap(), row[2].parse().unwrap());
                if high > all_high.1 {
                    all_high = (stamp.to_string(), high);
                }
                if file_year == year {
                    let day = daily.entry(stamp[..10].to_string()).or_default();
                    day.0 += close;
                    day.1 += 1;
                    hours.insert(stamp[..13].to_string(), ());
                    closes.push(close);
                    if high > year_high.1 {
                        year_high = (stamp.to_string(), high);
                    }
                }
            }
        }
    }
    closes.sort_by(|a, b| b.total_cmp(a));
    closes.truncate(5);
    let means = daily
        .into_iter()
        .map(|(d, (sum, n))| (d, sum / n as f64))
        .collect();
    (means, year_high, all_high, hours.len(), counts, closes)
}

#[test]
fn the_lessons_answers_match_a_plain_loop_at_every_rank_count() {
    let dir = scratch("stats");
    let out = dir.join("data");
    prep(2, &out, &["--days", "40", "--symbols", "3"]);
    let (means, year_high, all_high, hourly, counts, top) = reference(&out, "afl", 2014);
    let mut first = None;
    for ranks in [1, 2, 3] {
        let run = launch(
            ranks,
            &[
                "stats",
                out.to_str().unwrap(),
                "--symbol",
                "afl",
                "--year",
                "2014",
                "--format",
                "json",
            ],
            &[],
        )
        .ok();
        let json: serde_json::Value = serde_json::from_str(&run.stdout).unwrap();
        let got_means: Vec<(String, f64)> = json["daily_means"]
            .as_array()
            .unwrap()
            .iter()
            .map(|d| {
                (
                    d["date"].as_str().unwrap().to_string(),
                    d["mean_close"].as_f64().unwrap(),
                )
            })
            .collect();
        assert_eq!(got_means.len(), means.len());
        for ((d1, m1), (d2, m2)) in got_means.iter().zip(&means) {
            assert!(
                d1 == d2 && (m1 - m2).abs() < 1e-9,
                "{d1} {m1} against {d2} {m2}"
            );
        }
        assert_eq!(
            json["year_high"]["timestamp"].as_str(),
            Some(year_high.0.as_str())
        );
        assert_eq!(json["year_high"]["high"].as_f64(), Some(year_high.1));
        assert_eq!(
            json["all_time_high"]["timestamp"].as_str(),
            Some(all_high.0.as_str())
        );
        assert_eq!(json["hourly_bins"].as_u64(), Some(hourly as u64));
        let got_counts: BTreeMap<(String, u32), u64> = json["bars_per_symbol_year"]
            .as_array()
            .unwrap()
            .iter()
            .map(|e| {
                (
                    (
                        e[0][0].as_str().unwrap().to_string(),
                        e[0][1].as_u64().unwrap() as u32,
                    ),
                    e[1].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(got_counts, counts);
        let got_top: Vec<f64> = json["top_closes"]
            .as_array()
            .unwrap()
            .iter()
            .map(|v| v.as_f64().unwrap())
            .collect();
        assert_eq!(got_top, top);
        match &first {
            None => first = Some(run.stdout),
            Some(first) => assert_eq!(first, &run.stdout, "the same JSON at -n {ranks}"),
        }
    }
    let text = launch(
        2,
        &[
            "stats",
            out.to_str().unwrap(),
            "--symbol",
            "afl",
            "--year",
            "2014",
        ],
        &[],
    )
    .ok()
    .stdout;
    assert!(text.starts_with("afl in 2014: 40 trading days"), "{text}");
    let plot = dir.join("afl.svg");
    launch(
        3,
        &[
            "stats",
            out.to_str().unwrap(),
            "--symbol",
            "afl",
            "--year",
            "2014",
            "--plot",
            plot.to_str().unwrap(),
        ],
        &[],
    )
    .ok();
    let svg = std::fs::read_to_string(&plot).unwrap();
    assert!(
        svg.starts_with("<svg") && svg.contains("afl daily mean close, 2014"),
        "an SVG chart"
    );
    assert!(
        svg.contains(&means[0].0),
        "the first date labels the x axis"
    );
    assert!(
        !dir.join(".afl.svg.pardata-tmp").exists(),
        "no temporary file left"
    );
    assert!(
        text.contains("group_by then count:")
            && text.contains("fold_by (combined before the shuffle):"),
        "{text}"
    );
}

#[test]
fn a_bad_minute_file_is_named_with_its_line() {
    let dir = scratch("stats-bad");
    let out = dir.join("data");
    prep(1, &out, &["--days", "3", "--symbols", "2"]);
    let bad = out.join("minute/aet/2014-12-30.csv");
    let text = std::fs::read_to_string(&bad).unwrap();
    std::fs::write(&bad, text.replacen("09:02:00,", "09:02:00,abc", 1)).unwrap();
    let run = launch(
        2,
        &[
            "stats",
            out.to_str().unwrap(),
            "--symbol",
            "aet",
            "--year",
            "2014",
        ],
        &[],
    );
    assert_eq!(run.code, 1);
    let errors = run.pardata_errors();
    assert_eq!(errors.len(), 1, "{errors:?}");
    assert!(
        errors[0].starts_with(&format!(
            "pardata: error: {}: line 3, column \"close\": \"abc",
            bad.display()
        )),
        "{}",
        errors[0]
    );
    let missing = launch(2, &["stats", out.to_str().unwrap(), "--symbol", "zzz"], &[]);
    assert_eq!(missing.code, 1);
    assert!(
        missing
            .stderr
            .contains("no minute files for the symbol 'zzz'"),
        "{}",
        missing.stderr
    );
}
