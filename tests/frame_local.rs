//! `Frame::range` and `Frame::from_local` (examples/frame_local.rs) against a sequential
//! computation in the test: a filter and a group-by with `first` and `last` over `0..n`
//! in partitions (the same at 1, 2 and 3 ranks, with more ranks than partitions too), and
//! a top-k of every rank's own rows. Also `pardata bench partitions`, the tuning lesson:
//! every count of partitions is measured and the curve drawn.

mod common;

use common::{example, launch, launch_program, scratch};

/// What the example prints for `0..rows` grouped by the last digit of the multiples of 7.
fn by_digit(rows: i64) -> Vec<String> {
    (0..10)
        .map(|digit| {
            let xs: Vec<i64> = (0..rows)
                .filter(|x| x % 7 == 0 && x % 10 == digit)
                .collect();
            let sum: i64 = xs.iter().sum();
            format!(
                "range,{digit},{},{sum},{},{}",
                xs.len(),
                xs[0],
                xs[xs.len() - 1]
            )
        })
        .collect()
}

/// The top 3 of every rank's rows `r * 1000 + 0..5` by `value % 2`, descending, ties in
/// rank order.
fn local_top(ranks: i64) -> Vec<String> {
    let mut rows: Vec<(i64, i64)> = (0..ranks)
        .flat_map(|r| (0..5).map(move |i| (r * 1000 + i, r)))
        .collect();
    rows.sort_by_key(|(value, _)| std::cmp::Reverse(value % 2));
    rows.iter()
        .take(3)
        .map(|(value, rank)| format!("local,{value},r{rank}"))
        .collect()
}

#[test]
fn range_and_from_local_give_the_sequential_answers_at_every_rank_count() {
    let dir = scratch("frame_local");
    let program = example("frame_local");
    for (rows, partitions) in [(100_003, "37"), (5_000, "2")] {
        for ranks in [1, 2, 3] {
            let run =
                launch_program(&program, &dir, ranks, &[&rows.to_string(), partitions], &[]).ok();
            let mut expected = by_digit(rows);
            expected.extend(local_top(ranks as i64));
            let got: Vec<&str> = run.stdout.lines().collect();
            assert_eq!(
                got, expected,
                "{rows} rows in {partitions} partitions, {ranks} ranks"
            );
        }
    }
}

/// The even numbers of `0..rows` that rank `rank` of `ranks` holds after a repartition
/// into 5: those of its block of the 5 partitions of equal row counts.
fn evens_of_rank(rows: u64, ranks: u64, rank: u64) -> Vec<String> {
    let start = |p: u64| p * rows / 5;
    let (base, extra) = (5 / ranks, 5 % ranks);
    let first = rank * base + rank.min(extra);
    let last = first + base + u64::from(rank < extra);
    (start(first)..start(last))
        .filter(|x| x % 2 == 0)
        .map(|x| x.to_string())
        .collect()
}

#[test]
fn steps_after_a_repartition_run_on_the_ranks_that_hold_its_partitions() {
    let dir = scratch("frame_local_write");
    let program = example("frame_local");
    let rows = 10_001u64;
    for ranks in [1, 2, 3] {
        let folder = dir.join(format!("evens{ranks}.csv"));
        let args = [
            &rows.to_string(),
            "3",
            folder.to_str().expect("a UTF-8 path"),
        ];
        let run = launch_program(&program, &dir, ranks, &args, &[]).ok();
        let evens = rows.div_ceil(2);
        assert!(
            run.stdout.contains(&format!("written,{ranks},{evens}")),
            "{}",
            run.stdout
        );
        for rank in 0..ranks {
            let file = folder.join(format!("part-{rank:05}.csv"));
            let text = std::fs::read_to_string(&file).expect("a part file");
            let got: Vec<&str> = text.lines().skip(1).collect();
            let expected = evens_of_rank(rows, ranks as u64, rank as u64);
            assert_eq!(got, expected, "{} at {ranks} ranks", file.display());
        }
    }
}

#[test]
fn bench_partitions_measures_every_count_and_draws_the_curve() {
    let dir = scratch("bench_partitions");
    let plot = dir.join("tuning.svg");
    let plot = plot.to_str().expect("a UTF-8 path");
    let run = launch(
        2,
        &[
            "bench",
            "partitions",
            "--rows",
            "200000",
            "--plot",
            plot,
            "--format",
            "json",
        ],
        &[],
    )
    .ok();
    let summary: serde_json::Value = serde_json::from_str(&run.stdout).expect("one JSON document");
    let points = summary["points"].as_array().expect("points");
    let counts: Vec<u64> = points
        .iter()
        .map(|p| p["partitions_per_rank"].as_u64().expect("a count"))
        .collect();
    assert_eq!(
        counts,
        [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000]
    );
    for p in points {
        let per_rank = p["partitions_per_rank"].as_u64().expect("a count");
        assert_eq!(
            p["rows_per_partition"].as_u64(),
            Some(200_000 / (2 * per_rank))
        );
        assert!(p["seconds"].as_f64().expect("seconds") > 0.0);
    }
    let svg = std::fs::read_to_string(plot).expect("the plot");
    assert!(
        svg.starts_with("<svg") && svg.contains("partitions per rank"),
        "{svg}"
    );
}
