//! Crash consistency: a prep killed in the middle of writing leaves only complete files
//! under their final names, a rerun converges to exactly the output of an uninterrupted run
//! (no temporary file left), and a rerun over complete outputs writes nothing; convert
//! keeps frames that are up to date and converts a changed input again.

mod common;

use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use common::{mpirun, pardata, prep, read_tree, scratch};

/// How many files a prep writes before the test kills it (of the 7,707 it would write).
const KILL_AFTER_FILES: usize = 100;

/// The files under `dir` so far, counting nothing that vanishes while it is walked.
fn count_files(dir: &Path) -> usize {
    let mut count = 0;
    let mut pending = vec![dir.to_path_buf()];
    while let Some(folder) = pending.pop() {
        for entry in std::fs::read_dir(&folder).into_iter().flatten().flatten() {
            match entry.file_type() {
                Ok(kind) if kind.is_dir() => pending.push(entry.path()),
                Ok(_) => count += 1,
                Err(_) => {}
            }
        }
    }
    count
}

#[test]
fn a_killed_prep_resumes_to_the_same_output_and_then_does_nothing() {
    let dir = scratch("crash");
    let options = ["--days", "365"];
    let reference = dir.join("reference");
    prep(2, &reference, &options).ok();
    let expected = read_tree(&reference);

    // Both ranks killed (SIGKILL, as the system kills) once some files are written: they die
    // where they are, in the middle of a file or between two. Watching the output, not a
    // clock, so that a slow start or a fast machine cannot let the run finish, or not begin,
    // before the kill; the ranks themselves, because mpirun takes about a second to pass a
    // SIGTERM on, in which time a prep this size ends.
    let victim = dir.join("victim");
    let mut child = mpirun(2)
        .arg(pardata())
        .args(["prep", "--quiet", "--out", victim.to_str().unwrap()])
        .args(options)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .expect("mpirun starts");
    let deadline = Instant::now() + Duration::from_secs(120);
    while count_files(&victim) < KILL_AFTER_FILES && Instant::now() < deadline {
        if child
            .try_wait()
            .expect("mpirun can be waited for")
            .is_some()
        {
            break;
        }
        std::thread::sleep(Duration::from_millis(2));
    }
    let _ = Command::new("pkill")
        .args(["-KILL", "-x", "pardata", "-P", &child.id().to_string()])
        .status();
    let status = child.wait().expect("mpirun ends");
    let complete = read_tree(&victim)
        .keys()
        .filter(|p| !p.to_string_lossy().ends_with(".pardata-tmp"))
        .count();
    let interrupted = !status.success() && complete < expected.len();
    assert!(
        interrupted,
        "no run was caught in the middle: {status}, {complete} of {} files",
        expected.len()
    );

    let left = read_tree(&victim);
    for (path, bytes) in &left {
        let name = path.file_name().unwrap().to_string_lossy();
        if name.ends_with(".pardata-tmp") {
            continue; // the file being written when the signal came
        }
        assert_eq!(
            Some(bytes),
            expected.get(path),
            "{} is under its final name but not complete",
            path.display()
        );
    }

    let resumed = prep(2, &victim, &options).ok();
    assert_eq!(
        read_tree(&victim),
        expected,
        "the rerun converges to the uninterrupted output, temporaries gone"
    );
    assert!(
        resumed.stdout.contains("already complete"),
        "{}",
        resumed.stdout
    );
    let again = prep(2, &victim, &options).ok();
    assert!(
        again.stdout.contains(" 0 written"),
        "a rerun over complete outputs writes nothing: {}",
        again.stdout
    );
}

#[test]
fn a_convert_over_complete_frames_keeps_them_and_redoes_a_changed_input() {
    let dir = scratch("crash-convert");
    prep(2, &dir.join("data"), &["--days", "3", "--symbols", "3"]).ok();
    let json = dir.join("data/json");
    let convert = || common::launch(2, &["convert", json.to_str().unwrap()], &[]).ok();
    let first = convert();
    assert!(!first.stdout.contains("up to date"), "{}", first.stdout);
    let frames = read_tree(&json);
    let again = convert();
    assert!(
        again.stdout.contains("; 3 already up to date, kept"),
        "{}",
        again.stdout
    );
    assert_eq!(read_tree(&json), frames, "kept as they were");
    // A changed input is converted again (its frame is older than it now).
    std::thread::sleep(Duration::from_millis(20));
    let aet = json.join("aet.json");
    std::fs::write(&aet, std::fs::read(&aet).unwrap()).unwrap();
    let changed = convert();
    assert!(
        changed.stdout.contains("; 2 already up to date, kept"),
        "{}",
        changed.stdout
    );
    assert_eq!(
        read_tree(&json),
        frames,
        "the same input gives the same frame"
    );
}
