//! `pardata prep --taxi`: a seeded, offline month of trips shaped like the 2015 NYC
//! yellow-taxi files of the tutorial's dataframe notebooks.
//!
//! The 19 columns of the TLC's January 2015 file, with their names and types:
//! `VendorID`, `tpep_pickup_datetime`, `tpep_dropoff_datetime`, `passenger_count`,
//! `trip_distance`, the pickup and drop-off longitude and latitude, `RateCodeID`,
//! `store_and_fwd_flag`, `payment_type`, `fare_amount`, `extra`, `mta_tax`, `tip_amount`,
//! `tolls_amount`, `improvement_surcharge` and `total_amount`. Their distributions carry
//! what the notebooks' questions meet in the real file: pickups follow the day's hours,
//! trips are log-normal in time and speed, about 0.5% of passenger counts are missing
//! (null) and a few are 0, some fares are zero or negative (refunds), 1.8% of locations
//! are (0, 0) and the others single-precision GPS readings, tips are recorded on card payments only, and the money columns are whole
//! cents that add up to `total_amount`.
//!
//! Written as `OUT/taxi/csv/yellow_tripdata_2015-01_NN.csv` and
//! `OUT/taxi/parquet/yellow_tripdata_2015-01_NN.parquet` (zstd), files of at most
//! `--file-rows` ([`ROWS_PER_FILE`]) rows, the same rows in both. File `NN`'s rows come
//! from a random stream keyed by the seed and `NN` alone, and the files are shared out
//! over the ranks in blocks, so the tree is byte-identical at every rank count. Each file is written to a
//! temporary name and renamed.

use std::fmt;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Instant;

use arrow::array::{
    ArrayRef, Float64Builder, Int64Builder, StringBuilder, TimestampMicrosecondBuilder,
};
use arrow::datatypes::{DataType, Field, Schema, SchemaRef, TimeUnit};
use arrow::record_batch::RecordBatch;
use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, LogNormal, Normal};
use serde::Serialize;

use super::{create_folder, PrepError};
use crate::patterns::partition::weighted_blocks;
use crate::runtime::fault;
use crate::runtime::{Activity, JobFailure, RankMetrics, World};
use crate::table::write::write_batches;
use crate::table::{Format, Table};

/// The rows of a full month: the TLC's January 2015 file.
pub const FULL_MONTH_ROWS: u64 = 12_748_986;
/// The most rows in one file, unless told otherwise.
pub const ROWS_PER_FILE: u64 = 1_000_000;
/// Rows per record batch inside a file.
const BATCH_ROWS: usize = 65_536;
/// 2015-01-01 00:00:00 in microseconds since the epoch.
const JANUARY_2015_US: i64 = 1_420_070_400_000_000;
const MICROS_PER_SECOND: i64 = 1_000_000;

/// What to generate.
#[derive(Debug, Clone)]
pub struct TaxiOptions {
    /// The folder under which `taxi/csv` and `taxi/parquet` are written.
    pub out: PathBuf,
    pub seed: u64,
    pub rows: u64,
    /// The most rows in one file.
    pub file_rows: u64,
}

/// What one rank wrote; summed over ranks for the summary.
#[derive(Debug, Default, Clone, Copy, Serialize, serde::Deserialize)]
pub struct TaxiCounts {
    pub files: u64,
    pub rows: u64,
    pub csv_bytes: u64,
    pub parquet_bytes: u64,
}

/// The result of `prep --taxi`, printed as one line or as JSON.
#[derive(Debug, Serialize)]
pub struct TaxiSummary {
    pub out: PathBuf,
    #[serde(flatten)]
    pub counts: TaxiCounts,
    pub seconds: f64,
    pub ranks: Vec<RankMetrics>,
}

impl fmt::Display for TaxiSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let c = &self.counts;
        write!(
            f,
            "prep --taxi: {} trips in {} CSV files ({:.1} MB) and {} Parquet files ({:.1} MB) under {} in {:.2} s",
            c.rows,
            c.files,
            c.csv_bytes as f64 / 1e6,
            c.files,
            c.parquet_bytes as f64 / 1e6,
            self.out.join("taxi").display(),
            self.seconds
        )
    }
}

/// Generates the trips (a collective: every rank calls it).
pub fn prep_taxi(world: &World, options: &TaxiOptions) -> Result<TaxiSummary, JobFailure> {
    let started = Instant::now();
    let folders = [
        options.out.join("taxi").join("csv"),
        options.out.join("taxi").join("parquet"),
    ];
    world.agree(folders.iter().try_for_each(|folder| create_folder(folder)))?;
    let files = options.rows.div_ceil(options.file_rows);
    let rows_of = |file: u64| {
        options
            .file_rows
            .min(options.rows - file * options.file_rows)
    };
    let mine = weighted_blocks((0..files).map(rows_of), world.size()).swap_remove(world.rank());
    let outcome = (|| {
        let mut counts = TaxiCounts::default();
        for file in mine {
            fault::checkpoint(world.rank(), "prep")?;
            let rows = rows_of(file as u64);
            let table = world.time(Activity::Compute, "taxi trips", || {
                trips(options.seed, file as u64, rows as usize)
            });
            let name = format!(
                "yellow_tripdata_2015-01_{file:0width$}",
                width = files.to_string().len().max(2)
            );
            for (folder, format, bytes) in [
                (&folders[0], Format::Csv, &mut counts.csv_bytes),
                (&folders[1], Format::Parquet, &mut counts.parquet_bytes),
            ] {
                let path = folder.join(format!("{name}.{}", format.extension()));
                let written = world.time(Activity::Io, "write taxi file", || {
                    write_batches(table.clone().into(), &path, format)
                })?;
                *bytes += written.bytes;
            }
            counts.files += 1;
            counts.rows += rows;
        }
        Ok::<TaxiCounts, PrepError>(counts)
    })();
    let counts = world.agree(outcome)?;
    let counts = world
        .all_gather(&counts)
        .into_iter()
        .fold(TaxiCounts::default(), |a, b| TaxiCounts {
            files: a.files + b.files,
            rows: a.rows + b.rows,
            csv_bytes: a.csv_bytes + b.csv_bytes,
            parquet_bytes: a.parquet_bytes + b.parquet_bytes,
        });
    Ok(TaxiSummary {
        out: options.out.clone(),
        counts,
        seconds: started.elapsed().as_secs_f64(),
        ranks: world.all_metrics(),
    })
}

/// The columns, as the TLC names them.
pub fn schema() -> SchemaRef {
    let float = |name: &str| Field::new(name, DataType::Float64, false);
    let int = |name: &str| Field::new(name, DataType::Int64, false);
    let time = |name: &str| {
        Field::new(
            name,
            DataType::Timestamp(TimeUnit::Microsecond, None),
            false,
        )
    };
    Arc::new(Schema::new(vec![
        int("VendorID"),
        time("tpep_pickup_datetime"),
        time("tpep_dropoff_datetime"),
        Field::new("passenger_count", DataType::Int64, true),
        float("trip_distance"),
        float("pickup_longitude"),
        float("pickup_latitude"),
        int("RateCodeID"),
        Field::new("store_and_fwd_flag", DataType::Utf8, false),
        float("dropoff_longitude"),
        float("dropoff_latitude"),
        int("payment_type"),
        float("fare_amount"),
        float("extra"),
        float("mta_tax"),
        float("tip_amount"),
        float("tolls_amount"),
        float("improvement_surcharge"),
        float("total_amount"),
    ]))
}

/// Relative pickups per hour of the day (midnight first): a quiet dawn, a morning rush, an
/// evening peak.
const HOUR_WEIGHTS: [u32; 24] = [
    38, 28, 21, 15, 11, 10, 20, 34, 41, 41, 40, 42, 45, 45, 47, 46, 41, 48, 57, 60, 55, 52, 50, 45,
];

/// Picks an index of `weights` with probability proportional to its weight.
fn pick(rng: &mut ChaCha8Rng, weights: &[u32]) -> usize {
    let total: u32 = weights.iter().sum();
    let mut draw = rng.random_range(0..total);
    for (i, &w) in weights.iter().enumerate() {
        if draw < w {
            return i;
        }
        draw -= w;
    }
    weights.len() - 1
}

/// Dollars to whole cents, as the meters record them.
fn cents(dollars: f64) -> f64 {
    (dollars * 100.0).round() / 100.0
}

/// The `rows` trips of file `file`, from the stream of (`seed`, `file`).
fn trips(seed: u64, file: u64, rows: usize) -> Table {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(file + 1);
    let schema = schema();
    let mut batches = Vec::with_capacity(rows.div_ceil(BATCH_ROWS));
    let mut left = rows;
    while left > 0 {
        let n = left.min(BATCH_ROWS);
        batches.push(batch(&mut rng, &schema, n));
        left -= n;
    }
    Table {
        path: PathBuf::from(format!("taxi file {file}")),
        schema,
        batches,
    }
}

/// The builders of one batch, a field per column.
struct Columns {
    vendor: Int64Builder,
    pickup: TimestampMicrosecondBuilder,
    dropoff: TimestampMicrosecondBuilder,
    passengers: Int64Builder,
    distance: Float64Builder,
    pickup_lon: Float64Builder,
    pickup_lat: Float64Builder,
    rate: Int64Builder,
    stored: StringBuilder,
    dropoff_lon: Float64Builder,
    dropoff_lat: Float64Builder,
    payment: Int64Builder,
    fare: Float64Builder,
    extra: Float64Builder,
    mta_tax: Float64Builder,
    tip: Float64Builder,
    tolls: Float64Builder,
    surcharge: Float64Builder,
    total: Float64Builder,
}

fn batch(rng: &mut ChaCha8Rng, schema: &SchemaRef, rows: usize) -> RecordBatch {
    let floats = || Float64Builder::with_capacity(rows);
    let ints = || Int64Builder::with_capacity(rows);
    let times = || TimestampMicrosecondBuilder::with_capacity(rows);
    let mut c = Columns {
        vendor: ints(),
        pickup: times(),
        dropoff: times(),
        passengers: ints(),
        distance: floats(),
        pickup_lon: floats(),
        pickup_lat: floats(),
        rate: ints(),
        stored: StringBuilder::with_capacity(rows, rows),
        dropoff_lon: floats(),
        dropoff_lat: floats(),
        payment: ints(),
        fare: floats(),
        extra: floats(),
        mta_tax: floats(),
        tip: floats(),
        tolls: floats(),
        surcharge: floats(),
        total: floats(),
    };
    // Minutes (median 11) and miles per hour (median 11) of a trip; where it starts.
    let minutes = LogNormal::new(11f64.ln(), 0.6).expect("a valid log-normal");
    let speed = LogNormal::new(11f64.ln(), 0.35).expect("a valid log-normal");
    let spread = Normal::new(0.0, 0.025).expect("a valid normal");
    for _ in 0..rows {
        trip(rng, &mut c, &minutes, &speed, &spread);
    }
    let columns: Vec<ArrayRef> = vec![
        Arc::new(c.vendor.finish()),
        Arc::new(c.pickup.finish()),
        Arc::new(c.dropoff.finish()),
        Arc::new(c.passengers.finish()),
        Arc::new(c.distance.finish()),
        Arc::new(c.pickup_lon.finish()),
        Arc::new(c.pickup_lat.finish()),
        Arc::new(c.rate.finish()),
        Arc::new(c.stored.finish()),
        Arc::new(c.dropoff_lon.finish()),
        Arc::new(c.dropoff_lat.finish()),
        Arc::new(c.payment.finish()),
        Arc::new(c.fare.finish()),
        Arc::new(c.extra.finish()),
        Arc::new(c.mta_tax.finish()),
        Arc::new(c.tip.finish()),
        Arc::new(c.tolls.finish()),
        Arc::new(c.surcharge.finish()),
        Arc::new(c.total.finish()),
    ];
    RecordBatch::try_new(schema.clone(), columns).expect("the columns follow the schema")
}

/// One trip's values, appended to `c`.
fn trip(
    rng: &mut ChaCha8Rng,
    c: &mut Columns,
    minutes: &LogNormal<f64>,
    speed: &LogNormal<f64>,
    spread: &Normal<f64>,
) {
    let day = rng.random_range(0..31i64);
    let hour = pick(rng, &HOUR_WEIGHTS) as i64;
    let second = rng.random_range(0..3600i64);
    let pickup = JANUARY_2015_US + ((day * 24 + hour) * 3600 + second) * MICROS_PER_SECOND;
    let duration_min = minutes.sample(rng).clamp(1.0, 180.0);
    let miles = if rng.random_bool(0.006) {
        0.0
    } else {
        cents(duration_min / 60.0 * speed.sample(rng))
    };
    c.vendor.append_value(1 + rng.random_bool(0.52) as i64);
    c.pickup.append_value(pickup);
    c.dropoff
        .append_value(pickup + (duration_min * 60.0).round() as i64 * MICROS_PER_SECOND);
    // 1 to 6 riders, a few 0 (the meter's default), 0.5% not recorded.
    const PASSENGERS: [u32; 7] = [5, 7000, 1400, 400, 200, 630, 365];
    if rng.random_bool(0.005) {
        c.passengers.append_null();
    } else {
        c.passengers.append_value(pick(rng, &PASSENGERS) as i64);
    }
    c.distance.append_value(miles);
    let located = !rng.random_bool(0.018);
    let (lon, lat) = (-73.975 + spread.sample(rng), 40.752 + spread.sample(rng));
    let heading = rng.random_range(0.0..std::f64::consts::TAU);
    let degrees = miles / 60.0;
    // The meters' GPS positions are single-precision floats (-73.99389648437499...).
    let place = |value: f64| if located { value as f32 as f64 } else { 0.0 };
    c.pickup_lon.append_value(place(lon));
    c.pickup_lat.append_value(place(lat));
    // Standard, JFK, Newark, Nassau or Westchester, negotiated, group ride.
    const RATES: [u32; 7] = [0, 9720, 200, 20, 5, 50, 5];
    let rate = pick(rng, &RATES) as i64;
    c.rate.append_value(rate);
    c.stored
        .append_value(if rng.random_bool(0.01) { "Y" } else { "N" });
    c.dropoff_lon
        .append_value(place(lon + degrees * heading.cos()));
    c.dropoff_lat
        .append_value(place(lat + degrees * heading.sin()));
    // Card, cash, no charge, dispute.
    const PAYMENTS: [u32; 5] = [0, 620, 373, 5, 2];
    let payment = pick(rng, &PAYMENTS) as i64;
    c.payment.append_value(payment);
    let meter = 2.5 + 2.5 * miles + 0.1 * duration_min;
    let fare = match rng.random_range(0..10_000) {
        0..=19 => 0.0,
        20..=24 => -(meter * 2.0).round() / 2.0,
        _ if rate == 2 => 52.0,
        _ => (meter * 2.0).round() / 2.0,
    };
    let charged = fare > 0.0;
    let night = !(6..20).contains(&hour);
    // 2015-01-01 was a Thursday: days 2 and 3 of each week are the weekend.
    let rush = (16..20).contains(&hour) && !matches!(day % 7, 2 | 3);
    let extra = match (charged, night, rush) {
        (false, ..) => 0.0,
        (true, true, _) => 0.5,
        (true, false, true) => 1.0,
        _ => 0.0,
    };
    let mta_tax = if charged { 0.5 } else { 0.0 };
    let surcharge = if charged { 0.3 } else { 0.0 };
    let tolls = if charged && rng.random_bool(if rate == 2 { 0.5 } else { 0.04 }) {
        5.33
    } else {
        0.0
    };
    let tip = if charged && payment == 1 && rng.random_bool(0.92) {
        cents(fare * rng.random_range(0.1..0.3))
    } else {
        0.0
    };
    c.fare.append_value(fare);
    c.extra.append_value(extra);
    c.mta_tax.append_value(mta_tax);
    c.tip.append_value(tip);
    c.tolls.append_value(tolls);
    c.surcharge.append_value(surcharge);
    c.total
        .append_value(cents(fare + extra + mta_tax + tip + tolls + surcharge));
}

#[cfg(test)]
mod tests {
    use super::*;
    use arrow::array::{Array, AsArray};
    use arrow::datatypes::{Float64Type, Int64Type};

    #[test]
    fn a_file_is_the_same_rows_from_its_seed_and_index_alone() {
        let a = trips(7, 3, 1000);
        let b = trips(7, 3, 1000);
        let c = trips(7, 4, 1000);
        assert_eq!(a.batches, b.batches);
        assert_ne!(a.batches, c.batches);
    }

    #[test]
    fn tips_are_on_card_payments_and_totals_add_up() {
        let table = trips(1, 0, 20_000);
        let batch = &table.batches[0];
        let column = |name: &str| batch.column(batch.schema().index_of(name).unwrap()).clone();
        let payment = column("payment_type");
        let payment = payment.as_primitive::<Int64Type>();
        let money: Vec<_> = [
            "fare_amount",
            "extra",
            "mta_tax",
            "tip_amount",
            "tolls_amount",
            "improvement_surcharge",
            "total_amount",
        ]
        .iter()
        .map(|name| column(name).as_primitive::<Float64Type>().clone())
        .collect();
        let passengers = column("passenger_count");
        assert!(
            passengers.null_count() > 0,
            "some passenger counts are missing"
        );
        let mut tipped = 0;
        for row in 0..batch.num_rows() {
            let tip = money[3].value(row);
            if tip > 0.0 {
                tipped += 1;
                assert_eq!(
                    payment.value(row),
                    1,
                    "a tip on a payment that is not a card"
                );
            }
            let parts: f64 = money[..6].iter().map(|m| m.value(row)).sum();
            assert!((parts - money[6].value(row)).abs() < 0.005);
        }
        assert!(tipped > batch.num_rows() / 3);
        assert!(money[0].values().contains(&0.0));
    }
}
