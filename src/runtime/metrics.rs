//! Timing spans and byte counters per rank: where this rank's time went (computing, reading
//! and writing files, moving data between ranks, waiting for the others) and how many bytes
//! it sent and received.
//!
//! Spans are kept in order with their start and end relative to the rank's start, so that
//! the trace and report layers can draw them; the totals per activity are what summaries
//! print.

use std::time::{Duration, Instant};

use serde::{Deserialize, Serialize};

/// What a span of time was spent on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Activity {
    /// Computing on data this rank holds.
    Compute,
    /// Reading or writing files.
    Io,
    /// Moving data between ranks.
    Comm,
    /// Waiting for the other ranks at an agreement point.
    Wait,
}

impl Activity {
    fn slot(self) -> usize {
        self as usize
    }
}

/// One recorded span of one rank.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Span {
    /// What the time was spent on.
    pub activity: Activity,
    /// What the caller named the span (a task, a file, a collective).
    pub name: String,
    /// Microseconds since this rank started.
    pub start_us: u64,
    /// Microseconds since this rank started, at the span's end.
    pub end_us: u64,
    /// Bytes moved during the span (communication spans).
    pub bytes: u64,
}

/// Seconds spent per activity.
#[derive(Debug, Clone, Copy, Default, Serialize, Deserialize, PartialEq)]
pub struct Seconds {
    /// Seconds in [`Activity::Compute`] spans.
    pub compute: f64,
    /// Seconds in [`Activity::Io`] spans.
    pub io: f64,
    /// Seconds in [`Activity::Comm`] spans.
    pub comm: f64,
    /// Seconds in [`Activity::Wait`] spans.
    pub wait: f64,
}

/// A rank's totals: what summaries and reports print.
#[derive(Debug, Clone, Serialize, Deserialize, PartialEq)]
pub struct RankMetrics {
    /// The rank.
    pub rank: usize,
    /// The host it runs on.
    pub host: String,
    /// Seconds per activity; an enclosing span counts only the time its inner spans did not.
    pub seconds: Seconds,
    /// Bytes this rank sent to other ranks.
    pub bytes_sent: u64,
    /// Bytes this rank received from other ranks.
    pub bytes_received: u64,
    /// How many spans were recorded.
    pub spans: usize,
    /// The most memory this rank's process held at once (Linux's VmHWM), when known.
    pub peak_memory_bytes: Option<u64>,
}

/// The peak resident memory of this process, from `/proc/self/status` (Linux only).
fn peak_memory_bytes() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    let line = status.lines().find(|l| l.starts_with("VmHWM:"))?;
    let kilobytes: u64 = line
        .trim_start_matches("VmHWM:")
        .trim()
        .trim_end_matches("kB")
        .trim()
        .parse()
        .ok()?;
    Some(kilobytes * 1024)
}

/// The recorder of one rank.
#[derive(Debug)]
pub(crate) struct Metrics {
    origin: Instant,
    /// The wall clock at `origin`, in microseconds since the Unix epoch.
    origin_unix_us: u64,
    totals: [Duration; 4],
    bytes_sent: u64,
    bytes_received: u64,
    spans: Vec<Span>,
}

/// The wall clock now, in microseconds since the Unix epoch (0 if the clock is before it).
pub(crate) fn unix_micros() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_micros()).unwrap_or(u64::MAX))
}

/// The current instant, for the start of a span.
pub(crate) fn now() -> Instant {
    Instant::now()
}

impl Metrics {
    pub(crate) fn new() -> Metrics {
        Metrics {
            origin: Instant::now(),
            origin_unix_us: unix_micros(),
            totals: [Duration::ZERO; 4],
            bytes_sent: 0,
            bytes_received: 0,
            spans: Vec::new(),
        }
    }

    /// Records a span from `start` to now.
    pub(crate) fn record(&mut self, activity: Activity, name: &str, start: Instant, bytes: u64) {
        let end = Instant::now();
        self.totals[activity.slot()] += end.saturating_duration_since(start);
        let micros = |t: Instant| {
            u64::try_from(t.saturating_duration_since(self.origin).as_micros()).unwrap_or(u64::MAX)
        };
        self.spans.push(Span {
            activity,
            name: name.to_string(),
            start_us: micros(start),
            end_us: micros(end),
            bytes,
        });
    }

    /// How many spans are recorded so far (where an enclosing span's inner spans begin).
    pub(crate) fn mark(&self) -> usize {
        self.spans.len()
    }

    /// Records a span from `start` to now that encloses the spans recorded since `mark`:
    /// it is placed before them (so that a timeline draws them over it) and its activity
    /// gets only the time they did not take, so that no time is counted twice.
    pub(crate) fn record_enclosing(
        &mut self,
        activity: Activity,
        name: &str,
        start: Instant,
        mark: usize,
    ) {
        let end = Instant::now();
        let inner: u64 = self.spans[mark..]
            .iter()
            .map(|s| s.end_us.saturating_sub(s.start_us))
            .sum();
        let whole = end.saturating_duration_since(start);
        self.totals[activity.slot()] += whole.saturating_sub(Duration::from_micros(inner));
        let micros = |t: Instant| {
            u64::try_from(t.saturating_duration_since(self.origin).as_micros()).unwrap_or(u64::MAX)
        };
        let span = Span {
            activity,
            name: name.to_string(),
            start_us: micros(start),
            end_us: micros(end),
            bytes: 0,
        };
        self.spans.insert(mark, span);
    }

    /// The spans so far, with the wall clock (Unix microseconds) at this rank's start.
    pub(crate) fn spans(&self) -> (u64, Vec<Span>) {
        (self.origin_unix_us, self.spans.clone())
    }

    pub(crate) fn count_bytes(&mut self, sent: u64, received: u64) {
        self.bytes_sent += sent;
        self.bytes_received += received;
    }

    pub(crate) fn summary(&self, rank: usize, host: &str) -> RankMetrics {
        RankMetrics {
            rank,
            host: host.to_string(),
            seconds: Seconds {
                compute: self.totals[Activity::Compute.slot()].as_secs_f64(),
                io: self.totals[Activity::Io.slot()].as_secs_f64(),
                comm: self.totals[Activity::Comm.slot()].as_secs_f64(),
                wait: self.totals[Activity::Wait.slot()].as_secs_f64(),
            },
            bytes_sent: self.bytes_sent,
            bytes_received: self.bytes_received,
            spans: self.spans.len(),
            peak_memory_bytes: peak_memory_bytes(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spans_add_up_per_activity() {
        let mut metrics = Metrics::new();
        let start = now();
        std::thread::sleep(Duration::from_millis(5));
        metrics.record(Activity::Io, "write", start, 0);
        metrics.record(Activity::Comm, "gather", now(), 64);
        metrics.count_bytes(64, 32);
        let summary = metrics.summary(3, "h");
        assert!(summary.seconds.io >= 0.005);
        assert_eq!(summary.seconds.compute, 0.0);
        assert_eq!((summary.bytes_sent, summary.bytes_received), (64, 32));
        assert_eq!(summary.spans, 2);
        assert_eq!(summary.rank, 3);
        if cfg!(target_os = "linux") {
            assert!(
                summary.peak_memory_bytes.is_some_and(|b| b > 1 << 20),
                "a process holds more than 1 MiB"
            );
        }
    }

    #[test]
    fn an_enclosing_span_counts_only_the_time_its_inner_spans_did_not_take() {
        let mut metrics = Metrics::new();
        let (outer, mark) = (now(), metrics.mark());
        std::thread::sleep(Duration::from_millis(5));
        let inner = now();
        std::thread::sleep(Duration::from_millis(20));
        metrics.record(Activity::Comm, "exchange", inner, 8);
        metrics.record_enclosing(Activity::Compute, "stage", outer, mark);
        let seconds = metrics.summary(0, "h").seconds;
        assert!(seconds.comm >= 0.020);
        assert!(
            (0.004..0.015).contains(&seconds.compute),
            "compute without the inner 20 ms: {}",
            seconds.compute
        );
        let (_, spans) = metrics.spans();
        assert_eq!(spans[0].name, "stage", "the enclosing span comes first");
        assert!(spans[0].start_us <= spans[1].start_us && spans[1].end_us <= spans[0].end_us);
    }
}
