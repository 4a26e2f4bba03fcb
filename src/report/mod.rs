//! What the user sees while and after work runs: progress on rank 0, plots, and the trace
//! of every rank's spans (`--trace`). (The HTML run report comes with the reporting issue.)

pub mod plot;
pub mod progress;
pub mod trace;
