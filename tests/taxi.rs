//! `pardata prep --taxi` and the tutorial's taxi questions. The files are the same bytes
//! at 1 and 3 ranks; pandas reads the CSV and the Parquet files as the same 19 columns,
//! with the mess the notebooks meet (missing passenger counts, zero and negative fares,
//! tips on card payments only, totals that add up); and `pardata sql`'s answers to the
//! three questions on either format, at 1 and 2 ranks, equal pandas' on the same files
//! (tests/python/check_taxi.py).

mod common;

use common::{launch, prep, read_tree, scratch};

/// The notebooks' questions: the mean passenger count; the mean trip distance by passenger
/// count; the mean tip fraction by passenger count once zero fares are dropped.
const QUESTIONS: [(&str, &str); 3] = [
    (
        "mean_passengers",
        "SELECT avg(passenger_count) AS mean_passengers FROM '{t}'",
    ),
    (
        "distance_by_passengers",
        "SELECT passenger_count, avg(trip_distance) AS mean_distance FROM '{t}' \
         GROUP BY passenger_count ORDER BY passenger_count",
    ),
    (
        "tip_fraction_by_passengers",
        "SELECT passenger_count, avg(tip_amount / fare_amount) AS tip_fraction FROM '{t}' \
         WHERE fare_amount > 0 GROUP BY 1 ORDER BY 1",
    ),
];

#[test]
fn taxi_files_are_the_same_at_any_rank_count_and_answer_as_pandas_does() {
    let dir = scratch("taxi");
    let (one, three) = (dir.join("one"), dir.join("three"));
    let options = [
        "--taxi",
        "--rows",
        "30000",
        "--file-rows",
        "7000",
        "--seed",
        "5",
    ];
    prep(1, &one, &options);
    prep(3, &three, &options);
    let files = read_tree(&one);
    assert_eq!(
        files.len(),
        10,
        "5 CSV and 5 Parquet files: {:?}",
        files.keys()
    );
    assert!(
        files == read_tree(&three),
        "the files differ between 1 and 3 ranks"
    );

    let answers = one.join("answers");
    std::fs::create_dir_all(&answers).expect("a writable folder");
    for (name, query) in QUESTIONS {
        for format in ["csv", "parquet"] {
            let table = one.join("taxi").join(format);
            let query = query.replace("{t}", table.to_str().expect("a UTF-8 path"));
            for ranks in [1, 2] {
                let run = launch(ranks, &["--format", "json", "sql", &query], &[]).ok();
                let path = answers.join(format!("{name}-{format}-{ranks}.json"));
                std::fs::write(path, run.stdout).expect("a writable folder");
            }
        }
    }
    common::python::check("check_taxi.py", &[&one]);
}

#[test]
fn taxi_options_need_taxi() {
    let run = launch(1, &["prep", "--out", "/nonexistent", "--rows", "10"], &[]);
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("--taxi"), "{}", run.stderr);
    let run = launch(
        1,
        &["prep", "--out", "/nonexistent", "--taxi", "--days", "3"],
        &[],
    );
    assert_ne!(run.code, 0);
    assert!(run.stderr.contains("cannot be used with"), "{}", run.stderr);
}
