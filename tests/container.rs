//! The container recipe keeps to what CI runs (no Docker engine runs here, so this is how
//! the Dockerfile's steps stay exercised): it installs with scripts/setup.sh and builds as
//! scripts/quickstart.sh does, and the hosted CI workflow runs the README's test command,
//! the one .ci/run calls.

use std::path::Path;

fn read(path: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(path))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The commands of a script or recipe, without comments.
fn commands(text: &str) -> Vec<String> {
    text.lines()
        .map(str::trim)
        .filter(|l| !l.is_empty() && !l.starts_with('#'))
        .map(String::from)
        .collect()
}

#[test]
fn the_dockerfile_installs_and_builds_as_ci_does() {
    let dockerfile = commands(&read("Dockerfile"));
    let runs = |needle: &str| dockerfile.iter().any(|l| l.contains(needle));
    assert!(runs("RUN ./scripts/setup.sh"), "installs with setup.sh");
    let quickstart = commands(&read("scripts/quickstart.sh"));
    let build = quickstart
        .iter()
        .find(|l| l.starts_with("cargo build"))
        .expect("quickstart builds");
    assert!(runs(build), "builds as quickstart does: {build}");
    assert!(runs("FROM debian:12"), "the Debian of CI's machines");
    assert!(runs("USER pardata"), "a non-root default user");
    for variable in [
        "OMPI_ALLOW_RUN_AS_ROOT=1",
        "OMPI_MCA_btl_vader_single_copy_mechanism=none",
    ] {
        assert!(runs(variable), "sets {variable}");
    }
}

#[test]
fn the_apptainer_recipe_installs_and_builds_as_the_dockerfile_does() {
    let recipe = commands(&read("pardata.def"));
    let has = |needle: &str| recipe.iter().any(|l| l.contains(needle));
    assert!(has("./scripts/setup.sh"), "installs with setup.sh");
    assert!(
        has("cargo build --release --locked"),
        "builds as quickstart does"
    );
    assert!(has("From: debian:12"), "the Debian of CI's machines");
    assert!(
        has("exec pardata \"$@\""),
        "runs pardata with the user's arguments"
    );
    // A real build where Apptainer is installed (Debian 12 does not package it, and the
    // build downloads Rust from rustup, which only a networked machine can).
    if std::process::Command::new("apptainer")
        .arg("--version")
        .output()
        .is_err()
    {
        eprintln!("skipped the apptainer build: no apptainer on this machine (Debian 12 does not package it)");
        return;
    }
    let image = std::env::temp_dir().join("pardata-test.sif");
    let built = std::process::Command::new("apptainer")
        .args(["build", "--force"])
        .arg(&image)
        .arg("pardata.def")
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .status()
        .expect("apptainer runs");
    assert!(built.success(), "apptainer build pardata.def");
    let doctor = std::process::Command::new("apptainer")
        .args(["run"])
        .arg(&image)
        .arg("doctor")
        .output()
        .expect("apptainer runs");
    assert!(
        doctor.status.success(),
        "{}",
        String::from_utf8_lossy(&doctor.stderr)
    );
}

#[test]
fn hosted_ci_runs_the_readme_test_command_that_ci_runs() {
    let readme = read("README.md");
    let test_command = readme
        .lines()
        .find(|l| l.contains("# the whole test suite"))
        .and_then(|l| l.split_whitespace().next())
        .expect("the README's second command");
    assert!(read(".ci/run").contains(&test_command.replacen("./", "exec ./", 1)));
    let workflow = read(".github/workflows/ci.yml");
    assert!(
        workflow.contains(&format!("pardata {test_command}")),
        "the workflow runs {test_command} in the image"
    );
}
