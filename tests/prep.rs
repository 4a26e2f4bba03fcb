//! `pardata prep` under mpirun: the same bytes at every rank count, the formats of
//! DESIGN.md, bars consistent with the daily prices, JSON Lines equal to the last CSV
//! days, the planted best pair (found here by a plain Pearson loop), resuming a run.

mod common;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};

use common::{csv_rows, milli, prep, read_tree, scratch, sorted_paths};

#[test]
fn the_tree_is_identical_at_every_rank_count() {
    let dir = scratch("prep-ranks");
    let options = [
        "--days",
        "12",
        "--json-days",
        "5",
        "--symbols",
        "23",
        "--seed",
        "7",
    ];
    let reference = {
        prep(0, &dir.join("alone"), &options);
        read_tree(&dir.join("alone"))
    };
    assert_eq!(
        reference.len(),
        23 * 12 + 23 + 23,
        "CSV days, JSON and daily files"
    );
    assert!(reference.contains_key(Path::new("minute/s00022/2014-12-31.csv")));
    assert!(reference.contains_key(Path::new("json/s00021.json")));
    for ranks in [1, 2, 3] {
        let out = dir.join(format!("n{ranks}"));
        prep(ranks, &out, &options);
        let tree = read_tree(&out);
        assert_eq!(
            tree.keys().collect::<Vec<_>>(),
            reference.keys().collect::<Vec<_>>(),
            "files at -n {ranks}"
        );
        for (path, bytes) in &tree {
            assert!(
                bytes == &reference[path],
                "{} differs at -n {ranks}",
                path.display()
            );
        }
    }
}

/// A symbol's daily rows: date -> [close, high, low, open] in thousandths.
fn daily_prices(out: &Path, symbol: &str) -> BTreeMap<String, [i64; 4]> {
    let text = std::fs::read_to_string(out.join("daily").join(format!("{symbol}.csv")))
        .expect("daily file");
    assert_eq!(text.lines().next(), Some("date,close,high,low,open"));
    csv_rows(&text)
        .into_iter()
        .map(|row| {
            (
                row[0].to_string(),
                [milli(row[1]), milli(row[2]), milli(row[3]), milli(row[4])],
            )
        })
        .collect()
}

fn check_minute_files(out: &Path, symbols: &[&str], freq_minutes: u32) {
    let bars_per_day = 7 * 60 / freq_minutes as usize + 1;
    for symbol in symbols {
        let daily = daily_prices(out, symbol);
        let folder = out.join("minute").join(symbol);
        let files = sorted_paths(&folder);
        let dates: Vec<String> = files
            .iter()
            .map(|f| f.file_stem().unwrap().to_string_lossy().into_owned())
            .collect();
        assert_eq!(
            dates,
            daily.keys().cloned().collect::<Vec<_>>(),
            "{symbol}: one CSV per trading day"
        );
        for (file, date) in files.iter().zip(&dates) {
            let text = std::fs::read_to_string(file).unwrap();
            assert_eq!(
                text.lines().next(),
                Some("timestamp,close,high,low,open"),
                "{}",
                file.display()
            );
            let rows = csv_rows(&text);
            assert_eq!(rows.len(), bars_per_day, "{}", file.display());
            let [day_close, day_high, day_low, day_open] = daily[date];
            let (mut highest, mut lowest) = (i64::MIN, i64::MAX);
            for (i, row) in rows.iter().enumerate() {
                let minutes = 9 * 60 + i as u32 * freq_minutes;
                assert_eq!(
                    row[0],
                    format!("{date} {:02}:{:02}:00", minutes / 60, minutes % 60)
                );
                let [close, high, low, open] =
                    [milli(row[1]), milli(row[2]), milli(row[3]), milli(row[4])];
                assert!(
                    low <= open && low <= close && open <= high && close <= high,
                    "{}: {row:?}",
                    file.display()
                );
                assert!(low > 0, "positive prices");
                highest = highest.max(high);
                lowest = lowest.min(low);
            }
            assert_eq!(
                milli(rows[0][4]),
                day_open,
                "{}: first open is the day's open",
                file.display()
            );
            let last = &rows[bars_per_day - 1];
            assert_eq!(last[0], format!("{date} 16:00:00"));
            assert!(
                last[1..].iter().all(|v| milli(v) == day_close),
                "{}: the 16:00 bar is the close",
                file.display()
            );
            assert_eq!(
                (highest, lowest),
                (day_high, day_low),
                "{}: the bars reach the day's high and low",
                file.display()
            );
        }
    }
}

#[test]
fn minute_bars_follow_the_format_and_the_days_prices() {
    let out = scratch("prep-format").join("data");
    prep(2, &out, &["--days", "20", "--json-days", "8"]);
    let symbols = [
        "aet", "afl", "aig", "al", "amgn", "avy", "b", "bwa", "ge", "hal", "hp", "hpq", "ibm",
        "jbl", "jpm", "luv", "met", "pcg", "tgt", "usb", "xom",
    ];
    check_minute_files(&out, &symbols, 2);
    let dates: Vec<String> = daily_prices(&out, "ibm").into_keys().collect();
    assert_eq!(dates.len(), 20);
    assert_eq!(dates.last().map(String::as_str), Some("2014-12-31"));
    assert!(
        !dates.iter().any(|d| d == "2014-12-25" || d == "2014-12-27"),
        "no holiday, no weekend"
    );

    let five_minutes = scratch("prep-format").join("freq");
    prep(
        3,
        &five_minutes,
        &["--days", "3", "--symbol-list", "zz,ibm", "--freq", "300"],
    );
    check_minute_files(&five_minutes, &["zz", "ibm"], 5);
}

#[test]
fn json_lines_are_the_last_csv_days() {
    let out = scratch("prep-json").join("data");
    prep(
        3,
        &out,
        &["--days", "9", "--json-days", "4", "--symbols", "4"],
    );
    for symbol in ["aet", "afl", "aig", "al"] {
        let mut expected = Vec::new();
        let files = sorted_paths(&out.join("minute").join(symbol));
        for file in &files[files.len() - 4..] {
            let text = std::fs::read_to_string(file).unwrap();
            expected.extend(
                csv_rows(&text)
                    .into_iter()
                    .map(|r| r.iter().map(|v| v.to_string()).collect::<Vec<_>>()),
            );
        }
        let json =
            std::fs::read_to_string(out.join("json").join(format!("{symbol}.json"))).unwrap();
        let lines: Vec<&str> = json.lines().collect();
        assert_eq!(
            lines.len(),
            expected.len(),
            "{symbol}: one line per bar of the last 4 days"
        );
        for (line, row) in lines.iter().zip(&expected) {
            let keys = ["timestamp", "close", "high", "low", "open"];
            let positions: Vec<usize> = keys
                .iter()
                .map(|k| line.find(&format!("\"{k}\":")).expect("every key"))
                .collect();
            assert!(
                positions.windows(2).all(|w| w[0] < w[1]),
                "keys in order: {line}"
            );
            let record: serde_json::Map<String, serde_json::Value> =
                serde_json::from_str(line).expect("a JSON object");
            assert_eq!(record.len(), 5, "flat, five keys: {line}");
            assert_eq!(record["timestamp"], row[0].as_str());
            for (k, key) in keys.iter().enumerate().skip(1) {
                let value = record[*key].as_f64().expect("a number");
                assert_eq!(
                    value,
                    row[k].parse::<f64>().unwrap(),
                    "{symbol} {key} at {}",
                    row[0]
                );
            }
        }
    }
}

/// Pearson's correlation, computed plainly.
fn pearson(x: &[f64], y: &[f64]) -> f64 {
    let n = x.len() as f64;
    let (mx, my) = (x.iter().sum::<f64>() / n, y.iter().sum::<f64>() / n);
    let (mut sxy, mut sxx, mut syy) = (0.0, 0.0, 0.0);
    for (a, b) in x.iter().zip(y) {
        sxy += (a - mx) * (b - my);
        sxx += (a - mx) * (a - mx);
        syy += (b - my) * (b - my);
    }
    sxy / (sxx * syy).sqrt()
}

#[test]
fn aet_and_luv_are_the_planted_best_pair() {
    let out = scratch("prep-pair").join("data");
    prep(2, &out, &["--days", "365"]);
    let mut closes: Vec<(String, Vec<f64>)> = Vec::new();
    let files = sorted_paths(&out.join("json"));
    for file in files {
        let text = std::fs::read_to_string(&file).unwrap();
        let series = text
            .lines()
            .map(|line| {
                serde_json::from_str::<serde_json::Value>(line).unwrap()["close"]
                    .as_f64()
                    .unwrap()
            })
            .collect::<Vec<_>>();
        assert_eq!(series.len(), 365 * 211, "{}", file.display());
        closes.push((
            file.file_stem().unwrap().to_string_lossy().into_owned(),
            series,
        ));
    }
    assert_eq!(closes.len(), 21);
    let mut pairs = Vec::new();
    for i in 0..closes.len() {
        for j in i + 1..closes.len() {
            pairs.push((
                pearson(&closes[i].1, &closes[j].1),
                &closes[i].0,
                &closes[j].0,
            ));
        }
    }
    pairs.sort_by(|a, b| b.0.total_cmp(&a.0));
    let (best, a, b) = pairs[0];
    assert_eq!(
        (a.as_str(), b.as_str()),
        ("aet", "luv"),
        "best pairs: {:?}",
        &pairs[..3]
    );
    assert!((0.90..=0.99).contains(&best), "aet-luv correlation {best}");
    assert!(
        pairs[1].0 < best - 0.1,
        "clearly above the next pair: {:?}",
        &pairs[..3]
    );
}

#[test]
fn fewer_days_are_the_last_days_of_more() {
    let dir = scratch("prep-suffix");
    prep(2, &dir.join("short"), &["--days", "4", "--symbols", "3"]);
    prep(1, &dir.join("long"), &["--days", "11", "--symbols", "3"]);
    prep(
        1,
        &dir.join("other-seed"),
        &["--days", "4", "--symbols", "3", "--seed", "1"],
    );
    let (short, long, other) = (
        read_tree(&dir.join("short")),
        read_tree(&dir.join("long")),
        read_tree(&dir.join("other-seed")),
    );
    let minute = |tree: &BTreeMap<PathBuf, Vec<u8>>| {
        tree.iter().filter(|(p, _)| p.starts_with("minute")).count()
    };
    assert_eq!(minute(&short), 12);
    for (path, bytes) in short.iter().filter(|(p, _)| p.starts_with("minute")) {
        assert!(
            long.get(path) == Some(bytes),
            "{} is the same day in a longer run",
            path.display()
        );
        assert!(
            other.get(path) != Some(bytes),
            "{} changes with the seed",
            path.display()
        );
    }
}

#[test]
fn a_rerun_keeps_complete_files_and_replaces_damaged_ones() {
    let out = scratch("prep-rerun").join("data");
    let options = [
        "--days",
        "6",
        "--json-days",
        "3",
        "--symbols",
        "5",
        "--format",
        "json",
    ];
    let first: serde_json::Value =
        serde_json::from_str(&prep(2, &out, &options).stdout).expect("one JSON document");
    let files = 5 * 6 + 5 + 5;
    assert_eq!(
        (first["written"].as_u64(), first["kept"].as_u64()),
        (Some(files), Some(0))
    );
    let pristine = read_tree(&out);

    let csv = out.join("minute/amgn/2014-12-31.csv");
    let text = std::fs::read(&csv).unwrap();
    std::fs::write(&csv, &text[..text.len() / 2]).unwrap();
    std::fs::write(out.join("json/afl.json"), b"{}\n").unwrap();
    std::fs::remove_file(out.join("daily/al.csv")).unwrap();

    let second: serde_json::Value =
        serde_json::from_str(&prep(3, &out, &options).stdout).expect("one JSON document");
    assert_eq!(
        (second["written"].as_u64(), second["kept"].as_u64()),
        (Some(3), Some(files - 3))
    );
    assert!(
        read_tree(&out) == pristine,
        "the damaged files are restored, nothing else changes"
    );
}
