//! Checks of `Bag` against plain sequential code, run by the tests at several rank counts.
//! Rank 0 prints `ok: ...` per check; a failed check on any rank fails every rank through
//! agreement.
//!
//! ```sh
//! mpirun -n 3 target/release/examples/bag_check
//! ```

use std::cell::RefCell;
use std::collections::BTreeMap;
use std::rc::Rc;

use pardata::patterns::bag::JoinStrategy;
use pardata::prelude::*;
use pardata::runtime::progress::ProgressView;

/// What one step's progress view was told (on rank 0).
#[derive(Debug, Clone, Default)]
struct Shown {
    label: String,
    total: Option<u64>,
    updates: Vec<u64>,
    closed: Option<u64>,
}

/// A progress view that writes down what it is told.
struct Recorder {
    log: Rc<RefCell<Vec<Shown>>>,
    index: usize,
}

impl ProgressView for Recorder {
    fn update(&mut self, done: u64) {
        self.log.borrow_mut()[self.index].updates.push(done);
    }

    fn close(&mut self, done: u64) {
        self.log.borrow_mut()[self.index].closed = Some(done);
    }
}

/// Shows every step's progress in a [`Recorder`] writing to the returned log.
fn record_progress(world: &World) -> Rc<RefCell<Vec<Shown>>> {
    let log: Rc<RefCell<Vec<Shown>>> = Rc::default();
    let writer = Rc::clone(&log);
    world.show_progress(Rc::new(move |label: &str, total: Option<u64>| {
        let index = writer.borrow().len();
        writer.borrow_mut().push(Shown {
            label: label.to_string(),
            total,
            ..Shown::default()
        });
        Box::new(Recorder {
            log: Rc::clone(&writer),
            index,
        }) as Box<dyn ProgressView>
    }));
    log
}

/// What was wrong with the progress shown, if anything: a count that went down, past its
/// total, or ended elsewhere than the total.
fn progress_faults(log: &[Shown]) -> Vec<String> {
    log.iter()
        .filter_map(|shown| {
            let counts = shown.updates.iter().chain(shown.closed.iter());
            let rising = shown.updates.windows(2).all(|w| w[0] <= w[1]);
            let within = counts.clone().all(|&c| shown.total.is_none_or(|t| c <= t));
            let complete = shown.total.is_none() || shown.closed == shown.total;
            (!(rising && within && complete)).then(|| format!("{shown:?}"))
        })
        .collect()
}

/// A reproducible list of numbers (xorshift), the same on every rank.
fn numbers(count: usize, seed: u64) -> Vec<i64> {
    let mut x = seed | 1;
    (0..count)
        .map(|_| {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            (x % 1000) as i64 - 500
        })
        .collect()
}

fn checks(world: &World) -> Result<Vec<String>, String> {
    // Every rank makes every check (a failed one must not skip the collectives after it).
    let mut passed = Vec::new();
    let mut failed = Vec::new();
    let root = world.is_root();
    // Every check runs with progress counted, as a user without `--quiet` runs them.
    let progress = record_progress(world);
    let mut check = |name: &str, ok: bool, detail: String| {
        if ok {
            passed.push(format!("ok: {name}"));
        } else {
            failed.push(format!("{name}: {detail}"));
        }
    };
    for (count, label) in [
        (1000usize, "1000 items"),
        (2, "fewer items than ranks"),
        (0, "no items"),
    ] {
        let data = numbers(count, 7 + count as u64);
        let bag = || Bag::from_vec(world, data.clone());

        let expected: Vec<i64> = data
            .iter()
            .map(|x| x * 3)
            .filter(|x| x % 2 == 0)
            .flat_map(|x| [x, -x])
            .collect();
        let got = bag()
            .map(|x| x * 3)
            .filter(|x| x % 2 == 0)
            .flat_map(|x| [x, -x])
            .collect();
        check(
            &format!("map, filter, flat_map keep order ({label})"),
            !root || got.as_ref() == Some(&expected),
            format!("{got:?}"),
        );

        let all = bag()
            .map_partitions(|part| part.into_iter().rev().collect::<Vec<_>>())
            .collect_all();
        let mut sorted_all = all.clone();
        sorted_all.sort();
        let mut sorted_data = data.clone();
        sorted_data.sort();
        check(
            &format!("map_partitions sees each element once ({label})"),
            sorted_all == sorted_data,
            format!("{all:?}"),
        );

        check(
            &format!("count ({label})"),
            bag().count() == count as u64,
            String::new(),
        );
        let sum = bag().fold(0i64, |a, x| a + x, |a, b| a + b);
        check(
            &format!("fold ({label})"),
            sum == data.iter().sum::<i64>(),
            format!("{sum}"),
        );
        let first = bag().take(5);
        check(
            &format!("take ({label})"),
            first == data.iter().copied().take(5).collect::<Vec<_>>(),
            format!("{first:?}"),
        );

        let mut top: Vec<(usize, i64)> = data.iter().copied().enumerate().collect();
        top.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        let expected_top: Vec<i64> = top.iter().take(7).map(|p| p.1).collect();
        let got_top = bag().top_k(7, |x| *x);
        check(
            &format!("top_k without a full sort ({label})"),
            got_top == expected_top,
            format!("{got_top:?}"),
        );
        check(
            &format!("max_by ({label})"),
            bag().max_by(|x| *x) == data.iter().copied().max(),
            String::new(),
        );

        let mut groups: BTreeMap<i64, Vec<i64>> = BTreeMap::new();
        for x in &data {
            groups.entry(x.rem_euclid(7)).or_default().push(*x);
        }
        let got_groups = bag().group_by(|x| x.rem_euclid(7)).collect();
        let expected_groups: Vec<(i64, Vec<i64>)> = groups.clone().into_iter().collect();
        check(
            &format!("group_by: keys in order, values in input order ({label})"),
            !root || got_groups.as_ref() == Some(&expected_groups),
            format!("{got_groups:?}"),
        );

        let sums: Vec<(i64, i64)> = groups.iter().map(|(k, v)| (*k, v.iter().sum())).collect();
        let got_sums = bag()
            .fold_by(|x| x.rem_euclid(7), || 0i64, |a, x| a + x, |a, b| a + b)
            .collect();
        check(
            &format!("fold_by combines before the shuffle ({label})"),
            !root || got_sums.as_ref() == Some(&sums),
            format!("{got_sums:?}"),
        );

        let one_key = bag()
            .fold_by(|_| 0u8, || 0u64, |n, _| n + 1, |a, b| a + b)
            .collect_all();
        let expected_one = if count == 0 {
            vec![]
        } else {
            vec![(0u8, count as u64)]
        };
        check(
            &format!("every key on one rank ({label})"),
            one_key == expected_one,
            format!("{one_key:?}"),
        );

        let mut distinct: Vec<i64> = data.iter().map(|x| x / 100).collect();
        distinct.sort();
        distinct.dedup();
        let got_distinct = bag().map(|x| x / 100).distinct().collect_all();
        check(
            &format!("distinct ({label})"),
            got_distinct == distinct,
            format!("{got_distinct:?}"),
        );
        let mut frequencies: BTreeMap<i64, u64> = BTreeMap::new();
        for x in &data {
            *frequencies.entry(x / 100).or_default() += 1;
        }
        let got_freq = bag().map(|x| x / 100).frequencies().collect_all();
        check(
            &format!("frequencies ({label})"),
            got_freq == frequencies.into_iter().collect::<Vec<_>>(),
            format!("{got_freq:?}"),
        );

        let small: Vec<i64> = data.iter().copied().take(40).collect();
        let expected_pairs: Vec<(i64, i64)> = small
            .iter()
            .flat_map(|a| small.iter().map(move |b| (*a, *b)))
            .collect();
        let got_pairs = Bag::from_vec(world, small.clone())
            .product(Bag::from_vec(world, small.clone()))
            .collect();
        check(
            &format!("product in sequential order ({label})"),
            !root || got_pairs.as_ref() == Some(&expected_pairs),
            format!("{} pairs", got_pairs.map_or(0, |p| p.len())),
        );
    }
    // Joins, repartition and the simple actions.
    let left: Vec<(i64, String)> = numbers(300, 3)
        .into_iter()
        .map(|x| (x % 10, format!("l{x}")))
        .collect();
    let right: Vec<(i64, i64)> = numbers(200, 5).into_iter().map(|x| (x % 12, x)).collect();
    let mut expected_join = Vec::new();
    let keys: std::collections::BTreeSet<i64> = left.iter().map(|(k, _)| *k).collect();
    for k in keys {
        for (_, v) in left.iter().filter(|(lk, _)| *lk == k) {
            for (_, w) in right.iter().filter(|(rk, _)| *rk == k) {
                expected_join.push((k, (v.clone(), *w)));
            }
        }
    }
    let joined = Bag::from_vec(world, left.clone())
        .join_with(Bag::from_vec(world, right.clone()), JoinStrategy::Shuffle)
        .collect_all();
    check(
        "shuffle join pairs equal keys, in key order",
        joined == expected_join,
        format!("{} of {} matches", joined.len(), expected_join.len()),
    );
    let mut expected_broadcast = Vec::new();
    for (k, v) in &left {
        for (_, w) in right.iter().filter(|(rk, _)| rk == k) {
            expected_broadcast.push((*k, (v.clone(), *w)));
        }
    }
    let auto = Bag::from_vec(world, left.clone()).join(Bag::from_vec(world, right.clone()));
    let log = auto.plan_log();
    let joined = auto.collect_all();
    check(
        "a small right side is broadcast: the join in left order",
        joined == expected_broadcast
            && log.decisions() == ["join: the right side has 200 elements: broadcast it"],
        format!(
            "{} of {} matches; {log}",
            joined.len(),
            expected_broadcast.len()
        ),
    );
    let many = 150_000i64;
    let big_right = Bag::from_vec(world, (0..many).collect::<Vec<i64>>()).map(|x| (x % 7, x));
    let auto = Bag::from_vec(world, vec![(3i64, 'a'), (9, 'b')]).join(big_right);
    let log = auto.plan_log();
    let count = auto.count();
    check(
        "a large right side is shuffled with the left",
        count == (0..many).filter(|x| x % 7 == 3).count() as u64
            && log.decisions()[0].ends_with("shuffle both sides"),
        format!("{count} matches; {log}"),
    );
    for (label, modulus) in [("repeated keys", 13i64), ("distinct keys", i64::MAX)] {
        let data = numbers(3000, 17);
        let mut expected: BTreeMap<i64, i64> = BTreeMap::new();
        for (i, x) in data.iter().enumerate() {
            *expected.entry((i as i64) % modulus).or_default() += x;
        }
        let bag = Bag::from_vec(world, data.into_iter().enumerate().collect::<Vec<_>>())
            .aggregate_by(
                move |(i, _)| (*i as i64) % modulus,
                || 0i64,
                |sum, (_, x)| sum + x,
                |a, b| a + b,
            );
        let log = bag.plan_log();
        let got = bag.collect_all();
        let combined = log
            .decisions()
            .iter()
            .any(|d| d.contains("combine on each rank"));
        check(
            &format!("aggregate_by sums per key; the planner's choice fits ({label})"),
            got == expected.into_iter().collect::<Vec<_>>() && combined == (modulus == 13),
            format!("{log}"),
        );
    }
    let data = numbers(500, 11);
    let sparse = Bag::from_vec(world, data.clone())
        .filter(|x| *x > 400)
        .repartition()
        .collect_all();
    check(
        "repartition keeps the elements and their order",
        sparse
            == data
                .iter()
                .copied()
                .filter(|x| *x > 400)
                .collect::<Vec<_>>(),
        String::new(),
    );
    check(
        "sum",
        Bag::from_vec(world, data.clone()).sum() == data.iter().sum::<i64>(),
        String::new(),
    );
    let reduced = Bag::from_vec(world, data.clone())
        .map(|x| x.to_string())
        .reduce(|a, b| a + "," + &b);
    let expected_reduced = data
        .iter()
        .map(|x| x.to_string())
        .collect::<Vec<_>>()
        .join(",");
    check(
        "reduce in input order",
        reduced == Some(expected_reduced),
        String::new(),
    );
    let bounds = (
        Bag::from_vec(world, data.clone()).min(),
        Bag::from_vec(world, data.clone()).max(),
    );
    check(
        "min and max",
        bounds == (data.iter().copied().min(), data.iter().copied().max()),
        format!("{bounds:?}"),
    );
    check(
        "reduce of nothing",
        Bag::from_vec(world, Vec::<i64>::new())
            .reduce(|a, b| a + b)
            .is_none(),
        String::new(),
    );

    // Large values travel through the shuffles.
    let big: Vec<String> = (0..6)
        .map(|i| char::from(b'a' + i as u8).to_string().repeat(1 << 20))
        .collect();
    let grouped = Bag::from_vec(world, big.clone())
        .group_by(|s| s.len())
        .collect_all();
    check(
        "megabyte values through a shuffle",
        grouped == vec![(1 << 20, big)],
        String::new(),
    );

    // The progress of every stage above, and of one pipeline step by step.
    let faults = progress_faults(&progress.borrow());
    check(
        "every stage's progress rose to its size",
        !root || (faults.is_empty() && progress.borrow().len() > 50),
        faults.join(", "),
    );
    progress.borrow_mut().clear();
    let pairs = Bag::from_vec(world, data.clone())
        .filter(|x| x % 2 == 0)
        .product(Bag::from_vec(world, (0..7).collect()))
        .group_by(|(_, b): &(i64, i64)| *b)
        .count();
    let evens = data.iter().filter(|x| *x % 2 == 0).count() as u64;
    let expected = [
        ("bag stage 0 (from_vec)", data.len() as u64),
        ("bag stage 0 (from_vec)", 7), // the right side, a bag of its own
        ("bag stage 2 (product)", evens * 7),
        ("bag stage 3 (group_by)", evens * 7), // the shuffle's output, before grouping
    ];
    let shown: Vec<(String, Option<u64>, Option<u64>)> = progress
        .borrow()
        .iter()
        .map(|s| (s.label.clone(), s.total, s.closed))
        .collect();
    check(
        "the stages of a pipeline count their elements",
        !root
            || (pairs == 7
                && shown
                    == expected
                        .iter()
                        .map(|&(l, n)| (l.to_string(), Some(n), Some(n)))
                        .collect::<Vec<_>>()),
        format!("{pairs} groups; shown {shown:?}"),
    );
    if failed.is_empty() {
        Ok(passed)
    } else {
        Err(failed.join("; "))
    }
}

fn main() -> std::process::ExitCode {
    World::run(program)
}

fn program(world: &World) -> Result<(), JobFailure> {
    // Agreed here, so that rank 0 prints the passed checks only when every rank passed.
    for line in world.agree(checks(world))? {
        world.say(line);
    }
    Ok(())
}
