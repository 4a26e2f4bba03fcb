//! The workloads (prep, convert, correlate, stats, cvsearch, sql, the benchmarks, and jobs that
//! chain them): each a function of the runtime and its options, called the same way on
//! every rank. `Task` is what the command line (or a job file) asks for, and `execute`
//! runs it.

pub mod bench;
pub mod convert;
pub mod correlate;
pub mod cvsearch;
pub mod doctor;
pub mod job;
pub mod prep;
pub mod sql;
pub mod stats;
pub mod tuning;

use std::fmt;

use serde::Serialize;

use crate::runtime::{JobFailure, World};

/// How results are shown.
#[derive(Debug, Clone, Copy)]
pub struct Settings {
    /// No progress output (read by the front end, which installs the views).
    pub quiet: bool,
    /// One JSON document on stdout instead of text.
    pub json: bool,
}

/// One thing to do.
#[derive(Debug, Clone)]
pub enum Task {
    Prep(prep::PrepOptions),
    PrepTaxi(prep::taxi::TaxiOptions),
    PrepEvents(prep::events::EventsOptions),
    Convert(convert::ConvertOptions),
    Correlate(correlate::CorrelateOptions),
    BenchOverhead(bench::OverheadOptions),
    BenchPartitions(tuning::TuningOptions),
    Stats(stats::StatsOptions),
    Cvsearch(cvsearch::CvsearchOptions),
    Doctor(doctor::DoctorOptions),
    Sql(sql::SqlOptions),
    Job(job::Job),
}

/// What a task produced.
#[derive(Debug, Serialize)]
#[serde(untagged)]
pub enum Outcome {
    Prep(prep::PrepSummary),
    PrepTaxi(prep::taxi::TaxiSummary),
    PrepEvents(prep::events::EventsSummary),
    Convert(convert::ConvertSummary),
    Correlate(correlate::CorrelateSummary),
    BenchOverhead(bench::OverheadSummary),
    BenchPartitions(tuning::TuningSummary),
    Stats(stats::StatsSummary),
    Cvsearch(cvsearch::CvsearchSummary),
    Doctor(doctor::DoctorSummary),
    Sql(sql::SqlSummary),
    Job(job::JobSummary),
}

impl fmt::Display for Outcome {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Outcome::Prep(summary) => summary.fmt(f),
            Outcome::PrepTaxi(summary) => summary.fmt(f),
            Outcome::PrepEvents(summary) => summary.fmt(f),
            Outcome::Convert(summary) => summary.fmt(f),
            Outcome::Correlate(summary) => summary.fmt(f),
            Outcome::BenchOverhead(summary) => summary.fmt(f),
            Outcome::BenchPartitions(summary) => summary.fmt(f),
            Outcome::Stats(summary) => summary.fmt(f),
            Outcome::Cvsearch(summary) => summary.fmt(f),
            Outcome::Doctor(summary) => summary.fmt(f),
            Outcome::Sql(summary) => summary.fmt(f),
            Outcome::Job(summary) => summary.fmt(f),
        }
    }
}

/// Runs a task on every rank (a collective).
pub fn execute(world: &World, task: &Task, settings: Settings) -> Result<Outcome, JobFailure> {
    match task {
        Task::Prep(options) => prep::prep(world, options).map(Outcome::Prep),
        Task::PrepTaxi(options) => prep::taxi::prep_taxi(world, options).map(Outcome::PrepTaxi),
        Task::PrepEvents(options) => {
            prep::events::prep_events(world, options).map(Outcome::PrepEvents)
        }
        Task::Convert(options) => convert::convert(world, options).map(Outcome::Convert),
        Task::Correlate(options) => correlate::correlate(world, options).map(Outcome::Correlate),
        Task::BenchOverhead(options) => bench::overhead(world, options).map(Outcome::BenchOverhead),
        Task::BenchPartitions(options) => {
            tuning::partitions(world, options).map(Outcome::BenchPartitions)
        }
        Task::Stats(options) => stats::stats(world, options).map(Outcome::Stats),
        Task::Cvsearch(options) => cvsearch::cvsearch(world, options).map(Outcome::Cvsearch),
        Task::Doctor(options) => doctor::doctor(world, options).map(Outcome::Doctor),
        Task::Sql(options) => sql::sql(world, options).map(Outcome::Sql),
        Task::Job(job) => job::run(world, job, settings).map(Outcome::Job),
    }
}
