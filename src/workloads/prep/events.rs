//! `pardata prep --events`: a seeded, offline day of GitHub-archive-like events, the data
//! of the tutorial's count-by-type lesson (groupBy of whole records, combineByKey, the
//! DataFrame groupBy).
//!
//! Written as `OUT/events/2015-01-01-H.json` for the 24 hours `H` (GH Archive's names), JSON
//! Lines of the archive's shape: `id`, `type` (fourteen event types in the archive's
//! proportions, PushEvent about half), `actor` and `repo` (nested objects; a few actors
//! make most events), `payload` (nested, by type: a push's commits with their messages, a
//! pull request's number and action, ...), `public` and `created_at` (UTC, within the
//! file's hour). Hour `H`'s events come from a random stream keyed by the seed and `H`
//! alone, and the hours are shared out over the ranks in blocks, so the files are
//! byte-identical at every rank count. Each file is written to a temporary name and renamed.

use std::fmt;
use std::io::Write;
use std::path::PathBuf;
use std::time::Instant;

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use serde::Serialize;
use serde_json::json;

use super::{create_folder, PrepError};
use crate::io::atomic::write_if_changed;
use crate::patterns::partition::weighted_blocks;
use crate::runtime::fault;
use crate::runtime::{Activity, JobFailure, RankMetrics, World};

/// Events in a day unless told otherwise.
pub const DAY_EVENTS: u64 = 240_000;
const HOURS: u64 = 24;
const ACTORS: u64 = 40_000;
const REPOS: u64 = 25_000;

/// The event types and their shares (per 10,000) in the archive.
pub const TYPES: [(&str, u32); 14] = [
    ("PushEvent", 5080),
    ("CreateEvent", 1240),
    ("WatchEvent", 1010),
    ("IssueCommentEvent", 700),
    ("PullRequestEvent", 560),
    ("IssuesEvent", 400),
    ("ForkEvent", 330),
    ("DeleteEvent", 270),
    ("PullRequestReviewCommentEvent", 160),
    ("GollumEvent", 100),
    ("ReleaseEvent", 60),
    ("MemberEvent", 40),
    ("CommitCommentEvent", 30),
    ("PublicEvent", 20),
];

/// What to generate.
#[derive(Debug, Clone)]
pub struct EventsOptions {
    /// The folder under which `events/` is written.
    pub out: PathBuf,
    pub seed: u64,
    /// Events in the day, spread over its 24 hourly files.
    pub events: u64,
}

/// What one rank wrote; summed over ranks for the summary.
#[derive(Debug, Default, Clone, Copy, Serialize, serde::Deserialize)]
pub struct EventsCounts {
    pub files: u64,
    pub events: u64,
    pub bytes: u64,
}

/// The result of `prep --events`, printed as one line or as JSON.
#[derive(Debug, Serialize)]
pub struct EventsSummary {
    pub out: PathBuf,
    #[serde(flatten)]
    pub counts: EventsCounts,
    pub seconds: f64,
    pub ranks: Vec<RankMetrics>,
}

impl fmt::Display for EventsSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "prep --events: {} events in {} hourly JSON Lines files ({:.1} MB) under {} in {:.2} s",
            self.counts.events,
            self.counts.files,
            self.counts.bytes as f64 / 1e6,
            self.out.join("events").display(),
            self.seconds
        )
    }
}

/// Generates the events (a collective: every rank calls it).
pub fn prep_events(world: &World, options: &EventsOptions) -> Result<EventsSummary, JobFailure> {
    let started = Instant::now();
    let folder = options.out.join("events");
    world.agree(create_folder(&folder))?;
    // Hour h has the events from h * n / 24 up to (h + 1) * n / 24.
    let events_of = |hour: u64| (hour + 1) * options.events / HOURS - hour * options.events / HOURS;
    let mine = weighted_blocks((0..HOURS).map(events_of), world.size()).swap_remove(world.rank());
    let outcome = (|| {
        let mut counts = EventsCounts::default();
        for hour in mine {
            fault::checkpoint(world.rank(), "prep")?;
            let hour = hour as u64;
            let first_id = 2_489_651_045 + hour * options.events / HOURS;
            let bytes = world.time(Activity::Compute, "events", || {
                hour_lines(options.seed, hour, first_id, events_of(hour))
            });
            let path = folder.join(format!("2015-01-01-{hour}.json"));
            world
                .time(Activity::Io, "write events", || {
                    write_if_changed(&path, &bytes)
                })
                .map_err(|source| PrepError::Write { path, source })?;
            counts.files += 1;
            counts.events += events_of(hour);
            counts.bytes += bytes.len() as u64;
        }
        Ok::<EventsCounts, PrepError>(counts)
    })();
    let counts = world.agree(outcome)?;
    let counts = world
        .all_gather(&counts)
        .into_iter()
        .fold(EventsCounts::default(), |a, b| EventsCounts {
            files: a.files + b.files,
            events: a.events + b.events,
            bytes: a.bytes + b.bytes,
        });
    Ok(EventsSummary {
        out: options.out.clone(),
        counts,
        seconds: started.elapsed().as_secs_f64(),
        ranks: world.all_metrics(),
    })
}

/// Picks an index with probability proportional to its share.
fn pick<T>(rng: &mut ChaCha8Rng, shares: &[(T, u32)]) -> usize {
    let total: u32 = shares.iter().map(|s| s.1).sum();
    let mut draw = rng.random_range(0..total);
    for (i, share) in shares.iter().enumerate() {
        if draw < share.1 {
            return i;
        }
        draw -= share.1;
    }
    shares.len() - 1
}

/// An index below `n`, small ones far more often (a few actors and repositories make most
/// of the events).
fn skewed(rng: &mut ChaCha8Rng, n: u64) -> u64 {
    let u: f64 = rng.random();
    ((u * u * u) * n as f64) as u64 % n
}

/// What an issue or a pull request event did, and how often.
const ACTIONS: [(&str, u32); 3] = [("opened", 60), ("closed", 35), ("reopened", 5)];

const WORDS: [&str; 16] = [
    "fix",
    "add",
    "update",
    "remove",
    "tests",
    "docs",
    "parser",
    "build",
    "typo",
    "README",
    "refactor",
    "bump",
    "version",
    "merge",
    "branch",
    "\"quoted\"",
];

/// A commit message of a few words (one in 16 words is quoted, for the escapes).
fn message(rng: &mut ChaCha8Rng) -> String {
    let words: Vec<&str> = (0..rng.random_range(2..8))
        .map(|_| WORDS[rng.random_range(0..WORDS.len())])
        .collect();
    words.join(" ")
}

fn sha(rng: &mut ChaCha8Rng) -> String {
    format!(
        "{:016x}{:016x}{:08x}",
        rng.random::<u64>(),
        rng.random::<u64>(),
        rng.random::<u32>()
    )
}

/// The `count` events of `hour`, their ids from `first_id`, as JSON Lines.
fn hour_lines(seed: u64, hour: u64, first_id: u64, count: u64) -> Vec<u8> {
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    rng.set_stream(hour + 1);
    let mut out = Vec::with_capacity(count as usize * 600);
    for i in 0..count {
        let kind = TYPES[pick(&mut rng, &TYPES)].0;
        let actor = skewed(&mut rng, ACTORS);
        let repo = skewed(&mut rng, REPOS);
        let owner = if rng.random_bool(0.7) {
            actor
        } else {
            skewed(&mut rng, ACTORS)
        };
        let repo_name = format!("user{owner}/project-{repo}");
        let second = rng.random_range(0..3600);
        let payload = match kind {
            "PushEvent" => {
                let size = 1 + skewed(&mut rng, 20);
                let commits: Vec<_> = (0..size.min(20))
                    .map(|_| {
                        json!({
                            "sha": sha(&mut rng),
                            "author": {"email": format!("user{actor}@example.com"), "name": format!("User {actor}")},
                            "message": message(&mut rng),
                            "distinct": true,
                        })
                    })
                    .collect();
                json!({
                    "push_id": 536_740_000 + first_id / 4 + i,
                    "size": size,
                    "distinct_size": size,
                    "ref": "refs/heads/master",
                    "head": sha(&mut rng),
                    "commits": commits,
                })
            }
            "CreateEvent" | "DeleteEvent" => {
                let branch = rng.random_bool(0.6);
                json!({
                    "ref": if branch { json!(format!("feature-{}", rng.random_range(0..500))) } else { json!(null) },
                    "ref_type": if branch { "branch" } else { "repository" },
                    "master_branch": "master",
                })
            }
            "WatchEvent" => json!({"action": "started"}),
            "PullRequestEvent" | "IssuesEvent" => json!({
                "action": ACTIONS[pick(&mut rng, &ACTIONS)].0,
                "number": 1 + skewed(&mut rng, 3000),
            }),
            "IssueCommentEvent" | "PullRequestReviewCommentEvent" | "CommitCommentEvent" => json!({
                "action": "created",
                "comment": {"id": 68_600_000 + first_id / 8 + i, "body": message(&mut rng)},
            }),
            "ForkEvent" => json!({"forkee": {"full_name": format!("user{actor}/project-{repo}")}}),
            "GollumEvent" => json!({"pages": [{"page_name": "Home", "action": "edited"}]}),
            "ReleaseEvent" => {
                json!({"action": "published", "release": {"tag_name": format!("v{}.{}", rng.random_range(0..5), rng.random_range(0..20))}})
            }
            "MemberEvent" => {
                json!({"action": "added", "member": {"login": format!("user{}", skewed(&mut rng, ACTORS))}})
            }
            _ => json!({}),
        };
        let event = json!({
            "id": (first_id + i).to_string(),
            "type": kind,
            "actor": {"id": 1_000_000 + actor, "login": format!("user{actor}"), "url": format!("https://api.github.com/users/user{actor}")},
            "repo": {"id": 2_000_000 + repo, "name": repo_name, "url": format!("https://api.github.com/repos/{repo_name}")},
            "payload": payload,
            "public": true,
            "created_at": format!("2015-01-01T{hour:02}:{:02}:{:02}Z", second / 60, second % 60),
        });
        serde_json::to_writer(&mut out, &event).expect("JSON into memory");
        out.write_all(b"\n").expect("JSON into memory");
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_hour_is_the_same_lines_from_its_seed_and_hour_alone() {
        let a = hour_lines(3, 5, 100, 500);
        assert_eq!(a, hour_lines(3, 5, 100, 500));
        assert_ne!(a, hour_lines(3, 6, 100, 500));
        let lines: Vec<serde_json::Value> = a
            .split(|&b| b == b'\n')
            .filter(|l| !l.is_empty())
            .map(|l| serde_json::from_slice(l).unwrap())
            .collect();
        assert_eq!(lines.len(), 500);
        let pushes = lines.iter().filter(|e| e["type"] == "PushEvent").count();
        assert!((150..350).contains(&pushes), "{pushes} pushes of 500");
        assert!(lines.iter().all(|e| e["created_at"]
            .as_str()
            .unwrap()
            .starts_with("2015-01-01T05:")));
    }
}
