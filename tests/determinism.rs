//! Every subcommand's outputs are byte-identical at every (ranks, threads per rank) in
//! {1, 2, 3} x {1, 2, 4}, at 4 ranks, and on a repeated run: prep, convert, correlate (its
//! answer and the whole matrix), stats (its plot),
//! cvsearch (results, splits, landscape), run (a job of its own) and sql (a group-by, a
//! join and a sort into partitions, written as Parquet and CSV), each run's files
//! hashed and compared with the first run's. Only cvsearch's timings.csv, which records the
//! seconds and rank of each fit by design, is left out.

mod common;

use std::collections::BTreeMap;
use std::hash::{DefaultHasher, Hash, Hasher};
use std::path::{Path, PathBuf};

use common::{launch, read_tree, scratch};

/// Every output file, by path, with its length and hash.
type Digest = BTreeMap<PathBuf, (usize, u64)>;

/// Every output file under `dir` with its length and hash.
fn digest(dir: &Path) -> Digest {
    read_tree(dir)
        .into_iter()
        .filter(|(path, _)| !path.ends_with("timings.csv"))
        .map(|(path, bytes)| {
            let mut hasher = DefaultHasher::new();
            bytes.hash(&mut hasher);
            (path, (bytes.len(), hasher.finish()))
        })
        .collect()
}

/// Runs every subcommand on `ranks` ranks of `threads` threads into `dir`; returns the
/// answers they printed.
fn run_everything(dir: &Path, ranks: usize, threads: &str) -> Vec<String> {
    let path = |p: &str| dir.join(p).to_str().unwrap().to_string();
    let data = path("data");
    // The job file names this run's folder, so it lives beside it, not in it.
    let job = dir.with_extension("toml");
    std::fs::write(
        &job,
        format!(
            "[[step]]\nargs = [\"prep\", \"--out\", \"{}\", \"--days\", \"5\", \"--symbol-list\", \"aa,bb,cc\"]\n\
             [[step]]\nargs = [\"convert\", \"{}/json\"]\n",
            path("job"),
            path("job")
        ),
    )
    .unwrap();
    let commands: Vec<Vec<String>> = vec![
        vec![
            "prep".into(),
            "--out".into(),
            data.clone(),
            "--days".into(),
            "15".into(),
        ],
        vec!["convert".into(), format!("{data}/json")],
        vec![
            "correlate".into(),
            format!("{data}/json"),
            "--top".into(),
            "5".into(),
            "--matrix".into(),
            path("matrix.h5"),
        ],
        vec![
            "stats".into(),
            data.clone(),
            "--year".into(),
            "2014".into(),
            "--plot".into(),
            path("daily.svg"),
        ],
        vec![
            "cvsearch".into(),
            "--out".into(),
            path("cvsearch"),
            "--samples".into(),
            "4".into(),
        ],
        vec!["run".into(), job.to_str().unwrap().into()],
        // SQL: float sums by group, a join, and a sort of every row into partitions.
        vec![
            "sql".into(),
            format!(
                "SELECT date, count(*) AS n, sum(close) AS s, avg(open) AS a, min(low) AS lo, \
                 max(high) AS hi FROM '{data}/daily/*.csv' GROUP BY date ORDER BY date"
            ),
            "--out".into(),
            path("days.parquet"),
        ],
        vec![
            "sql".into(),
            format!(
                "SELECT a.timestamp, a.close - b.close AS d, a.high + b.low AS e \
                 FROM '{data}/json/aet.json' a JOIN '{data}/json/afl.json' b \
                 ON a.timestamp = b.timestamp ORDER BY a.timestamp"
            ),
            "--out".into(),
            path("joined.csv"),
        ],
        vec![
            "sql".into(),
            format!(
                "SELECT timestamp, close, open FROM '{data}/json/*.json' \
                 ORDER BY close, timestamp, open"
            ),
            "--out".into(),
            path("sorted.parquet"),
            "--partitions".into(),
            "3".into(),
        ],
    ];
    let mut answers = Vec::new();
    for command in commands {
        let args: Vec<&str> = command.iter().map(String::as_str).collect();
        let run = launch(ranks, &args, &[("PARDATA_THREADS", threads)]).ok();
        // The first line answers; later ones carry times (correlate's second line on).
        if command[0] == "correlate" {
            answers.push(run.stdout.lines().take(7).collect::<Vec<_>>().join("\n"));
        }
    }
    answers
}

#[test]
fn every_output_is_the_same_at_every_rank_count_and_on_every_run() {
    let root = scratch("determinism");
    let mut reference: Option<(String, Digest, Vec<String>)> = None;
    // Every (ranks, threads) in {1, 2, 3} x {1, 2, 4}, then 4 ranks, then a repeated run.
    let mut runs: Vec<(String, usize, String)> = (1..=3)
        .flat_map(|ranks| {
            [1, 2, 4].map(|threads| (format!("{ranks} x {threads}"), ranks, threads.to_string()))
        })
        .collect();
    runs.push(("4 x 1".into(), 4, "1".into()));
    runs.push(("2 x 1 again".into(), 2, "1".into()));
    for (label, ranks, threads) in &runs {
        let (ranks, threads) = (*ranks, threads.as_str());
        let dir = root.join(label.replace(' ', "-"));
        std::fs::create_dir_all(&dir).unwrap();
        let answers = run_everything(&dir, ranks, threads);
        let files = digest(&dir);
        assert!(files.len() > 300, "{label}: {} files", files.len());
        match &reference {
            None => reference = Some((label.clone(), files, answers)),
            Some((first, expected, expected_answers)) => {
                let differing: Vec<&PathBuf> = expected
                    .keys()
                    .chain(files.keys())
                    .filter(|p| expected.get(*p) != files.get(*p))
                    .collect();
                assert!(
                    differing.is_empty(),
                    "{label} (ranks x threads) wrote other bytes than {first}: {differing:?}"
                );
                assert_eq!(&answers, expected_answers, "{label}: correlate's answer");
            }
        }
    }
}
