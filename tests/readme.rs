//! The README's tour: every `$ ` command between `<!-- tour -->` and `<!-- /tour -->` runs,
//! in order, in a scratch folder (with this build's `target/`), and still prints the first
//! line of output the README shows (numbers aside: times differ from run to run).

mod common;

use std::process::Command;

use common::scratch;

/// Each command of the tour with the first line shown after it.
fn tour() -> Vec<(String, String)> {
    let readme = include_str!("../README.md");
    let start = readme.find("<!-- tour -->").expect("the tour's start");
    let end = readme.find("<!-- /tour -->").expect("the tour's end");
    let lines: Vec<&str> = readme[start..end].lines().collect();
    lines
        .iter()
        .enumerate()
        .filter_map(|(i, line)| {
            let command = line.strip_prefix("$ ")?;
            let first = lines.get(i + 1).copied().unwrap_or_default();
            Some((command.to_string(), first.to_string()))
        })
        .collect()
}

/// The line with every run of digits replaced by `#`.
fn shape(line: &str) -> String {
    let mut shaped = String::new();
    for c in line.chars() {
        if c.is_ascii_digit() {
            if !shaped.ends_with('#') {
                shaped.push('#');
            }
        } else {
            shaped.push(c);
        }
    }
    shaped
}

#[test]
fn every_command_of_the_tour_still_works() {
    let commands = tour();
    assert!(
        commands.len() >= 8,
        "the tour has its commands: {commands:?}"
    );
    let dir = scratch("readme-tour");
    std::fs::create_dir_all(dir.join("docs")).unwrap();
    let target = concat!(env!("CARGO_MANIFEST_DIR"), "/target");
    let link = dir.join("target");
    if !link.exists() {
        std::os::unix::fs::symlink(target, &link).unwrap();
    }
    for (command, first) in commands {
        let run = Command::new("timeout")
            .args(["-k", "10", "300", "sh", "-c", &command])
            .current_dir(&dir)
            .env("OMPI_ALLOW_RUN_AS_ROOT", "1")
            .env("OMPI_ALLOW_RUN_AS_ROOT_CONFIRM", "1")
            .env("OMPI_MCA_rmaps_base_oversubscribe", "1")
            .env("HDF5_USE_FILE_LOCKING", "FALSE")
            .output()
            .expect("sh runs");
        let stdout = String::from_utf8_lossy(&run.stdout);
        assert!(
            run.status.success(),
            "{command}\n{stdout}\n{}",
            String::from_utf8_lossy(&run.stderr)
        );
        let got = stdout.lines().next().unwrap_or_default();
        assert_eq!(shape(got), shape(&first), "{command}");
    }
}

#[test]
fn the_readme_program_is_the_external_crate_that_the_test_command_builds() {
    let readme = include_str!("../README.md");
    let start = readme
        .find("<!-- external -->")
        .expect("the program's start");
    let end = readme
        .find("<!-- /external -->")
        .expect("the program's end");
    let block = &readme[start..end];
    let code = block
        .split_once("```rust,no_run\n")
        .and_then(|(_, rest)| rest.rsplit_once("```"))
        .map(|(code, _)| code)
        .expect("a rust block");
    assert_eq!(code, include_str!("external/src/main.rs"));
    let manifest = include_str!("external/Cargo.toml");
    let dependencies: Vec<&str> = manifest
        .split_once("[dependencies]\n")
        .expect("a [dependencies] table")
        .1
        .lines()
        .filter(|l| !l.trim().is_empty())
        .collect();
    assert_eq!(
        dependencies,
        [r#"pardata = { path = "../.." }"#],
        "one line"
    );
}
