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
