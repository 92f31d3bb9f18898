//! Is a gold item missed more often than the workers who answered it would explain?

use crowdqc_core::{Gold, JudgmentMatrix};

use rayon::prelude::*;

use super::GoldItem;

/// Above this many answers the Poisson-binomial tail uses a normal approximation.
const EXACT_MAX: usize = 2000;

/// Reusable buffers for [`miss_test`].
#[derive(Debug, Default)]
pub(crate) struct Scratch {
    /// `(worker, answer is right)` of the item's judgments, sorted.
    buf: Vec<(u32, bool)>,
    q: Vec<f64>,
    dp: Vec<f64>,
}

/// Fills [`GoldItem::expected_misses`] and [`GoldItem::miss_p_value`] for every item
/// (in parallel; each item is independent).
pub(crate) fn miss_tests(
    matrix: &JudgmentMatrix,
    gold: &Gold,
    answered: &[u64],
    correct: &[u64],
    items: &mut [GoldItem],
) {
    items
        .par_iter_mut()
        .with_min_len(256)
        .for_each_init(Scratch::default, |scratch, r| {
            if let Some(g) = gold.label(r.item) {
                miss_test(matrix, g, answered, correct, r, scratch);
            }
        });
}

/// The miss test of one gold item with gold class `g`.
///
/// Each answer to the item is right with the answering worker's *leave-this-item-out*
/// gold accuracy, smoothed with a uniform Beta(1, 1) prior: `(c + 1) / (n + 2)` over the
/// worker's other gold answers (0.5 for a worker with no other gold). The number of
/// misses is then Poisson-binomial; the p-value is its upper tail `P(M ≥ misses)`,
/// exact for up to 2,000 answers (dynamic programming), normal with continuity
/// correction beyond.
pub(crate) fn miss_test(
    matrix: &JudgmentMatrix,
    g: u32,
    answered: &[u64],
    correct: &[u64],
    r: &mut GoldItem,
    scratch: &mut Scratch,
) {
    prepare(matrix, r.item, g, scratch);
    finish(answered, correct, r, scratch);
}

/// Loads item `item`'s `(worker, right)` pairs into `scratch`, sorted; returns
/// `(exposure, misses)`: distinct workers and wrong answers.
pub(crate) fn prepare(
    matrix: &JudgmentMatrix,
    item: u32,
    g: u32,
    scratch: &mut Scratch,
) -> (u64, u64) {
    let workers = matrix.judgment_workers();
    let classes = matrix.judgment_classes();
    let buf = &mut scratch.buf;
    buf.clear();
    buf.extend(
        matrix
            .item_range(item)
            .map(|p| (workers[p], classes[p] == g)),
    );
    buf.sort_unstable();
    let misses = buf.iter().filter(|x| !x.1).count() as u64;
    let exposure = 1 + buf.windows(2).filter(|w| w[0].0 != w[1].0).count() as u64;
    (if buf.is_empty() { 0 } else { exposure }, misses)
}

/// The miss test from the pairs loaded by [`prepare`].
pub(crate) fn finish(answered: &[u64], correct: &[u64], r: &mut GoldItem, scratch: &mut Scratch) {
    let Scratch { buf, q, dp } = scratch;
    q.clear();
    let mut start = 0;
    while start < buf.len() {
        let w = buf[start].0;
        let end = start + buf[start..].iter().take_while(|x| x.0 == w).count();
        let here = (end - start) as u64;
        let here_ok = buf[start..end].iter().filter(|x| x.1).count() as u64;
        let n = answered[w as usize] - here;
        let c = correct[w as usize] - here_ok;
        let miss = 1.0 - (c as f64 + 1.0) / (n as f64 + 2.0);
        q.extend(std::iter::repeat_n(miss, end - start));
        start = end;
    }
    r.expected_misses = q.iter().sum();
    r.miss_p_value = upper_tail(q, r.misses as usize, dp);
}

/// `P(M >= m)` for `M` = sum of independent Bernoulli(`q[j]`).
fn upper_tail(q: &[f64], m: usize, dp: &mut Vec<f64>) -> f64 {
    if m == 0 {
        return 1.0;
    }
    if m > q.len() {
        return 0.0;
    }
    if q.len() > EXACT_MAX {
        let mean: f64 = q.iter().sum();
        let var: f64 = q.iter().map(|p| p * (1.0 - p)).sum();
        if var <= 0.0 {
            return if (m as f64) <= mean { 1.0 } else { 0.0 };
        }
        let z = (m as f64 - 0.5 - mean) / var.sqrt();
        return 0.5 * statrs::function::erf::erfc(z / std::f64::consts::SQRT_2);
    }
    // dp[k] = P(k misses among the first j answers)
    dp.clear();
    dp.resize(q.len() + 1, 0.0);
    dp[0] = 1.0;
    for (j, &p) in q.iter().enumerate() {
        for k in (1..=j + 1).rev() {
            dp[k] = dp[k] * (1.0 - p) + dp[k - 1] * p;
        }
        dp[0] *= 1.0 - p;
    }
    dp[m..].iter().sum::<f64>().min(1.0)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tail_matches_brute_force() {
        let q = [0.1, 0.5, 0.02, 0.3, 0.9];
        let mut dp = Vec::new();
        for m in 0..=6 {
            let mut brute = 0.0;
            for mask in 0u32..32 {
                if mask.count_ones() as usize >= m {
                    brute += (0..5)
                        .map(|j| if mask >> j & 1 == 1 { q[j] } else { 1.0 - q[j] })
                        .product::<f64>();
                }
            }
            assert!((upper_tail(&q, m, &mut dp) - brute).abs() < 1e-14, "m={m}");
        }
        // binomial special case: 3 or more of 10 at 0.1 = 0.0701908264
        let q = [0.1; 10];
        assert!((upper_tail(&q, 3, &mut dp) - 0.070_190_826_4).abs() < 1e-9);
    }
}
