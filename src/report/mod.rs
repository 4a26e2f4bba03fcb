//! What the user sees while and after work runs: progress on rank 0, and plots. (Traces and the HTML
//! run report come with the reporting issue.)

pub mod plot;
pub mod progress;
