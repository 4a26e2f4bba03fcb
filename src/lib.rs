//! pardata: parallel data analysis in Rust, SPMD on MPI.
//!
//! Every rank runs the same program; [`World::run`](runtime::World::run) starts it. The
//! library's face:
//! - [`runtime`]: the SPMD world over MPI: rank, size and host, typed collectives and
//!   messages, failure agreement (an error on any rank ends every rank together, with one
//!   report), the panic hook, timing spans;
//! - [`patterns`]: the paradigms: [`map`](patterns::map), the
//!   [`futures`](patterns::futures) executor, the [`Bag`](patterns::bag::Bag) collection
//!   and the [`pairs`](patterns::pairs) of many series;
//! - [`table`]: the user's tables (CSV, JSON Lines, Parquet) as Arrow record batches,
//!   shared out over the ranks, and written back in any of those formats;
//! - [`frame`]: a lazy distributed DataFrame over those tables (filter, select, group-by,
//!   join, sort, top-k) and the SQL front end onto it;
//! - [`io`]: pardata's own file formats (the stock data, pandas HDF5 frames), and safe
//!   (atomic) writing;
//! - [`report`]: progress, Chrome traces, the HTML run report and plots.
//!
//! [`prelude`] brings the names a program needs. Data flows one way: the tools (the
//! `pardata` binary's subcommands, not part of the library) -> frame -> patterns and table ->
//! runtime -> MPI.
//!
//! A whole program (run it with `mpirun -n 4 target/release/myprogram`, or alone):
//!
//! ```no_run
//! use pardata::prelude::*;
//!
//! fn main() -> std::process::ExitCode {
//!     World::run(|world| {
//!         let words: Vec<String> = ["a", "b", "a", "c", "a"].map(String::from).into();
//!         let counts = Bag::from_vec(world, words)
//!             .fold_by(|w| w.clone(), || 0u64, |n, _| n + 1, |a, b| a + b)
//!             .collect();
//!         if let Some(counts) = counts {
//!             println!("{counts:?}"); // rank 0: [("a", 3), ("b", 1), ("c", 1)]
//!         }
//!         Ok::<(), JobFailure>(())
//!     })
//! }
//! ```

#![warn(missing_docs)]

pub mod frame;
pub mod io;
pub mod patterns;
pub mod report;
pub mod runtime;
pub mod table;

/// The command line of the `pardata` binary: not part of the library.
#[doc(hidden)]
pub mod cli;
/// The `pardata` binary's tools: not part of the library.
#[doc(hidden)]
pub mod workloads;

/// The names a pardata program needs: `use pardata::prelude::*;`.
///
/// ```no_run
/// use pardata::prelude::*;
///
/// fn main() -> std::process::ExitCode {
///     World::run(|world| {
///         world.say(format_args!("{} ranks", world.size()));
///         Ok::<(), JobFailure>(())
///     })
/// }
/// ```
pub mod prelude {
    pub use crate::patterns::bag::Bag;
    pub use crate::patterns::futures::{self, Executor, Future, Options, Task, TaskError};
    pub use crate::patterns::map::{
        map, map_all, map_all_on_threads, map_on_threads, ItemResult, Schedule,
    };
    pub use crate::runtime::{JobFailure, World};
}

/// The README's Rust snippets, compiled (and run where they need no `mpirun`) as doc tests.
#[cfg(doctest)]
#[doc = include_str!("../README.md")]
pub struct ReadmeSnippets;
