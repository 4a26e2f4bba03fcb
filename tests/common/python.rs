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
