//! The tutorial's data-science lesson in code: a random search for an RBF SVM's (C, gamma,
//! tol) on the digits, every (candidate, split) fit handed out by the dynamic map (fits
//! differ a lot in cost: a rank takes the next one when it is free), then the best
//! candidate by mean validation accuracy. `pardata cvsearch` is this plus its outputs.
//!
//! ```sh
//! mpirun -n 2 target/release/examples/cvsearch
//! ```

use ndarray::Axis;
use pardata::prelude::*;
use pardata::workloads::cvsearch::{digits, grid, svc};

fn main() -> std::process::ExitCode {
    World::run(program)
}

fn program(world: &World) -> Result<(), String> {
    let samples = digits::builtin()?;
    let rows = samples.labels.len();
    let candidates = grid::random_candidates(10, 0);
    let splits = grid::holdout_splits(rows, 2, 0);
    let fits: Vec<(usize, usize)> = (0..candidates.len())
        .flat_map(|c| (0..splits.len()).map(move |s| (c, s)))
        .collect();

    let scores = map_all(world, &fits, Schedule::Dynamic, |_, &(c, s)| {
        let (train, valid) = (splits[s].training(rows), &splits[s].validation);
        let labels = |rows: &[usize]| rows.iter().map(|&i| samples.labels[i]).collect::<Vec<_>>();
        let hyper = svc::Hyper {
            c: candidates[c].c,
            gamma: candidates[c].gamma,
            tol: candidates[c].tol,
            max_iter: 10_000_000,
        };
        let model = svc::fit(
            samples.features.select(Axis(0), &train).view(),
            &labels(&train),
            hyper,
        )?;
        let predicted = model.predict(samples.features.select(Axis(0), valid).view());
        Ok::<f64, String>(svc::accuracy(&predicted, &labels(valid)))
    });

    if world.is_root() {
        let mut means = vec![0.0; candidates.len()];
        for (outcome, &(c, _)) in scores.iter().zip(&fits) {
            means[c] += outcome.result.clone()? / splits.len() as f64;
        }
        let best = (0..means.len()).fold(0, |b, c| if means[c] > means[b] { c } else { b });
        for (c, mean) in means.iter().enumerate() {
            let Some(candidate) = candidates.get(c) else {
                continue;
            };
            println!(
                "C {:9.3e}  gamma {:9.3e}  tol {:5.0e}: mean validation accuracy {mean:.4}",
                candidate.c, candidate.gamma, candidate.tol
            );
        }
        println!(
            "best: candidate {best}, mean validation accuracy {:.4}",
            means[best]
        );
    }
    Ok(())
}
