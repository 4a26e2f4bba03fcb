//! `pardata prep --events` and the count-by-type lesson (examples/events.rs): the hourly
//! files are the same bytes at 1 and 3 ranks, and the counts of the three ways
//! (`Bag::group_by`, `Bag::fold_by`, `Frame`) at 2 and 3 ranks each equal pandas'
//! `value_counts` on the same files (tests/python/count_events.py), with group_by sending
//! far more bytes than the two that combine first.

mod common;

use std::collections::BTreeMap;
use std::path::Path;

use common::{example, launch_program, prep, read_tree, scratch};

/// `way: type=count ... (N bytes between ranks, S s)` lines: the counts and bytes of each way.
fn ways(stdout: &str) -> BTreeMap<String, (BTreeMap<String, u64>, u64)> {
    let mut ways = BTreeMap::new();
    for line in stdout.lines() {
        let Some((way, rest)) = line.split_once(": ") else {
            continue;
        };
        let (counts, bytes) = rest.split_once(" (").expect("(N bytes ...)");
        let counts = counts
            .split(' ')
            .map(|pair| {
                let (kind, n) = pair.split_once('=').expect("type=count");
                (kind.to_string(), n.parse().expect("a count"))
            })
            .collect();
        let bytes = bytes
            .split(' ')
            .next()
            .expect("bytes")
            .parse()
            .expect("bytes");
        ways.insert(way.to_string(), (counts, bytes));
    }
    ways
}

#[test]
fn events_are_the_same_at_any_rank_count_and_counted_as_pandas_counts_them() {
    let dir = scratch("events");
    let (one, three) = (dir.join("one"), dir.join("three"));
    let options = ["--events", "--rows", "12000", "--seed", "9"];
    prep(1, &one, &options);
    prep(3, &three, &options);
    let files = read_tree(&one);
    assert_eq!(files.len(), 24, "{:?}", files.keys());
    assert!(
        files == read_tree(&three),
        "the files differ between 1 and 3 ranks"
    );

    let folder = one.join("events");
    let folder = folder.to_str().expect("a UTF-8 path");
    let program = example("events");
    let expected: Option<BTreeMap<String, u64>> =
        common::python::output("count_events.py", &[Path::new(folder)])
            .map(|out| serde_json::from_slice(&out).expect("pandas' counts as JSON"));
    for ranks in [2, 3] {
        let run = launch_program(&program, &dir, ranks, &[folder], &[]).ok();
        let ways = ways(&run.stdout);
        assert_eq!(ways.len(), 3, "{}", run.stdout);
        let (grouped, grouped_bytes) = &ways["group_by"];
        assert_eq!(grouped.len(), 14, "the fourteen event types: {grouped:?}");
        assert_eq!(grouped.values().sum::<u64>(), 12000);
        for way in ["fold_by", "Frame"] {
            let (counts, bytes) = &ways[way];
            assert_eq!(counts, grouped, "{way} at {ranks} ranks");
            assert!(
                bytes * 100 < *grouped_bytes,
                "{way} sent {bytes}, group_by {grouped_bytes}"
            );
        }
        if let Some(expected) = &expected {
            assert_eq!(grouped, expected, "pandas' value_counts at {ranks} ranks");
        }
    }
}
