//! File formats and safe writing: the text formats of the stock dataset, and output files
//! that appear under their final name only when complete.

pub mod atomic;
pub mod frame;
pub mod hostfile;
pub mod inputs;
pub mod stock;
