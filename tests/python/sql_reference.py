"""The inputs and the reference answers of tests/sql.rs.

    sql_reference.py write DIR       pandas and pyarrow write the inputs into DIR
    sql_reference.py check DIR       DuckDB answers each DIR/queries/N.sql; its rows are
                                     compared with pardata's DIR/got/N.csv

Inputs, with the mess of real files:
- groups.csv and groups.parquet: db-benchmark's group-by table shape (id1..id6 keys, v1, v2
  integers, v3 float), 20,000 rows, seeded; nulls in v1, v3 and id3; quoted text with
  commas; the Parquet file in 7 row groups with id1 as a dictionary column;
- groups_fallback.parquet: the same rows (and nulls in note) in 4 row groups whose text
  pages go from dictionary-encoded to plain within a column chunk;
- lookup.csv: the small side of joins (a key twice, a null key, keys of no group row);
- events.jsonl: GitHub-archive-like events, a nested payload, a key missing on some lines,
  a key of numbers, huge integers and escaped text on different lines, a deeper nested key,
  two spacings;
- taxi.parquet: trips with a UTC pickup time (and the same in Asia/Kolkata, +05:30), zero fares, missing passenger counts, tips
  on card payments only, in 3 row groups.

`check` prints one line per query that differs (values within 1e-9 relative, nulls in the
same places, the same column names) and exits 1 if any did.
"""

import json
import pathlib
import sys

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq


def write(out: pathlib.Path) -> None:
    out.mkdir(parents=True, exist_ok=True)
    rng = np.random.default_rng(20261202)
    n = 20_000
    groups = pd.DataFrame(
        {
            "row": np.arange(n),
            "id1": [f"id{k:03d}" for k in rng.integers(1, 11, n)],
            "id2": [f"id{k:03d}" for k in rng.integers(1, 11, n)],
            "id3": [f"id{k:010d}" for k in rng.integers(1, 1001, n)],
            "id4": rng.integers(1, 11, n),
            "id5": rng.integers(1, 11, n),
            "id6": rng.integers(1, 1001, n),
            "v1": rng.integers(1, 6, n).astype("float64"),
            "v2": rng.integers(1, 16, n),
            "v3": np.round(rng.uniform(0, 100, n), 6),
            "note": rng.choice(['plain', 'with, comma', 'say "hi"', ''], n),
        }
    )
    groups.loc[rng.random(n) < 0.03, "v1"] = np.nan
    groups.loc[rng.random(n) < 0.05, "v3"] = np.nan
    groups.loc[rng.random(n) < 0.01, "id3"] = None
    groups["v1"] = groups["v1"].astype("Int64")
    groups.to_csv(out / "groups.csv", index=False)
    table = pa.Table.from_pandas(groups, preserve_index=False)
    table = table.set_column(
        table.schema.get_field_index("id1"), "id1", table.column("id1").dictionary_encode()
    )
    pq.write_table(table, out / "groups.parquet", row_group_size=3_000)
    # The same rows whose text chunks start dictionary-encoded and go on in plain pages
    # (a dictionary page over its size limit), with some nulls in note.
    fallback = groups.assign(note=groups["note"].where(rng.random(n) > 0.02, None))
    pq.write_table(
        pa.Table.from_pandas(fallback, preserve_index=False),
        out / "groups_fallback.parquet",
        row_group_size=5_000,
        dictionary_pagesize_limit=2_000,
        data_page_size=4_000,
    )

    # The small side of joins: duplicate keys, a null key, keys without a match.
    pd.DataFrame(
        {
            "id1": ["id001", "id002", "id003", "id003", "id004", "id005", "id006", "id007", "id008", None],
            "label": ["L1", "L2", "L3a", "L3b", "L4", "L5", "L6", "L7", "L8", "Lnull"],
            "v2": [0, 1, 2, 3, 4, 5, 6, 7, 8, 9],
        }
    ).to_csv(out / "lookup.csv", index=False)

    # GitHub-archive-like events: a nested payload (null on some lines), a key missing from
    # some lines.
    kinds = np.array(["PushEvent", "WatchEvent", "IssuesEvent", "ForkEvent"])
    events = pd.DataFrame(
        {
            "type": kinds[rng.integers(0, 4, 6_000)],
            "actor": [f"user{k}" for k in rng.integers(0, 300, 6_000)],
            "size": rng.integers(0, 20, 6_000),
        }
    )
    with open(out / "events.jsonl", "w") as f:
        for i, row in enumerate(events.itertuples(index=False)):
            line = {"type": row.type, "actor": row.actor}
            if i % 7:
                line["size"] = int(row.size)
            line["payload"] = None if i % 5 == 0 else {"n": i % 3, "tags": ["a", "b"][: i % 3]}
            # Keys that a query of other columns skips: one of numbers, huge integers and
            # text with escapes on different lines, and one nested deeper with text in it.
            line["extra"] = [i, 2**70 + i, f'say "hi" \u00e9 {i}\n', i / 4][i % 4]
            if i % 3 == 0:
                line["org"] = {"login": f"org{i % 11}", "meta": [{"v": [1, {"w": "}]"}]}, None]}
            f.write(json.dumps(line, separators=(",", ":") if i % 2 else (", ", ": ")) + "\n")

    m = 5_000
    pickup = pd.Timestamp("2015-01-01", tz="UTC") + pd.to_timedelta(
        np.sort(rng.integers(0, 31 * 24 * 3600, m)), unit="s"
    )
    payment = rng.choice([1, 2, 3], m, p=[0.6, 0.35, 0.05])
    fare = np.round(rng.gamma(2.0, 6.0, m), 2)
    fare[rng.random(m) < 0.02] = 0.0
    tip = np.where(payment == 1, np.round(fare * rng.uniform(0, 0.3, m), 2), 0.0)
    passengers = pd.array(rng.choice([1, 2, 3, 4, 5, 6], m, p=[0.7, 0.14, 0.05, 0.03, 0.05, 0.03]), dtype="Int64")
    passengers[rng.random(m) < 0.02] = pd.NA
    taxi = pd.DataFrame(
        {
            "pickup": pickup,
            "pickup_ist": pickup.tz_convert("Asia/Kolkata"),
            "passenger_count": passengers,
            "trip_distance": np.round(rng.gamma(1.5, 2.0, m), 2),
            "payment_type": payment,
            "fare_amount": fare,
            "tip_amount": tip,
        }
    )
    pq.write_table(pa.Table.from_pandas(taxi, preserve_index=False), out / "taxi.parquet", row_group_size=2_000)


def times(column: pd.Series):
    """The column as instants, when it is text of times (each engine writes them its own
    way: `2015-01-01T00:00:00Z`, `2015-01-01 00:00:00+00:00`), else None."""
    textual = pd.api.types.is_object_dtype(column) or pd.api.types.is_string_dtype(column)
    if not textual or not column.astype(str).str.match(r"^\d{4}-\d\d-\d\d[ T]").all():
        return None
    try:
        return pd.to_datetime(column, utc=True, format="ISO8601")
    except (ValueError, TypeError):
        return None


def same(expected: pd.DataFrame, got: pd.DataFrame) -> str:
    if list(expected.columns) != list(got.columns):
        return f"columns {list(got.columns)}, DuckDB {list(expected.columns)}"
    if len(expected) != len(got):
        return f"{len(got)} rows, DuckDB {len(expected)}"
    for name in expected.columns:
        e, g = expected[name], got[name]
        if (e.isna() != g.isna()).any():
            at = int(np.argmax((e.isna() != g.isna()).to_numpy()))
            return f"column {name}, row {at}: {g.iloc[at]!r}, DuckDB {e.iloc[at]!r}"
        e, g = e[~e.isna()], g[~g.isna()]
        if pd.api.types.is_numeric_dtype(e) and pd.api.types.is_numeric_dtype(g):
            close = np.isclose(g.to_numpy(float), e.to_numpy(float), rtol=1e-9, atol=1e-12)
            if not close.all():
                at = int(np.argmin(close))
                return f"column {name}: {g.iloc[at]!r}, DuckDB {e.iloc[at]!r}"
        elif times(e) is not None and times(g) is not None:
            te, tg = times(e).to_numpy(), times(g).to_numpy()
            if (te != tg).any():
                at = int(np.argmax(te != tg))
                return f"column {name}: {g.iloc[at]!r}, DuckDB {e.iloc[at]!r}"
        elif (e.astype(str).to_numpy() != g.astype(str).to_numpy()).any():
            at = int(np.argmax(e.astype(str).to_numpy() != g.astype(str).to_numpy()))
            return f"column {name}: {g.iloc[at]!r}, DuckDB {e.iloc[at]!r}"
    return ""


def check(out: pathlib.Path) -> int:
    import duckdb

    db = duckdb.connect()
    db.execute("SET TimeZone = 'UTC'")
    failures = 0
    queries = sorted((out / "queries").glob("*.sql"), key=lambda p: int(p.stem))
    for path in queries:
        query = path.read_text()
        expected = db.execute(query).df()
        got_path = out / "got" / f"{path.stem}.csv"
        got = pd.read_csv(got_path, keep_default_na=False, na_values=[""]) if got_path.stat().st_size else pd.DataFrame()
        # DuckDB's frame read back the way pardata's CSV is read, so that types compare.
        expected_csv = out / "got" / f"{path.stem}.duckdb.csv"
        expected.to_csv(expected_csv, index=False)
        expected = pd.read_csv(expected_csv, keep_default_na=False, na_values=[""])
        problem = same(expected, got)
        print(f"{path.stem}: {'ok' if not problem else problem}  [{query.strip()}]")
        failures += bool(problem)
    print(f"{len(queries)} queries, {failures} differ from DuckDB")
    return 1 if failures else 0


if __name__ == "__main__":
    command, folder = sys.argv[1], pathlib.Path(sys.argv[2])
    if command == "write":
        write(folder)
    else:
        sys.exit(check(folder))
