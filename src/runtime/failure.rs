//! Failure agreement: an error on any rank becomes known to every rank at the next agreement
//! point, so that all ranks stop together and rank 0 prints one report.
//!
//! Workloads call [`World::agree`] at fixed points of their SPMD program with what this rank
//! produced. If every rank succeeded, each gets its own value back; otherwise every rank
//! gets the same [`JobFailure`], which names each failing rank, its host and its message.
//! Only this module builds a `JobFailure`, so a function returning one has by construction
//! reached agreement with the other ranks and can return early without leaving them
//! waiting in a collective.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::metrics::Activity;
use super::World;

/// The error of one rank.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RankError {
    /// The rank that failed.
    pub rank: usize,
    /// The host it ran on.
    pub host: String,
    /// Its error message.
    pub message: String,
}

/// Errors that every rank agreed on: at least one rank failed.
#[derive(Debug, Clone, PartialEq)]
pub struct JobFailure {
    failures: Vec<RankError>,
}

impl JobFailure {
    /// The failing ranks, in rank order (never empty).
    pub fn failures(&self) -> &[RankError] {
        &self.failures
    }

    /// The first failure in rank order.
    pub fn first(&self) -> &RankError {
        &self.failures[0]
    }
}

impl fmt::Display for JobFailure {
    /// One line: the first failing rank's message and where it ran; how many other ranks
    /// failed, and whether they said the same.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let first = self.first();
        write!(
            f,
            "{} [rank {} on {}",
            first.message, first.rank, first.host
        )?;
        let others = &self.failures[1..];
        if !others.is_empty() {
            let same = others.iter().all(|e| e.message == first.message);
            let what = if same { "the same error" } else { "errors" };
            let ranks: Vec<String> = others.iter().map(|e| e.rank.to_string()).collect();
            let plural = if others.len() == 1 { "" } else { "s" };
            write!(f, "; rank{plural} {} reported {what}", ranks.join(", "))?;
        }
        write!(f, "]")
    }
}

impl std::error::Error for JobFailure {}

impl World {
    /// Shares this rank's outcome with all ranks (a collective). Returns this rank's value
    /// when every rank succeeded, else the same `JobFailure` on every rank.
    ///
    /// ```
    /// # use pardata::prelude::*;
    /// # fn main() -> std::process::ExitCode {
    /// # World::run(|world| {
    /// // Each rank checks its own input; a bad one on any rank fails every rank alike.
    /// let mine: Result<u32, String> = "17".parse::<u32>().map_err(|e| e.to_string());
    /// let value = world.agree(mine)?;
    /// assert_eq!(value, 17);
    /// let failed = world.agree(Err::<(), _>("no such file"));
    /// assert!(failed.unwrap_err().to_string().starts_with("no such file [rank 0 on "));
    /// # Ok::<(), JobFailure>(())
    /// # })
    /// # }
    /// ```
    pub fn agree<T, E: fmt::Display>(&self, outcome: Result<T, E>) -> Result<T, JobFailure> {
        self.agree_over(&self.comm, outcome)
    }

    /// [`World::agree`] over `comm`, a communicator of all ranks: the end of a program
    /// agrees over its own, so that it never pairs with a collective of the program that
    /// another rank is still in.
    pub(crate) fn agree_over<T, E: fmt::Display>(
        &self,
        comm: &mpi::topology::SimpleCommunicator,
        outcome: Result<T, E>,
    ) -> Result<T, JobFailure> {
        let start = self.watch.enter("agree");
        let mine = outcome.as_ref().err().map(|e| RankError {
            rank: self.rank,
            host: self.host.clone(),
            message: e.to_string(),
        });
        let (everyone, sent, received) = self.exchange_all_over(comm, &mine);
        {
            let mut metrics = self.metrics.borrow_mut();
            self.watch.leave();
            metrics.record(Activity::Wait, "agree", start, sent + received);
            metrics.count_bytes(sent, received);
        }
        let failures: Vec<RankError> = everyone.into_iter().flatten().collect();
        if failures.is_empty() {
            match outcome {
                Ok(value) => Ok(value),
                Err(_) => unreachable!("this rank's own error was gathered"),
            }
        } else {
            Err(JobFailure { failures })
        }
    }

    /// Runs `write` on rank 0 only (the one place for rank-0-only output files) and agrees
    /// on its outcome (a collective).
    pub fn on_root<E: fmt::Display>(
        &self,
        write: impl FnOnce() -> Result<(), E>,
    ) -> Result<(), JobFailure> {
        let outcome = if self.is_root() {
            write().map_err(|e| e.to_string())
        } else {
            Ok(())
        };
        self.agree(outcome)
    }

    /// Every rank's host, in rank order (a collective), to name where something happened.
    pub fn hosts(&self) -> Vec<String> {
        self.all_gather(&self.host)
    }

    /// Fails every rank with `message`, attributed to rank `rank` (a collective: every rank
    /// calls it with the same arguments), for an error that every rank learned of from the
    /// rank where it happened.
    pub fn fail_on<T>(&self, rank: usize, message: impl fmt::Display) -> Result<T, JobFailure> {
        let hosts = self.hosts();
        Err(JobFailure {
            failures: vec![RankError {
                rank,
                host: hosts.get(rank).cloned().unwrap_or_default(),
                message: message.to_string(),
            }],
        })
    }

    /// Fails every rank with the same message (a collective), for errors every rank finds
    /// alike before any work starts, such as a bad option.
    pub fn fail_together<T>(&self, message: impl fmt::Display) -> Result<T, JobFailure> {
        self.agree(Err::<T, _>(message))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn error(rank: usize, message: &str) -> RankError {
        RankError {
            rank,
            host: "node7".into(),
            message: message.into(),
        }
    }

    #[test]
    fn one_failure_names_rank_and_host() {
        let failure = JobFailure {
            failures: vec![error(2, "cannot write x.csv")],
        };
        assert_eq!(failure.to_string(), "cannot write x.csv [rank 2 on node7]");
    }

    #[test]
    fn several_failures_fold_into_one_line() {
        let same = JobFailure {
            failures: vec![
                error(0, "no room"),
                error(1, "no room"),
                error(3, "no room"),
            ],
        };
        assert_eq!(
            same.to_string(),
            "no room [rank 0 on node7; ranks 1, 3 reported the same error]"
        );
        let different = JobFailure {
            failures: vec![error(1, "a"), error(2, "b")],
        };
        assert_eq!(
            different.to_string(),
            "a [rank 1 on node7; rank 2 reported errors]"
        );
        assert!(!different.to_string().contains('\n'));
    }
}
