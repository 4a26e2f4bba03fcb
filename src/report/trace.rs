//! `--trace FILE`: every rank's spans as one Chrome trace event file (it opens in Perfetto
//! and chrome://tracing): one process per rank, named with its rank and host; one complete
//! event per span (compute, io, comm, wait as the category; the span's name; bytes moved
//! for communication). Clocks are aligned on rank 0's: each rank's offset is measured
//! after a barrier when the trace is written.
//!
//! Writing it is a collective (the spans travel to rank 0, which writes the file under a
//! temporary name and renames it when complete).

use std::path::Path;

use serde_json::{json, Value};

use crate::io::atomic::temporary_path;
use crate::runtime::{JobFailure, World};

/// Writes the trace of every rank's spans so far to `path` (a collective).
pub fn write_trace(world: &World, path: &Path) -> Result<(), JobFailure> {
    let offsets = world.clock_offsets();
    let (origin, spans) = world.spans();
    let gathered = world.gather(&(world.host().to_string(), origin, spans));
    world.on_root(|| {
        let ranks = gathered.unwrap_or_default();
        let offsets = offsets.unwrap_or_default();
        let zero = ranks.first().map_or(0, |(_, origin, _)| *origin as i64);
        let mut events: Vec<Value> = Vec::new();
        for (rank, (host, origin, spans)) in ranks.iter().enumerate() {
            events.push(json!({
                "name": "process_name", "ph": "M", "pid": rank,
                "args": { "name": format!("rank {rank} on {host}") },
            }));
            events.push(json!({
                "name": "process_sort_index", "ph": "M", "pid": rank,
                "args": { "sort_index": rank },
            }));
            // This rank's start on rank 0's clock, from the start of rank 0.
            let shift = *origin as i64 - offsets.get(rank).copied().unwrap_or(0) - zero;
            for span in spans {
                events.push(json!({
                    "name": span.name,
                    "cat": span.activity,
                    "ph": "X",
                    "pid": rank,
                    "tid": 0,
                    "ts": (shift + span.start_us as i64).max(0),
                    "dur": span.end_us.saturating_sub(span.start_us),
                    "args": { "bytes": span.bytes },
                }));
            }
        }
        let document = json!({ "traceEvents": events, "displayTimeUnit": "ms" });
        let temporary = temporary_path(path);
        let written = serde_json::to_vec(&document)
            .map_err(|e| e.to_string())
            .and_then(|bytes| std::fs::write(&temporary, bytes).map_err(|e| e.to_string()))
            .and_then(|()| std::fs::rename(&temporary, path).map_err(|e| e.to_string()));
        if written.is_err() {
            let _ = std::fs::remove_file(&temporary);
        }
        written.map_err(|e| format!("cannot write the trace {}: {e}", path.display()))
    })
}
