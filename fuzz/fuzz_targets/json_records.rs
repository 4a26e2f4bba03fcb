//! The JSON Lines stock-record parser (what `convert` reads): any bytes give records or an
//! error naming the line, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = pardata::io::records::parse_stock_json(bytes, std::path::Path::new("fuzz.json"));
});
