//! The candidates of the search and the splits they are scored on.
//!
//! `random` (the tutorial's): draws without replacement from C = 10^(-10..10 in 1001
//! steps), gamma = 10^(-10..10 in 1001 steps) and tol in {1e-4, 1e-3, 1e-2, 1e-1}; each
//! split a random 80/20 hold-out. `libsvm`: the classic grid of the libsvm guide (log2 C =
//! -5, -3, .., 15; log2 gamma = 3, 1, .., -15; tol 1e-3) on stratified folds. Everything is
//! seeded, so every rank computes the same candidates and splits.

use rand::seq::{index, SliceRandom};
use rand::SeedableRng;
use rand_chacha::ChaCha8Rng;
use serde::{Deserialize, Serialize};

/// One (C, gamma, tol) to score.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize)]
pub struct Candidate {
    #[serde(rename = "C")]
    pub c: f64,
    pub gamma: f64,
    pub tol: f64,
}

/// One split: the validation rows (ascending); the others train.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Split {
    pub validation: Vec<usize>,
}

impl Split {
    /// The training rows of `samples` (those not held out), ascending.
    pub fn training(&self, samples: usize) -> Vec<usize> {
        let mut held = vec![false; samples];
        for &row in &self.validation {
            held[row] = true;
        }
        (0..samples).filter(|&row| !held[row]).collect()
    }
}

/// Steps of the log10 axes of the random grid, from 10^-10 to 10^10.
const LOG_STEPS: usize = 1001;

/// `samples` distinct candidates of the random grid (fewer if the grid is smaller).
pub fn random_candidates(samples: usize, seed: u64) -> Vec<Candidate> {
    let tols = [1e-4, 1e-3, 1e-2, 1e-1];
    let total = LOG_STEPS * LOG_STEPS * tols.len();
    let step = |i: usize| 10f64.powf(-10.0 + 20.0 * i as f64 / (LOG_STEPS - 1) as f64);
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    index::sample(&mut rng, total, samples.min(total))
        .into_iter()
        .map(|k| Candidate {
            c: step(k / (LOG_STEPS * tols.len())),
            gamma: step(k / tols.len() % LOG_STEPS),
            tol: tols[k % tols.len()],
        })
        .collect()
}

/// The libsvm guide's grid: 11 values of C by 10 of gamma, C-major.
pub fn libsvm_candidates() -> Vec<Candidate> {
    let mut candidates = Vec::new();
    for log_c in (-5..=15).step_by(2) {
        for log_gamma in (-15..=3).rev().step_by(2) {
            candidates.push(Candidate {
                c: 2f64.powi(log_c),
                gamma: 2f64.powi(log_gamma),
                tol: 1e-3,
            });
        }
    }
    candidates
}

/// `splits` random hold-outs of a fifth of `samples` rows (rounded up, as scikit-learn's
/// `ShuffleSplit(test_size=0.2)`), each from its own seeded stream.
pub fn holdout_splits(samples: usize, splits: usize, seed: u64) -> Vec<Split> {
    let held = (samples * 2).div_ceil(10);
    (0..splits)
        .map(|s| {
            let mut rng = ChaCha8Rng::seed_from_u64(seed);
            rng.set_stream(s as u64 + 1);
            let mut validation = index::sample(&mut rng, samples, held).into_vec();
            validation.sort_unstable();
            Split { validation }
        })
        .collect()
}

/// `folds` stratified folds: each class's rows shuffled, then dealt to the folds in turn
/// (continuing from fold to fold across classes), so every fold holds each class in
/// proportion and the fold sizes differ by at most one.
pub fn stratified_folds(labels: &[u32], folds: usize, seed: u64) -> Vec<Split> {
    let mut classes = labels.to_vec();
    classes.sort_unstable();
    classes.dedup();
    let mut rng = ChaCha8Rng::seed_from_u64(seed);
    let mut validation = vec![Vec::new(); folds];
    let mut next = 0;
    for class in classes {
        let mut rows: Vec<usize> = (0..labels.len()).filter(|&i| labels[i] == class).collect();
        rows.shuffle(&mut rng);
        for row in rows {
            validation[next % folds].push(row);
            next += 1;
        }
    }
    validation
        .into_iter()
        .map(|mut rows| {
            rows.sort_unstable();
            Split { validation: rows }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn random_candidates_are_distinct_grid_points() {
        let candidates = random_candidates(500, 7);
        assert_eq!(candidates.len(), 500);
        let mut keys: Vec<(u64, u64, u64)> = candidates
            .iter()
            .map(|c| (c.c.to_bits(), c.gamma.to_bits(), c.tol.to_bits()))
            .collect();
        keys.sort_unstable();
        keys.dedup();
        assert_eq!(keys.len(), 500, "drawn without replacement");
        for c in &candidates {
            for value in [c.c, c.gamma] {
                let step = (value.log10() + 10.0) * 50.0;
                assert!((step - step.round()).abs() < 1e-6 && (0.0..=1000.0).contains(&step));
            }
            assert!([1e-4, 1e-3, 1e-2, 1e-1].contains(&c.tol));
        }
        assert_eq!(random_candidates(500, 7), candidates, "seeded");
        assert_ne!(random_candidates(500, 8), candidates);
    }

    #[test]
    fn the_whole_grid_can_be_drawn() {
        assert_eq!(random_candidates(usize::MAX, 0).len(), 1001 * 1001 * 4);
    }

    #[test]
    fn the_libsvm_grid_is_eleven_by_ten() {
        let grid = libsvm_candidates();
        assert_eq!(grid.len(), 110);
        assert_eq!((grid[0].c, grid[0].gamma), (2f64.powi(-5), 8.0));
        assert_eq!(
            (grid[109].c, grid[109].gamma),
            (2f64.powi(15), 2f64.powi(-15))
        );
    }

    #[test]
    fn holdouts_keep_a_fifth_and_differ() {
        let splits = holdout_splits(1797, 3, 0);
        for split in &splits {
            assert_eq!(split.validation.len(), 360);
            assert_eq!(split.training(1797).len(), 1437);
            assert!(split.validation.windows(2).all(|w| w[0] < w[1]));
        }
        assert_ne!(splits[0], splits[1]);
        assert_eq!(holdout_splits(1797, 3, 0), splits);
    }

    #[test]
    fn folds_partition_the_rows_by_class() {
        let labels: Vec<u32> = (0..103).map(|i| (i % 3) as u32).collect();
        let folds = stratified_folds(&labels, 5, 1);
        let mut all: Vec<usize> = folds.iter().flat_map(|f| f.validation.clone()).collect();
        all.sort_unstable();
        assert_eq!(all, (0..103).collect::<Vec<_>>());
        for fold in &folds {
            assert!((20..=21).contains(&fold.validation.len()));
            for class in 0..3 {
                let n = fold
                    .validation
                    .iter()
                    .filter(|&&r| labels[r] == class)
                    .count();
                assert!((6..=8).contains(&n), "class {class}: {n}");
            }
        }
    }
}
