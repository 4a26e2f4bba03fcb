//! All pairs of many series, spread over the ranks: the shape of the correlation lesson.
//!
//! Series `0..n` start on the ranks that read them (rank r owns the block
//! [`map::block`]`(n, ranks, r)`). They are cut into blocks of [`BLOCK_SIZE`] series; the
//! unordered block pairs (i <= j, a block with itself included) are the units of work. To
//! keep the series a rank must hold small, blocks are put in `g` groups, `g` about
//! `sqrt(2 ranks)`, and the block pairs ordered group pair by group pair; each rank takes a
//! contiguous run of that order, balanced by work (a block with itself counts half). A run
//! then touches about two groups: a rank holds about `2n / sqrt(2 ranks)` series, not `n`.
//!
//! [`exchange`] moves, in one variable-count all-to-all, every series to the ranks whose
//! block pairs need it. The block size does not depend on the rank count, so every pair is
//! computed in the same block pair, with the same shapes, at every rank count.
//!
//! [`map::block`]: super::map::block

use std::collections::BTreeMap;
use std::ops::Range;

use super::map::block;
use super::partition::weighted_blocks;
use crate::runtime::World;

/// Series per block.
pub const BLOCK_SIZE: usize = 256;

/// Who computes which block pairs.
#[derive(Debug, Clone)]
pub struct PairPlan {
    series: usize,
    ranks: usize,
    /// Every block pair in work order, and where each rank's run starts and ends.
    order: Vec<(usize, usize)>,
    runs: Vec<Range<usize>>,
}

impl PairPlan {
    /// The plan for `series` series on `ranks` ranks (every rank computes the same plan).
    pub fn new(series: usize, ranks: usize) -> PairPlan {
        let blocks = series.div_ceil(BLOCK_SIZE);
        let groups = ((2.0 * ranks as f64).sqrt().ceil() as usize).clamp(1, blocks.max(1));
        let group_of = |b: usize| b * groups / blocks.max(1);
        let mut order = Vec::with_capacity(blocks * (blocks + 1) / 2);
        for g in 0..groups {
            for h in g..groups {
                for i in (0..blocks).filter(|&i| group_of(i) == g) {
                    for j in (i..blocks).filter(|&j| group_of(j) == h) {
                        order.push((i, j));
                    }
                }
            }
        }
        let size = |b: usize| (BLOCK_SIZE.min(series - b * BLOCK_SIZE)) as u64;
        let work = order.iter().map(|&(i, j)| {
            if i == j {
                size(i) * (size(i) + 1) / 2
            } else {
                size(i) * size(j)
            }
        });
        let runs = weighted_blocks(work.collect::<Vec<_>>(), ranks);
        PairPlan {
            series,
            ranks,
            order,
            runs,
        }
    }

    /// The number of series.
    pub fn series(&self) -> usize {
        self.series
    }

    /// The number of block pairs over all ranks.
    pub fn pairs(&self) -> usize {
        self.order.len()
    }

    /// The block pairs rank `rank` computes.
    pub fn pairs_of(&self, rank: usize) -> &[(usize, usize)] {
        &self.order[self.runs[rank].clone()]
    }

    /// The series of block `b`.
    pub fn block_series(&self, b: usize) -> Range<usize> {
        b * BLOCK_SIZE..((b + 1) * BLOCK_SIZE).min(self.series)
    }

    /// The blocks rank `rank`'s block pairs touch, in increasing order.
    pub fn blocks_of(&self, rank: usize) -> Vec<usize> {
        let mut blocks: Vec<usize> = self
            .pairs_of(rank)
            .iter()
            .flat_map(|&(i, j)| [i, j])
            .collect();
        blocks.sort_unstable();
        blocks.dedup();
        blocks
    }

    /// The series rank `rank` needs for its block pairs, in increasing order.
    pub fn needed_by(&self, rank: usize) -> Vec<usize> {
        self.blocks_of(rank)
            .into_iter()
            .flat_map(|b| self.block_series(b))
            .collect()
    }

    /// The series rank `rank` reads.
    pub fn owned_by(&self, rank: usize) -> Range<usize> {
        block(self.series, self.ranks, rank)
    }
}

/// What the exchange moved on this rank, against what the plan says it must move.
#[derive(Debug, Clone, Copy, Default, serde::Serialize, serde::Deserialize)]
pub struct ExchangeVolume {
    /// Values this rank sent to other ranks.
    pub sent_values: u64,
    /// Values this rank received from other ranks.
    pub received_values: u64,
    /// Values of the series this rank needs and does not own: the least it must receive.
    pub needed_values: u64,
}

/// Sends every owned series to the ranks that need it, and returns the series this rank
/// needs, by index (its own among them moved, not copied). `owned[k]` is series
/// `plan.owned_by(rank).start + k`; `lengths` holds every series' length as sent (known to
/// all ranks).
pub fn exchange(
    world: &World,
    plan: &PairPlan,
    mut owned: Vec<Vec<f64>>,
    lengths: &[usize],
) -> (BTreeMap<usize, Vec<f64>>, ExchangeVolume) {
    let me = world.rank();
    let mine = plan.owned_by(me);
    let mut send = Vec::new();
    let mut send_counts = Vec::with_capacity(world.size());
    for destination in 0..world.size() {
        let before = send.len();
        if destination != me {
            for index in plan
                .needed_by(destination)
                .into_iter()
                .filter(|i| mine.contains(i))
            {
                send.extend_from_slice(&owned[index - mine.start]);
            }
        }
        send_counts.push(send.len() - before);
    }
    let (received, counts) = world.all_to_all_slices(&send, &send_counts);
    let needed = plan.needed_by(me);
    let mut series = BTreeMap::new();
    let mut offset = 0;
    let mut volume = ExchangeVolume {
        sent_values: send.len() as u64,
        received_values: received.len() as u64,
        needed_values: 0,
    };
    for (source, &count) in counts.iter().enumerate() {
        let theirs = plan.owned_by(source);
        let start = offset;
        for &index in needed.iter().filter(|i| theirs.contains(i)) {
            if source == me {
                series.insert(index, std::mem::take(&mut owned[index - mine.start]));
            } else {
                let length = lengths[index];
                series.insert(index, received[offset..offset + length].to_vec());
                offset += length;
                volume.needed_values += length as u64;
            }
        }
        debug_assert_eq!(
            offset - start,
            if source == me { 0 } else { count },
            "the exchange follows the plan"
        );
    }
    (series, volume)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_pair_of_blocks_is_computed_once() {
        for series in [1, 2, 21, 256, 257, 1000, 3000] {
            for ranks in 1..=9 {
                let plan = PairPlan::new(series, ranks);
                let blocks = series.div_ceil(BLOCK_SIZE);
                let mut all: Vec<(usize, usize)> =
                    (0..ranks).flat_map(|r| plan.pairs_of(r).to_vec()).collect();
                all.sort_unstable();
                let expected: Vec<(usize, usize)> = (0..blocks)
                    .flat_map(|i| (i..blocks).map(move |j| (i, j)))
                    .collect();
                assert_eq!(all, expected, "{series} series on {ranks} ranks");
            }
        }
    }

    #[test]
    fn ranks_hold_a_fraction_of_the_series_when_there_are_many() {
        let series = 64 * BLOCK_SIZE;
        for ranks in [4, 16, 64] {
            let plan = PairPlan::new(series, ranks);
            let most = (0..ranks).map(|r| plan.needed_by(r).len()).max().unwrap();
            let bound = 4.0 * series as f64 / (2.0 * ranks as f64).sqrt();
            assert!(
                (most as f64) <= bound,
                "{ranks} ranks: {most} of {series} series (bound {bound})"
            );
        }
    }
}
