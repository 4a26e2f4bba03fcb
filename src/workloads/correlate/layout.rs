//! The series of the user's tables (CSV, JSON Lines, Parquet), in the three layouts of
//! `correlate --layout`, each rank holding the series the pair plan gives it:
//! - `files`: each file is one series (the column `--column`), named after the file;
//! - `wide`: every numeric column of the table is a series (or those of `--columns`), the
//!   rows of all files one after another;
//! - `long`: rows of (series name `--by`, time `--time`, value `--value`), as
//!   `symbol,date,price`: the series are the names, in sorted order, as pandas' `pivot`
//!   makes its columns.
//!
//! With a time column (`--time`, required for `long`), the series are aligned on it as
//! pandas aligns a `DatetimeIndex`: the time index is every time of every series, sorted;
//! a series has NaN at the times it lacks, and each pair then uses the times both have
//! (pairwise-complete), so the answer is that of
//! `df.pivot(index=T, columns=K, values=V).corr()`. As `DataFrame.corr` does, infinities
//! are left out like NaN (they are read as missing values). A time that appears twice in one
//! series is an error, as pandas' pivot refuses it. In `wide`, a row is one time for every
//! series, so the time column only leaves the series.
//!
//! Reading: `files` reads each series on the rank that owns it; `wide` and `long` read the
//! pieces of the files (whole CSV and JSON Lines files, Parquet row groups) where they
//! fall, then one all-to-all brings each rank the values of the series it owns.

use std::collections::BTreeSet;
use std::path::PathBuf;

use crate::patterns::pairs::PairPlan;
use crate::runtime::{Activity, JobFailure, World};
use crate::table::columns::{is_numeric, numbers, texts, times};
use crate::table::pieces::{agreed, read_block, stem};
use crate::table::{read, ReadOptions, TableError};

/// How the series lie in the tables.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Layout {
    /// Each file one series.
    Files,
    /// Each numeric column one series.
    Wide,
    /// Rows of (name, time, value).
    Long,
}

/// Which columns of the tables hold the series.
#[derive(Debug, Clone)]
pub struct Columns {
    /// The layout.
    pub layout: Layout,
    /// `files`: the value column of each file.
    pub column: String,
    /// `wide`: the series columns (every numeric column when `None`).
    pub columns: Option<Vec<String>>,
    /// `long`: the column naming the series.
    pub by: Option<String>,
    /// `long`: the value column.
    pub value: Option<String>,
    /// The time column to align on.
    pub time: Option<String>,
    /// The frame or dataset of HDF5 inputs.
    pub key: Option<String>,
}

/// The series as the pair plan shares them out.
pub struct Series {
    /// Every series' name, in order (on every rank).
    pub names: Vec<String>,
    /// The plan of `names.len()` series over the ranks.
    pub plan: PairPlan,
    /// This rank's series (`plan.owned_by(rank)`), aligned when a time column was given.
    pub owned: Vec<Vec<f64>>,
    /// How the series were aligned, for the summary.
    pub alignment: Alignment,
}

/// How the series were lined up against each other.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct Alignment {
    /// The time column, when the series were aligned on one.
    pub time: Option<String>,
    /// The number of distinct times (the length of every aligned series).
    pub times: usize,
    /// The fewest and the most values a series has (non-null values when aligned).
    pub shortest: usize,
    /// See `shortest`.
    pub longest: usize,
}

/// Reads the series of `files` as `columns` says (a collective).
pub fn series(
    world: &World,
    files: &[PathBuf],
    columns: &Columns,
    types: &crate::table::schema::Types,
) -> Result<Series, JobFailure> {
    if columns.layout == Layout::Long
        && (columns.by.is_none() || columns.value.is_none() || columns.time.is_none())
    {
        return world.fail_together(
            "--layout long needs --by (the series name column), --value and --time",
        );
    }
    let csv = ReadOptions {
        key: columns.key.clone(),
        numbers_only: true,
        types: types.clone(),
        ..ReadOptions::default()
    };
    let (names, owned_raw, plan) = match columns.layout {
        Layout::Files => files_layout(world, files, columns, &csv)?,
        Layout::Wide => wide_layout(world, files, columns, &csv)?,
        Layout::Long => long_layout(world, files, columns, &csv)?,
    };
    let mut owned = owned_raw;
    // DataFrame.corr leaves out every value that is not finite, infinities too.
    for value in owned.iter_mut().flatten() {
        if value.is_infinite() {
            *value = f64::NAN;
        }
    }
    let counts: Vec<usize> = owned
        .iter()
        .map(|v| v.iter().filter(|x| !x.is_nan()).count())
        .collect();
    let counts: Vec<usize> = world.all_gather(&counts).into_iter().flatten().collect();
    let lengths: Vec<usize> = world
        .all_gather(&owned.iter().map(Vec::len).collect::<Vec<_>>())
        .into_iter()
        .flatten()
        .collect();
    let aligned = columns.time.is_some() && columns.layout != Layout::Wide;
    let measure = if aligned { &counts } else { &lengths };
    let alignment = Alignment {
        time: columns.time.clone().filter(|_| aligned),
        times: if aligned {
            lengths.first().copied().unwrap_or(0)
        } else {
            0
        },
        shortest: measure.iter().copied().min().unwrap_or(0),
        longest: measure.iter().copied().max().unwrap_or(0),
    };
    Ok(Series {
        names,
        plan,
        owned,
        alignment,
    })
}

type Read = (Vec<String>, Vec<Vec<f64>>, PairPlan);

/// The message of a table error (agreement adds the rank and host).
fn message(error: TableError) -> String {
    error.to_string()
}

fn files_layout(
    world: &World,
    files: &[PathBuf],
    columns: &Columns,
    csv: &ReadOptions,
) -> Result<Read, JobFailure> {
    let names: Vec<String> = files.iter().map(|p| stem(p)).collect();
    let mut sorted: Vec<(&String, &PathBuf)> = names.iter().zip(files).collect();
    sorted.sort();
    if let Some(pair) = sorted.windows(2).find(|w| w[0].0 == w[1].0) {
        return world.fail_together(format!(
            "{} and {} would both be the series {:?}: give one of them",
            pair[0].1.display(),
            pair[1].1.display(),
            pair[0].0
        ));
    }
    let plan = PairPlan::new(files.len(), world.size());
    let range = plan.owned_by(world.rank());
    let read_one = |path: &PathBuf| -> Result<(Vec<f64>, Option<Vec<i64>>), TableError> {
        let table = read(path, csv)?;
        let values = numbers(&table, &columns.column)?;
        let stamps = match &columns.time {
            Some(time) => Some(times(&table, time)?),
            None => None,
        };
        Ok((values, stamps))
    };
    let mine: Result<Vec<_>, String> = world.time(Activity::Io, "read tables", || {
        files[range.clone()]
            .iter()
            .map(|p| read_one(p).map_err(message))
            .collect()
    });
    let mine = world.agree(mine)?;
    let owned = match &columns.time {
        None => mine.into_iter().map(|(values, _)| values).collect(),
        Some(_) => {
            let series: Vec<(Vec<i64>, Vec<f64>)> = mine
                .into_iter()
                .map(|(values, stamps)| (stamps.unwrap_or_default(), values))
                .collect();
            let checked: Result<(), String> = series
                .iter()
                .zip(&files[range.clone()])
                .try_for_each(|((stamps, _), path)| {
                    duplicate(stamps).map_or(Ok(()), |t| {
                        Err(format!(
                            "{}: the time {} appears twice: --time needs one row per time",
                            path.display(),
                            show_time(t),
                        ))
                    })
                });
            world.agree(checked)?;
            let index = union_of_times(world, series.iter().map(|(t, _)| t.as_slice()));
            series
                .into_iter()
                .map(|(stamps, values)| dense(&index, &stamps, &values))
                .collect()
        }
    };
    Ok((names, owned, plan))
}

fn wide_layout(
    world: &World,
    files: &[PathBuf],
    columns: &Columns,
    csv: &ReadOptions,
) -> Result<Read, JobFailure> {
    let (all, options) = agreed(world, files, csv)?;
    let csv = &options;
    let tables = world.time(Activity::Io, "read tables", || {
        read_block(&all, world.size(), world.rank(), csv).map_err(message)
    });
    let tables = world.agree(tables)?;
    // The series: the columns asked for, or the numeric columns of the first table (in
    // rank order) other than the time column.
    let proposed: Option<Vec<String>> = tables.first().map(|table| match &columns.columns {
        Some(asked) => asked.clone(),
        None => table
            .schema
            .fields()
            .iter()
            .filter(|f| is_numeric(f.data_type()) && Some(f.name()) != columns.time.as_ref())
            .map(|f| f.name().clone())
            .collect(),
    });
    let names: Vec<String> = world
        .all_gather(&proposed)
        .into_iter()
        .flatten()
        .next()
        .unwrap_or_default();
    let plan = PairPlan::new(names.len(), world.size());
    let local: Result<Vec<Vec<f64>>, String> = names
        .iter()
        .map(|name| {
            let mut values = Vec::new();
            for table in &tables {
                values.extend(numbers(table, name).map_err(message)?);
            }
            Ok(values)
        })
        .collect();
    let local = world.agree(local)?;
    let rows = local.first().map_or(0, Vec::len);
    let rows_of = world.all_gather(&rows);
    // Each destination gets its series' values of this rank's rows.
    let mut send = Vec::with_capacity(rows * names.len());
    let mut counts = Vec::with_capacity(world.size());
    for destination in 0..world.size() {
        let owned = plan.owned_by(destination);
        counts.push(owned.len() * rows);
        for j in owned {
            send.extend_from_slice(&local[j]);
        }
    }
    drop(local);
    let (received, _) = world.all_to_all_slices(&send, &counts);
    let owned_range = plan.owned_by(world.rank());
    let mut owned: Vec<Vec<f64>> =
        vec![Vec::with_capacity(rows_of.iter().sum()); owned_range.len()];
    let mut at = 0;
    for &rows in &rows_of {
        for series in owned.iter_mut() {
            series.extend_from_slice(&received[at..at + rows]);
            at += rows;
        }
    }
    Ok((names, owned, plan))
}

fn long_layout(
    world: &World,
    files: &[PathBuf],
    columns: &Columns,
    csv: &ReadOptions,
) -> Result<Read, JobFailure> {
    let (by, value, time) = match (&columns.by, &columns.value, &columns.time) {
        (Some(by), Some(value), Some(time)) => (by, value, time),
        _ => return world.fail_together("--layout long needs --by, --value and --time"),
    };
    let (all, options) = agreed(world, files, csv)?;
    let csv = &options;
    let rows = world.time(Activity::Io, "read tables", || {
        read_block(&all, world.size(), world.rank(), csv).and_then(|tables| {
            let mut rows = (Vec::new(), Vec::new(), Vec::new());
            for table in &tables {
                rows.0.extend(texts(table, by)?);
                rows.1.extend(times(table, time)?);
                rows.2.extend(numbers(table, value)?);
            }
            Ok(rows)
        })
    });
    let (keys, stamps, values) = world.agree(rows.map_err(message))?;
    let local_names: BTreeSet<&String> = keys.iter().collect();
    let names: Vec<String> = world
        .all_gather(&local_names.into_iter().cloned().collect::<Vec<String>>())
        .into_iter()
        .flatten()
        .collect::<BTreeSet<String>>()
        .into_iter()
        .collect();
    let index = union_of_times(world, std::iter::once(stamps.as_slice()));
    let plan = PairPlan::new(names.len(), world.size());
    let owner_of: Vec<usize> = (0..world.size())
        .flat_map(|r| plan.owned_by(r).map(move |_| r))
        .collect();
    // (series, time, value) triples, grouped by the rank that owns the series.
    let mut order: Vec<usize> = (0..keys.len()).collect();
    let series_of: Vec<usize> = keys
        .iter()
        .map(|key| names.binary_search(key).unwrap_or(0))
        .collect();
    order.sort_by_key(|&row| owner_of[series_of[row]]);
    let mut counts = vec![0usize; world.size()];
    for &row in &order {
        counts[owner_of[series_of[row]]] += 1;
    }
    let series_sent: Vec<u64> = order.iter().map(|&row| series_of[row] as u64).collect();
    let times_sent: Vec<u64> = order
        .iter()
        .map(|&row| index.binary_search(&stamps[row]).unwrap_or(0) as u64)
        .collect();
    let values_sent: Vec<f64> = order.iter().map(|&row| values[row]).collect();
    let (series_got, _) = world.all_to_all_slices(&series_sent, &counts);
    let (times_got, _) = world.all_to_all_slices(&times_sent, &counts);
    let (values_got, _) = world.all_to_all_slices(&values_sent, &counts);
    let owned_range = plan.owned_by(world.rank());
    let mut owned = vec![vec![f64::NAN; index.len()]; owned_range.len()];
    let mut seen = vec![vec![false; index.len()]; owned_range.len()];
    let mut twice = None;
    for ((&series, &at), &value) in series_got.iter().zip(&times_got).zip(&values_got) {
        let local = series as usize - owned_range.start;
        if std::mem::replace(&mut seen[local][at as usize], true) {
            twice.get_or_insert((series as usize, index[at as usize]));
        }
        owned[local][at as usize] = value;
    }
    let checked = match twice {
        Some((series, time)) => Err(format!(
            "series {:?} has two rows for the time {}: --layout long needs one row per series and time (pandas' pivot refuses them too)",
            names[series],
            show_time(time),
        )),
        None => Ok(()),
    };
    world.agree(checked)?;
    Ok((names, owned, plan))
}

/// Every time of every rank's `series`, sorted and distinct (a collective).
fn union_of_times<'a>(world: &World, series: impl Iterator<Item = &'a [i64]>) -> Vec<i64> {
    let mut mine: Vec<i64> = series.flatten().copied().collect();
    mine.sort_unstable();
    mine.dedup();
    let mut all: Vec<i64> = world.all_gather(&mine).into_iter().flatten().collect();
    all.sort_unstable();
    all.dedup();
    all
}

/// A time that appears twice among `stamps`, if any.
fn duplicate(stamps: &[i64]) -> Option<i64> {
    let mut sorted = stamps.to_vec();
    sorted.sort_unstable();
    sorted.windows(2).find(|w| w[0] == w[1]).map(|w| w[0])
}

/// The series of `values` at `stamps`, on the time `index` (NaN where it has no value).
fn dense(index: &[i64], stamps: &[i64], values: &[f64]) -> Vec<f64> {
    let mut aligned = vec![f64::NAN; index.len()];
    for (stamp, value) in stamps.iter().zip(values) {
        if let Ok(at) = index.binary_search(stamp) {
            aligned[at] = *value;
        }
    }
    aligned
}

/// An instant in nanoseconds as ISO 8601 text, for messages.
fn show_time(nanos: i64) -> String {
    chrono::DateTime::from_timestamp_nanos(nanos)
        .naive_utc()
        .to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dense_series_have_nan_where_their_time_is_missing() {
        let index = [10, 20, 30, 40];
        let aligned = dense(&index, &[40, 10], &[4.0, 1.0]);
        assert_eq!(aligned[0], 1.0);
        assert!(aligned[1].is_nan() && aligned[2].is_nan());
        assert_eq!(aligned[3], 4.0);
        assert_eq!(duplicate(&[3, 1, 3]), Some(3));
        assert_eq!(duplicate(&[3, 1, 2]), None);
    }
}
