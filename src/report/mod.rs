//! What the user sees while and after work runs: progress on rank 0, plots, and where the
//! time went: the trace of every rank's spans (`--trace`) and the HTML run report
//! (`--report`), both drawn from one gathered time line, and a flame graph per rank
//! (`--profile`).

pub mod html;
pub mod plot;
pub mod profile;
pub mod progress;
pub mod timeline;
pub mod trace;

/// Writes a report file whole, under a temporary name renamed when complete.
pub(crate) fn write_file(path: &std::path::Path, bytes: &[u8]) -> Result<(), String> {
    crate::io::atomic::write_if_changed(path, bytes)
        .map(|_| ())
        .map_err(|e| format!("cannot write {}: {e}", path.display()))
}
