//! The multi-class RBF support-vector classifier of the search: one binary SVC of
//! linfa-svm per pair of classes (one-vs-one), majority voting as libsvm does, ties to the
//! smaller class. C and tol mean what they mean in scikit-learn's `SVC` (libsvm's C and
//! stopping tolerance); the kernel is exp(-gamma |x - y|^2).
//!
//! The kernel between all training samples is computed once per fit with a matrix product
//! and each pair's machine gets its block of it. Prediction computes the kernel between the
//! queries and every training sample that is a support vector of some machine once, and
//! all machines' decisions with one more product: the support vectors shared by the 45
//! machines of ten classes are not evaluated 45 times.

use linfa_kernel::{Kernel, KernelInner, KernelMethod};
use linfa_svm::{fit_c, SolverParams};
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

/// A fitted multi-class classifier.
pub struct Classifier {
    gamma: f64,
    /// The classes, ascending.
    classes: Vec<u32>,
    /// Per machine: (positive class, negative class), by position in `classes`.
    pairs: Vec<(usize, usize)>,
    /// The training samples that are a support vector of some machine.
    support_rows: Array2<f64>,
    /// The kernel between every training sample and those support vectors.
    training_kernel: Array2<f64>,
    /// The machines' coefficients (alpha * y): one row per support vector, one column per
    /// machine.
    coefficients: Array2<f64>,
    /// The machines' offsets.
    rho: Vec<f64>,
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
    if !hyper.gamma.is_finite() || hyper.gamma <= 0.0 {
        return Err(format!("gamma {} is not a positive number", hyper.gamma));
    }
    let mut classes = labels.to_vec();
    classes.sort_unstable();
    classes.dedup();
    let params = SolverParams {
        eps: hyper.tol,
        // Off, as by default in linfa-svm: with it on (vendor/linfa-svm/PATCH.md makes it
        // run), 1 of 16 fits of the scikit-learn cross-check ended more than 0.02 away.
        shrinking: false,
        max_iterations: Some(hyper.max_iter),
    };
    let kernel = rbf_within(features, hyper.gamma);
    let mut pairs = Vec::new();
    let mut machines: Vec<(Vec<(usize, f64)>, f64)> = Vec::new();
    let (mut iterations, mut capped) = (0, false);
    for a in 0..classes.len() {
        for b in a + 1..classes.len() {
            let rows: Vec<usize> = (0..labels.len())
                .filter(|&i| labels[i] == classes[a] || labels[i] == classes[b])
                .collect();
            let targets: Vec<bool> = rows.iter().map(|&i| labels[i] == classes[a]).collect();
            let block = Array2::from_shape_fn((rows.len(), rows.len()), |(i, j)| {
                kernel[[rows[i], rows[j]]]
            });
            let records = features.select(Axis(0), &rows);
            let svm = fit_c(
                params.clone(),
                records.view(),
                Kernel {
                    inner: KernelInner::Dense(block),
                    method: KernelMethod::Gaussian(1.0 / hyper.gamma),
                },
                &targets,
                hyper.c,
                hyper.c,
            );
            iterations += svm.iterations();
            capped |= svm.reached_iteration_cap();
            let kept = rows
                .iter()
                .zip(&svm.alpha)
                .filter(|(_, a)| a.abs() > 100.0 * f64::EPSILON)
                .map(|(&row, &a)| (row, a))
                .collect();
            pairs.push((a, b));
            machines.push((kept, svm.rho));
        }
    }
    let mut support: Vec<usize> = machines
        .iter()
        .flat_map(|(kept, _)| kept.iter().map(|&(row, _)| row))
        .collect();
    support.sort_unstable();
    support.dedup();
    let mut coefficients = Array2::zeros((support.len(), machines.len()));
    for (m, (kept, _)) in machines.iter().enumerate() {
        for &(row, a) in kept {
            if let Ok(k) = support.binary_search(&row) {
                coefficients[[k, m]] = a;
            }
        }
    }
    Ok(Classifier {
        gamma: hyper.gamma,
        classes,
        pairs,
        support_rows: features.select(Axis(0), &support),
        training_kernel: kernel.select(Axis(1), &support),
        coefficients,
        rho: machines.iter().map(|(_, rho)| *rho).collect(),
        iterations,
        capped,
    })
}

impl Classifier {
    /// The class of each row of `queries`: the most votes of the machines, ties to the
    /// smaller class; a machine votes for its positive class when its decision is above 0.
    pub fn predict(&self, queries: ArrayView2<'_, f64>) -> Vec<u32> {
        self.classify(&rbf(queries, self.support_rows.view(), self.gamma))
    }

    /// [`Classifier::predict`] of the training samples, from the kernel the fit computed.
    pub fn predict_training(&self) -> Vec<u32> {
        self.classify(&self.training_kernel)
    }

    /// The classes of the queries whose kernel with the support vectors is `kernel`.
    fn classify(&self, kernel: &Array2<f64>) -> Vec<u32> {
        let decisions = kernel.dot(&self.coefficients);
        decisions
            .outer_iter()
            .map(|row| {
                let winners = self.pairs.iter().zip(row).zip(&self.rho).map(
                    |((&(positive, negative), &sum), &rho)| {
                        if sum - rho > 0.0 {
                            positive
                        } else {
                            negative
                        }
                    },
                );
                self.classes[vote(self.classes.len(), winners)]
            })
            .collect()
    }
}

/// The position of the class with the most votes among `classes` classes, ties to the
/// smaller position.
fn vote(classes: usize, winners: impl Iterator<Item = usize>) -> usize {
    let mut votes = vec![0u32; classes];
    for winner in winners {
        votes[winner] += 1;
    }
    votes
        .iter()
        .enumerate()
        .fold(0, |best, (i, &v)| if v > votes[best] { i } else { best })
}

/// exp(-gamma |x - y|^2) between every two rows of `a`: [`rbf`] of `a` with itself, with
/// each exponential computed once for both triangles.
fn rbf_within(a: ArrayView2<'_, f64>, gamma: f64) -> Array2<f64> {
    let norms = a.map_axis(Axis(1), |r| r.dot(&r));
    let mut kernel = a.dot(&a.t());
    for i in 0..kernel.nrows() {
        kernel[[i, i]] = 1.0;
        for j in i + 1..kernel.ncols() {
            let squared = (norms[i] + norms[j] - 2.0 * kernel[[i, j]]).max(0.0);
            let k = (-gamma * squared).exp();
            kernel[[i, j]] = k;
            kernel[[j, i]] = k;
        }
    }
    kernel
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
        assert_eq!(model.pairs.len(), 3, "one machine per pair of classes");
        assert_eq!(model.predict(features.view()), labels);
        assert_eq!(model.predict_training(), labels);
        let near = array![[0.2, 0.2], [4.8, 4.9], [0.1, 4.7]];
        assert_eq!(model.predict(near.view()), vec![0, 1, 2]);
        assert!(!model.capped);
    }

    /// Three classes, each pair's machine voting for a different class: one vote each,
    /// and the smallest class wins, as in libsvm.
    #[test]
    fn a_tie_goes_to_the_smaller_class() {
        assert_eq!(vote(3, [1, 0, 2].into_iter()), 0);
        assert_eq!(vote(3, [1, 2, 2].into_iter()), 2);
        assert_eq!(vote(3, [1, 1, 2].into_iter()), 1);
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
