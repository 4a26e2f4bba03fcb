//! Progress of a long step, counted over all ranks and shown on rank 0 (on stderr, so that
//! stdout stays for results).
//!
//! On a terminal, a bar with rate and ETA appears once the step has run for a second. (Under
//! `mpirun`, Open MPI gives rank 0 a terminal for stdout only, so the bar is drawn there and
//! cleared before any result is printed.) Elsewhere (batch jobs, Slurm logs, pipes) a plain line is printed at most every five
//! seconds. `--quiet` shows nothing. The counting is [`crate::runtime::tally`]'s.

use std::io::IsTerminal;
use std::time::{Duration, Instant};

use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};

use crate::runtime::tally::Tally;
use crate::runtime::World;

const BAR_DELAY: Duration = Duration::from_secs(1);
const LINE_INTERVAL: Duration = Duration::from_secs(5);

enum View {
    Nothing,
    Bar {
        bar: ProgressBar,
        on_stdout: bool,
        shown: bool,
    },
    Lines {
        last: Instant,
    },
}

/// The progress of one step (every rank creates it; rank 0 shows it).
pub struct Progress<'w> {
    tally: Option<Tally<'w>>,
    label: &'static str,
    total: u64,
    started: Instant,
    view: View,
}

impl<'w> Progress<'w> {
    /// Starts the progress of `total` units of work over all ranks.
    pub fn new(world: &'w World, label: &'static str, total: u64, quiet: bool) -> Progress<'w> {
        let view = if !world.is_root() || quiet {
            View::Nothing
        } else if std::io::stderr().is_terminal() || std::io::stdout().is_terminal() {
            let bar = ProgressBar::with_draw_target(Some(total), ProgressDrawTarget::hidden());
            let style = ProgressStyle::with_template(
                "{msg} [{elapsed_precise}] {wide_bar} {percent:>3}% ETA {eta}",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar());
            bar.set_style(style);
            bar.set_message(label);
            let on_stdout = !std::io::stderr().is_terminal();
            View::Bar {
                bar,
                on_stdout,
                shown: false,
            }
        } else {
            View::Lines {
                last: Instant::now(),
            }
        };
        Progress {
            tally: Some(world.tally()),
            label,
            total,
            started: Instant::now(),
            view,
        }
    }

    /// Counts `units` finished on this rank.
    pub fn advance(&mut self, units: u64) {
        if let Some(done) = self.tally.as_mut().and_then(|t| t.add(units)) {
            self.show(done);
        }
    }

    /// Waits for every rank's count (rank 0) and closes the view.
    pub fn finish(mut self) {
        if let Some(tally) = self.tally.take() {
            let mut last = 0;
            tally.finish(|done| {
                last = done;
                self.show(done);
            });
            if let View::Bar { bar, .. } = &self.view {
                bar.set_position(last);
                bar.finish_and_clear();
            }
        }
    }

    fn show(&mut self, done: u64) {
        let elapsed = self.started.elapsed();
        match &mut self.view {
            View::Nothing => {}
            View::Bar {
                bar,
                on_stdout,
                shown,
            } => {
                if !*shown && elapsed >= BAR_DELAY {
                    bar.set_draw_target(if *on_stdout {
                        ProgressDrawTarget::stdout()
                    } else {
                        ProgressDrawTarget::stderr()
                    });
                    *shown = true;
                }
                bar.set_position(done);
            }
            View::Lines { last } => {
                if last.elapsed() >= LINE_INTERVAL {
                    *last = Instant::now();
                    let percent = 100.0 * done as f64 / self.total.max(1) as f64;
                    let eta = if done > 0 {
                        elapsed.as_secs_f64() * (self.total.saturating_sub(done)) as f64
                            / done as f64
                    } else {
                        f64::NAN
                    };
                    eprintln!(
                        "{}: {percent:.0}% after {:.0} s, about {eta:.0} s left",
                        self.label,
                        elapsed.as_secs_f64()
                    );
                }
            }
        }
    }
}
