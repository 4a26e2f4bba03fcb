//! The fault matrix: every subcommand on 3 ranks, with each fault injected on each rank (an
//! error returned, a panic, the process dying) and with SIGTERM and SIGINT sent to mpirun
//! while a rank hangs. Every case must end within 15 seconds with a non-zero exit code;
//! an error or a panic must be reported on stderr naming the rank; no output may be left
//! under a temporary name in any case. The matrix is written as a table to
//! target/fault-matrix.md, which the test command prints at the end of its run.

mod common;

use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use common::{mpirun, pardata, prep, scratch};

/// The longest a failing job may take to end.
const LIMIT: Duration = Duration::from_secs(15);

/// How one case ended.
struct Ended {
    code: Option<i32>,
    stderr: String,
    seconds: f64,
}

/// Starts `pardata ARGS --quiet` on 3 ranks with `fault` armed (if any).
fn start(args: &[String], fault: Option<&str>) -> Child {
    let mut command = mpirun(3);
    if let Some(fault) = fault {
        command
            .args(["-x", "PARDATA_FAULT"])
            .env("PARDATA_FAULT", fault);
    }
    command
        .arg(pardata())
        .args(args)
        .arg("--quiet")
        .stdout(Stdio::null())
        .stderr(Stdio::piped())
        .spawn()
        .expect("mpirun starts")
}

/// Waits for `child`, killing it (and failing the case) past twice the limit.
fn finish(mut child: Child, started: Instant) -> Ended {
    let code = loop {
        if let Some(status) = child.try_wait().expect("wait") {
            break status.code();
        }
        if started.elapsed() > 2 * LIMIT {
            let _ = child.kill();
            let _ = child.wait();
            break None;
        }
        std::thread::sleep(Duration::from_millis(50));
    };
    let mut stderr = String::new();
    if let Some(mut pipe) = child.stderr.take() {
        use std::io::Read;
        let _ = pipe.read_to_string(&mut stderr);
    }
    Ended {
        code,
        stderr,
        seconds: started.elapsed().as_secs_f64(),
    }
}

/// Temporary files left anywhere under `dir`.
fn temporaries(dir: &Path) -> Vec<String> {
    common::read_tree(dir)
        .into_keys()
        .map(|p| p.display().to_string())
        .filter(|p| p.ends_with(".pardata-tmp"))
        .collect()
}

#[test]
fn every_fault_on_every_rank_of_every_subcommand_ends_the_job() {
    let root = scratch("fault-matrix");
    let data = root.join("data");
    prep(2, &data, &["--days", "10"]).ok();
    common::launch(2, &["convert", data.join("json").to_str().unwrap()], &[]).ok();
    let job = root.join("job.toml");
    std::fs::write(
        &job,
        format!(
            "[[step]]\nargs = [\"prep\", \"--out\", \"{}\", \"--days\", \"3\"]\n",
            root.join("job-out").display()
        ),
    )
    .unwrap();
    let d = |p: &Path| p.to_str().unwrap().to_string();
    let subcommands: Vec<(&str, Vec<String>)> = vec![
        (
            "prep",
            vec![
                "prep".into(),
                "--out".into(),
                d(&root.join("prep-out")),
                "--days".into(),
                "3".into(),
            ],
        ),
        ("convert", vec!["convert".into(), d(&data.join("json"))]),
        (
            "correlate",
            vec![
                "correlate".into(),
                d(&data.join("json")),
                "--matrix".into(),
                d(&root.join("m.h5")),
            ],
        ),
        (
            "stats",
            vec!["stats".into(), d(&data), "--year".into(), "2014".into()],
        ),
        (
            "cvsearch",
            vec![
                "cvsearch".into(),
                "--out".into(),
                d(&root.join("cv")),
                "--samples".into(),
                "3".into(),
            ],
        ),
        ("run", vec!["run".into(), d(&job)]),
    ];
    let mut table = Vec::new();
    let mut failures = Vec::new();
    for (name, args) in &subcommands {
        let mut cases: Vec<(String, Option<String>, Option<&str>)> = Vec::new();
        for kind in ["error", "panic", "crash"] {
            for rank in 0..3 {
                cases.push((
                    format!("{kind}@{rank}"),
                    Some(format!("{kind}@{rank}")),
                    None,
                ));
            }
        }
        for signal in ["TERM", "INT"] {
            cases.push((
                format!("SIG{signal} to mpirun"),
                Some("hang@1".into()),
                Some(signal),
            ));
        }
        let (mut passed, mut seconds) = (0, 0.0f64);
        for (case, fault, signal) in &cases {
            let started = Instant::now();
            let child = start(args, fault.as_deref());
            if let Some(signal) = signal {
                std::thread::sleep(Duration::from_millis(1500));
                let _ = Command::new("kill")
                    .args([format!("-{signal}"), child.id().to_string()])
                    .status();
            }
            let ended = finish(child, started);
            seconds = seconds.max(ended.seconds);
            let mut problems = Vec::new();
            if ended.code == Some(0) {
                problems.push("exit 0".to_string());
            }
            if ended.code.is_none() || ended.seconds > LIMIT.as_secs_f64() {
                problems.push(format!("took {:.1} s", ended.seconds));
            }
            let rank = case.split('@').nth(1).unwrap_or_default();
            let reported = ended.stderr.contains(&format!("rank {rank} on"));
            if (case.starts_with("error") || case.starts_with("panic")) && !reported {
                problems.push(format!("no report naming rank {rank}"));
            }
            problems.extend(temporaries(&root).into_iter().map(|t| format!("left {t}")));
            if problems.is_empty() {
                passed += 1;
            } else {
                failures.push(format!(
                    "{name} {case}: {}\n{}",
                    problems.join(", "),
                    ended.stderr.lines().take(5).collect::<Vec<_>>().join("\n")
                ));
            }
        }
        table.push(format!(
            "| {name:<9} | {:>5} | {passed:>6} | {seconds:>12.1} |",
            cases.len()
        ));
    }
    // The table goes to a file too: the test command prints it at the end of the run.
    let text = format!(
        "| command   | cases | passed | slowest, s   |\n|---|---:|---:|---:|\n{}\n",
        table.join("\n")
    );
    println!("{text}");
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/target/fault-matrix.md");
    std::fs::write(path, &text).expect("target/ is writable");
    assert!(failures.is_empty(), "{}", failures.join("\n\n"));
}
