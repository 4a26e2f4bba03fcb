//! `pardata sql` against DuckDB: pandas and pyarrow write the inputs (tests/python/
//! sql_reference.py: db-benchmark's group-by table as CSV in byte pieces and as Parquet in
//! row groups with a dictionary column, nulls, quoted text; taxi trips with a UTC time,
//! zero fares and missing passenger counts; a small table to join with), pardata answers
//! each query at 1, 2 and 3 ranks and at 1 rank of 3 threads with the same bytes, and
//! DuckDB's answer to the same SQL on the same files is the reference. Bad queries fail
//! with the place in the query and print no rows.

mod common;

use std::path::{Path, PathBuf};
use std::process::Command;

use common::launch;

/// Small pieces, so that the CSV file is read in byte ranges by every rank.
const PIECES: [(&str, &str); 1] = [("PARDATA_PIECE_BYTES", "200000")];

/// The ranks and threads per rank each query runs on.
const RANKS_AND_THREADS: [(usize, &str); 4] = [(1, "1"), (2, "1"), (3, "1"), (1, "3")];

fn inputs(name: &str) -> Option<(PathBuf, PathBuf)> {
    common::python::inputs(name, "sql_reference.py", &["write"])
}

fn text(path: &Path) -> &str {
    path.to_str().expect("a UTF-8 path")
}

/// The queries, `{g}` the group-by table (CSV or Parquet), `{d}` its Parquet file whose
/// text pages fall back from dictionaries to plain, `{t}` the taxi trips.
const QUERIES: &[&str] = &[
    // db-benchmark's group-by questions 1 to 7 and 10.
    "SELECT id1, sum(v1) AS v1 FROM '{g}' GROUP BY id1 ORDER BY id1",
    "SELECT id1, id2, sum(v1) AS v1 FROM '{g}' GROUP BY id1, id2 ORDER BY id1, id2",
    "SELECT id3, sum(v1) AS v1, avg(v3) AS v3 FROM '{g}' GROUP BY id3 ORDER BY id3",
    "SELECT id4, avg(v1) AS v1, avg(v2) AS v2, avg(v3) AS v3 FROM '{g}' GROUP BY id4 ORDER BY id4",
    "SELECT id6, sum(v1) AS v1, sum(v2) AS v2, sum(v3) AS v3 FROM '{g}' GROUP BY id6 ORDER BY id6",
    "SELECT id4, id5, stddev(v3) AS sd, variance(v3) AS var FROM '{g}' GROUP BY id4, id5 ORDER BY id4, id5",
    "SELECT id3, max(v1) - min(v2) AS range_v1_v2 FROM '{g}' GROUP BY id3 ORDER BY id3",
    "SELECT id1, id2, id3, id4, id5, id6, sum(v3) AS v3, count(*) AS n FROM '{g}' \
     GROUP BY id1, id2, id3, id4, id5, id6 ORDER BY id1, id2, id3, id4, id5, id6 LIMIT 50",
    // Text keys read as dictionaries (Parquet): two of them, one with nulls; after a
    // filter of another column; a file whose pages fall back from dictionary to plain.
    "SELECT id3, id2, count(*) AS n, sum(v2) AS s FROM '{g}' GROUP BY id3, id2 \
     ORDER BY id3, id2 LIMIT 40",
    "SELECT id2, count(*) AS n, avg(v3) AS v3 FROM '{g}' WHERE v2 > 7 GROUP BY id2 ORDER BY id2",
    "SELECT id3, count(*) AS n FROM '{d}' GROUP BY id3 ORDER BY n DESC, id3 LIMIT 20",
    "SELECT note, id2, sum(v2) AS s FROM '{d}' GROUP BY note, id2 ORDER BY note, id2",
    // Output names that are also column names: ORDER BY and HAVING take the output's.
    "SELECT id1, sum(v1) AS v1 FROM '{g}' GROUP BY id1 HAVING v1 > 5700 ORDER BY v1 DESC, id1",
    "SELECT row, CAST(v3 AS BIGINT) AS r, v2 / (v2 - v2) AS inf FROM '{g}' \
     WHERE v3 IS NOT NULL ORDER BY row LIMIT 5",
    // A group key in HAVING; no rows at all (every rank empty).
    "SELECT id1, count(*) AS n FROM '{g}' GROUP BY id1 HAVING id1 = 'id003' OR n > 2040 ORDER BY id1",
    "SELECT row, id1, v3 FROM '{g}' WHERE row < 0",
    // One group of every row; nulls counted and skipped.
    "SELECT count(*) AS n, count(v3) AS c, count(DISTINCT id3) AS d, min(id1) AS lo, \
     max(note) AS hi, sum(v2) AS s, avg(v1) AS m FROM '{g}'",
    // Rows: filters, expressions, top-k, positions, aliases, LIKE, IN, BETWEEN.
    "SELECT row, id1, v1 * 2 + 1 AS x, v3 / v1 AS r, note FROM '{g}' \
     WHERE v1 % 3 = 0 AND id2 <> 'id005' ORDER BY row LIMIT 20",
    "SELECT row, v3 FROM '{g}' ORDER BY v3 DESC, row LIMIT 7",
    // A sort of many rows without LIMIT: the sample sort at 2 and 3 ranks.
    "SELECT row, v3, id1 FROM '{g}' WHERE v2 = 3 ORDER BY v3 DESC, id1, row",
    "SELECT row, id3 FROM '{g}' WHERE v3 IS NULL ORDER BY 2, 1 LIMIT 9",
    "SELECT id2, count(*) AS n FROM '{g}' GROUP BY id2 HAVING count(*) > 1990 ORDER BY n DESC, id2",
    "SELECT count(*) AS n FROM '{g}' WHERE id3 LIKE 'id00000001%' OR id4 IN (1, 2) \
     AND v2 BETWEEN 3 AND 5",
    "SELECT DISTINCT id4, id5 FROM '{g}' WHERE id4 < 3 ORDER BY id4, id5",
    "SELECT row, coalesce(v1, -1) AS v1, CAST(v2 AS DOUBLE) / 4 AS q FROM '{g}' \
     WHERE v1 IS NULL OR NOT v2 > 2 ORDER BY row DESC LIMIT 15",
    // round (half away from zero: v2 / 4 has its halves), at digits below 1, and abs.
    "SELECT row, round(v3, 1) AS r1, round(v3) AS r0, round(v3 * 100, -2) AS h, \
     abs(v1 - 3) AS a, abs(-v3) AS b, round(v1) AS i, round(v2 / 4, 0) AS q, \
     round(-v2 / 4) AS nq, round(v2 * 5 - 25, -1) AS t FROM '{g}' WHERE row < 12 OR v3 IS NULL AND row < 400 ORDER BY row",
    // Joins with a small table (broadcast): duplicate keys, a null key, no match.
    "SELECT g.id1, l.label, count(*) AS n, sum(g.v2) AS s, max(l.v2) AS lv FROM '{g}' AS g \
     JOIN '{l}' AS l ON g.id1 = l.id1 GROUP BY g.id1, l.label ORDER BY g.id1, l.label",
    "SELECT g.row, g.id1, l.label, l.v2 FROM '{g}' g LEFT JOIN '{l}' l ON l.id1 = g.id1 \
     WHERE g.row < 60 AND (l.label IS NULL OR g.row % 5 = 0) ORDER BY g.row, l.label",
    // A self-join of many matches (shuffled at 2 ranks): float sums over rows whose
    // pieces are spread over ranks.
    "SELECT a.id1, count(*) AS n, sum(b.v3) AS s, count(b.v3) AS c, min(b.row) AS lo \
     FROM '{g}' AS a JOIN '{g}' AS b ON a.id3 = b.id3 WHERE a.row < 3000 \
     GROUP BY a.id1 ORDER BY a.id1",
    "SELECT a.row, b.row AS other, b.v3 FROM '{g}' a LEFT JOIN '{g}' b ON a.id6 = b.id6 \
     AND a.id4 = b.id4 WHERE a.row < 400 ORDER BY a.row, other",
    // Numbers made in partitions (`range(n)`, DuckDB's), alone and joined with a file.
    "SELECT range % 10 AS d, count(*) AS n, sum(range) AS s, min(range) AS lo FROM range(200000) \
     WHERE range % 7 = 0 GROUP BY d ORDER BY d",
    "SELECT r.range, g.id1, g.v3 FROM range(30000) r JOIN '{g}' g ON g.row = r.range \
     WHERE g.v2 > 12 AND r.range % 3 = 0 ORDER BY g.v3 DESC, r.range LIMIT 12",
    // JSON Lines in byte pieces: a nested payload kept as text, a key missing on some lines;
    // then only the flat keys read, the nested ones and one of mixed kinds skipped.
    "SELECT type, count(*) AS n, sum(size) AS s, count(size) AS sized, count(payload) AS p \
     FROM '{e}' GROUP BY type ORDER BY type",
    "SELECT type, actor, count(*) AS n, sum(size) AS s FROM '{e}' WHERE size > 3 \
     GROUP BY type, actor ORDER BY n DESC, type, actor LIMIT 8",
    // Filters that skip Parquet row groups by their statistics (`row` and `pickup` are in
    // file order): a range, OR, a literal on the left, a float literal on an integer
    // column, a dictionary column, a zoned time against text, and every group skipped.
    "SELECT row, id1, v3 FROM '{g}' WHERE row >= 9000 AND row < 9010 ORDER BY row",
    "SELECT count(*) AS n, sum(v2) AS s FROM '{g}' WHERE row < 2500 OR row >= 19990",
    "SELECT count(*) AS n, avg(v3) AS m FROM '{g}' WHERE 15000 < row AND id1 = 'id003'",
    "SELECT id1, count(*) AS n FROM '{g}' WHERE row <= 3000.5 AND id1 >= 'id009' GROUP BY id1 ORDER BY id1",
    "SELECT count(*) AS n, max(row) AS last FROM '{g}' WHERE row > 1e9 OR v3 IS NULL AND row = 7",
    "SELECT count(*) AS n, sum(fare_amount) AS fares FROM '{t}' \
     WHERE pickup >= '2015-01-25' AND passenger_count IS NOT NULL",
    // The taxi lesson.
    "SELECT avg(passenger_count) AS passengers FROM '{t}'",
    "SELECT weekday(pickup) AS wd, count(*) AS n FROM '{t}' GROUP BY wd ORDER BY wd",
    "SELECT passenger_count, avg(trip_distance) AS distance, count(*) AS trips FROM '{t}' \
     GROUP BY passenger_count ORDER BY passenger_count",
    "SELECT passenger_count, avg(tip_amount / fare_amount) AS tip_share FROM '{t}' \
     WHERE fare_amount > 0 GROUP BY 1 ORDER BY 1",
    "SELECT hour(pickup) AS h, dayofweek(pickup) AS dow, count(*) AS n, max(tip_amount) AS top \
     FROM '{t}' WHERE payment_type = 1 GROUP BY h, dow ORDER BY n DESC, h, dow LIMIT 10",
    // Resampling: time bins of a zoned time, fixed and calendar ones.
    "SELECT date_trunc('hour', pickup) AS h, count(*) AS n, avg(fare_amount) AS fare \
     FROM '{t}' GROUP BY h ORDER BY h",
    "SELECT time_bucket(INTERVAL '15 minutes', pickup) AS q, count(*) AS n FROM '{t}' \
     WHERE pickup < '2015-01-03' GROUP BY q ORDER BY q",
    "SELECT date_trunc('week', pickup) AS w, date_trunc('month', pickup) AS m, count(*) AS n, \
     sum(tip_amount) AS tips FROM '{t}' GROUP BY w, m ORDER BY w, m",
    // time_bucket of a zoned time bins its UTC time (DuckDB's), whatever the zone.
    "SELECT time_bucket(INTERVAL '1 hour', pickup_ist) AS h, count(*) AS n FROM '{t}' \
     WHERE pickup < '2015-01-03' GROUP BY h ORDER BY h",
];

fn queries(dir: &Path) -> Vec<String> {
    let mut all = Vec::new();
    for query in QUERIES {
        let taxi = text(&dir.join("taxi.parquet")).to_string();
        for table in ["groups.csv", "groups.parquet"] {
            let q = query
                .replace("{g}", text(&dir.join(table)))
                .replace("{t}", &taxi)
                .replace("{d}", text(&dir.join("groups_fallback.parquet")))
                .replace("{l}", text(&dir.join("lookup.csv")))
                .replace("{e}", text(&dir.join("events.jsonl")));
            if !all.contains(&q) {
                all.push(q);
            }
        }
    }
    all
}

#[test]
fn queries_give_duckdbs_answers_at_every_rank_count() {
    let Some((python, dir)) = inputs("sql-duckdb") else {
        return;
    };
    let (asked, got) = (dir.join("queries"), dir.join("got"));
    std::fs::create_dir_all(&asked).expect("a folder");
    std::fs::create_dir_all(&got).expect("a folder");
    for (i, query) in queries(&dir).iter().enumerate() {
        let mut answers = Vec::new();
        for (ranks, threads) in RANKS_AND_THREADS {
            // At 2 ranks every join is a hash shuffle of both sides; elsewhere the small
            // tables are broadcast.
            let broadcast = if ranks == 2 { "0" } else { "16777216" };
            let env = [
                PIECES[0],
                ("PARDATA_THREADS", threads),
                ("PARDATA_BROADCAST_BYTES", broadcast),
            ];
            let run = launch(ranks, &["sql", query, "--format", "csv"], &env).ok();
            answers.push(run.stdout);
        }
        for (i, (ranks, threads)) in RANKS_AND_THREADS.iter().enumerate().skip(1) {
            assert_eq!(
                answers[0], answers[i],
                "1 rank x 1 thread and {ranks} x {threads} differ on {query}"
            );
        }
        std::fs::write(asked.join(format!("{i}.sql")), query).expect("written");
        std::fs::write(got.join(format!("{i}.csv")), &answers[0]).expect("written");
    }
    let output = Command::new(&python)
        .arg(common::python::script("sql_reference.py"))
        .arg("check")
        .arg(&dir)
        .output()
        .expect("python runs");
    let report = String::from_utf8_lossy(&output.stdout);
    assert!(
        output.status.success(),
        "{report}{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert!(report.contains(" 0 differ from DuckDB"), "{report}");
}

#[test]
fn bad_queries_name_the_place_and_print_nothing() {
    let Some((_, dir)) = inputs("sql-bad") else {
        return;
    };
    let groups = text(&dir.join("groups.parquet")).to_string();
    let events = text(&dir.join("events.jsonl")).to_string();
    // A nested value cut short in a key the query does not read.
    let broken = dir.join("broken.jsonl");
    let lines = "{\"type\":\"A\",\"p\":{}}\n{\"type\":\"B\"}\n{\"type\":\"C\",\"p\":[1,{\n";
    std::fs::write(&broken, lines).expect("written");
    let broken = text(&broken).to_string();
    // A line that is not an object before the only line with the key asked for.
    let stops = dir.join("stops.jsonl");
    std::fs::write(&stops, "{\"a\":1}\n[2]\n{\"b\":3}\n").expect("written");
    let stops = text(&stops).to_string();
    let cases = [
        (
            format!("SELECT id1,\n  tip FROM '{groups}'"),
            "query line 2, column 3: no column \"tip\"; the columns are row, id1, id2,",
        ),
        (
            format!("SELECT id1, sum(v1) FROM '{groups}'"),
            "id1 must be in GROUP BY or inside an aggregate",
        ),
        (format!("SELEC id1 FROM '{groups}'"), "Expected"),
        (
            format!("SELECT * EXCLUDE (id1) FROM '{groups}'"),
            "* EXCLUDE, EXCEPT, REPLACE, RENAME and ILIKE are not supported",
        ),
        (
            format!("SELECT count(*) FILTER (WHERE v1 > 2) FROM '{groups}'"),
            "query line 1, column 8: FILTER, OVER (window functions)",
        ),
        (
            format!("SELECT id1 FROM '{groups}' g JOIN '{groups}' h ON g.id1 = h.id1"),
            "query line 1, column 8: id1 is a column of both tables: qualify it (table.id1)",
        ),
        (
            format!("SELECT id1 FROM '{groups}' WHERE id1 + 1 > 2"),
            "Utf8 and Int64 do not go together",
        ),
        (
            format!("SELECT round(id1) FROM '{groups}'"),
            "round(id1, 0): round needs a number, not Utf8",
        ),
        (
            format!("SELECT round(v3, 'x') FROM '{groups}'"),
            "query line 1, column 18: a whole number of digits here",
        ),
        (
            "SELECT a FROM 'no/such.parquet'".to_string(),
            "no/such.parquet",
        ),
        (
            "SELECT * FROM range(1, 5)".to_string(),
            "query line 1, column 15: range(n) takes one count of rows",
        ),
        (
            format!("SELECT id1 FROM '{groups}' ORDER BY 5"),
            "position 5 is not in the select list (1 to 1)",
        ),
        // A key of mixed kinds is an error once it is read, not while it is skipped.
        (
            format!("SELECT type, extra FROM '{events}'"),
            "key \"extra\" holds integers and floats and text on different lines",
        ),
        (
            format!("SELECT count(*) FROM '{broken}'"),
            "broken.jsonl: line 3: column 20: EOF while parsing an object",
        ),
        (
            format!("SELECT b FROM '{stops}'"),
            "stops.jsonl: line 2: column 0: invalid type: sequence, expected a JSON object",
        ),
    ];
    for (query, expected) in cases {
        for ranks in [1, 2] {
            let run = launch(ranks, &["sql", &query], &[]);
            assert_ne!(run.code, 0, "{query} succeeded");
            assert!(
                run.stdout.trim().is_empty(),
                "{query} printed {}",
                run.stdout
            );
            let errors = run.pardata_errors().join("\n");
            assert!(
                errors.contains(expected),
                "{query}: {errors}\n{}",
                run.stderr
            );
        }
    }
    // A failed --out leaves no file.
    let out = dir.join("never.parquet");
    let query = format!("SELECT id1 FROM '{groups}' WHERE id1 > 3");
    let run = launch(2, &["sql", &query, "--out", text(&out)], &[]);
    assert_ne!(run.code, 0);
    assert!(!out.exists());
}

/// Runs the Python program `args[0]` with the arguments after it; it must print "same".
fn says_same(python: &Path, args: &[&str]) {
    let output = Command::new(python)
        .arg("-c")
        .args(args)
        .output()
        .expect("python runs");
    assert!(
        String::from_utf8_lossy(&output.stdout).contains("same"),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
}

/// A folder's files, name by name, with their bytes.
type Files = Vec<(String, Vec<u8>)>;

/// The files of `folder`.
fn folder_files(folder: &Path) -> Files {
    common::sorted_paths(folder)
        .into_iter()
        .map(|path| {
            let name = path
                .file_name()
                .expect("a file")
                .to_string_lossy()
                .into_owned();
            (name, std::fs::read(&path).expect("a readable file"))
        })
        .collect()
}

#[test]
fn partitions_are_the_same_files_at_every_rank_count_with_duckdbs_rows() {
    let Some((python, dir)) = inputs("sql-partitions") else {
        return;
    };
    let groups = text(&dir.join("groups.parquet")).to_string();
    let taxi = text(&dir.join("taxi.parquet")).to_string();
    let rows = format!("SELECT row, id1, v1, v3, note FROM '{groups}' WHERE v2 > 7");
    let counts = format!(
        "SELECT passenger_count, count(*) AS n, avg(tip_amount) AS tip FROM '{taxi}' \
         GROUP BY passenger_count ORDER BY passenger_count"
    );
    let mut first: Option<[Files; 2]> = None;
    for ranks in [1, 2, 3] {
        let parquet = dir.join(format!("rows{ranks}.parquet"));
        let run = launch(
            ranks,
            &["sql", &rows, "--out", text(&parquet), "--partitions", "5"],
            &PIECES,
        )
        .ok();
        assert!(run.stdout.contains("written to 5 files"), "{}", run.stdout);
        let csv = dir.join(format!("counts{ranks}.csv"));
        launch(
            ranks,
            &["sql", &counts, "--out", text(&csv), "--partitions", "3"],
            &[],
        )
        .ok();
        let files = [folder_files(&parquet), folder_files(&csv)];
        assert_eq!(files[0].len(), 5);
        assert_eq!(files[1].len(), 3);
        match &first {
            None => first = Some(files),
            Some(first) => assert!(*first == files, "{ranks} ranks wrote other files than 1"),
        }
    }
    let check = "import duckdb, glob, sys, pandas as pd\n\
         def parts(folder, read):\n\
         \x20   files = sorted(glob.glob(folder + '/part-*'))\n\
         \x20   return [read(f) for f in files]\n\
         def sizes(n, k):\n\
         \x20   return [(p + 1) * n // k - p * n // k for p in range(k)]\n\
         rows = parts(sys.argv[1], pd.read_parquet)\n\
         want = duckdb.sql(sys.argv[3] + ' ORDER BY row').df()\n\
         assert [len(p) for p in rows] == sizes(len(want), 5), [len(p) for p in rows]\n\
         got = pd.concat(rows, ignore_index=True)\n\
         assert list(got.columns) == list(want.columns), got.columns\n\
         assert got['row'].tolist() == want['row'].tolist()\n\
         for c in ['id1', 'v1', 'v3', 'note']:\n\
         \x20   assert got[c].astype(object).where(got[c].notna(), None).tolist() == \
         want[c].astype(object).where(want[c].notna(), None).tolist(), c\n\
         counts = parts(sys.argv[2], pd.read_csv)\n\
         want = duckdb.sql(sys.argv[4]).df()\n\
         assert [len(p) for p in counts] == sizes(len(want), 3), [len(p) for p in counts]\n\
         got = pd.concat(counts, ignore_index=True)\n\
         assert got['n'].tolist() == want['n'].tolist(), (got, want)\n\
         assert ((got['tip'] - want['tip']).abs() <= 1e-12 * want['tip'].abs()).all()\n\
         print('same')";
    says_same(
        &python,
        &[
            check,
            text(&dir.join("rows1.parquet")),
            text(&dir.join("counts1.csv")),
            &rows,
            &counts,
        ],
    );

    // Writing again replaces a folder of part files.
    let again = dir.join("rows1.parquet");
    launch(
        2,
        &["sql", &rows, "--out", text(&again), "--partitions", "2"],
        &[],
    )
    .ok();
    assert_eq!(folder_files(&again).len(), 2);
    // A folder with other files is left alone; a failed query writes nothing.
    let kept = dir.join("kept.parquet");
    std::fs::create_dir_all(&kept).expect("a writable folder");
    std::fs::write(kept.join("notes.txt"), "mine").expect("a writable folder");
    let run = launch(
        2,
        &["sql", &rows, "--out", text(&kept), "--partitions", "2"],
        &[],
    );
    assert_ne!(run.code, 0);
    let errors = run.pardata_errors().join("\n");
    assert!(
        errors.contains("holds notes.txt, which is not a part file"),
        "{errors}"
    );
    assert_eq!(folder_files(&kept).len(), 1);
    let never = dir.join("never.parquet");
    let bad = format!("SELECT nope FROM '{groups}'");
    let run = launch(
        2,
        &["sql", &bad, "--out", text(&never), "--partitions", "2"],
        &[],
    );
    assert_ne!(run.code, 0);
    assert!(!never.exists());
    assert!(std::fs::read_dir(&dir).expect("a folder").all(|e| !e
        .expect("an entry")
        .file_name()
        .to_string_lossy()
        .contains("pardata-tmp")));
    for args in [
        vec!["sql", &rows, "--partitions", "2"],
        vec!["sql", &rows, "--out", text(&never), "--partitions", "0"],
    ] {
        let run = launch(1, &args, &[]);
        assert_ne!(run.code, 0, "{args:?}");
        assert!(!never.exists());
    }
}

#[test]
fn out_writes_a_file_pandas_reads_and_explain_shows_the_exchange() {
    let Some((python, dir)) = inputs("sql-out") else {
        return;
    };
    let groups = text(&dir.join("groups.csv")).to_string();
    let out = dir.join("means.parquet");
    let query = format!("SELECT id1, avg(v3) AS v3 FROM '{groups}' GROUP BY id1 ORDER BY id1");
    let run = launch(2, &["sql", &query, "--out", text(&out)], &PIECES).ok();
    assert!(run.stdout.contains("10 rows written to"), "{}", run.stdout);
    let check = "import pandas as pd, sys\n\
         got = pd.read_parquet(sys.argv[1])\n\
         want = pd.read_csv(sys.argv[2]).groupby('id1', as_index=False)['v3'].mean()\n\
         assert list(got.columns) == ['id1', 'v3'], got.columns\n\
         assert (got['id1'] == want['id1']).all()\n\
         assert ((got['v3'] - want['v3']).abs() < 1e-9 * want['v3'].abs()).all()\n\
         print('same')";
    says_same(&python, &[check, text(&out), &groups]);
    let joined = format!(
        "SELECT a.id1, count(*) AS n FROM '{groups}' a JOIN '{groups}' b ON a.id3 = b.id3 \
         GROUP BY a.id1"
    );
    let shuffled = [PIECES[0], ("PARDATA_BROADCAST_BYTES", "0")];
    let run = launch(2, &["sql", &joined, "--explain"], &shuffled).ok();
    assert!(
        run.stdout
            .contains("hash shuffle of both sides by the join keys"),
        "{}",
        run.stdout
    );
    let run = launch(2, &["sql", &joined, "--explain"], &PIECES).ok();
    assert!(
        run.stdout.contains("broadcast: the right side's rows"),
        "{}",
        run.stdout
    );
    let run = launch(2, &["sql", &query, "--explain"], &PIECES).ok();
    assert!(
        run.stdout
            .contains("exchange: all-to-all of partial states"),
        "{}",
        run.stdout
    );
    assert!(
        run.stdout.contains("scan 1 file(s) in 7 piece(s)"),
        "{}",
        run.stdout
    );
}

#[test]
fn filters_skip_the_row_groups_their_statistics_rule_out() {
    let Some((python, dir)) = inputs("sql-prune") else {
        return;
    };
    let (groups, taxi) = (dir.join("groups.parquet"), dir.join("taxi.parquet"));
    // pyarrow reads every row group and counts those where no row passes: the groups a
    // scan may skip, all of which the statistics rule out for columns in file order.
    let count = "import pyarrow.parquet as pq, sys\n\
         f = pq.ParquetFile(sys.argv[1])\n\
         none = 0\n\
         for i in range(f.num_row_groups):\n\
         \x20   t = f.read_row_group(i).to_pandas()\n\
         \x20   none += not eval(sys.argv[2]).any()\n\
         print(f'{none} of {f.num_row_groups}')";
    let cases = [
        (
            &groups,
            "row >= 9000 AND row < 9010",
            "(t.row >= 9000) & (t.row < 9010)",
        ),
        (
            &groups,
            "row < 2500 OR 19990 <= row",
            "(t.row < 2500) | (t.row >= 19990)",
        ),
        (&groups, "row > 1e9", "t.row > 1e9"),
        (&groups, "v3 IS NULL", "t.v3.isna()"),
        (&taxi, "pickup >= '2015-01-25'", "t.pickup >= '2015-01-25'"),
    ];
    for (file, filter, pandas) in cases {
        let output = Command::new(&python)
            .args(["-c", count, text(file), pandas])
            .output()
            .expect("python runs");
        let expected = String::from_utf8_lossy(&output.stdout).trim().to_string();
        assert!(
            output.status.success(),
            "{}",
            String::from_utf8_lossy(&output.stderr)
        );
        let query = format!("SELECT count(*) AS n FROM '{}' WHERE {filter}", text(file));
        let run = launch(2, &["sql", &query, "--explain"], &[]).ok();
        let line = format!("Parquet statistics: {expected} row group(s) cannot pass the filter");
        assert!(
            run.stdout.contains(&line),
            "{filter}: want {line}\n{}",
            run.stdout
        );
    }
}
