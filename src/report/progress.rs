//! How progress looks on rank 0 (on stderr, so that stdout stays for results): the views
//! that [`crate::runtime::progress`] feeds with the count of all ranks.
//!
//! On a terminal, a bar with rate and ETA (a counter with rate when the total is not known)
//! appears once the step has run for a second. (Under `mpirun`, Open MPI gives rank 0 a
//! terminal for stdout only, so the bar is drawn there and cleared before any result is
//! printed; when `mpirun` itself writes to a file, rank 0 sees that and prints lines.)
//! Elsewhere (batch jobs, Slurm logs, pipes) a plain line is printed at most every
//! five seconds. With `--quiet` no view is installed and nothing is counted.

use std::io::IsTerminal;
use std::rc::Rc;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::runtime::progress::{ProgressView, ViewMaker};

const BAR_DELAY: Duration = Duration::from_secs(1);
const LINE_INTERVAL: Duration = Duration::from_secs(5);

/// The views for this process's terminal (or lack of one).
pub fn views() -> ViewMaker {
    Rc::new(|label, total| {
        if reaches_terminal() {
            Box::new(Bar::new(label, total))
        } else {
            Box::new(Lines {
                label: label.to_string(),
                total,
                started: Instant::now(),
                last: Instant::now(),
            })
        }
    })
}

/// Whether rank 0's output reaches a person's terminal. Under Open MPI's `mpirun`, rank 0's
/// stdout is a pseudo-terminal whatever `mpirun`'s own is (a Slurm log, a file), so there
/// the answer is where `mpirun` writes, when that can be read: the nearest ancestor named
/// as Open MPI's launchers are (a wrapper such as `time` may stand between), or else the
/// parent.
fn reaches_terminal() -> bool {
    if std::io::stderr().is_terminal() {
        return true;
    }
    if !std::io::stdout().is_terminal() {
        return false;
    }
    if std::env::var_os("OMPI_COMM_WORLD_SIZE").is_none() {
        return true;
    }
    let launcher_stdout = format!("/proc/{}/fd/1", launcher());
    std::fs::read_link(launcher_stdout).map_or(true, |target| {
        target.starts_with("/dev/pts") || target.starts_with("/dev/tty")
    })
}

/// The process id of the launcher of this one (see [`reaches_terminal`]).
fn launcher() -> u32 {
    let parent = std::os::unix::process::parent_id();
    let parent_of = |pid: u32| -> Option<u32> {
        let stat = std::fs::read_to_string(format!("/proc/{pid}/stat")).ok()?;
        // After the command name in parentheses: the state, then the parent's id.
        stat.rsplit_once(')')?
            .1
            .split_whitespace()
            .nth(1)?
            .parse()
            .ok()
    };
    let mut pid = parent;
    for _ in 0..4 {
        let name = std::fs::read_to_string(format!("/proc/{pid}/comm")).unwrap_or_default();
        if ["mpirun", "mpiexec", "orterun", "orted", "prterun", "prted"].contains(&name.trim()) {
            return pid;
        }
        match parent_of(pid) {
            Some(up) if up > 1 => pid = up,
            _ => break,
        }
    }
    parent
}

/// A bar on a terminal, drawn once the step has run for [`BAR_DELAY`].
struct Bar {
    bar: ProgressBar,
    on_stdout: bool,
    started: Instant,
    shown: bool,
}

impl Bar {
    fn new(label: &str, total: Option<u64>) -> Bar {
        let bar = ProgressBar::with_draw_target(total, ProgressDrawTarget::hidden());
        let template = if total.is_some() {
            "{msg} [{elapsed_precise}] {wide_bar} {percent:>3}% {per_sec} ETA {eta}"
        } else {
            "{msg} [{elapsed_precise}] {human_pos} done, {per_sec}"
        };
        let style =
            ProgressStyle::with_template(template).unwrap_or_else(|_| ProgressStyle::default_bar());
        bar.set_style(style);
        bar.set_message(label.to_string());
        Bar {
            bar,
            on_stdout: !std::io::stderr().is_terminal(),
            started: Instant::now(),
            shown: false,
        }
    }
}

impl ProgressView for Bar {
    fn update(&mut self, done: u64) {
        if !self.shown && self.started.elapsed() >= BAR_DELAY {
            self.bar.set_draw_target(if self.on_stdout {
                ProgressDrawTarget::stdout()
            } else {
                ProgressDrawTarget::stderr()
            });
            self.shown = true;
        }
        self.bar.set_position(done);
    }

    fn close(&mut self, done: u64) {
        self.bar.set_position(done);
        self.bar.finish_and_clear();
    }
}

/// A plain line at most every [`LINE_INTERVAL`].
struct Lines {
    label: String,
    total: Option<u64>,
    started: Instant,
    last: Instant,
}

impl ProgressView for Lines {
    fn update(&mut self, done: u64) {
        if self.last.elapsed() < LINE_INTERVAL {
            return;
        }
        self.last = Instant::now();
        let elapsed = self.started.elapsed().as_secs_f64();
        match self.total {
            Some(total) => {
                let percent = 100.0 * done as f64 / total.max(1) as f64;
                let left = if done > 0 {
                    elapsed * total.saturating_sub(done) as f64 / done as f64
                } else {
                    f64::NAN
                };
                eprintln!(
                    "{}: {percent:.0}% ({done} of {total}) after {elapsed:.0} s, {:.1}/s, about {left:.0} s left",
                    self.label,
                    done as f64 / elapsed.max(1e-9)
                );
            }
            None => eprintln!(
                "{}: {done} done after {elapsed:.0} s, {:.1}/s",
                self.label,
                done as f64 / elapsed.max(1e-9)
            ),
        }
    }

    fn close(&mut self, _done: u64) {}
}
