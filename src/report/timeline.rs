//! Every rank's spans and totals brought to rank 0 on one time line: what the trace and the
//! HTML report draw. Each rank's clock offset from rank 0's is measured after a barrier.

use crate::runtime::metrics::Span;
use crate::runtime::{RankMetrics, World};

/// One rank's part of the time line.
pub struct RankTimeline {
    /// The rank.
    pub rank: usize,
    /// The host it ran on.
    pub host: String,
    /// Its totals: seconds per activity, bytes sent and received.
    pub metrics: RankMetrics,
    /// Spans with `start_us` and `end_us` on rank 0's clock, from rank 0's start.
    pub spans: Vec<Span>,
}

/// Gathers every rank's time line on rank 0 (`None` elsewhere); a collective.
pub fn gather(world: &World) -> Option<Vec<RankTimeline>> {
    let offsets = world.clock_offsets();
    let (origin, spans) = world.spans();
    let gathered = world.gather(&(
        world.host().to_string(),
        origin,
        world.local_metrics(),
        spans,
    ))?;
    let offsets = offsets.unwrap_or_default();
    let zero = gathered
        .first()
        .map_or(0, |(_, origin, _, _)| *origin as i64);
    Some(
        gathered
            .into_iter()
            .enumerate()
            .map(|(rank, (host, origin, metrics, spans))| {
                // This rank's start on rank 0's clock, from the start of rank 0.
                let shift = origin as i64 - offsets.get(rank).copied().unwrap_or(0) - zero;
                let at = |us: u64| (shift + us as i64).max(0) as u64;
                RankTimeline {
                    rank,
                    host,
                    metrics,
                    spans: spans
                        .into_iter()
                        .map(|s| Span {
                            start_us: at(s.start_us),
                            end_us: at(s.end_us),
                            ..s
                        })
                        .collect(),
                }
            })
            .collect(),
    )
}
