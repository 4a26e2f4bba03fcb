//! `--report FILE.html`: one self-contained page (no scripts, fonts or anything fetched)
//! on where the time went: the command, the versions, ranks and hosts, wall time; per rank
//! the seconds computing, in file I/O, communicating and waiting, and the bytes sent and
//! received; a task-stream timeline as inline SVG (a row per rank, communication in red as
//! in Dask's dashboard); and a diagnosis in plain words.

use std::fmt::Write;
use std::path::Path;

use super::timeline::{self, RankTimeline};
use super::write_file;
use crate::runtime::{Activity, JobFailure, World};

/// What the page says about the run besides the time line.
pub struct RunFacts {
    /// The command line, shown as run.
    pub command: String,
    /// Seconds from the start of the run to the writing of the report.
    pub wall_seconds: f64,
    /// Whether the workload succeeded.
    pub succeeded: bool,
}

/// Writes the report of the run so far to `path` (a collective).
pub fn write_report(world: &World, path: &Path, facts: &RunFacts) -> Result<(), JobFailure> {
    let ranks = timeline::gather(world);
    world.on_root(|| write_file(path, page(facts, &ranks.unwrap_or_default()).as_bytes()))
}

/// Colours per activity: communication in red, as in Dask's dashboard.
fn colour(activity: Activity) -> &'static str {
    match activity {
        Activity::Compute => "#4c78a8",
        Activity::Io => "#f2a541",
        Activity::Comm => "#d62728",
        Activity::Wait => "#b8b8b8",
    }
}

fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn page(facts: &RunFacts, ranks: &[RankTimeline]) -> String {
    let mut hosts: Vec<&str> = ranks.iter().map(|r| r.host.as_str()).collect();
    hosts.sort_unstable();
    hosts.dedup();
    let mpi = mpi::environment::library_version().unwrap_or_default();
    // The C string comes back with its terminating NUL.
    let mpi = mpi.trim_end_matches('\0');
    let mut html = String::new();
    let _ = write!(
        html,
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\
         <title>pardata run report</title><style>\
         body{{font-family:sans-serif;margin:2em;color:#222}}\
         table{{border-collapse:collapse}}td,th{{padding:4px 10px;border-bottom:1px solid #ddd;text-align:right}}\
         th:first-child,td:first-child{{text-align:left}}.key span{{display:inline-block;width:12px;height:12px;margin:0 4px 0 14px}}\
         </style></head><body>\n<h1>pardata run report</h1>\n<p><code>{}</code></p>\n<ul>\
         <li>pardata {}</li><li>MPI: {}</li><li>{} rank{} on {} host{}: {}</li>\
         <li>wall time {:.3} s, {}</li></ul>\n",
        escape(&facts.command),
        env!("CARGO_PKG_VERSION"),
        escape(mpi.lines().next().unwrap_or("unknown")),
        ranks.len(),
        if ranks.len() == 1 { "" } else { "s" },
        hosts.len(),
        if hosts.len() == 1 { "" } else { "s" },
        escape(&hosts.join(", ")),
        facts.wall_seconds,
        if facts.succeeded { "succeeded" } else { "failed" },
    );
    html += "<h2>Diagnosis</h2>\n<ul id=\"diagnosis\">";
    for line in diagnosis(ranks) {
        let _ = write!(html, "<li>{}</li>", escape(&line));
    }
    html += "</ul>\n<h2>Where each rank's time went</h2>\n<table><tr><th>rank</th><th>host</th>\
             <th>compute, s</th><th>file I/O, s</th><th>communication, s</th><th>waiting, s</th>\
             <th>sent, MB</th><th>received, MB</th><th>peak memory, MB</th></tr>\n";
    for r in ranks {
        let m = &r.metrics;
        let mb = |b: u64| b as f64 / 1e6;
        let _ = writeln!(
            html,
            "<tr><td>{}</td><td>{}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td><td>{:.3}</td>\
             <td>{:.1}</td><td>{:.1}</td><td>{}</td></tr>",
            r.rank,
            escape(&r.host),
            m.seconds.compute,
            m.seconds.io,
            m.seconds.comm,
            m.seconds.wait,
            mb(m.bytes_sent),
            mb(m.bytes_received),
            m.peak_memory_bytes
                .map_or("-".to_string(), |b| format!("{:.0}", mb(b)))
        );
    }
    html += "</table>\n<h2>Task stream</h2>\n<p class=\"key\">";
    for activity in [
        Activity::Compute,
        Activity::Io,
        Activity::Comm,
        Activity::Wait,
    ] {
        let _ = write!(
            html,
            "<span style=\"background:{}\"></span>{}",
            colour(activity),
            label(activity)
        );
    }
    html += "</p>\n";
    html += &timeline_svg(ranks);
    html += "\n</body></html>\n";
    html
}

fn label(activity: Activity) -> &'static str {
    match activity {
        Activity::Compute => "computing",
        Activity::Io => "file I/O",
        Activity::Comm => "communication",
        Activity::Wait => "waiting",
    }
}

/// One row per rank, one rectangle per span, time from left to right.
fn timeline_svg(ranks: &[RankTimeline]) -> String {
    const WIDTH: f64 = 1000.0;
    const ROW: f64 = 28.0;
    const LEFT: f64 = 70.0;
    let end = ranks
        .iter()
        .flat_map(|r| r.spans.iter().map(|s| s.end_us))
        .max()
        .unwrap_or(1)
        .max(1) as f64;
    let height = ROW * ranks.len() as f64 + 30.0;
    let mut svg = format!(
        "<svg id=\"timeline\" xmlns=\"http://www.w3.org/2000/svg\" width=\"{}\" height=\"{height}\" \
         font-family=\"sans-serif\" font-size=\"12\">",
        WIDTH + LEFT + 10.0
    );
    for r in ranks {
        let y = ROW * r.rank as f64;
        let _ = write!(
            svg,
            "<g class=\"rank-row\" data-rank=\"{}\"><text x=\"4\" y=\"{}\">rank {}</text>\
             <rect x=\"{LEFT}\" y=\"{}\" width=\"{WIDTH}\" height=\"{}\" fill=\"#f4f4f4\"/>",
            r.rank,
            y + ROW * 0.6,
            r.rank,
            y + 2.0,
            ROW - 4.0
        );
        for s in &r.spans {
            let x = LEFT + WIDTH * s.start_us as f64 / end;
            let w = (WIDTH * (s.end_us - s.start_us.min(s.end_us)) as f64 / end).max(0.5);
            let _ = write!(
                svg,
                "<rect x=\"{x:.2}\" y=\"{}\" width=\"{w:.2}\" height=\"{}\" fill=\"{}\">\
                 <title>{} ({}): {:.3} ms{}</title></rect>",
                y + 2.0,
                ROW - 4.0,
                colour(s.activity),
                escape(&s.name),
                label(s.activity),
                (s.end_us.saturating_sub(s.start_us)) as f64 / 1000.0,
                if s.bytes > 0 {
                    format!(", {} bytes", s.bytes)
                } else {
                    String::new()
                }
            );
        }
        svg += "</g>";
    }
    let _ = write!(
        svg,
        "<text x=\"{LEFT}\" y=\"{}\">0 s</text><text x=\"{}\" y=\"{}\" text-anchor=\"end\">{:.3} s</text></svg>",
        height - 8.0,
        LEFT + WIDTH,
        height - 8.0,
        end / 1e6
    );
    svg
}

/// A few sentences on what the time line shows.
fn diagnosis(ranks: &[RankTimeline]) -> Vec<String> {
    let total = |r: &RankTimeline| {
        let s = r.metrics.seconds;
        s.compute + s.io + s.comm + s.wait
    };
    let all: f64 = ranks.iter().map(total).sum();
    if all <= 0.0 {
        return vec!["Nothing was recorded: the run did no measured work.".into()];
    }
    let share = |pick: fn(&RankTimeline) -> f64| 100.0 * ranks.iter().map(pick).sum::<f64>() / all;
    let comm = share(|r| r.metrics.seconds.comm);
    let io = share(|r| r.metrics.seconds.io);
    let compute = share(|r| r.metrics.seconds.compute);
    let mut lines = vec![format!(
        "Over all ranks: {compute:.0}% computing, {io:.0}% file I/O, {comm:.0}% communication, \
         {:.0}% waiting.",
        share(|r| r.metrics.seconds.wait)
    )];
    if comm >= 30.0 {
        lines.push(format!(
            "{comm:.0}% of the time was communication: this job moves more data than it \
             computes; fewer ranks or larger blocks would help."
        ));
    }
    if io >= 50.0 {
        lines.push(format!(
            "{io:.0}% of the time was file I/O: the job is bound by reading and writing files; \
             more ranks help only as far as the file system keeps up."
        ));
    }
    for r in ranks {
        let own = total(r);
        if own > 0.0 && r.metrics.seconds.wait / own >= 0.25 && ranks.len() > 1 {
            lines.push(format!(
                "rank {} waited {:.0}% of the time: the work is unbalanced, try --schedule dynamic.",
                r.rank,
                100.0 * r.metrics.seconds.wait / own
            ));
        }
    }
    if lines.len() == 1 {
        lines.push("The time went mostly into useful work: nothing stands out.".into());
    }
    lines
}
