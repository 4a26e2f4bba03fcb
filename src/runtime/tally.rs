//! A progress tally: every rank counts the units of work it finished, and rank 0 knows the
//! sum over all ranks while the work runs, without a collective.
//!
//! Ranks other than 0 send their running count to rank 0 at most every 100 ms (an 8-byte
//! point-to-point message on a communicator of its own, so it never mixes with other
//! traffic) and a final count when they finish. Rank 0 takes in whatever has arrived each
//! time it counts its own work, and at the end waits for every rank's final count. The
//! tally finishes when dropped, so an early return cannot leave a message unreceived.

use std::time::{Duration, Instant};

use mpi::point_to_point::{Destination, Source};
use mpi::topology::Communicator;
use mpi::Tag;

use super::World;

const RUNNING: Tag = 1;
const FINAL: Tag = 2;
const SEND_INTERVAL: Duration = Duration::from_millis(100);

/// The running count of one piece of work (see the module header).
pub struct Tally<'w> {
    world: &'w World,
    local: u64,
    last_sent: Instant,
    per_rank: Vec<u64>,
    finished: bool,
}

impl World {
    /// Starts a tally. Every rank must start it and finish (or drop) it.
    pub fn tally(&self) -> Tally<'_> {
        Tally {
            world: self,
            local: 0,
            last_sent: Instant::now(),
            per_rank: vec![0; self.size],
            finished: false,
        }
    }
}

impl Tally<'_> {
    /// Counts `units` finished on this rank. On rank 0, returns the sum over all ranks as
    /// far as known; elsewhere `None`.
    pub fn add(&mut self, units: u64) -> Option<u64> {
        self.local += units;
        if self.world.is_root() {
            self.per_rank[0] = self.local;
            self.take_arrived();
            Some(self.sum())
        } else {
            if self.last_sent.elapsed() >= SEND_INTERVAL {
                self.send(RUNNING);
                self.last_sent = Instant::now();
            }
            None
        }
    }

    /// Finishes this rank's count. Rank 0 waits for every rank's final count, calling
    /// `on_update` with the sum each time it grows, and returns the total; elsewhere `None`.
    pub fn finish(mut self, mut on_update: impl FnMut(u64)) -> Option<u64> {
        self.finish_with(&mut on_update)
    }

    fn finish_with(&mut self, on_update: &mut dyn FnMut(u64)) -> Option<u64> {
        if self.finished {
            return None;
        }
        self.finished = true;
        if !self.world.is_root() {
            self.send(FINAL);
            return None;
        }
        self.per_rank[0] = self.local;
        let mut waiting = self.world.size - 1;
        while waiting > 0 {
            self.world.watch.enter("the progress count");
            let (message, status) = self.world.tally_comm.any_process().matched_probe();
            self.world.watch.leave();
            let (count, _) = message.matched_receive::<u64>();
            self.per_rank[status.source_rank() as usize] = count;
            if status.tag() == FINAL {
                waiting -= 1;
            }
            on_update(self.sum());
        }
        Some(self.sum())
    }

    fn send(&self, tag: Tag) {
        self.world
            .tally_comm
            .process_at_rank(0)
            .send_with_tag(&self.local, tag);
    }

    fn take_arrived(&mut self) {
        let comm = &self.world.tally_comm;
        while let Some((message, status)) =
            comm.any_process().immediate_matched_probe_with_tag(RUNNING)
        {
            let (count, _) = message.matched_receive::<u64>();
            self.per_rank[status.source_rank() as usize] = count;
        }
    }

    fn sum(&self) -> u64 {
        self.per_rank.iter().sum()
    }
}

impl Drop for Tally<'_> {
    fn drop(&mut self) {
        self.finish_with(&mut |_| {});
    }
}
