//! The job file reader (`pardata run`): any text gives a job or an error naming the file,
//! never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|text: &str| {
    let _ = pardata::workloads::job::JobFile::parse(std::path::Path::new("fuzz.toml"), text);
});
