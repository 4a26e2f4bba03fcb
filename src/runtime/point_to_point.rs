//! Typed point-to-point messages between ranks, for the patterns that schedule work
//! dynamically. Values travel as postcard bytes on a communicator of their own, so they
//! never match a message of the progress tally or of MPI's collectives. Each call records a
//! communication span and the bytes moved.
//!
//! Messages between two ranks arrive in the order they were sent (MPI's non-overtaking
//! rule); `receive_any` takes the next message from whichever rank sent one.

use mpi::point_to_point::{Destination, MatchedReceiveVec, Source};
use mpi::topology::Communicator;
use serde::de::DeserializeOwned;
use serde::Serialize;

use super::collective::{decode, encode};
use super::metrics::now;
use super::World;

impl World {
    /// Sends `value` to rank `to`. Small messages return at once; large ones may wait until
    /// `to` receives.
    pub fn send<T: Serialize>(&self, to: usize, value: &T) {
        let start = self.watch.enter("send");
        let bytes = encode(value);
        self.task_comm.process_at_rank(rank_of(to)).send(&bytes[..]);
        self.record_comm("send", start, bytes.len() as u64, 0);
    }

    /// Waits for the next message from rank `from`.
    pub fn receive_from<T: DeserializeOwned>(&self, from: usize) -> T {
        let start = self.watch.enter("receive");
        let (bytes, _) = self
            .task_comm
            .process_at_rank(rank_of(from))
            .receive_vec::<u8>();
        self.record_comm("receive", start, 0, bytes.len() as u64);
        decode(&bytes)
    }

    /// Waits for the next message from any rank; returns the sender and the value.
    pub fn receive_any<T: DeserializeOwned>(&self) -> (usize, T) {
        let start = self.watch.enter("receive");
        let probed = self.task_comm.any_process().matched_probe();
        let (bytes, status) = probed.matched_receive_vec::<u8>();
        self.record_comm("receive", start, 0, bytes.len() as u64);
        (status.source_rank() as usize, decode(&bytes))
    }

    /// The next message from any rank if one has arrived, without waiting.
    pub fn try_receive_any<T: DeserializeOwned>(&self) -> Option<(usize, T)> {
        let start = now();
        let probed = self.task_comm.any_process().immediate_matched_probe()?;
        let (bytes, status) = probed.matched_receive_vec::<u8>();
        self.record_comm("receive", start, 0, bytes.len() as u64);
        Some((status.source_rank() as usize, decode(&bytes)))
    }

    /// The next message from rank `from` if one has arrived, without waiting.
    pub fn try_receive_from<T: DeserializeOwned>(&self, from: usize) -> Option<T> {
        let start = now();
        let probed = self
            .task_comm
            .process_at_rank(rank_of(from))
            .immediate_matched_probe()?;
        let (bytes, _) = probed.matched_receive_vec::<u8>();
        self.record_comm("receive", start, 0, bytes.len() as u64);
        Some(decode(&bytes))
    }
}

fn rank_of(rank: usize) -> mpi::Rank {
    mpi::Rank::try_from(rank).expect("a rank fits MPI's int")
}
