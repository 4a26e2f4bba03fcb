//! `pardata sql "SELECT ..."`: a query over the user's files ([`crate::frame::sql`]),
//! answered by every rank together; rank 0 prints the rows as a text table (the first
//! 100), as CSV (`--format csv`), or as one JSON document (`--format json`), or writes them
//! to a file (`--out FILE`, any of the data layer's formats, written whole or not at all)
//! or to a folder of files of equal row counts that the ranks write (`--out DIR.parquet
//! --partitions N`, [`crate::frame::Frame::write_partitions`]).
//! `--explain` prints the plan's stages and exchanges instead of running it.

use std::fmt;
use std::path::PathBuf;

use arrow::array::RecordBatch;
use arrow::util::display::{ArrayFormatter, FormatOptions};
use serde::Serialize;

use crate::frame::sql;
use crate::runtime::{JobFailure, RankMetrics, World};
use crate::table::Format;

/// The rows a text table shows; CSV, JSON and `--out` have them all.
const TEXT_ROWS: usize = 100;

/// What to ask.
#[derive(Debug, Clone)]
pub struct SqlOptions {
    /// The query.
    pub query: String,
    /// Write the result to this file instead of printing it.
    pub out: Option<PathBuf>,
    /// Make `out` a folder of this many files of equal row counts, each written by the
    /// rank that holds it.
    pub partitions: Option<usize>,
    /// Print the plan, do not run it.
    pub explain: bool,
    /// Print CSV, not a text table.
    pub csv: bool,
}

/// The answer (on rank 0; empty elsewhere).
#[derive(Debug, Serialize)]
pub struct SqlSummary {
    /// The columns' names.
    pub columns: Vec<String>,
    /// The columns' Arrow types.
    pub types: Vec<String>,
    /// The rows, as JSON objects.
    pub rows: serde_json::Value,
    /// The file written, if `--out` said one.
    pub written: Option<PathBuf>,
    /// The plan, with `--explain`.
    pub plan: Option<String>,
    /// The wall seconds from the query's start on every rank to its rows on rank 0
    /// (after the MPI start, which the launcher's time has too).
    pub seconds: f64,
    /// What each rank did: its seconds per activity, bytes sent and received, and peak
    /// memory.
    pub ranks: Vec<RankMetrics>,
    #[serde(skip)]
    rendered: String,
}

/// Answers the query (a collective).
pub fn sql(world: &World, options: &SqlOptions) -> Result<SqlSummary, JobFailure> {
    world.barrier();
    let started = std::time::Instant::now();
    let frame = sql::plan(world, &options.query)?;
    let frame = match (&options.out, options.partitions) {
        (Some(_), Some(partitions)) => frame.repartition(partitions),
        _ => frame,
    };
    if options.explain {
        let plan = frame.explain();
        return Ok(SqlSummary {
            columns: Vec::new(),
            types: Vec::new(),
            rows: serde_json::Value::Array(Vec::new()),
            written: None,
            rendered: plan.clone(),
            plan: Some(plan),
            seconds: started.elapsed().as_secs_f64(),
            ranks: Vec::new(),
        });
    }
    if let Some(out) = &options.out {
        let schema = world.agree(frame.schema())?;
        let (output, place) = match options.partitions {
            Some(_) => {
                let format = Format::of(out).ok_or_else(|| {
                    format!(
                        "{}: --out takes a folder named .parquet, .csv, .jsonl or .h5 with \
                         --partitions",
                        out.display()
                    )
                });
                let format = world.agree(format)?;
                let output = frame.write_partitions(out, format)?;
                let files = format!("{} files in {}", output.files.len(), out.display());
                (output, files)
            }
            None => (frame.write(out)?, out.display().to_string()),
        };
        let s = if output.rows == 1 { "" } else { "s" };
        let (columns, types) = names_and_types(&schema);
        return Ok(SqlSummary {
            columns,
            types,
            // Written rows are in the files, not repeated in the JSON.
            rows: serde_json::Value::Null,
            written: Some(out.clone()),
            plan: None,
            seconds: started.elapsed().as_secs_f64(),
            ranks: world.all_metrics(),
            rendered: format!("{} row{s} written to {place}", output.rows),
        });
    }
    let batch = frame.collect()?;
    // Rank 0 writes and renders; every rank learns how that went.
    let answered = match batch {
        None => Ok(SqlSummary {
            columns: Vec::new(),
            types: Vec::new(),
            rows: serde_json::Value::Null,
            written: options.out.clone(),
            plan: None,
            seconds: 0.0,
            ranks: Vec::new(),
            rendered: String::new(),
        }),
        Some(batch) => answer(&batch, options, started),
    };
    let mut summary = world.agree(answered)?;
    summary.ranks = world.all_metrics();
    Ok(summary)
}

fn answer(
    batch: &RecordBatch,
    options: &SqlOptions,
    started: std::time::Instant,
) -> Result<SqlSummary, String> {
    let seconds = started.elapsed().as_secs_f64();
    let rendered = match options.csv {
        true => csv_text(batch)?,
        false => text_table(batch),
    };
    let (columns, types) = names_and_types(&batch.schema());
    Ok(SqlSummary {
        columns,
        types,
        rows: json_rows(batch),
        written: None,
        plan: None,
        seconds,
        ranks: Vec::new(),
        rendered,
    })
}

/// The columns' names and Arrow types.
fn names_and_types(schema: &arrow::datatypes::Schema) -> (Vec<String>, Vec<String>) {
    schema
        .fields()
        .iter()
        .map(|f| (f.name().clone(), f.data_type().to_string()))
        .unzip()
}

fn csv_text(batch: &RecordBatch) -> Result<String, String> {
    let mut bytes = Vec::new();
    {
        let mut writer = arrow::csv::WriterBuilder::new()
            .with_header(true)
            .build(&mut bytes);
        writer.write(batch).map_err(|e| e.to_string())?;
    }
    let text = String::from_utf8_lossy(&bytes).into_owned();
    Ok(text.trim_end_matches('\n').to_string())
}

fn json_rows(batch: &RecordBatch) -> serde_json::Value {
    let mut bytes = Vec::new();
    {
        // Nulls written as null (not left out), so every row has every column.
        let mut writer = arrow::json::WriterBuilder::new()
            .with_explicit_nulls(true)
            .build::<_, arrow::json::writer::JsonArray>(&mut bytes);
        if writer.write(batch).and_then(|()| writer.finish()).is_err() {
            return serde_json::Value::Null;
        }
    }
    if bytes.is_empty() {
        return serde_json::Value::Array(Vec::new());
    }
    serde_json::from_slice(&bytes).unwrap_or(serde_json::Value::Null)
}

/// The rows as an aligned table: names, a rule, then the values (numbers to the right,
/// nulls as NULL), the first [`TEXT_ROWS`] of them.
fn text_table(batch: &RecordBatch) -> String {
    let options = FormatOptions::default().with_null("NULL");
    let schema = batch.schema();
    let shown = batch.num_rows().min(TEXT_ROWS);
    let mut cells: Vec<Vec<String>> =
        vec![schema.fields().iter().map(|f| f.name().clone()).collect()];
    let formatters: Vec<Option<ArrayFormatter>> = batch
        .columns()
        .iter()
        .map(|c| ArrayFormatter::try_new(c.as_ref(), &options).ok())
        .collect();
    for row in 0..shown {
        cells.push(
            formatters
                .iter()
                .map(|f| {
                    f.as_ref()
                        .map(|f| f.value(row).to_string())
                        .unwrap_or_default()
                })
                .collect(),
        );
    }
    let widths: Vec<usize> = (0..schema.fields().len())
        .map(|c| {
            cells
                .iter()
                .map(|r| r[c].chars().count())
                .max()
                .unwrap_or(0)
        })
        .collect();
    let right: Vec<bool> = schema
        .fields()
        .iter()
        .map(|f| f.data_type().is_numeric())
        .collect();
    let mut lines = Vec::new();
    for (i, row) in cells.iter().enumerate() {
        let line: Vec<String> = row
            .iter()
            .zip(&widths)
            .zip(&right)
            .map(|((cell, &w), &r)| {
                if r {
                    format!("{cell:>w$}")
                } else {
                    format!("{cell:<w$}")
                }
            })
            .collect();
        lines.push(line.join("  ").trim_end().to_string());
        if i == 0 {
            lines.push(
                widths
                    .iter()
                    .map(|&w| "-".repeat(w))
                    .collect::<Vec<_>>()
                    .join("  "),
            );
        }
    }
    let rows = batch.num_rows();
    if rows > shown {
        lines.push(format!(
            "... {} more rows (--format csv or --out FILE for all)",
            rows - shown
        ));
    }
    lines.push(format!("({rows} row{})", if rows == 1 { "" } else { "s" }));
    lines.join("\n")
}

impl fmt::Display for SqlSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.rendered)
    }
}
