//! What the user sees while and after work runs: progress on rank 0. (Traces and the HTML
//! run report come with the reporting issue.)

pub mod progress;
