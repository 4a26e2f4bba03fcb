//! Property tests of `Bag` under mpirun: every operation against the same steps in plain
//! sequential code, on random inputs drawn by proptest (keyed integers, empty inputs and
//! inputs smaller than the rank count among them), shrunk to a smallest failing input.
//!
//! Every rank draws the same inputs (a fixed seed) and every case's verdict is agreed on by
//! all ranks, so the ranks run the same collectives while proptest searches and shrinks.
//! Rank 0 prints `ok: PROPERTY` per property that held, or the smallest failing input.
//!
//! ```sh
//! mpirun -n 3 target/release/examples/bag_props
//! ```

use std::collections::{BTreeMap, BTreeSet};

use pardata::patterns::bag::JoinStrategy;
use pardata::prelude::*;
use proptest::collection::vec;
use proptest::test_runner::{Config, RngAlgorithm, TestCaseError, TestRng, TestRunner};

/// Keyed values: few keys, so groups and joins have many members.
type Data = Vec<(u8, i32)>;

/// One property: the Bag result and the sequential one agree (on this rank).
type Property = fn(&World, &Data) -> bool;

fn narrow(world: &World, data: &Data) -> bool {
    let expected: Vec<i64> = data
        .iter()
        .filter(|(k, _)| k % 3 != 0)
        .flat_map(|&(k, v)| [i64::from(v), i64::from(k)])
        .collect();
    let got = Bag::from_vec(world, data.clone())
        .filter(|(k, _)| k % 3 != 0)
        .flat_map(|(k, v)| [i64::from(v), i64::from(k)])
        .collect_all();
    got == expected
}

fn group_by(world: &World, data: &Data) -> bool {
    let mut expected: BTreeMap<u8, Vec<i32>> = BTreeMap::new();
    for &(k, v) in data {
        expected.entry(k).or_default().push(v);
    }
    let got = Bag::from_vec(world, data.clone())
        .group_by(|(k, _)| *k)
        .map(|(k, members)| (k, members.into_iter().map(|(_, v)| v).collect::<Vec<_>>()))
        .collect_all();
    got == expected.into_iter().collect::<Vec<_>>()
}

fn sums_per_key(data: &Data) -> Vec<(u8, i64)> {
    let mut sums: BTreeMap<u8, i64> = BTreeMap::new();
    for &(k, v) in data {
        *sums.entry(k).or_default() += i64::from(v);
    }
    sums.into_iter().collect()
}

/// `fold_by` and `aggregate_by` (the planner's choice) sum per key.
fn keyed_sums(world: &World, data: &Data) -> bool {
    let bag = || Bag::from_vec(world, data.clone());
    let fold = |s: i64, (_, v): (u8, i32)| s + i64::from(v);
    let folded = bag()
        .fold_by(|(k, _)| *k, || 0i64, fold, |a, b| a + b)
        .collect_all();
    let planned = bag()
        .aggregate_by(|(k, _)| *k, || 0i64, fold, |a, b| a + b)
        .collect_all();
    let expected = sums_per_key(data);
    folded == expected && planned == expected
}

fn distinct_and_frequencies(world: &World, data: &Data) -> bool {
    let keys: Vec<u8> = data.iter().map(|(k, _)| *k).collect();
    let expected_distinct: Vec<u8> = keys
        .iter()
        .copied()
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let mut expected_counts: BTreeMap<u8, u64> = BTreeMap::new();
    for &k in &keys {
        *expected_counts.entry(k).or_default() += 1;
    }
    let distinct = Bag::from_vec(world, keys.clone()).distinct().collect_all();
    let counts = Bag::from_vec(world, keys).frequencies().collect_all();
    distinct == expected_distinct && counts == expected_counts.into_iter().collect::<Vec<_>>()
}

fn joins(world: &World, data: &Data) -> bool {
    let (left, right): (Data, Data) = data.iter().partition(|(_, v)| v % 2 == 0);
    let mut by_left = Vec::new();
    for (k, v) in &left {
        for (_, w) in right.iter().filter(|(rk, _)| rk == k) {
            by_left.push((*k, (*v, *w)));
        }
    }
    let mut by_key = by_left.clone();
    by_key.sort_by_key(|(k, _)| *k);
    let join = |strategy| {
        Bag::from_vec(world, left.clone())
            .join_with(Bag::from_vec(world, right.clone()), strategy)
            .collect_all()
    };
    join(JoinStrategy::Broadcast) == by_left && join(JoinStrategy::Shuffle) == by_key
}

fn product(world: &World, data: &Data) -> bool {
    let small: Vec<i32> = data.iter().take(20).map(|(_, v)| *v).collect();
    let mut expected = Vec::new();
    for a in &small {
        for b in &small {
            if a < b {
                expected.push((*a, *b));
            }
        }
    }
    let got = Bag::from_vec(world, small.clone())
        .product(Bag::from_vec(world, small))
        .filter(|(a, b)| a < b)
        .collect_all();
    got == expected
}

fn repartition(world: &World, data: &Data) -> bool {
    let expected: Data = data.iter().copied().filter(|(k, _)| *k < 4).collect();
    let got = Bag::from_vec(world, data.clone())
        .filter(|(k, _)| *k < 4)
        .repartition()
        .collect_all();
    got == expected
}

fn actions(world: &World, data: &Data) -> bool {
    let values: Vec<i64> = data.iter().map(|(_, v)| i64::from(*v)).collect();
    let bag = || Bag::from_vec(world, values.clone());
    let mut sorted: Vec<(usize, i64)> = values.iter().copied().enumerate().collect();
    sorted.sort_by(|(i, a), (j, b)| b.cmp(a).then(i.cmp(j)));
    let top: Vec<i64> = sorted.iter().take(5).map(|(_, v)| *v).collect();
    let root_collect = bag().collect();
    bag().count() == values.len() as u64
        && bag().sum() == values.iter().sum::<i64>()
        && bag().min() == values.iter().copied().min()
        && bag().max() == values.iter().copied().max()
        && bag().map(|v| v.to_string()).reduce(|a, b| a + "," + &b)
            == values
                .iter()
                .map(|v| v.to_string())
                .reduce(|a, b| a + "," + &b)
        && bag().take(7) == values.iter().copied().take(7).collect::<Vec<_>>()
        && bag().top_k(5, |v| *v) == top
        && bag().max_by(|v| -v) == values.iter().copied().min_by(|a, b| a.cmp(b))
        && (world.rank() != 0 || root_collect == Some(values.clone()))
}

fn main() -> std::process::ExitCode {
    World::run(program)
}

fn program(world: &World) -> Result<(), String> {
    let properties: [(&str, Property); 9] = [
        ("map, filter, flat_map", narrow),
        ("group_by", group_by),
        ("fold_by and aggregate_by", keyed_sums),
        ("distinct and frequencies", distinct_and_frequencies),
        ("join, broadcast and shuffle", joins),
        ("product", product),
        ("repartition", repartition),
        (
            "count, sum, min, max, reduce, take, top_k, max_by, collect",
            actions,
        ),
        ("an empty bag", |world, _| actions(world, &Vec::new())),
    ];
    let mut failed = Vec::new();
    for (name, property) in properties {
        let config = Config {
            cases: 40,
            failure_persistence: None,
            ..Config::default()
        };
        let mut runner =
            TestRunner::new_with_rng(config, TestRng::deterministic_rng(RngAlgorithm::ChaCha));
        let strategy = vec((0u8..12, -1000i32..1000), 0..120);
        let outcome = runner.run(&strategy, |data| {
            let held = property(world, &data);
            // Every rank learns every rank's verdict, so all of them shrink alike.
            if world.all_gather(&held).into_iter().all(|h| h) {
                Ok(())
            } else {
                Err(TestCaseError::fail("differs from the sequential result"))
            }
        });
        // Every rank has the same outcome: every verdict was shared.
        match outcome {
            Ok(()) => world.say(format_args!("ok: {name}")),
            Err(e) => {
                failed.push(name);
                world.say(format_args!("FAILED: {name}: {e}"));
            }
        }
    }
    if failed.is_empty() {
        Ok(())
    } else {
        Err(format!("properties failed: {}", failed.join("; ")))
    }
}
