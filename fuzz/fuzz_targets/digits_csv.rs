//! The samples CSV reader (`cvsearch --data`): any text gives samples or an error naming the
//! line and column, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = pardata::workloads::cvsearch::digits::parse("fuzz.csv", text);
});
