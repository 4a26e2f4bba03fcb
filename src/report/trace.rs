//! `--trace FILE`: every rank's spans as one Chrome trace event file (it opens in Perfetto
//! and chrome://tracing): one process per rank, named with its rank and host; one complete
//! event per span (compute, io, comm, wait as the category; the span's name; bytes moved
//! for communication), on rank 0's clock ([`super::timeline`]).

use std::path::Path;

use serde_json::{json, Value};

use super::{timeline, write_file};
use crate::runtime::{JobFailure, World};

/// Writes the trace of every rank's spans so far to `path` (a collective).
pub fn write_trace(world: &World, path: &Path) -> Result<(), JobFailure> {
    let ranks = timeline::gather(world);
    world.on_root(|| {
        let mut events: Vec<Value> = Vec::new();
        for rank in ranks.unwrap_or_default() {
            let pid = rank.rank;
            events.push(json!({
                "name": "process_name", "ph": "M", "pid": pid,
                "args": { "name": format!("rank {pid} on {}", rank.host) },
            }));
            events.push(json!({
                "name": "process_sort_index", "ph": "M", "pid": pid,
                "args": { "sort_index": pid },
            }));
            for span in rank.spans {
                events.push(json!({
                    "name": span.name,
                    "cat": span.activity,
                    "ph": "X",
                    "pid": pid,
                    "tid": 0,
                    "ts": span.start_us,
                    "dur": span.end_us.saturating_sub(span.start_us),
                    "args": { "bytes": span.bytes },
                }));
            }
        }
        let document = json!({ "traceEvents": events, "displayTimeUnit": "ms" });
        let bytes = serde_json::to_vec(&document).map_err(|e| e.to_string())?;
        write_file(path, &bytes)
    })
}
