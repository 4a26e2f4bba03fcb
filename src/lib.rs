//! pardata: parallel data analysis in Rust, SPMD on MPI.
//!
//! The layers (DESIGN.md): [`cli`] parses the contract; [`workloads`] are the tools (prep,
//! and a job runner); [`patterns`] divide work among ranks; [`runtime`] is the SPMD world
//! over MPI; [`io`] holds the file formats; [`report`] shows progress. Data flows one way:
//! cli -> workloads -> patterns -> runtime -> MPI.

pub mod cli;
pub mod io;
pub mod patterns;
pub mod report;
pub mod runtime;
pub mod workloads;
