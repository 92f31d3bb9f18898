//! Held-out judgment likelihood: folds, the selection subsample and the plug-in
//! worker model that scores every candidate's posteriors the same way.

use crowdqc_core::{IdRef, IngestOptions, JudgmentMatrix, JudgmentMatrixBuilder, Result};
use ndarray::ArrayView2;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

/// Weight (in judgments) of the pooled confusion in each worker's plug-in confusion.
pub(super) const POOL_WEIGHT: f64 = 2.0;

/// Fold of every judgment position: a seeded shuffle dealt round-robin, so folds
/// differ in size by at most one.
pub(super) fn folds(n: usize, n_folds: usize, seed: u64) -> Vec<u32> {
    let mut order: Vec<u32> = (0..n as u32).collect();
    order.shuffle(&mut ChaCha8Rng::seed_from_u64(seed));
    let mut fold = vec![0u32; n];
    for (rank, &p) in order.iter().enumerate() {
        fold[p as usize] = (rank % n_folds) as u32;
    }
    fold
}

/// A seeded subset of whole items with at most `budget` judgments in total (items
/// taken in shuffled order while they fit), as its own matrix with every class of
/// `m` declared in `m`'s order. `None` when `m` has at most `budget` judgments.
///
/// # Errors
/// From the matrix builder (not expected: the rows come from a valid matrix).
pub(super) fn subsample(
    m: &JudgmentMatrix,
    budget: usize,
    seed: u64,
) -> Result<Option<JudgmentMatrix>> {
    if m.n_judgments() <= budget {
        return Ok(None);
    }
    let mut items: Vec<u32> = (0..m.n_items() as u32).collect();
    items.shuffle(&mut ChaCha8Rng::seed_from_u64(seed ^ 0x5eed_5eed));
    let mut chosen = Vec::new();
    let mut total = 0usize;
    for i in items {
        let c = m.item_count(i);
        if c > 0 && total + c <= budget {
            total += c;
            chosen.push(i);
        }
    }
    chosen.sort_unstable();
    let labels: Vec<String> = m.classes().iter().map(|l| l.to_string()).collect();
    let mut b = JudgmentMatrixBuilder::new(IngestOptions::default().with_classes(labels.clone()))?;
    b.reserve(total);
    let (workers, classes) = (m.judgment_workers(), m.judgment_classes());
    for i in chosen {
        for p in m.item_range(i) {
            b.push_row(
                IdRef::Int(i64::from(i)),
                IdRef::Int(i64::from(workers[p])),
                IdRef::Str(&labels[classes[p] as usize]),
            )?;
        }
    }
    b.finish().map(Some)
}

/// Sum of `ln P(label)` of the held-out judgments (positions of `m` with `held[p]`),
/// predicted from `post` (posteriors fitted on `train`, which has `m`'s indices) and
/// plug-in worker confusions: each worker's soft counts on `train` (one Dawid–Skene
/// M-step from `post`), shrunk towards the pooled confusion of all workers with
/// weight [`POOL_WEIGHT`].
pub(super) fn heldout_loglik(
    m: &JudgmentMatrix,
    train: &JudgmentMatrix,
    post: ArrayView2<'_, f64>,
    held: &[bool],
) -> f64 {
    let k = m.n_classes();
    let kk = k * k;
    let nw = m.n_workers();
    let mut cnt = vec![0.0; nw * kk];
    let (items, workers, classes) = (
        train.judgment_items(),
        train.judgment_workers(),
        train.judgment_classes(),
    );
    for p in 0..train.n_judgments() {
        let (i, w, l) = (items[p] as usize, workers[p] as usize, classes[p] as usize);
        let row = post.row(i);
        let c = &mut cnt[w * kk..(w + 1) * kk];
        for (t, &q) in row.iter().enumerate() {
            c[t * k + l] += q;
        }
    }
    // pooled confusion (rows normalised; a tiny floor keeps every label possible)
    let mut pool = vec![1e-6; kk];
    for c in cnt.chunks(kk) {
        for (p, v) in pool.iter_mut().zip(c) {
            *p += v;
        }
    }
    for row in pool.chunks_mut(k) {
        let s: f64 = row.iter().sum();
        row.iter_mut().for_each(|v| *v /= s);
    }
    let mut den = vec![0.0; nw * k];
    for (w, c) in cnt.chunks(kk).enumerate() {
        for t in 0..k {
            den[w * k + t] = c[t * k..(t + 1) * k].iter().sum();
        }
    }
    let (items, workers, classes) = (
        m.judgment_items(),
        m.judgment_workers(),
        m.judgment_classes(),
    );
    let mut total = 0.0;
    for p in (0..m.n_judgments()).filter(|&p| held[p]) {
        let (i, w, l) = (items[p] as usize, workers[p] as usize, classes[p] as usize);
        let mut prob = 0.0;
        for (t, &q) in post.row(i).iter().enumerate() {
            if q == 0.0 {
                continue;
            }
            let c = (cnt[w * kk + t * k + l] + POOL_WEIGHT * pool[t * k + l])
                / (den[w * k + t] + POOL_WEIGHT);
            prob += q * c;
        }
        total += prob.max(1e-300).ln();
    }
    total
}
