//! Cohen's kappa and Scott's pi on a contingency table, with asymptotic SEs.

use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{Error, Result};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

use super::Contingency;
use crate::bootstrap::{BootstrapOptions, BootstrapSummary, reporting, run_replicates, summarize};
use crate::coefficient::{Coefficient, Undefined};
use crate::weights::WeightMatrix;

/// Which two-rater coefficient.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum PairwiseCoefficient {
    /// [`cohen_kappa`].
    CohenKappa,
    /// [`scott_pi`].
    ScottPi,
}

fn check(t: &Contingency, w: &WeightMatrix) -> Result<()> {
    if w.len() != t.n_categories() {
        return Err(Error::param(
            "weights",
            format!(
                "the weight matrix is {0}x{0} but the table has {1} categories",
                w.len(),
                t.n_categories()
            ),
        ));
    }
    Ok(())
}

/// Core: the coefficient of a table given as row-major counts.
#[expect(
    clippy::needless_range_loop,
    reason = "index arithmetic over a q x q table"
)]
fn compute(kind: PairwiseCoefficient, q: usize, counts: &[f64], w: &WeightMatrix) -> Coefficient {
    let n: f64 = counts.iter().sum();
    if n.is_nan() || n <= 0.0 {
        return Coefficient::Undefined(Undefined::NoCommonItems);
    }
    let p = |a: usize, b: usize| counts[a * q + b] / n;
    let mut row = vec![0.0; q];
    let mut col = vec![0.0; q];
    let mut pa = 0.0;
    for a in 0..q {
        for b in 0..q {
            let v = p(a, b);
            row[a] += v;
            col[b] += v;
            pa += w.get(a, b) * v;
        }
    }
    // Marginals used by the chance term: (row, col) for Cohen, (π, π) for Scott.
    let (mr, mc) = match kind {
        PairwiseCoefficient::CohenKappa => (row, col),
        PairwiseCoefficient::ScottPi => {
            let pi: Vec<f64> = row.iter().zip(&col).map(|(r, c)| (r + c) / 2.0).collect();
            (pi.clone(), pi)
        }
    };
    let mut pe = 0.0;
    for a in 0..q {
        for b in 0..q {
            pe += w.get(a, b) * mr[a] * mc[b];
        }
    }
    let coef = Coefficient::from_parts(pa, pe, n as usize);
    let Some(kappa) = coef.value() else {
        return coef;
    };
    // Fleiss, Cohen & Everitt (1969) / irrCAC: w̄_a. = Σ_b w_ab p_.b, w̄_.b = Σ_a w_ab p_a.
    let wr: Vec<f64> = (0..q)
        .map(|a| (0..q).map(|b| w.get(a, b) * mc[b]).sum())
        .collect();
    let wc: Vec<f64> = (0..q)
        .map(|b| (0..q).map(|a| w.get(a, b) * mr[a]).sum())
        .collect();
    let (wr, wc) = match kind {
        PairwiseCoefficient::CohenKappa => (wr, wc),
        PairwiseCoefficient::ScottPi => {
            let m: Vec<f64> = wr.iter().zip(&wc).map(|(a, b)| (a + b) / 2.0).collect();
            (m.clone(), m)
        }
    };
    let mut s1 = 0.0;
    for a in 0..q {
        for b in 0..q {
            let d = w.get(a, b) - (1.0 - kappa) * (wr[a] + wc[b]);
            s1 += p(a, b) * d * d;
        }
    }
    let t = pa - 2.0 * (1.0 - kappa) * pe;
    let var = (s1 - t * t) / (n * (1.0 - pe) * (1.0 - pe));
    coef.with_se(Some(var.max(0.0).sqrt()))
}

/// Cohen's kappa (Cohen 1960; weighted, Cohen 1968) for two raters:
/// `κ = (p_o − p_e)/(1 − p_e)`, `p_o = Σ_ab w_ab p_ab`, `p_e = Σ_ab w_ab p_a. p_.b`.
/// The SE is the large-sample (non-null) SE of Fleiss, Cohen & Everitt (1969), as
/// printed by SAS `PROC FREQ` ("ASE") and by irrCAC.
///
/// Use [`Contingency::from_matrix`] for judgments: items rated by one rater only are
/// left out (complete cases). Undefined when the table is empty or `p_e = 1`.
/// Checked against SAS (0.4842, ASE 0.1380; linear 0.4701, ASE 0.1457), Wikipedia
/// (0.40), irrCAC (0.796; linear 0.843, quadratic 0.892) and R `irr::kappa2`.
///
/// # Errors
/// `weights`: `w` is not `q × q`.
pub fn cohen_kappa(t: &Contingency, w: &WeightMatrix) -> Result<Coefficient> {
    check(t, w)?;
    Ok(compute(
        PairwiseCoefficient::CohenKappa,
        t.n_categories(),
        &t.counts,
        w,
    ))
}

/// Scott's pi (Scott 1955; weighted as in Gwet 2014): as Cohen's kappa with both
/// raters sharing the marginals `π_k = (p_k. + p_.k)/2`, `p_e = Σ w_kl π_k π_l`.
/// SE: Gwet's linearised variance as in irrCAC `table.scott`. Complete cases only, as
/// for Cohen.
///
/// # Errors
/// `weights`: `w` is not `q × q`.
pub fn scott_pi(t: &Contingency, w: &WeightMatrix) -> Result<Coefficient> {
    check(t, w)?;
    Ok(compute(
        PairwiseCoefficient::ScottPi,
        t.n_categories(),
        &t.counts,
        w,
    ))
}

/// Bootstrap over items (subjects) of Cohen's kappa or Scott's pi: each replicate
/// draws `n` subjects with replacement from the table's cells. Seeded per replicate
/// (`ChaCha8Rng`, stream = replicate index), parallel, bit-identical for any number
/// of threads. [`bootstrap_pairwise_with_progress`] reports progress.
///
/// # Errors
/// As [`BootstrapOptions::validate`]; `weights` when `w` is not `q × q`; insufficient
/// data for an empty table.
pub fn bootstrap_pairwise(
    t: &Contingency,
    kind: PairwiseCoefficient,
    w: &WeightMatrix,
    opts: &BootstrapOptions,
) -> Result<BootstrapSummary> {
    pairwise_inner(t, kind, w, opts, &NoProgress)
}

/// [`bootstrap_pairwise`] reporting progress as
/// [`bootstrap_items_with_progress`](crate::bootstrap_items_with_progress); the result
/// is bit-identical.
///
/// # Errors
/// As [`bootstrap_pairwise`]; `Error::Interrupted` when interrupted.
pub fn bootstrap_pairwise_with_progress(
    t: &Contingency,
    kind: PairwiseCoefficient,
    w: &WeightMatrix,
    opts: &BootstrapOptions,
    progress: &dyn Progress,
) -> Result<BootstrapSummary> {
    reporting(progress, "bootstrap", opts.replicates, || {
        pairwise_inner(t, kind, w, opts, progress)
    })
}

fn pairwise_inner(
    t: &Contingency,
    kind: PairwiseCoefficient,
    w: &WeightMatrix,
    opts: &BootstrapOptions,
    progress: &dyn Progress,
) -> Result<BootstrapSummary> {
    opts.validate()?;
    check(t, w)?;
    let q = t.n_categories();
    let n = t.total().round() as usize;
    if n == 0 {
        return Err(Error::insufficient("the table is empty"));
    }
    crate::bootstrap::check_draws(n as u64, opts.replicates)?;
    let mut cum = Vec::with_capacity(q * q);
    let mut acc = 0.0;
    for &c in &t.counts {
        acc += c;
        cum.push(acc);
    }
    let reps: Vec<Option<f64>> = run_replicates(
        opts.replicates,
        progress,
        || vec![0.0; q * q],
        |r, cells| {
            let mut rng = ChaCha8Rng::seed_from_u64(opts.seed);
            rng.set_stream(r as u64);
            cells.iter_mut().for_each(|c| *c = 0.0);
            for _ in 0..n {
                let u = rng.random::<f64>() * acc;
                let j = cum.partition_point(|&c| c <= u).min(q * q - 1);
                cells[j] += 1.0;
            }
            compute(kind, q, cells, w).value()
        },
    )?;
    let undefined = reps.iter().filter(|v| v.is_none()).count();
    Ok(summarize(
        reps.into_iter().flatten().collect(),
        undefined,
        opts,
        &[],
    ))
}
