//! The JSON Lines stock-record reader (what `convert` reads: the data layer's decoder with
//! the records' schema): any bytes give records or an error naming the line, never a
//! panic.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let schema = pardata::workloads::convert::stock_schema();
    let lines = Box::new(std::io::Cursor::new(bytes.to_vec()));
    let path = std::path::Path::new("fuzz.json");
    if let Ok(batches) = pardata::table::jsonl::decode_with_schema(path, schema, lines) {
        for batch in batches {
            let _ = batch;
        }
    }
});
