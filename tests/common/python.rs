//! The Python of the virtual environment that the test command creates (pandas, PyTables),
//! for cross-checks against pandas. Tests that need it skip, saying why, where it is absent.

use std::path::PathBuf;

/// The environment's interpreter: `$PARDATA_TEST_PYTHON`, or `target/pyenv/bin/python`.
pub fn python() -> Result<PathBuf, String> {
    let python = std::env::var_os("PARDATA_TEST_PYTHON")
        .map(PathBuf::from)
        .unwrap_or_else(|| {
            PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("target/pyenv/bin/python")
        });
    if python.is_file() {
        Ok(python)
    } else {
        Err(format!(
            "{} is missing: run ./scripts/test.sh to create the Python environment",
            python.display()
        ))
    }
}

/// A script of tests/python.
pub fn script(name: &str) -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
        .join("tests/python")
        .join(name)
}

/// Test inputs written by a script of tests/python (`script ARGS... DIR`) into a fresh
/// scratch folder named `test`: the interpreter and the folder, or `None` (the reason
/// printed) where the Python environment is missing.
pub fn inputs(test: &str, script_name: &str, args: &[&str]) -> Option<(PathBuf, PathBuf)> {
    let python = match python() {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("skipped: {reason}");
            return None;
        }
    };
    let dir = super::scratch(test);
    let status = std::process::Command::new(&python)
        .arg(script(script_name))
        .args(args)
        .arg(&dir)
        .status()
        .expect("python runs");
    assert!(status.success(), "{script_name} {args:?} {}", dir.display());
    Some((python, dir))
}

/// The output of `script_name ARGS...` of tests/python, which must succeed (it panics with
/// the script's output otherwise); `None`, saying why, where the Python environment is
/// missing.
pub fn output(script_name: &str, args: &[&std::path::Path]) -> Option<Vec<u8>> {
    let python = match python() {
        Ok(python) => python,
        Err(reason) => {
            eprintln!("skipped {script_name}: {reason}");
            return None;
        }
    };
    let out = std::process::Command::new(python)
        .arg(script(script_name))
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        out.status.success(),
        "{script_name}:\n{}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    Some(out.stdout)
}

/// Runs the check `script_name ARGS...` of tests/python, which fails (exits non-zero)
/// where pardata's output differs from its reference ([`output`]).
pub fn check(script_name: &str, args: &[&std::path::Path]) {
    output(script_name, args);
}
