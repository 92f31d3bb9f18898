//! Per-item and per-worker views of agreement, and crowd-kit's `uncertainty` and
//! `consistency` metrics.
//!
//! # Duplicate judgments and ties
//!
//! With [`DuplicatePolicy::KeepAll`](crowdqc_core::DuplicatePolicy::KeepAll) a worker
//! may have several judgments of one item. Every view counts each judgment as a rating
//! (as crowd-kit's majority vote, `uncertainty` and `consistency` do), except the
//! majority-vote skill ([`WorkerAgreement::mv_agreement`] and the skills of
//! [`majority_vote_with_skills`]), which follows crowd-kit's `get_accuracy`: identical
//! `(item, worker, label)` rows count once
//! ([`DuplicateRule::DropIdenticalRows`]). Majority labels are the largest vote share
//! with ties to the lowest class index ([`TieRule::LowestIndex`]), all from
//! [`crowdqc_core::votes`].

use crowdqc_core::votes::{self, DuplicateRule, TieRule};
use crowdqc_core::{Error, JudgmentMatrix, Result};

/// Agreement within one item.
#[derive(Debug, Clone, PartialEq)]
pub struct ItemAgreement {
    /// Number of ratings.
    pub n_ratings: usize,
    /// Class index of the most frequent label (every judgment counts; ties: lowest
    /// class index, i.e. [`TieRule::LowestIndex`] over the vote shares of
    /// [`votes::vote_shares`]).
    pub top_class: u32,
    /// Share of the ratings that gave the top label.
    pub top_share: f64,
    /// Shannon entropy (natural log) of the item's label distribution; crowd-kit's
    /// `uncertainty(compute_by="task", aggregate=False)` with equal skills.
    pub entropy: f64,
    /// Share of agreeing ordered pairs of ratings, `Σ_k r_k(r_k − 1) / (r(r − 1))`;
    /// `None` with fewer than two ratings.
    pub pairwise: Option<f64>,
}

/// Per-item agreement, indexed by item (items with no rating get `n_ratings = 0`,
/// `top_share = 0`, `entropy = 0`).
pub fn item_agreement(m: &JudgmentMatrix) -> Vec<ItemAgreement> {
    let q = m.n_classes();
    let mut tally = vec![0usize; q];
    let mut touched = Vec::new();
    let classes = m.judgment_classes();
    (0..m.n_items() as u32)
        .map(|i| {
            let range = m.item_range(i);
            let r = range.len();
            for &c in &classes[range] {
                if tally[c as usize] == 0 {
                    touched.push(c);
                }
                tally[c as usize] += 1;
            }
            touched.sort_unstable();
            let (mut top, mut best, mut h, mut agree) = (0u32, 0usize, 0.0, 0usize);
            for &c in &touched {
                let t = tally[c as usize];
                if t > best {
                    best = t;
                    top = c;
                }
                let p = t as f64 / r as f64;
                h -= p * p.ln();
                agree += t * (t - 1);
                tally[c as usize] = 0;
            }
            touched.clear();
            ItemAgreement {
                n_ratings: r,
                top_class: top,
                top_share: if r > 0 { best as f64 / r as f64 } else { 0.0 },
                entropy: h.max(0.0),
                pairwise: (r >= 2).then(|| agree as f64 / (r * (r - 1)) as f64),
            }
        })
        .collect()
}

/// Agreement of one worker with the others.
#[derive(Debug, Clone, PartialEq)]
pub struct WorkerAgreement {
    /// Judgments of the worker.
    pub n_judgments: usize,
    /// Judgments on items that someone else also rated.
    pub n_shared: usize,
    /// Agreement with peers: over the worker's judgments on shared items, the mean
    /// share of the *other* ratings of the item that carry the same label. `None`
    /// when the worker shares no item.
    pub peer_agreement: Option<f64>,
    /// Agreement with the leave-one-out consensus: over the same judgments, 1 when the
    /// label is the majority of the other ratings, `1/t` when it ties with `t − 1`
    /// other labels for the majority, 0 otherwise.
    pub consensus_agreement: Option<f64>,
    /// crowd-kit's majority-vote skill: the share of the worker's judgments equal to
    /// the majority vote of the item *including* the worker (ties to the lowest class
    /// index, as crowd-kit's first label in sorted order), identical
    /// `(item, worker, label)` rows counted once as crowd-kit's `get_accuracy`
    /// ([`DuplicateRule::DropIdenticalRows`]); 0 for a worker without judgments.
    pub mv_agreement: f64,
}

/// Per-worker agreement with peers and with the consensus, indexed by worker.
/// Memory `O(workers + items + classes)`; one pass over judgments by item.
pub fn worker_agreement(m: &JudgmentMatrix) -> Vec<WorkerAgreement> {
    let nw = m.n_workers();
    let q = m.n_classes();
    let mut peer = vec![0.0; nw];
    let mut cons = vec![0.0; nw];
    let mut shared = vec![0usize; nw];
    let mut mv_labels = vec![0u32; m.n_items()];
    let mut total = vec![0usize; nw];
    let mut tally = vec![0usize; q];
    let mut touched: Vec<u32> = Vec::new();
    let (classes, workers) = (m.judgment_classes(), m.judgment_workers());
    for i in 0..m.n_items() as u32 {
        let range = m.item_range(i);
        let r = range.len();
        for &c in &classes[range.clone()] {
            if tally[c as usize] == 0 {
                touched.push(c);
            }
            tally[c as usize] += 1;
        }
        touched.sort_unstable();
        let mut mv = 0u32;
        let mut best = 0usize;
        for &c in &touched {
            if tally[c as usize] > best {
                best = tally[c as usize];
                mv = c;
            }
        }
        mv_labels[i as usize] = mv;
        for p in range {
            let (w, c) = (workers[p] as usize, classes[p]);
            total[w] += 1;
            if r < 2 {
                continue;
            }
            shared[w] += 1;
            let same = tally[c as usize] - 1;
            peer[w] += same as f64 / (r - 1) as f64;
            // Leave-one-out majority of the other r − 1 ratings.
            let mut top = 0usize;
            let mut ties = 0usize;
            for &k in &touched {
                let t = tally[k as usize] - usize::from(k == c);
                if t > top {
                    top = t;
                    ties = 1;
                } else if t == top && t > 0 {
                    ties += 1;
                }
            }
            if same == top && top > 0 {
                cons[w] += 1.0 / ties as f64;
            }
        }
        for &c in &touched {
            tally[c as usize] = 0;
        }
        touched.clear();
    }
    let mv = mv_skills(m, &mv_labels);
    (0..nw)
        .map(|w| WorkerAgreement {
            n_judgments: total[w],
            n_shared: shared[w],
            peer_agreement: (shared[w] > 0).then(|| peer[w] / shared[w] as f64),
            consensus_agreement: (shared[w] > 0).then(|| cons[w] / shared[w] as f64),
            mv_agreement: mv[w],
        })
        .collect()
}

/// crowd-kit's majority-vote skills against `labels`: `get_accuracy` drops identical
/// rows; 0 for a worker without judgments.
fn mv_skills(m: &JudgmentMatrix, labels: &[u32]) -> Vec<f64> {
    votes::accuracy_against(m, labels, DuplicateRule::DropIdenticalRows)
        .accuracy()
        .into_iter()
        .map(|a| if a.is_nan() { 0.0 } else { a })
        .collect()
}

/// Whether [`uncertainty`] is computed per item or per worker.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UncertaintyBy {
    /// One entropy per item (crowd-kit `compute_by="task"`).
    Item,
    /// One entropy per worker (crowd-kit `compute_by="worker"`).
    Worker,
}

/// The observed classes (count > 0), the `labels` of crowd-kit's metrics.
fn observed(m: &JudgmentMatrix) -> Vec<usize> {
    (0..m.n_classes())
        .filter(|&c| m.classes().counts()[c] > 0)
        .collect()
}

fn check_skills(m: &JudgmentMatrix, skills: Option<&[f64]>) -> Result<()> {
    if let Some(s) = skills {
        if s.len() != m.n_workers() {
            return Err(Error::param(
                "skills",
                format!("has {} values for {} workers", s.len(), m.n_workers()),
            ));
        }
        if let Some((w, v)) = s
            .iter()
            .enumerate()
            .find(|&(_, v)| !(0.0..=1.0).contains(v))
        {
            return Err(Error::param(
                "skills",
                format!(
                    "skill of worker `{}` is {v}; must be in [0, 1]",
                    m.workers().get(w as u32)
                ),
            ));
        }
    }
    Ok(())
}

/// crowd-kit's `uncertainty` (`crowdkit.metrics.data.uncertainty`, version 1.4.2),
/// not averaged: for each item (or worker), every judgment with skill `s` adds `s` to
/// its label and `(1 − s)/(L − 1)` to each other observed label (`L` = number of
/// observed labels); the result is the Shannon entropy (natural log) of the
/// normalised sums. `skills = None` means every skill is 1. Entities with no
/// judgment get 0. Average it for crowd-kit's default `aggregate=True`.
///
/// Time `O(judgments)` and memory `O(items + workers + classes)`: the labels an entity
/// did not receive all share the same sum, so they are handled in one term.
///
/// # Errors
/// `skills`: wrong length or a value outside [0, 1].
pub fn uncertainty(
    m: &JudgmentMatrix,
    skills: Option<&[f64]>,
    by: UncertaintyBy,
) -> Result<Vec<f64>> {
    check_skills(m, skills)?;
    let l = observed(m).len();
    let (classes, workers) = (m.judgment_classes(), m.judgment_workers());
    let mut add = vec![0.0; m.n_classes()];
    let mut seen = vec![false; m.n_classes()];
    let mut touched: Vec<u32> = Vec::new();
    let mut entropy_of = |positions: &mut dyn Iterator<Item = usize>| -> f64 {
        // sum_k = base + add_k, base = Σ_j (1 − s_j)/(L − 1), add_k = Σ_{j: label k} (s_j − o_j)
        let mut base = 0.0;
        for p in positions {
            let s = skills.map_or(1.0, |s| s[workers[p] as usize]);
            let o = if l > 1 {
                (1.0 - s) / (l - 1) as f64
            } else {
                0.0
            };
            base += o;
            let c = classes[p] as usize;
            if !seen[c] {
                seen[c] = true;
                touched.push(c as u32);
            }
            add[c] += s - o;
        }
        let n_t = touched.len();
        let total = base * l as f64 + touched.iter().map(|&c| add[c as usize]).sum::<f64>();
        let term = |v: f64| {
            if v > 0.0 && total > 0.0 {
                let p = v / total;
                -p * p.ln()
            } else {
                0.0
            }
        };
        let mut h = (l.saturating_sub(n_t)) as f64 * term(base);
        for &c in &touched {
            h += term(base + add[c as usize]);
            add[c as usize] = 0.0;
            seen[c as usize] = false;
        }
        touched.clear();
        h
    };
    Ok(match by {
        UncertaintyBy::Item => (0..m.n_items() as u32)
            .map(|i| entropy_of(&mut m.item_range(i)))
            .collect(),
        UncertaintyBy::Worker => (0..m.n_workers() as u32)
            .map(|w| entropy_of(&mut m.worker_judgments(w).iter().map(|&p| p as usize)))
            .collect(),
    })
}

/// crowd-kit's `MajorityVote`: the label with the largest vote share per item (every
/// judgment votes; ties to the lowest class index, [`TieRule::LowestIndex`]) and its
/// `skills_`, each worker's accuracy against those labels with identical
/// `(item, worker, label)` rows counted once ([`DuplicateRule::DropIdenticalRows`],
/// crowd-kit's `get_accuracy`; 0 for a worker without judgments).
pub fn majority_vote_with_skills(m: &JudgmentMatrix) -> (Vec<u32>, Vec<f64>) {
    let shares = votes::vote_shares(m, |_| 1.0);
    let labels = votes::labels_with_ties(m, &shares, TieRule::LowestIndex);
    let skills = mv_skills(m, &labels);
    (labels, skills)
}

/// crowd-kit's `consistency` (`crowdkit.metrics.data.consistency`, version 1.4.2),
/// per item: the posterior probability of the consensus label `consensus[i]` when
/// each judgment with skill `s` has likelihood `s` for its own label and
/// `(1 − s)/(L − 1)` for each other observed label (`L` observed labels, flat prior):
/// `Π_j lik_j(consensus) / Σ_label Π_j lik_j(label)`; 0 when the denominator is 0.
/// crowd-kit's default is the mean of this with majority vote and its skills
/// ([`majority_vote_with_skills`]).
///
/// # Errors
/// `consensus`: wrong length or a class out of range; `skills` as [`uncertainty`].
pub fn consistency(m: &JudgmentMatrix, consensus: &[u32], skills: &[f64]) -> Result<Vec<f64>> {
    check_skills(m, Some(skills))?;
    if consensus.len() != m.n_items() {
        return Err(Error::param(
            "consensus",
            format!("has {} labels for {} items", consensus.len(), m.n_items()),
        ));
    }
    if let Some(c) = consensus.iter().find(|&&c| c as usize >= m.n_classes()) {
        return Err(Error::param(
            "consensus",
            format!("class index {c} is out of range"),
        ));
    }
    let l = observed(m).len();
    let (classes, workers) = (m.judgment_classes(), m.judgment_workers());
    let other = |p: usize| {
        let s = skills[workers[p] as usize];
        if l > 1 {
            (1.0 - s) / (l - 1) as f64
        } else {
            0.0
        }
    };
    let mut touched: Vec<u32> = Vec::new();
    Ok((0..m.n_items() as u32)
        .map(|i| {
            let range = m.item_range(i);
            touched.clear();
            for &c in &classes[range.clone()] {
                if !touched.contains(&c) {
                    touched.push(c);
                }
            }
            // Likelihood of a label: Π_j (s_j if label_j = k else o_j). Labels nobody
            // gave to this item all have Π_j o_j.
            let lik = |k: u32| -> f64 {
                range
                    .clone()
                    .map(|p| {
                        if classes[p] == k {
                            skills[workers[p] as usize]
                        } else {
                            other(p)
                        }
                    })
                    .product()
            };
            let rest: f64 = range.clone().map(other).product();
            let mut den = (l.saturating_sub(touched.len())) as f64 * rest;
            let mut num = None;
            for &k in &touched {
                let v = lik(k);
                den += v;
                if k == consensus[i as usize] {
                    num = Some(v);
                }
            }
            let num = num.unwrap_or(rest);
            if den == 0.0 { 0.0 } else { num / den }
        })
        .collect())
}
