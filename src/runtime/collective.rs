//! Typed collectives over all ranks: the vocabulary the patterns layer speaks.
//!
//! Two kinds of payload travel:
//! - serde values (`broadcast`, `gather`, `all_gather`), encoded with postcard: sizes
//!   first, then one variable-count exchange of the bytes;
//! - plain numeric slices (`scatter_slices`, `gather_slices`, `all_to_all_slices`), sent
//!   straight from the caller's buffer with MPI datatypes, no encoding and no copy.
//!
//! `best` is the deterministic arg-max: the largest value wins, ties go to the smallest
//! index, and NaN never wins, so the answer is the same at every rank count.
//!
//! Every call is collective: all ranks make it, in the same order. Each one records a
//! communication span and the bytes this rank sent and received.

use mpi::datatype::{Partition, PartitionMut};
use mpi::traits::{Communicator, CommunicatorCollectives, Equivalence, Root};
use mpi::Count;
use serde::de::DeserializeOwned;
use serde::Serialize;

use mpi::topology::SimpleCommunicator;

use super::top::Scored;
use super::World;

pub(crate) fn encode<T: Serialize>(value: &T) -> Vec<u8> {
    postcard::to_stdvec(value).expect("a serde value of this program always encodes")
}

pub(crate) fn decode<T: DeserializeOwned>(bytes: &[u8]) -> T {
    postcard::from_bytes(bytes).expect("ranks run the same program, so their messages decode")
}

fn to_count(n: usize) -> Count {
    Count::try_from(n).expect("a message part fits MPI's int count")
}

fn displacements(counts: &[Count]) -> Vec<Count> {
    counts
        .iter()
        .scan(0, |offset, &count| {
            let here = *offset;
            *offset += count;
            Some(here)
        })
        .collect()
}

fn byte_len<T>(n: usize) -> u64 {
    (n * std::mem::size_of::<T>()) as u64
}

impl World {
    /// Rank 0's value, on every rank. Rank 0 passes `Some`; the others' argument is ignored.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// // Rank 0 decides; every rank gets its value.
    /// let seed: u64 = world.broadcast(world.is_root().then_some(&42));
    /// assert_eq!(seed, 42);
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn broadcast<T: Serialize + DeserializeOwned>(&self, value: Option<&T>) -> T {
        let start = self.watch.enter("broadcast");
        let root = self.comm.process_at_rank(0);
        let mut bytes = match (self.is_root(), value) {
            (true, Some(v)) => encode(v),
            (true, None) => panic!("rank 0 must pass the value it broadcasts"),
            (false, _) => Vec::new(),
        };
        let mut len = bytes.len() as u64;
        root.broadcast_into(&mut len);
        bytes.resize(len as usize, 0);
        root.broadcast_into(&mut bytes[..]);
        let (sent, received) = if self.is_root() {
            (len * (self.size as u64 - 1), 0)
        } else {
            (0, len)
        };
        self.record_comm("broadcast", start, sent, received);
        decode(&bytes)
    }

    /// Every rank's value, in rank order, on rank 0 (`None` elsewhere).
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let ranks = world.gather(&world.rank());
    /// if let Some(ranks) = ranks {
    ///     assert_eq!(ranks, (0..world.size()).collect::<Vec<_>>()); // on rank 0, in rank order
    /// }
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn gather<T: Serialize + DeserializeOwned>(&self, value: &T) -> Option<Vec<T>> {
        let start = self.watch.enter("gather");
        let bytes = encode(value);
        let root = self.comm.process_at_rank(0);
        let len = to_count(bytes.len());
        let result = if self.is_root() {
            let mut counts = vec![0 as Count; self.size];
            root.gather_into_root(&len, &mut counts[..]);
            let displs = displacements(&counts);
            let total: usize = counts.iter().map(|&c| c as usize).sum();
            let mut all = vec![0u8; total];
            {
                let mut partition = PartitionMut::new(&mut all[..], &counts[..], &displs[..]);
                root.gather_varcount_into_root(&bytes[..], &mut partition);
            }
            self.record_comm("gather", start, 0, (total - bytes.len()) as u64);
            Some(split_decode(&all, &counts, &displs))
        } else {
            root.gather_into(&len);
            root.gather_varcount_into(&bytes[..]);
            self.record_comm("gather", start, bytes.len() as u64, 0);
            None
        };
        result
    }

    /// Every rank's value, in rank order, on every rank.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// let hosts = world.all_gather(&world.host().to_string());
    /// assert_eq!(hosts.len(), world.size());
    /// assert_eq!(hosts[world.rank()], world.host());
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn all_gather<T: Serialize + DeserializeOwned>(&self, value: &T) -> Vec<T> {
        let start = self.watch.enter("all_gather");
        let (values, sent, received) = self.exchange_all(value);
        self.record_comm("all_gather", start, sent, received);
        values
    }

    /// The all-gather itself, unrecorded: the values and the bytes sent and received.
    pub(crate) fn exchange_all<T: Serialize + DeserializeOwned>(
        &self,
        value: &T,
    ) -> (Vec<T>, u64, u64) {
        self.exchange_all_over(&self.comm, value)
    }

    /// [`World::exchange_all`] over `comm`, a communicator of all ranks.
    pub(crate) fn exchange_all_over<T: Serialize + DeserializeOwned>(
        &self,
        comm: &SimpleCommunicator,
        value: &T,
    ) -> (Vec<T>, u64, u64) {
        let bytes = encode(value);
        let len = to_count(bytes.len());
        let mut counts = vec![0 as Count; self.size];
        comm.all_gather_into(&len, &mut counts[..]);
        let displs = displacements(&counts);
        let total: usize = counts.iter().map(|&c| c as usize).sum();
        let mut all = vec![0u8; total];
        {
            let mut partition = PartitionMut::new(&mut all[..], &counts[..], &displs[..]);
            comm.all_gather_varcount_into(&bytes[..], &mut partition);
        }
        let sent = bytes.len() as u64 * (self.size as u64 - 1);
        (
            split_decode(&all, &counts, &displs),
            sent,
            (total - bytes.len()) as u64,
        )
    }

    /// Scatters rank 0's slice: rank r receives the `counts[r]` elements after those of the
    /// ranks before it. Rank 0 passes `Some((data, counts))`; the others pass `None`.
    pub fn scatter_slices<T>(&self, send: Option<(&[T], &[usize])>) -> Vec<T>
    where
        T: Equivalence + Default + Clone,
    {
        let start = self.watch.enter("scatter");
        let root = self.comm.process_at_rank(0);
        let mut my_count: Count = 0;
        if self.is_root() {
            let (data, counts) = send.expect("rank 0 must pass the slice it scatters");
            assert_eq!(counts.len(), self.size, "one count per rank");
            let counts: Vec<Count> = counts.iter().map(|&c| to_count(c)).collect();
            root.scatter_into_root(&counts[..], &mut my_count);
            let displs = displacements(&counts);
            let mut mine = vec![T::default(); my_count as usize];
            let partition = Partition::new(data, &counts[..], &displs[..]);
            root.scatter_varcount_into_root(&partition, &mut mine[..]);
            let sent = byte_len::<T>(data.len() - mine.len());
            self.record_comm("scatter", start, sent, 0);
            mine
        } else {
            root.scatter_into(&mut my_count);
            let mut mine = vec![T::default(); my_count as usize];
            root.scatter_varcount_into(&mut mine[..]);
            self.record_comm("scatter", start, 0, byte_len::<T>(mine.len()));
            mine
        }
    }

    /// Gathers every rank's slice on rank 0, concatenated in rank order, with the count
    /// from each rank (`None` elsewhere).
    pub fn gather_slices<T>(&self, local: &[T]) -> Option<(Vec<T>, Vec<usize>)>
    where
        T: Equivalence + Default + Clone,
    {
        let start = self.watch.enter("gather");
        let root = self.comm.process_at_rank(0);
        let len = to_count(local.len());
        // An empty slice's address is dangling, and for bytes it is 0x1: Open MPI's
        // MPI_IN_PLACE. An empty slice is given as an empty slice of a real buffer.
        let spare = [T::default()];
        let local = if local.is_empty() { &spare[..0] } else { local };
        if self.is_root() {
            let mut counts = vec![0 as Count; self.size];
            root.gather_into_root(&len, &mut counts[..]);
            let displs = displacements(&counts);
            let total: usize = counts.iter().map(|&c| c as usize).sum();
            let mut all = vec![T::default(); total];
            {
                // Nothing to receive: an empty slice of a real buffer (see above).
                let mut spare_receive = [T::default()];
                let receive = if total == 0 {
                    &mut spare_receive[..0]
                } else {
                    &mut all[..]
                };
                let mut partition = PartitionMut::new(receive, &counts[..], &displs[..]);
                root.gather_varcount_into_root(local, &mut partition);
            }
            self.record_comm("gather", start, 0, byte_len::<T>(total - local.len()));
            Some((all, counts.iter().map(|&c| c as usize).collect()))
        } else {
            root.gather_into(&len);
            root.gather_varcount_into(local);
            self.record_comm("gather", start, byte_len::<T>(local.len()), 0);
            None
        }
    }

    /// The variable-count all-to-all: `send` holds, in rank order, `send_counts[r]` elements
    /// for each rank r. Returns what every rank sent here, in rank order, with the count
    /// from each rank.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// // Every rank sends rank r the number r, once.
    /// let send: Vec<u64> = (0..world.size() as u64).collect();
    /// let (received, counts) = world.all_to_all_slices(&send, &vec![1; world.size()]);
    /// assert_eq!(received, vec![world.rank() as u64; world.size()]);
    /// assert_eq!(counts, vec![1; world.size()]);
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn all_to_all_slices<T>(&self, send: &[T], send_counts: &[usize]) -> (Vec<T>, Vec<usize>)
    where
        T: Equivalence + Default + Clone,
    {
        assert_eq!(send_counts.len(), self.size, "one count per rank");
        let start = self.watch.enter("all_to_all");
        let send_counts: Vec<Count> = send_counts.iter().map(|&c| to_count(c)).collect();
        let mut recv_counts = vec![0 as Count; self.size];
        self.comm
            .all_to_all_into(&send_counts[..], &mut recv_counts[..]);
        let total: usize = recv_counts.iter().map(|&c| c as usize).sum();
        let mut received = vec![T::default(); total];
        if send.is_empty() && total == 0 {
            // Open MPI 4.1's MPI_Alltoallv returns at once on a rank that neither sends nor
            // receives, while the others' pairwise exchange waits for its empty messages: a
            // hang. Such a rank sends itself one element instead.
            let mut one_each = vec![0 as Count; self.size];
            one_each[self.rank] = 1;
            let displs = displacements(&one_each);
            let (token, mut echo) = ([T::default()], [T::default()]);
            let outgoing = Partition::new(&token[..], &one_each[..], &displs[..]);
            let mut incoming = PartitionMut::new(&mut echo[..], &one_each[..], &displs[..]);
            self.comm.all_to_all_varcount_into(&outgoing, &mut incoming);
        } else {
            // An empty vector's address is dangling, and for bytes it is 0x1: Open MPI's
            // MPI_IN_PLACE. Empty buffers are given as empty slices of a real one.
            let (spare_send, mut spare_receive) = ([T::default()], [T::default()]);
            let send = if send.is_empty() {
                &spare_send[..0]
            } else {
                send
            };
            let receive = if total == 0 {
                &mut spare_receive[..0]
            } else {
                &mut received[..]
            };
            let send_displs = displacements(&send_counts);
            let recv_displs = displacements(&recv_counts);
            let outgoing = Partition::new(send, &send_counts[..], &send_displs[..]);
            let mut incoming = PartitionMut::new(receive, &recv_counts[..], &recv_displs[..]);
            self.comm.all_to_all_varcount_into(&outgoing, &mut incoming);
        }
        let own = self.rank;
        let sent = byte_len::<T>(send.len() - send_counts[own] as usize);
        let got = byte_len::<T>(total - recv_counts[own] as usize);
        self.record_comm("all_to_all", start, sent, got);
        (received, recv_counts.iter().map(|&c| c as usize).collect())
    }

    /// The best candidate over all ranks (see [`Scored::beats`]), on every rank.
    pub fn best(&self, local: Option<Scored>) -> Option<Scored> {
        self.all_gather(&local)
            .into_iter()
            .fold(None, Scored::better)
    }
}

fn split_decode<T: DeserializeOwned>(all: &[u8], counts: &[Count], displs: &[Count]) -> Vec<T> {
    counts
        .iter()
        .zip(displs)
        .map(|(&count, &displ)| decode(&all[displ as usize..(displ + count) as usize]))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn s(value: f64, index: u64) -> Scored {
        Scored { value, index }
    }

    #[test]
    fn larger_value_wins_and_ties_go_to_the_smaller_index() {
        assert!(s(2.0, 9).beats(&s(1.0, 0)));
        assert!(s(1.0, 3).beats(&s(1.0, 4)));
        assert!(!s(1.0, 4).beats(&s(1.0, 3)));
        assert!(!s(1.0, 4).beats(&s(1.0, 4)));
    }

    #[test]
    fn nan_never_wins() {
        assert!(!s(f64::NAN, 0).beats(&s(-1.0, 5)));
        assert!(s(-1.0, 5).beats(&s(f64::NAN, 0)));
        let best = [Some(s(f64::NAN, 0)), None, Some(s(0.5, 2)), Some(s(0.5, 1))]
            .into_iter()
            .fold(None, Scored::better);
        assert_eq!(best, Some(s(0.5, 1)));
    }

    #[test]
    fn displacements_are_running_sums() {
        assert_eq!(displacements(&[3, 0, 2, 5]), vec![0, 3, 3, 5]);
    }
}
