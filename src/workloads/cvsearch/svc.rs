//! The multi-class RBF support-vector classifier of the search: one binary SVC of
//! linfa-svm per pair of classes (one-vs-one), majority voting as libsvm does, ties to the
//! smaller class. C and tol mean what they mean in scikit-learn's `SVC` (libsvm's C and
//! stopping tolerance); the kernel is exp(-gamma |x - y|^2).
//!
//! Prediction computes the kernel between the queries and every training sample that is a
//! support vector of any machine once (a matrix product), then each machine's decision
//! from its coefficients: the support vectors shared by the 45 machines of ten classes are
//! not evaluated 45 times.

use linfa::dataset::Dataset;
use linfa::traits::Fit;
use linfa_svm::Svm;
use ndarray::{Array2, ArrayView2, Axis};

/// The hyper-parameters of one fit.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Hyper {
    pub c: f64,
    pub gamma: f64,
    pub tol: f64,
    /// The most solver iterations per binary machine.
    pub max_iter: usize,
}

/// One binary machine: classes (positive, negative), its coefficients (alpha * y) by
/// position in the training rows, and its offset.
struct Machine {
    positive: u32,
    negative: u32,
    coefficients: Vec<(usize, f64)>,
    rho: f64,
}

/// A fitted multi-class classifier.
pub struct Classifier {
    gamma: f64,
    machines: Vec<Machine>,
    /// The training rows that are a support vector of some machine.
    support: Vec<usize>,
    support_rows: Array2<f64>,
    /// Solver iterations, summed over the machines.
    pub iterations: usize,
    /// Whether some machine stopped at the iteration cap.
    pub capped: bool,
}

/// Fits one machine per pair of the classes present in `labels`.
pub fn fit(
    features: ArrayView2<'_, f64>,
    labels: &[u32],
    hyper: Hyper,
) -> Result<Classifier, String> {
    let mut classes = labels.to_vec();
    classes.sort_unstable();
    classes.dedup();
    let params = Svm::<f64, bool>::params()
        .pos_neg_weights(hyper.c, hyper.c)
        .gaussian_kernel(1.0 / hyper.gamma)
        .eps(hyper.tol)
        .shrinking(true)
        .max_iterations(hyper.max_iter);
    let mut machines = Vec::new();
    let (mut iterations, mut capped) = (0, false);
    for (a, &positive) in classes.iter().enumerate() {
        for &negative in &classes[a + 1..] {
            let rows: Vec<usize> = (0..labels.len())
                .filter(|&i| labels[i] == positive || labels[i] == negative)
                .collect();
            let targets: Vec<bool> = rows.iter().map(|&i| labels[i] == positive).collect();
            let dataset = Dataset::new(
                features.select(Axis(0), &rows),
                ndarray::Array1::from(targets),
            );
            let svm = params
                .fit(&dataset)
                .map_err(|e| format!("classes {positive} and {negative}: {e}"))?;
            iterations += svm.iterations();
            capped |= svm.reached_iteration_cap();
            let coefficients = rows
                .iter()
                .zip(&svm.alpha)
                .filter(|(_, a)| a.abs() > 100.0 * f64::EPSILON)
                .map(|(&row, &a)| (row, a))
                .collect();
            machines.push(Machine {
                positive,
                negative,
                coefficients,
                rho: svm.rho,
            });
        }
    }
    let mut support: Vec<usize> = machines
        .iter()
        .flat_map(|m| m.coefficients.iter().map(|&(row, _)| row))
        .collect();
    support.sort_unstable();
    support.dedup();
    Ok(Classifier {
        gamma: hyper.gamma,
        support_rows: features.select(Axis(0), &support),
        support,
        machines,
        iterations,
        capped,
    })
}

impl Classifier {
    /// The class of each row of `queries`: the most votes of the machines, ties to the
    /// smaller class; a machine votes for its positive class when its decision is above 0.
    pub fn predict(&self, queries: ArrayView2<'_, f64>) -> Vec<u32> {
        let kernel = rbf(queries, self.support_rows.view(), self.gamma);
        let column = |row: usize| self.support.binary_search(&row).unwrap_or_default();
        let mut classes: Vec<u32> = self
            .machines
            .iter()
            .flat_map(|m| [m.positive, m.negative])
            .collect();
        classes.sort_unstable();
        classes.dedup();
        kernel
            .outer_iter()
            .map(|k| {
                let winners = self.machines.iter().map(|machine| {
                    let decision: f64 = machine
                        .coefficients
                        .iter()
                        .map(|&(row, a)| a * k[column(row)])
                        .sum::<f64>()
                        - machine.rho;
                    if decision > 0.0 {
                        machine.positive
                    } else {
                        machine.negative
                    }
                });
                vote(&classes, winners)
            })
            .collect()
    }
}

/// The class with the most votes among `classes` (ascending), ties to the smaller class.
fn vote(classes: &[u32], winners: impl Iterator<Item = u32>) -> u32 {
    let mut votes = vec![0u32; classes.len()];
    for winner in winners {
        if let Ok(i) = classes.binary_search(&winner) {
            votes[i] += 1;
        }
    }
    let best = votes
        .iter()
        .enumerate()
        .fold(0, |best, (i, &v)| if v > votes[best] { i } else { best });
    classes[best]
}

/// exp(-gamma |x - y|^2) for every row x of `a` and row y of `b`, by a matrix product.
fn rbf(a: ArrayView2<'_, f64>, b: ArrayView2<'_, f64>, gamma: f64) -> Array2<f64> {
    let norms = |m: ArrayView2<'_, f64>| m.map_axis(Axis(1), |r| r.dot(&r));
    let (na, nb) = (norms(a), norms(b));
    let mut kernel = a.dot(&b.t());
    for ((i, j), k) in kernel.indexed_iter_mut() {
        let squared = (na[i] + nb[j] - 2.0 * *k).max(0.0);
        *k = (-gamma * squared).exp();
    }
    kernel
}

/// The share of `predicted` equal to `truth`.
pub fn accuracy(predicted: &[u32], truth: &[u32]) -> f64 {
    let right = predicted.iter().zip(truth).filter(|(p, t)| p == t).count();
    right as f64 / truth.len().max(1) as f64
}

#[cfg(test)]
mod tests {
    use super::{fit, vote, Hyper};
    use ndarray::array;

    /// Three tight clusters by hand: every pair of classes is separable, so each training
    /// point and each nearby point goes to its own cluster's class.
    #[test]
    fn one_vs_one_voting_separates_three_clusters() {
        let features = array![
            [0.0, 0.0],
            [0.1, 0.0],
            [0.0, 0.1],
            [5.0, 5.0],
            [5.1, 5.0],
            [5.0, 5.1],
            [0.0, 5.0],
            [0.1, 5.0],
            [0.0, 5.1]
        ];
        let labels = [0, 0, 0, 1, 1, 1, 2, 2, 2];
        let hyper = Hyper {
            c: 10.0,
            gamma: 0.5,
            tol: 1e-3,
            max_iter: 100_000,
        };
        let model = fit(features.view(), &labels, hyper).expect("fits");
        assert_eq!(model.machines.len(), 3, "one machine per pair of classes");
        assert_eq!(model.predict(features.view()), labels);
        let near = array![[0.2, 0.2], [4.8, 4.9], [0.1, 4.7]];
        assert_eq!(model.predict(near.view()), vec![0, 1, 2]);
        assert!(!model.capped);
    }

    /// Three classes, each pair's machine voting for a different class: one vote each,
    /// and the smallest class wins, as in libsvm.
    #[test]
    fn a_tie_goes_to_the_smaller_class() {
        assert_eq!(vote(&[3, 5, 7], [5, 3, 7].into_iter()), 3);
        assert_eq!(vote(&[3, 5, 7], [5, 7, 7].into_iter()), 7);
        assert_eq!(vote(&[3, 5, 7], [5, 5, 7].into_iter()), 5);
    }

    #[test]
    fn a_tiny_iteration_cap_is_reported() {
        let features = array![[0.0, 0.0], [1.0, 1.0], [0.2, 0.9], [0.9, 0.1]];
        let labels = [0, 0, 1, 1];
        let hyper = Hyper {
            c: 1e6,
            gamma: 1.0,
            tol: 1e-6,
            max_iter: 1,
        };
        let model = fit(features.view(), &labels, hyper).expect("fits");
        assert!(model.capped);
    }
}
