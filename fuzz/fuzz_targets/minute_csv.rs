//! The minute-bar CSV reader (what `stats` reads, through the data layer's CSV reader):
//! any bytes give rows or an error naming the file, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = pardata::workloads::stats::parse_rows(std::path::Path::new("fuzz.csv"), bytes);
});
