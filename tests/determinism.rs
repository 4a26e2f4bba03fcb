//! Every subcommand's outputs are byte-identical at 1, 2, 3 and 4 ranks, with 1, 2 or 4
//! compute threads per rank, and on a repeated run: prep, convert, correlate (its answer and the whole matrix), stats (its plot),
//! cvsearch (results, splits, landscape) and run (a job of its own), each run's files
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
    let runs = [
        ("1 x 1", 1, "1"),
        ("1 x 4", 1, "4"),
        ("2 x 2", 2, "2"),
        ("3 x 1", 3, "1"),
        ("4 x 1", 4, "1"),
        ("2 x 1 again", 2, "1"),
    ];
    for (label, ranks, threads) in runs {
        let dir = root.join(label.replace(' ', "-"));
        std::fs::create_dir_all(&dir).unwrap();
        let answers = run_everything(&dir, ranks, threads);
        let files = digest(&dir);
        assert!(files.len() > 300, "{label}: {} files", files.len());
        match &reference {
            None => reference = Some((label.to_string(), files, answers)),
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
