//! `pardata cvsearch`: the tutorial's data-science lesson, a cross-validated search for the
//! hyper-parameters (C, gamma, tol) of an RBF support-vector classifier on the handwritten
//! digits, every (candidate, split) fit a task of the dynamic map (fits differ a lot in
//! cost, so ranks take the next one when they are free), with the accuracy landscape.
//!
//! Every rank reads the data and draws the same candidates and splits ([`grid`]); the fits
//! ([`svc`]) run where the scheduler puts them, as many at once on a rank as it has compute
//! threads; rank 0 writes `results.csv`,
//! `results.json`, `splits.json` (so anyone can score the same splits elsewhere),
//! `landscape.svg` and `landscape.png` into `--out`, byte-identical at every rank count and
//! on every run, and `timings.csv` (the seconds of each fit and the rank that made it).
//! A search can also be split over separate jobs and merged ([`shards`]).

pub mod digits;
pub mod grid;
pub mod shards;
pub mod svc;

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Instant;

use serde::Serialize;

use crate::io::atomic::write_if_changed;
use crate::patterns::map::{map_all_on_threads, Schedule};
use crate::report::plot::{landscape_svg, svg_to_png, LandscapePoint};
use crate::runtime::{fault, JobFailure, World};
use grid::{Candidate, Split};
use shards::{Search, Shard};

/// Which candidates to score.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Grid {
    /// Seeded draws without replacement from the tutorial's log grid, on hold-out splits.
    Random,
    /// The libsvm guide's grid on stratified folds.
    Libsvm,
}

/// What to search.
#[derive(Debug, Clone)]
pub struct CvsearchOptions {
    /// The samples (CSV, features then label); `None`: the built-in digits.
    pub data: Option<PathBuf>,
    pub samples: usize,
    pub splits: usize,
    pub seed: u64,
    pub grid: Grid,
    pub max_iter: usize,
    pub out: PathBuf,
    pub part: Part,
}

/// Which part of the search this run does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Part {
    /// All of it.
    Whole,
    /// One shard's candidates, written to `OUT/shards/` (see [`shards`]).
    Shard(Shard),
    /// No fits: the shards' results, merged and written as the whole search's.
    Merge,
}

/// One fit: a candidate on a split.
#[derive(Debug, Clone, PartialEq, Serialize, serde::Deserialize)]
pub struct FitResult {
    pub candidate: usize,
    pub split: usize,
    #[serde(rename = "C")]
    pub c: f64,
    pub gamma: f64,
    pub tol: f64,
    pub train_accuracy: f64,
    pub validation_accuracy: f64,
    pub fit_seconds: f64,
    pub iterations: usize,
    /// Whether a machine stopped at `--max-iter`.
    pub capped: bool,
    pub rank: usize,
}

/// A candidate's mean scores over the splits.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CandidateScore {
    pub candidate: usize,
    #[serde(rename = "C")]
    pub c: f64,
    pub gamma: f64,
    pub tol: f64,
    pub mean_validation_accuracy: f64,
    pub mean_train_accuracy: f64,
}

/// The result of `cvsearch`.
#[derive(Debug, Serialize)]
pub struct CvsearchSummary {
    pub source: String,
    pub samples: usize,
    pub candidates: usize,
    pub splits: usize,
    /// The candidates by mean validation accuracy, best first (ties: the earlier candidate).
    pub ranking: Vec<CandidateScore>,
    pub fits: Vec<FitResult>,
    pub out: PathBuf,
    pub seconds: f64,
    pub ranks: usize,
    /// What was written, relative to `out`.
    pub written: Vec<String>,
    /// The shard this run fitted, if only one.
    pub shard: Option<Shard>,
}

impl fmt::Display for CvsearchSummary {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let capped = self.fits.iter().filter(|r| r.capped).count();
        let candidates = match self.shard {
            Some(shard) => format!(
                "shard {} of {}: {} of {}",
                shard.index,
                shard.count,
                self.ranking.len(),
                self.candidates
            ),
            None => self.candidates.to_string(),
        };
        writeln!(
            f,
            "cvsearch: {candidates} candidates x {} splits = {} fits on {} samples of {} in {:.3} s on {} rank{}{}",
            self.splits,
            self.fits.len(),
            self.samples,
            self.source,
            self.seconds,
            self.ranks,
            if self.ranks == 1 { "" } else { "s" },
            if capped > 0 {
                format!(" ({capped} fits stopped at --max-iter)")
            } else {
                String::new()
            }
        )?;
        writeln!(
            f,
            "{:>4}  {:>10}  {:>10}  {:>7}  {:>10}  {:>10}",
            "rank", "C", "gamma", "tol", "validation", "train"
        )?;
        for (place, s) in self.ranking.iter().take(10).enumerate() {
            writeln!(
                f,
                "{:>4}  {:>10.3e}  {:>10.3e}  {:>7.0e}  {:>10.4}  {:>10.4}",
                place + 1,
                s.c,
                s.gamma,
                s.tol,
                s.mean_validation_accuracy,
                s.mean_train_accuracy
            )?;
        }
        write!(
            f,
            "wrote {} in {}",
            self.written.join(", "),
            self.out.display()
        )
    }
}

/// Runs the search (a collective: every rank calls it).
pub fn cvsearch(world: &World, options: &CvsearchOptions) -> Result<CvsearchSummary, JobFailure> {
    let started = Instant::now();
    let samples = world.agree(match &options.data {
        Some(path) => digits::read(path),
        None => digits::builtin(),
    })?;
    let (candidates, splits) = match options.grid {
        Grid::Random => (
            grid::random_candidates(options.samples, options.seed),
            grid::holdout_splits(samples.labels.len(), options.splits, options.seed),
        ),
        Grid::Libsvm => (
            grid::libsvm_candidates(),
            grid::stratified_folds(&samples.labels, options.splits, options.seed),
        ),
    };
    let search = Search {
        source: samples.source.clone(),
        samples: samples.labels.len(),
        seed: options.seed,
        grid: format!("{:?}", options.grid).to_lowercase(),
        candidates: candidates.len(),
        splits: splits.len(),
        max_iter: options.max_iter,
    };
    let fits = match options.part {
        Part::Merge => world.agree(shards::merge(&options.out, &search))?,
        Part::Whole | Part::Shard(_) => fit_all(world, options, &samples, &candidates, &splits)?,
    };
    let ranking = rank_candidates(&candidates, &fits);
    world.on_root(|| match options.part {
        Part::Shard(shard) => shards::write(&options.out, shard, &search, &fits),
        Part::Whole | Part::Merge => write_outputs(&options.out, &fits, &ranking, &splits),
    })?;
    let written = match options.part {
        Part::Shard(shard) => vec![shard.relative_path().display().to_string()],
        Part::Whole | Part::Merge => OUTPUTS.iter().map(|name| name.to_string()).collect(),
    };
    Ok(CvsearchSummary {
        source: samples.source.clone(),
        samples: samples.labels.len(),
        candidates: candidates.len(),
        splits: splits.len(),
        ranking,
        fits,
        out: options.out.clone(),
        seconds: started.elapsed().as_secs_f64(),
        ranks: world.size(),
        written,
        shard: match options.part {
            Part::Shard(shard) => Some(shard),
            Part::Whole | Part::Merge => None,
        },
    })
}

/// Fits this run's candidates (all, or its shard's) on every split (a collective).
fn fit_all(
    world: &World,
    options: &CvsearchOptions,
    samples: &digits::Samples,
    candidates: &[Candidate],
    splits: &[Split],
) -> Result<Vec<FitResult>, JobFailure> {
    let trainings: Vec<Vec<usize>> = splits
        .iter()
        .map(|s| s.training(samples.labels.len()))
        .collect();
    let items: Vec<(usize, usize)> = (0..candidates.len())
        .filter(|&c| match options.part {
            Part::Shard(shard) => shard.holds(c),
            Part::Whole | Part::Merge => true,
        })
        .flat_map(|c| (0..splits.len()).map(move |s| (c, s)))
        .collect();
    let rank = world.rank();
    let outcomes = map_all_on_threads(
        world,
        &items,
        Schedule::Dynamic,
        "cvsearch",
        |_, &(c, s)| {
            fault::checkpoint(rank, "cvsearch").map_err(|e| e.to_string())?;
            score(
                samples,
                &trainings[s],
                &splits[s],
                candidates[c],
                options.max_iter,
            )
            .map(|scores| (c, s, scores))
            .map_err(|e| format!("candidate {c} on split {s}: {e}"))
        },
    );
    // Every rank holds every outcome, so every rank finds the same first error.
    if let Some((rank, error)) = outcomes
        .iter()
        .find_map(|o| o.result.as_ref().err().map(|e| (o.rank, e)))
    {
        return world.fail_on(rank, error);
    }
    let mut fits = Vec::with_capacity(outcomes.len());
    for outcome in outcomes {
        let Ok((candidate, split, scores)) = outcome.result else {
            continue;
        };
        let (train_accuracy, validation_accuracy, fit_seconds, iterations, capped) = scores;
        let Candidate { c, gamma, tol } = candidates[candidate];
        fits.push(FitResult {
            candidate,
            split,
            c,
            gamma,
            tol,
            train_accuracy,
            validation_accuracy,
            fit_seconds,
            iterations,
            capped,
            rank: outcome.rank,
        });
    }
    Ok(fits)
}

/// Train and validation accuracy, seconds, solver iterations and whether the cap was hit.
type Scores = (f64, f64, f64, usize, bool);

/// Fits `candidate` on the split's training rows and scores it.
fn score(
    samples: &digits::Samples,
    training: &[usize],
    split: &Split,
    candidate: Candidate,
    max_iter: usize,
) -> Result<Scores, String> {
    use ndarray::Axis;
    let started = Instant::now();
    let train_x = samples.features.select(Axis(0), training);
    let train_y: Vec<u32> = training.iter().map(|&i| samples.labels[i]).collect();
    let hyper = svc::Hyper {
        c: candidate.c,
        gamma: candidate.gamma,
        tol: candidate.tol,
        max_iter,
    };
    let model = svc::fit(train_x.view(), &train_y, hyper)?;
    let seconds = started.elapsed().as_secs_f64();
    let valid_x = samples.features.select(Axis(0), &split.validation);
    let valid_y: Vec<u32> = split
        .validation
        .iter()
        .map(|&i| samples.labels[i])
        .collect();
    Ok((
        svc::accuracy(&model.predict_training(), &train_y),
        svc::accuracy(&model.predict(valid_x.view()), &valid_y),
        seconds,
        model.iterations,
        model.capped,
    ))
}

/// The candidates that were fitted by mean validation accuracy, best first, ties to the
/// earlier candidate.
fn rank_candidates(candidates: &[Candidate], fits: &[FitResult]) -> Vec<CandidateScore> {
    let mut ranking: Vec<CandidateScore> = candidates
        .iter()
        .enumerate()
        .filter(|&(index, _)| fits.iter().any(|f| f.candidate == index))
        .map(|(index, c)| {
            let mine: Vec<&FitResult> = fits.iter().filter(|f| f.candidate == index).collect();
            let mean = |value: fn(&FitResult) -> f64| {
                mine.iter().map(|f| value(f)).sum::<f64>() / mine.len().max(1) as f64
            };
            CandidateScore {
                candidate: index,
                c: c.c,
                gamma: c.gamma,
                tol: c.tol,
                mean_validation_accuracy: mean(|f| f.validation_accuracy),
                mean_train_accuracy: mean(|f| f.train_accuracy),
            }
        })
        .collect();
    ranking.sort_by(|a, b| {
        b.mean_validation_accuracy
            .total_cmp(&a.mean_validation_accuracy)
            .then(a.candidate.cmp(&b.candidate))
    });
    ranking
}

/// What a whole search (or a merge) writes into `--out`.
const OUTPUTS: [&str; 6] = [
    "results.csv",
    "results.json",
    "splits.json",
    "timings.csv",
    "landscape.svg",
    "landscape.png",
];

/// Writes the outputs into `out` (each file complete or not at all).
fn write_outputs(
    out: &Path,
    fits: &[FitResult],
    ranking: &[CandidateScore],
    splits: &[Split],
) -> Result<(), String> {
    let fail = |what: &str, e: &dyn fmt::Display| format!("{}: {what}: {e}", out.display());
    std::fs::create_dir_all(out).map_err(|e| fail("cannot create the folder", &e))?;
    // The results hold what the search found, the same at every rank count and on every
    // run; what depends on the run (seconds, the rank that fitted) goes to timings.csv.
    let mut csv = String::from(
        "candidate,split,C,gamma,tol,train_accuracy,validation_accuracy,iterations,capped\n",
    );
    let mut timings = String::from("candidate,split,fit_seconds,rank\n");
    let mut scored = Vec::with_capacity(fits.len());
    for f in fits {
        csv += &format!(
            "{},{},{:e},{:e},{:e},{},{},{},{}\n",
            f.candidate,
            f.split,
            f.c,
            f.gamma,
            f.tol,
            f.train_accuracy,
            f.validation_accuracy,
            f.iterations,
            f.capped,
        );
        timings += &format!(
            "{},{},{:.6},{}\n",
            f.candidate, f.split, f.fit_seconds, f.rank
        );
        let mut fit = serde_json::to_value(f).map_err(|e| e.to_string())?;
        if let Some(fields) = fit.as_object_mut() {
            fields.remove("fit_seconds");
            fields.remove("rank");
        }
        scored.push(fit);
    }
    let json = serde_json::json!({ "best": ranking.first(), "ranking": ranking, "fits": scored });
    let splits_json = serde_json::json!({ "splits": splits });
    for (name, bytes) in [
        ("results.csv", csv.into_bytes()),
        ("results.json", pretty(&json)?),
        ("splits.json", pretty(&splits_json)?),
        ("timings.csv", timings.into_bytes()),
    ] {
        write_if_changed(&out.join(name), &bytes).map_err(|e| fail(name, &e))?;
    }
    let best: Vec<usize> = ranking.iter().take(10).map(|s| s.candidate).collect();
    let points: Vec<LandscapePoint> = ranking
        .iter()
        .map(|s| LandscapePoint {
            log_c: s.c.log10(),
            log_gamma: s.gamma.log10(),
            score: s.mean_validation_accuracy,
            best: best.contains(&s.candidate),
        })
        .collect();
    landscape_svg(&out.join("landscape.svg"), &points)?;
    svg_to_png(&out.join("landscape.svg"), &out.join("landscape.png"))
}

fn pretty(value: &serde_json::Value) -> Result<Vec<u8>, String> {
    serde_json::to_vec_pretty(value).map_err(|e| e.to_string())
}
