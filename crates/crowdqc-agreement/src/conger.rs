//! Conger's kappa: Fleiss-type observed agreement, chance agreement averaged over all
//! pairs of raters (Cohen-type), from the judgment matrix (it needs rater identity).

use crowdqc_core::{Error, JudgmentMatrix, Result};

use crowdqc_core::progress::{NoProgress, Progress};

use crate::bootstrap::{BootstrapOptions, BootstrapSummary, items_inner, reporting};
use crate::coefficient::{Coefficient, Undefined};
use crate::weights::WeightMatrix;

fn conger_value(m: &JudgmentMatrix, w: &WeightMatrix, mult: Option<&[u32]>) -> Coefficient {
    let q = m.n_classes();
    let classes = m.judgment_classes();
    let workers = m.judgment_workers();
    let weight = |i: usize| mult.map_or(1.0, |mm| mm[i] as f64);
    // Observed agreement (as Fleiss) and per-rater category counts.
    let mut tally = vec![0.0f64; q];
    let mut touched: Vec<u32> = Vec::new();
    let mut rater = vec![0.0f64; m.n_workers() * q];
    let (mut n2, mut pa) = (0.0, 0.0);
    for i in 0..m.n_items() {
        let wi = weight(i);
        if wi == 0.0 {
            continue;
        }
        let range = m.item_range(i as u32);
        for p in range.clone() {
            let c = classes[p] as usize;
            if tally[c] == 0.0 {
                touched.push(c as u32);
            }
            tally[c] += 1.0;
            rater[workers[p] as usize * q + c] += wi;
        }
        let r = range.len() as f64;
        if r >= 2.0 {
            let mut s = 0.0;
            for &k in &touched {
                let star: f64 = touched
                    .iter()
                    .map(|&l| w.get(k as usize, l as usize) * tally[l as usize])
                    .sum();
                s += tally[k as usize] * (star - 1.0);
            }
            pa += wi * s / (r * (r - 1.0));
            n2 += wi;
        }
        for &k in &touched {
            tally[k as usize] = 0.0;
        }
        touched.clear();
    }
    if n2 == 0.0 {
        return Coefficient::Undefined(Undefined::NoPairableItems);
    }
    pa /= n2;
    // Rater proportions p_gk over the raters that rated something (in this sample).
    let mut pbar = vec![0.0; q];
    let mut a = vec![0.0; q * q];
    let mut r = 0.0;
    let mut nz: Vec<usize> = Vec::with_capacity(q);
    for g in 0..m.n_workers() {
        let row = &rater[g * q..(g + 1) * q];
        let ng: f64 = row.iter().sum();
        if ng == 0.0 {
            continue;
        }
        r += 1.0;
        nz.clear();
        nz.extend((0..q).filter(|&k| row[k] > 0.0));
        for &k in &nz {
            pbar[k] += row[k] / ng;
            for &l in &nz {
                a[k * q + l] += row[k] * row[l] / (ng * ng);
            }
        }
    }
    if r < 2.0 {
        return Coefficient::Undefined(Undefined::NoPairableItems);
    }
    pbar.iter_mut().for_each(|p| *p /= r);
    let mut pe = 0.0;
    for k in 0..q {
        for l in 0..q {
            let wkl = w.get(k, l);
            if wkl == 0.0 {
                continue;
            }
            let pp = pbar[k] * pbar[l];
            let s2 = (a[k * q + l] - r * pp) / (r - 1.0);
            pe += wkl * (pp - s2 / r);
        }
    }
    let n_items = (0..m.n_items())
        .filter(|&i| weight(i) > 0.0 && m.item_count(i as u32) > 0)
        .count();
    let coef = Coefficient::from_parts(pa, pe, n_items);
    match (mult, coef.value()) {
        (None, Some(kappa)) => {
            let parts = Parts {
                pe,
                kappa,
                n: n_items as f64,
                n2,
                r,
                pbar: &pbar,
                rater: &rater,
            };
            let se = conger_se(m, w, &parts);
            coef.with_se(se)
        }
        _ => coef,
    }
}

/// What the SE needs from the point estimate.
struct Parts<'a> {
    pe: f64,
    kappa: f64,
    n: f64,
    n2: f64,
    r: f64,
    pbar: &'a [f64],
    rater: &'a [f64],
}

/// Gwet's linearised variance of Conger's kappa as in irrCAC `conger()`, computed
/// sparsely: a rater who did not rate item `i` contributes a per-rater constant
/// `C_g` to the item's chance term, a rater who did contributes `T_g(label)`.
fn conger_se(m: &JudgmentMatrix, w: &WeightMatrix, p: &Parts<'_>) -> Option<f64> {
    let q = m.n_classes();
    let (n, r) = (p.n, p.r);
    if n < 2.0 {
        return None;
    }
    let nw = m.n_workers();
    let mut c = vec![0.0; nw];
    let mut ng = vec![0.0; nw];
    let mut v = vec![0.0; nw * q];
    let mut sum_c = 0.0;
    let mut pg = vec![0.0; q];
    let mut ag = vec![0.0; q];
    for g in 0..nw {
        let row = &p.rater[g * q..(g + 1) * q];
        let total: f64 = row.iter().sum();
        if total == 0.0 {
            continue;
        }
        ng[g] = total;
        for k in 0..q {
            pg[k] = row[k] / total;
            ag[k] = r * p.pbar[k] - pg[k];
        }
        let mut cg = 0.0;
        for k in 0..q {
            let u: f64 = (0..q).map(|l| w.get(k, l) * pg[l]).sum();
            cg += ag[k] * u;
            v[g * q + k] = (0..q).map(|l| ag[l] * w.get(l, k)).sum();
        }
        c[g] = cg;
        sum_c += cg;
    }
    let (classes, workers) = (m.judgment_classes(), m.judgment_workers());
    let mut tally = vec![0.0f64; q];
    let mut touched: Vec<u32> = Vec::new();
    let scale = n / p.n2;
    let mut ss = 0.0;
    for i in 0..m.n_items() as u32 {
        let range = m.item_range(i);
        if range.is_empty() {
            continue;
        }
        let mut pe_i = sum_c;
        for pos in range.clone() {
            let (g, k) = (workers[pos] as usize, classes[pos] as usize);
            let t = (n / ng[g]) * (v[g * q + k] - (1.0 - ng[g] / n) * c[g]);
            pe_i += t - c[g];
            if tally[k] == 0.0 {
                touched.push(k as u32);
            }
            tally[k] += 1.0;
        }
        pe_i /= r * (r - 1.0);
        let ri = range.len() as f64;
        let (pa_i, pe_r2) = if ri >= 2.0 {
            let mut s = 0.0;
            for &k in &touched {
                let star: f64 = touched
                    .iter()
                    .map(|&l| w.get(k as usize, l as usize) * tally[l as usize])
                    .sum();
                s += tally[k as usize] * (star - 1.0);
            }
            (s / (ri * (ri - 1.0)), p.pe)
        } else {
            (0.0, 0.0)
        };
        for &k in &touched {
            tally[k as usize] = 0.0;
        }
        touched.clear();
        let ci = scale * (pa_i - pe_r2) / (1.0 - p.pe);
        let x = ci - 2.0 * (1.0 - p.kappa) * (pe_i - p.pe) / (1.0 - p.pe);
        ss += (x - p.kappa) * (x - p.kappa);
    }
    let se = (ss / (n * (n - 1.0))).sqrt();
    se.is_finite().then_some(se)
}

fn check(m: &JudgmentMatrix, w: &WeightMatrix) -> Result<()> {
    if w.len() != m.n_classes() {
        return Err(Error::param(
            "weights",
            format!(
                "the weight matrix is {0}x{0} but the data have {1} classes",
                w.len(),
                m.n_classes()
            ),
        ));
    }
    // dense per-rater shares (twice: value and SE) and the classes² chance table
    let (nw, q) = (m.n_workers(), m.n_classes());
    let bytes = crowdqc_core::memory::bytes_of::<f64>(&[nw, q, 2])
        .zip(crowdqc_core::memory::bytes_of::<f64>(&[q, q]))
        .and_then(|(a, b)| a.checked_add(b));
    crowdqc_core::memory::check(
        bytes,
        &format!(
            "Conger's kappa: per-rater shares ({nw} raters x {q} classes) and a {q} x {q} \
             chance table"
        ),
        "with this many classes use Fleiss' kappa, Gwet's AC1 or nominal Krippendorff's \
         alpha, which work sparsely",
    )?;
    Ok(())
}

/// Conger's kappa (Conger 1980), as in Gwet (2014) and irrCAC `conger()`: the
/// observed agreement of [`fleiss_kappa`](crate::fleiss_kappa) and the chance
/// agreement averaged over all pairs of raters,
///
/// ```text
/// p_e = Σ_kl w_kl (p̄_k p̄_l − s²_kl / r),  s²_kl = (Σ_g p_gk p_gl − r p̄_k p̄_l)/(r − 1)
/// ```
///
/// with `p_gk` the share of rater `g`'s ratings in category `k` (over the items `g`
/// rated), `p̄_k` its mean over the `r` raters. With two raters and no missing data
/// it equals Cohen's kappa. **Missing data**: each rater's shares use the items it
/// rated; `p_a` uses items with two or more ratings. Undefined with fewer than two
/// raters, no pairable item or `p_e = 1`. SE: Gwet's linearised variance as in
/// irrCAC `conger()` (computed sparsely, memory `O(workers × classes)`); a bootstrap
/// is [`bootstrap_conger`]. Not meaningful when rater columns are not identities
/// (e.g. irr's sorted `slotN` columns).
///
/// # Errors
/// `weights`: `w` is not `q × q` for the matrix's classes;
/// [`Error::ResourceLimit`] when its dense tables exceed the memory budget
/// ([`crowdqc_core::memory`]).
pub fn conger_kappa(m: &JudgmentMatrix, w: &WeightMatrix) -> Result<Coefficient> {
    check(m, w)?;
    Ok(conger_value(m, w, None))
}

/// Bootstrap over items of [`conger_kappa`]. Each replicate re-reads the judgments
/// (Conger needs per-rater shares), so it costs `O(judgments)` per replicate.
/// [`bootstrap_conger_with_progress`] reports progress.
///
/// # Errors
/// As [`bootstrap_items`](crate::bootstrap_items); `weights` as [`conger_kappa`].
pub fn bootstrap_conger(
    m: &JudgmentMatrix,
    w: &WeightMatrix,
    opts: &BootstrapOptions,
) -> Result<BootstrapSummary> {
    conger_inner(m, w, opts, &NoProgress)
}

/// [`bootstrap_conger`] reporting progress as
/// [`bootstrap_items_with_progress`](crate::bootstrap_items_with_progress); the result
/// is bit-identical.
///
/// # Errors
/// As [`bootstrap_conger`]; `Error::Interrupted` when interrupted.
pub fn bootstrap_conger_with_progress(
    m: &JudgmentMatrix,
    w: &WeightMatrix,
    opts: &BootstrapOptions,
    progress: &dyn Progress,
) -> Result<BootstrapSummary> {
    reporting(progress, "bootstrap", opts.replicates, || {
        conger_inner(m, w, opts, progress)
    })
}

fn conger_inner(
    m: &JudgmentMatrix,
    w: &WeightMatrix,
    opts: &BootstrapOptions,
    progress: &dyn Progress,
) -> Result<BootstrapSummary> {
    check(m, w)?;
    items_inner(
        m.n_items(),
        opts,
        &[],
        || (),
        |mult, _| conger_value(m, w, Some(mult)).value(),
        progress,
    )
}
