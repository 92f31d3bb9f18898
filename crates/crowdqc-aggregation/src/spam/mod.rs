//! Spammer detection: Raykar & Yu's score from confusion matrices, constant-label and
//! uniform-answer workers.

use crowdqc_core::JudgmentMatrix;
use ndarray::{Array1, ArrayView3};

/// Raykar & Yu (2012, "Eliminating spammers and ranking annotators for crowdsourced
/// labeling tasks", JMLR 13) spammer score per worker, from confusion matrices indexed
/// `[worker, true, observed]`:
///
/// `S_w = 1/(K(K-1)) Σ_{c<c'} Σ_l (A[w,c,l] − A[w,c',l])²`.
///
/// A spammer answers independently of the truth, so every row of its confusion is the
/// same and `S = 0`; a perfect worker has `S = 1`. For two classes
/// `S = (sensitivity + specificity − 1)²`. Classes whose rows are all zero (no
/// judgment of that class exists) are skipped.
pub fn spammer_scores(confusion: ArrayView3<'_, f64>) -> Array1<f64> {
    let (n, k, _) = confusion.dim();
    Array1::from_shape_fn(n, |w| {
        let live: Vec<usize> = (0..k)
            .filter(|&c| (0..k).any(|l| confusion[[w, c, l]] > 0.0))
            .collect();
        let kk = live.len();
        if kk < 2 {
            return f64::NAN;
        }
        let mut s = 0.0;
        for (i, &c) in live.iter().enumerate() {
            for &c2 in &live[i + 1..] {
                for l in 0..k {
                    let d = confusion[[w, c, l]] - confusion[[w, c2, l]];
                    s += d * d;
                }
            }
        }
        s / (kk * (kk - 1)) as f64
    })
}

/// Per-worker answer-pattern flags.
#[derive(Debug, Clone, PartialEq)]
pub struct AnswerPatterns {
    /// The worker gave one label to all of at least `min_judgments` judgments.
    pub constant_label: Vec<bool>,
    /// The worker's labels are spread evenly over the classes (total-variation distance
    /// to uniform below `uniform_tolerance`, at least `min_judgments` judgments) while
    /// the matrix as a whole is not balanced that way; a random clicker. Combine with a
    /// low [`spammer_scores`] value before acting on it.
    pub uniform_answers: Vec<bool>,
}

/// Detects constant-label and uniform-answer workers from label counts alone.
///
/// `min_judgments` (e.g. 10) guards against flagging workers with little data;
/// `uniform_tolerance` (e.g. 0.1) is the total-variation distance below which a
/// worker's label distribution counts as uniform. A worker is flagged uniform only when
/// the overall label distribution is at least `uniform_tolerance` further from uniform
/// than the worker's (otherwise good workers on balanced data would be flagged).
pub fn answer_patterns(
    m: &JudgmentMatrix,
    min_judgments: usize,
    uniform_tolerance: f64,
) -> AnswerPatterns {
    let k = m.n_classes();
    let classes = m.judgment_classes();
    let tv = |counts: &[u64], n: f64| -> f64 {
        counts
            .iter()
            .map(|&c| (c as f64 / n - 1.0 / k as f64).abs())
            .sum::<f64>()
            / 2.0
    };
    let total = m.n_judgments().max(1) as f64;
    let overall = tv(m.classes().counts(), total);
    let mut counts = vec![0u64; k];
    let (mut constant, mut uniform) = (Vec::new(), Vec::new());
    for w in 0..m.n_workers() as u32 {
        counts.fill(0);
        let pos = m.worker_judgments(w);
        for &p in pos {
            counts[classes[p as usize] as usize] += 1;
        }
        let n = pos.len();
        let enough = n >= min_judgments && n > 0;
        let used = counts.iter().filter(|&&c| c > 0).count();
        constant.push(enough && used == 1);
        let d = if n > 0 { tv(&counts, n as f64) } else { 1.0 };
        uniform.push(enough && d < uniform_tolerance && overall - d >= uniform_tolerance);
    }
    AnswerPatterns {
        constant_label: constant,
        uniform_answers: uniform,
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use ndarray::Array3;

    #[test]
    fn perfect_spammer_and_binary_identity() {
        let mut a = Array3::zeros((3, 2, 2));
        // perfect
        a[[0, 0, 0]] = 1.0;
        a[[0, 1, 1]] = 1.0;
        // spammer: same row
        for c in 0..2 {
            a[[1, c, 0]] = 0.7;
            a[[1, c, 1]] = 0.3;
        }
        // sens 0.9, spec 0.8
        a[[2, 0, 0]] = 0.8;
        a[[2, 0, 1]] = 0.2;
        a[[2, 1, 0]] = 0.1;
        a[[2, 1, 1]] = 0.9;
        let s = spammer_scores(a.view());
        assert!((s[0] - 1.0).abs() < 1e-15);
        assert!(s[1].abs() < 1e-15);
        assert!((s[2] - 0.7f64.powi(2)).abs() < 1e-12);
    }
}
