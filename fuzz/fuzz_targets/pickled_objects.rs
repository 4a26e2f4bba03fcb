//! The reader of pickled numpy object arrays (pandas' fixed-format text blocks, what
//! `convert` and `sql` read from HDF5): any bytes give an array or an error, never a
//! panic, and run no code.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|bytes: &[u8]| {
    let _ = pardata::io::frame::unpickle::objects(bytes);
});
