//! The hostfile check (`pardata doctor --hostfile`): any text gives hosts or an error naming
//! the line and column, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = pardata::io::hostfile::parse(std::path::Path::new("fuzz-hosts"), text);
});
