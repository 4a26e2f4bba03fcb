//! `--trace FILE`: a Chrome trace event file with one named process per rank and a complete
//! event per span, clocks on one time line; written for a failed job too.

mod common;

use std::collections::BTreeSet;
use std::path::Path;

use common::{launch, scratch, tutorial_frames};

/// The trace's events, parsed.
fn events(path: &Path) -> Vec<serde_json::Value> {
    let text = std::fs::read_to_string(path).expect("the trace was written");
    let document: serde_json::Value = serde_json::from_str(&text).expect("the trace is JSON");
    document["traceEvents"]
        .as_array()
        .expect("traceEvents")
        .clone()
}

#[test]
fn every_rank_is_a_named_process_with_its_spans() {
    let dir = scratch("trace-ranks");
    let json = tutorial_frames(&dir);
    let trace = dir.join("trace.json");
    let run = launch(
        3,
        &[
            "correlate",
            json.to_str().unwrap(),
            "--engine",
            "bag",
            "--trace",
            trace.to_str().unwrap(),
        ],
        &[],
    )
    .ok();
    assert!(
        run.stdout.starts_with("aet matches with luv"),
        "{}",
        run.stdout
    );
    let events = events(&trace);
    let names: Vec<&str> = events
        .iter()
        .filter(|e| e["name"] == "process_name")
        .filter_map(|e| e["args"]["name"].as_str())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
    for (rank, name) in names.iter().enumerate() {
        assert!(name.starts_with(&format!("rank {rank} on ")), "{name}");
    }
    let spans: Vec<&serde_json::Value> = events.iter().filter(|e| e["ph"] == "X").collect();
    for rank in 0..3 {
        let kinds: BTreeSet<&str> = spans
            .iter()
            .filter(|e| e["pid"] == rank)
            .filter_map(|e| e["cat"].as_str())
            .collect();
        for kind in ["compute", "io", "comm"] {
            assert!(
                kinds.contains(kind),
                "rank {rank} has no {kind} span: {kinds:?}"
            );
        }
    }
    let moved: u64 = spans
        .iter()
        .filter(|e| e["cat"] == "comm")
        .filter_map(|e| e["args"]["bytes"].as_u64())
        .sum();
    assert!(moved > 1_000_000, "the series travelled: {moved} bytes");
    let end = spans
        .iter()
        .map(|e| e["ts"].as_u64().unwrap() + e["dur"].as_u64().unwrap())
        .max()
        .unwrap();
    assert!(
        end < 60_000_000,
        "one time line of under a minute: {end} us"
    );
}

#[test]
fn a_failed_job_still_leaves_its_trace() {
    let dir = scratch("trace-failed");
    std::fs::create_dir_all(&dir).unwrap();
    let trace = dir.join("trace.json");
    let run = launch(
        2,
        &[
            "correlate",
            dir.join("missing").to_str().unwrap(),
            "--trace",
            trace.to_str().unwrap(),
        ],
        &[],
    );
    assert_ne!(run.code, 0);
    let names = events(&trace)
        .iter()
        .filter(|e| e["name"] == "process_name")
        .count();
    assert_eq!(names, 2);
}

/// The names of the compute spans of a correlate run with `engine` on 2 ranks.
fn compute_span_names(dir: &Path, json: &Path, engine: &str) -> Vec<String> {
    let trace = dir.join(format!("trace-{engine}.json"));
    launch(
        2,
        &[
            "correlate",
            json.to_str().unwrap(),
            "--engine",
            engine,
            "--trace",
            trace.to_str().unwrap(),
        ],
        &[],
    )
    .ok();
    events(&trace)
        .iter()
        .filter(|e| e["ph"] == "X" && e["cat"] == "compute")
        .filter_map(|e| e["name"].as_str().map(String::from))
        .collect()
}

#[test]
fn block_pairs_and_tasks_are_named_in_the_trace() {
    let dir = scratch("trace-names");
    let json = tutorial_frames(&dir);
    let blocks: BTreeSet<String> = compute_span_names(&dir, &json, "blocks")
        .into_iter()
        .filter(|name| name.starts_with("block pair ("))
        .collect();
    assert!(blocks.contains("block pair (0, 0)"), "{blocks:?}");
    let mut ids = Vec::new();
    let mut tasks = BTreeSet::new();
    for name in compute_span_names(&dir, &json, "futures") {
        if let Some((id, task)) = name
            .strip_prefix("task ")
            .and_then(|rest| rest.split_once(": "))
        {
            ids.push(id.parse::<usize>().expect("a task id"));
            tasks.insert(task.to_string());
        }
    }
    ids.sort_unstable();
    assert_eq!(ids, (0..ids.len()).collect::<Vec<_>>(), "each task once");
    assert_eq!(tasks, blocks, "the same block pairs, as tasks");
}
