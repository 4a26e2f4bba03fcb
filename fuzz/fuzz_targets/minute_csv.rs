//! The minute-bar CSV reader (what `stats` reads): any text gives rows or an error naming
//! the line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = pardata::workloads::stats::parse_rows(std::path::Path::new("fuzz.csv"), text);
});
