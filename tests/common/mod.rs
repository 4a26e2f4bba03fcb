//! Shared helpers of the integration tests: launch the real binary under `mpirun` (or
//! alone), with a time limit so that a hang fails the test instead of stalling it, and read
//! back what it wrote.

#![allow(dead_code)] // each test binary uses its own part of these helpers

pub mod python;

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

/// The built `pardata` binary.
pub fn pardata() -> &'static str {
    env!("CARGO_BIN_EXE_pardata")
}

/// Seconds after which a launch counts as hung and is killed.
pub const HANG_LIMIT_SECONDS: u32 = 180;

/// The exit code of `timeout` when it had to stop the command.
pub const TIMED_OUT: i32 = 124;

/// What a launch printed and returned.
pub struct Run {
    pub code: i32,
    pub stdout: String,
    pub stderr: String,
}

impl Run {
    /// Panics with the output unless the launch succeeded.
    pub fn ok(self) -> Run {
        assert_eq!(
            self.code, 0,
            "pardata failed:\n{}\n{}",
            self.stdout, self.stderr
        );
        self
    }

    /// The lines pardata itself printed on stderr (not mpirun's).
    pub fn pardata_errors(&self) -> Vec<&str> {
        self.stderr
            .lines()
            .filter(|l| l.starts_with("pardata:"))
            .collect()
    }
}

/// `mpirun -q --oversubscribe -n RANKS`, allowed as root and without HDF5's file locks (see
/// [`launch_program`]), for a test that must act on the job while it runs (signal or kill
/// it): the caller adds the program and its arguments and spawns it.
pub fn mpirun(ranks: usize) -> Command {
    let mut command = Command::new("mpirun");
    command
        .args(["-q", "--oversubscribe", "-n", &ranks.to_string()])
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
        .env("HDF5_USE_FILE_LOCKING", "FALSE")
        .env("OMPI_MCA_orte_tmpdir_base", session_dir());
    command
}

/// A folder of its own for one launch's Open MPI session directory. Tests run in parallel,
/// and Open MPI 4.1 jobs that share the default top directory (/tmp/ompi.HOST.UID) race:
/// one that ends removes it while another creates its own inside ("ORTE_ERROR_LOG: Error
/// in file ../orte/util/session_dir.c at line 107"), and that job fails.
pub fn session_dir() -> PathBuf {
    use std::sync::atomic::{AtomicUsize, Ordering};
    static NEXT: AtomicUsize = AtomicUsize::new(0);
    let dir = std::env::temp_dir().join(format!(
        "pardata-ompi-{}-{}",
        std::process::id(),
        NEXT.fetch_add(1, Ordering::Relaxed)
    ));
    std::fs::create_dir_all(&dir).expect("a session folder");
    dir
}

/// Runs `pardata ARGS --quiet` on `ranks` ranks with `mpirun`, or alone when `ranks` is 0.
/// `--quiet`: Open MPI gives rank 0's stdout a terminal, where a step that outlasts the
/// progress bar's delay (a slow machine) would draw the bar before the results.
pub fn launch(ranks: usize, args: &[&str], env: &[(&str, &str)]) -> Run {
    launch_in(Path::new("."), ranks, args, env)
}

/// [`launch`] with `dir` as the working directory.
pub fn launch_in(dir: &Path, ranks: usize, args: &[&str], env: &[(&str, &str)]) -> Run {
    let mut quiet: Vec<&str> = args.to_vec();
    let already = args.iter().any(|a| *a == "--quiet" || *a == "-q");
    if !already && args.first().is_some_and(|a| !a.starts_with('-')) {
        quiet.insert(1, "--quiet");
    }
    launch_program(Path::new(pardata()), dir, ranks, &quiet, env)
}

/// Runs `program ARGS` in `dir` on `ranks` ranks with `mpirun`, or alone when `ranks` is 0,
/// killing it if it runs past [`HANG_LIMIT_SECONDS`] (which fails the test).
pub fn launch_program(
    program: &Path,
    dir: &Path,
    ranks: usize,
    args: &[&str],
    env: &[(&str, &str)],
) -> Run {
    let mut command = Command::new("timeout");
    command.current_dir(dir);
    command.args(["-k", "10", &HANG_LIMIT_SECONDS.to_string()]);
    if ranks > 0 {
        command.args(["mpirun", "-q", "--oversubscribe", "-n", &ranks.to_string()]);
        for (name, _) in env {
            command.args(["-x", name]);
        }
    }
    command.arg(program).args(args);
    command.envs(env.iter().copied());
    // Tests run in parallel threads: an HDF5 file that one thread is writing (its lock
    // held) is inherited by any process another thread forks at that moment, and stays
    // locked while that process lives. The launched runs read only complete files.
    command.env("HDF5_USE_FILE_LOCKING", "FALSE");
    let session = session_dir();
    command.env("OMPI_MCA_orte_tmpdir_base", &session);
    command
        .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
        .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1");
    let Output {
        status,
        stdout,
        stderr,
    } = command.output().expect("timeout and mpirun are installed");
    let _ = std::fs::remove_dir_all(&session);
    let run = Run {
        code: status.code().unwrap_or(-1),
        stdout: String::from_utf8_lossy(&stdout).into_owned(),
        stderr: String::from_utf8_lossy(&stderr).into_owned(),
    };
    assert_ne!(
        run.code,
        TIMED_OUT,
        "{} {args:?} on {ranks} ranks hung:\n{}",
        program.display(),
        run.stderr
    );
    run
}

/// An example program of this package, built (or brought up to date) in the profile the
/// tests run in.
pub fn example(name: &str) -> PathBuf {
    let deps = std::env::current_exe().expect("the test binary's path");
    let profile_dir = deps
        .parent()
        .and_then(|d| d.parent())
        .expect("target/<profile>/deps");
    let cargo = std::env::var("CARGO").unwrap_or_else(|_| "cargo".into());
    let mut build = Command::new(cargo);
    build
        .args(["build", "--quiet", "--example", name])
        .current_dir(env!("CARGO_MANIFEST_DIR"));
    if profile_dir.ends_with("release") {
        build.arg("--release");
    }
    assert!(
        build.status().is_ok_and(|s| s.success()),
        "cargo builds the example {name}"
    );
    profile_dir.join("examples").join(name)
}

/// Runs `pardata prep --quiet --out OUT OPTIONS` on `ranks` ranks; panics if it fails.
pub fn prep(ranks: usize, out: &Path, options: &[&str]) -> Run {
    let out = out.to_str().expect("a UTF-8 path");
    let args: Vec<&str> = ["prep", "--quiet", "--out", out]
        .iter()
        .copied()
        .chain(options.iter().copied())
        .collect();
    launch(ranks, &args, &[]).ok()
}

/// The entries of a folder, sorted by path.
pub fn sorted_paths(folder: &Path) -> Vec<PathBuf> {
    let mut paths: Vec<PathBuf> = std::fs::read_dir(folder)
        .expect("a readable folder")
        .map(|e| e.expect("a folder entry").path())
        .collect();
    paths.sort();
    paths
}

/// The tutorial's stock dataset (21 symbols, JSON of the last 365 days) made by `prep` and
/// converted to frames by `convert` under `dir/data`; returns the folder of the frames.
pub fn tutorial_frames(dir: &Path) -> PathBuf {
    let out = dir.join("data");
    let out_text = out.to_str().expect("a UTF-8 path");
    launch(
        2,
        &["prep", "--quiet", "--out", out_text, "--days", "365"],
        &[],
    )
    .ok();
    let json = out.join("json");
    launch(
        2,
        &["convert", "--quiet", json.to_str().expect("a UTF-8 path")],
        &[],
    )
    .ok();
    json
}

/// A fresh, empty folder for one test.
pub fn scratch(name: &str) -> PathBuf {
    let dir = Path::new(env!("CARGO_TARGET_TMPDIR")).join(name);
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).expect("the target folder is writable");
    dir
}

/// Every file under `dir`, by path relative to it, with its bytes.
pub fn read_tree(dir: &Path) -> BTreeMap<PathBuf, Vec<u8>> {
    let mut files = BTreeMap::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).expect("a readable folder") {
            let path = entry.expect("a folder entry").path();
            if path.is_dir() {
                pending.push(path);
            } else {
                let bytes = std::fs::read(&path).expect("a readable file");
                files.insert(
                    path.strip_prefix(dir).expect("under dir").to_path_buf(),
                    bytes,
                );
            }
        }
    }
    files
}

/// The rows of a CSV file without its header, split on commas.
pub fn csv_rows(text: &str) -> Vec<Vec<&str>> {
    text.lines()
        .skip(1)
        .map(|line| line.split(',').collect())
        .collect()
}

/// Thousandths from a price written with three decimals.
pub fn milli(text: &str) -> i64 {
    let (whole, fraction) = text.split_once('.').expect("three decimals");
    assert_eq!(fraction.len(), 3, "three decimals in {text}");
    whole.parse::<i64>().expect("digits") * 1000 + fraction.parse::<i64>().expect("digits")
}
