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
