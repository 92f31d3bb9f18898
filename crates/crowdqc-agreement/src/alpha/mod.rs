//! Krippendorff's alpha: coincidence-matrix formulation, four levels, missing data.

mod hayes;

pub use hayes::{
    HayesKrippendorff, hayes_krippendorff_bootstrap, hayes_krippendorff_bootstrap_with_progress,
};

use std::borrow::Cow;

use crowdqc_core::Result;

use crate::coefficient::{Coefficient, Estimate, Undefined};
use crate::counts::ItemCounts;
use crate::weights::{Level, level_values};

/// The difference function δ²(c, k) of a level over the data's categories.
#[derive(Debug, Clone)]
pub(crate) struct Metric {
    level: Level,
    /// Category values (interval / ratio / numeric ordinal), else ranks.
    x: Vec<f64>,
    /// Ordinal: marginal counts and their prefix sums (len q + 1).
    marg: Vec<f64>,
    cum: Vec<f64>,
}

impl Metric {
    pub(crate) fn new(level: Level, values: Option<Vec<f64>>, q: usize) -> Metric {
        Metric {
            level,
            x: values.unwrap_or_else(|| (0..q).map(|k| k as f64).collect()),
            marg: Vec::new(),
            cum: Vec::new(),
        }
    }

    /// Sets the marginals (needed by the ordinal level).
    pub(crate) fn set_marginals(&mut self, marg: &[f64]) {
        if self.level == Level::Ordinal {
            self.marg.clear();
            self.marg.extend_from_slice(marg);
            self.cum.clear();
            self.cum.push(0.0);
            let mut s = 0.0;
            for &m in marg {
                s += m;
                self.cum.push(s);
            }
        }
    }

    #[inline]
    pub(crate) fn delta(&self, c: usize, k: usize) -> f64 {
        if c == k {
            return 0.0;
        }
        match self.level {
            Level::Nominal => 1.0,
            Level::Interval => {
                let d = self.x[c] - self.x[k];
                d * d
            }
            Level::Ratio => {
                let s = self.x[c] + self.x[k];
                if s == 0.0 {
                    0.0
                } else {
                    let d = (self.x[c] - self.x[k]) / s;
                    d * d
                }
            }
            Level::Ordinal => {
                let (a, b) = if c < k { (c, k) } else { (k, c) };
                let v = self.cum[b + 1] - self.cum[a] - (self.marg[c] + self.marg[k]) / 2.0;
                v * v
            }
        }
    }

    /// `Σ_{c,k} n_c n_k δ(c, k)` over a count vector given sparsely.
    fn pair_sum(&self, class: &[u32], count: &[f64]) -> f64 {
        match self.level {
            Level::Nominal => {
                let m: f64 = count.iter().sum();
                m * m - count.iter().map(|c| c * c).sum::<f64>()
            }
            Level::Interval => {
                let m: f64 = count.iter().sum();
                if m == 0.0 {
                    return 0.0;
                }
                let mean = class
                    .iter()
                    .zip(count)
                    .map(|(&k, &c)| c * self.x[k as usize])
                    .sum::<f64>()
                    / m;
                let ss: f64 = class
                    .iter()
                    .zip(count)
                    .map(|(&k, &c)| {
                        let d = self.x[k as usize] - mean;
                        c * d * d
                    })
                    .sum();
                2.0 * m * ss
            }
            Level::Ordinal | Level::Ratio => {
                let mut s = 0.0;
                for (a, (&ka, &ca)) in class.iter().zip(count).enumerate() {
                    for (&kb, &cb) in class[a + 1..].iter().zip(&count[a + 1..]) {
                        s += ca * cb * self.delta(ka as usize, kb as usize);
                    }
                }
                2.0 * s
            }
        }
    }
}

/// Sufficient sums of alpha: `n..`, `Σ_i D_o,i` and `Σ n_c n_k δ`.
pub(crate) struct AlphaSums {
    pub n_dot: f64,
    pub n_items: f64,
    pub do_sum: f64,
    pub de_sum: f64,
    pub marg: Vec<f64>,
}

impl AlphaSums {
    pub(crate) fn alpha(&self) -> Coefficient {
        if self.n_dot < 2.0 {
            return Coefficient::Undefined(Undefined::NoPairableItems);
        }
        if self.de_sum.is_nan() || self.de_sum <= 0.0 {
            return Coefficient::Undefined(Undefined::NoExpectedDisagreement);
        }
        let v = 1.0 - (self.n_dot - 1.0) * self.do_sum / self.de_sum;
        Coefficient::Defined(Estimate {
            value: v,
            observed: f64::NAN,
            expected: f64::NAN,
            se: None,
            n_items: self.n_items as usize,
        })
    }
}

/// One pass over the pairable items (with optional multiplicities).
pub(crate) fn alpha_sums(
    data: &ItemCounts,
    metric: &mut Metric,
    mult: Option<&[u32]>,
    scratch: &mut Vec<f64>,
) -> AlphaSums {
    let q = data.n_categories();
    let mut marg = vec![0.0; q];
    let (mut n_dot, mut n_items) = (0.0, 0.0);
    let weight = |i: usize| mult.map_or_else(|| data.weight(i), |m| m[i] as f64);
    for i in 0..data.n_items() {
        let w = weight(i);
        if w == 0.0 || data.total(i) < 2 {
            continue;
        }
        let (class, count) = data.item_slices(i);
        for (&k, &c) in class.iter().zip(count) {
            marg[k as usize] += w * c as f64;
        }
        n_dot += w * data.total(i) as f64;
        n_items += w;
    }
    metric.set_marginals(&marg);
    let mut do_sum = 0.0;
    for i in 0..data.n_items() {
        let w = weight(i);
        let m = data.total(i);
        if w == 0.0 || m < 2 {
            continue;
        }
        let (class, count) = data.item_slices(i);
        if class.len() < 2 {
            continue;
        }
        scratch.clear();
        scratch.extend(count.iter().map(|&c| c as f64));
        do_sum += w * metric.pair_sum(class, scratch) / (m as f64 - 1.0);
    }
    let nz: Vec<u32> = (0..q as u32).filter(|&k| marg[k as usize] > 0.0).collect();
    let nzc: Vec<f64> = nz.iter().map(|&k| marg[k as usize]).collect();
    let de_sum = metric.pair_sum(&nz, &nzc);
    AlphaSums {
        n_dot,
        n_items,
        do_sum,
        de_sum,
        marg,
    }
}

/// The data alpha works on at `level` (categories with equal numeric values merged
/// for the numeric levels) and its metric, or the error of [`level_values`].
pub(crate) fn prepare(data: &ItemCounts, level: Level) -> Result<(Cow<'_, ItemCounts>, Metric)> {
    let values = level_values(level, data.category_names(), data.is_ordered())?;
    if values.is_some()
        && let Some(merged) = data.merge_equal_numbers()
    {
        let values = level_values(level, merged.category_names(), merged.is_ordered())?;
        let q = merged.n_categories();
        return Ok((Cow::Owned(merged), Metric::new(level, values, q)));
    }
    Ok((
        Cow::Borrowed(data),
        Metric::new(level, values, data.n_categories()),
    ))
}

/// Krippendorff's alpha (Krippendorff 2011, "Computing Krippendorff's
/// Alpha-Reliability"; 2004 *Content Analysis* ch. 11) at the given measurement level:
///
/// ```text
/// α = 1 − D_o / D_e = 1 − (n.. − 1) Σ_u Σ_{c≠k} n_uc n_uk δ²_ck / (m_u − 1)
///                          / Σ_{c,k} n_c n_k δ²_ck
/// ```
///
/// over the coincidence matrix of pairable values. **Missing data**: a unit (item)
/// with a single value is not pairable and is ignored entirely (it counts neither in
/// `D_o` nor in the marginals `n_c`); every pairable unit contributes its `m_u`
/// values, each pair weighted `1/(m_u − 1)`. Undefined when no unit is pairable or
/// when every pairable value is the same (`D_e = 0`).
///
/// Levels: nominal, ordinal (δ from the marginal counts, categories in category
/// order), interval, ratio. Checked against Krippendorff (2011): 0.743 / 0.815 /
/// 0.849 / 0.797, fast-krippendorff's tests and crowd-kit's `alpha_krippendorff`.
///
/// The reported `observed` / `expected` are irrCAC's `p_a` / `p_e` (agreement weights
/// `1 − δ²/max δ²`), and the SE is irrCAC's linearised variance (`krippendorff()`),
/// centred on its `α'` as irrCAC does.
///
/// # Errors
/// `level`: ordinal / interval / ratio on labels that are not numbers (the error names
/// the first such label; ordinal is accepted on declared or table order), ratio on a
/// negative value.
///
/// For the numeric levels, labels that are the same number (`0`, `-0`, `00`) are one
/// value; nominal alpha keeps labels as written (see
/// [`ItemCounts::merge_equal_numbers`]).
pub fn krippendorff_alpha(data: &ItemCounts, level: Level) -> Result<Coefficient> {
    let (data, mut metric) = prepare(data, level)?;
    let data = data.as_ref();
    let mut scratch = Vec::new();
    let sums = alpha_sums(data, &mut metric, None, &mut scratch);
    let coef = sums.alpha();
    let Coefficient::Defined(mut est) = coef else {
        return Ok(coef);
    };
    irrcac_parts(data, &metric, &sums, &mut est);
    Ok(Coefficient::Defined(est))
}

/// Above this many categories with values, [`irrcac_parts`] uses closed forms linear
/// in the categories instead of loops over pairs of them (same values up to rounding;
/// the pairwise loops are kept below it, so small data give the same bits as before).
const MANY_CATEGORIES: usize = 256;

/// The largest δ² between two of the categories `nz` (ascending), in time linear in
/// them: δ² grows with the distance in category order (ordinal) or in value (interval,
/// ratio on non-negative values), so the extremes give the maximum.
fn max_delta(metric: &Metric, nz: &[usize]) -> f64 {
    let (Some(&first), Some(&last)) = (nz.first(), nz.last()) else {
        return 0.0;
    };
    match metric.level {
        Level::Nominal | Level::Ordinal => metric.delta(first, last),
        Level::Interval | Level::Ratio => {
            let by_value = |a: &&usize, b: &&usize| metric.x[**a].total_cmp(&metric.x[**b]);
            match (nz.iter().min_by(by_value), nz.iter().max_by(by_value)) {
                (Some(&lo), Some(&hi)) => metric.delta(lo, hi),
                _ => 0.0,
            }
        }
    }
}

/// Fills irrCAC's `p_a`, `p_e` and SE for alpha (see `krippendorff_alpha`).
fn irrcac_parts(data: &ItemCounts, metric: &Metric, s: &AlphaSums, est: &mut Estimate) {
    let q = data.n_categories();
    let nz: Vec<usize> = (0..q).filter(|&k| s.marg[k] > 0.0).collect();
    // Many categories: the closed forms below are linear in them (the pairwise loops
    // are quadratic: 10^10 steps for 10^5 labels).
    let many = nz.len() > MANY_CATEGORIES;
    let mut dmax = 0.0f64;
    if many {
        dmax = max_delta(metric, &nz);
    } else {
        for &a in &nz {
            for &b in &nz {
                dmax = dmax.max(metric.delta(a, b));
            }
        }
    }
    if dmax.is_nan() || dmax <= 0.0 {
        return;
    }
    let nn = s.n_dot;
    let n = s.n_items;
    let rbar = nn / n;
    let eps = 1.0 / nn;
    let pe = 1.0 - s.de_sum / (nn * nn * dmax);
    // e_k = Σ_l δ_kl π_l, π_l = n_l / n..
    let mut e = vec![0.0; q];
    match metric.level {
        // δ = 1 off the diagonal: e_k = 1 − π_k
        Level::Nominal if many => {
            for &k in &nz {
                e[k] = (nn - s.marg[k]) / nn;
            }
        }
        // δ = (x_k − x_l)²: e_k = x_k² − 2 x_k E[x] + E[x²]
        Level::Interval if many => {
            let (m1, m2) = nz.iter().fold((0.0, 0.0), |(a, b), &l| {
                let (x, p) = (metric.x[l], s.marg[l] / nn);
                (a + p * x, b + p * x * x)
            });
            for &k in &nz {
                let x = metric.x[k];
                e[k] = x * x - 2.0 * x * m1 + m2;
            }
        }
        _ => {
            for &k in &nz {
                e[k] = nz
                    .iter()
                    .map(|&l| metric.delta(k, l) * s.marg[l] / nn)
                    .sum();
            }
        }
    }
    // one entry per stored item (not per subject: an item may stand for many)
    let cap = data.n_items();
    let mut a = Vec::with_capacity(cap);
    let mut pe_i = Vec::with_capacity(cap);
    let mut r_i = Vec::with_capacity(cap);
    let mut w_i = Vec::with_capacity(cap);
    let mut scratch = Vec::new();
    for i in 0..data.n_items() {
        let m = data.total(i) as f64;
        if m < 2.0 {
            continue;
        }
        let (class, count) = data.item_slices(i);
        scratch.clear();
        scratch.extend(count.iter().map(|&c| c as f64));
        let do_i = if class.len() < 2 {
            0.0
        } else {
            metric.pair_sum(class, &scratch) / (m - 1.0)
        };
        a.push((m - do_i / dmax) / rbar);
        let ek: f64 = class
            .iter()
            .zip(count)
            .map(|(&k, &c)| c as f64 * e[k as usize])
            .sum();
        pe_i.push((m - ek / dmax) / rbar);
        r_i.push(m);
        w_i.push(data.weight(i));
    }
    let pa_prime = a.iter().zip(&w_i).map(|(a, w)| a * w).sum::<f64>() / n;
    let pa = (1.0 - eps) * pa_prime + eps;
    est.observed = pa;
    est.expected = pe;
    if n < 2.0 || (1.0 - pe).abs() <= 1e-15 || pe.is_nan() {
        return;
    }
    let alpha_prime = (pa_prime - pe) / (1.0 - pe);
    let mut ss = 0.0;
    for j in 0..a.len() {
        let adj = (r_i[j] - rbar) / rbar;
        let kappa_j = (a[j] - pa * adj - pe) / (1.0 - pe);
        let pe_j = pe_i[j] - pe * adj;
        let x = kappa_j - 2.0 * (1.0 - alpha_prime) * (pe_j - pe) / (1.0 - pe);
        ss += w_i[j] * (x - alpha_prime) * (x - alpha_prime);
    }
    let se = (ss / (n * (n - 1.0))).sqrt();
    est.se = se.is_finite().then_some(se);
}

/// Per-item sufficient statistics of alpha for the bootstrap: for each pairable item
/// its number of values `m_i` and, when δ does not depend on the marginals (every level
/// but ordinal), its observed-disagreement term `Σ_{c≠k} n_ic n_ik δ_ck / (m_i − 1)`.
pub(crate) struct AlphaItems {
    items: Vec<u32>,
    m: Vec<f64>,
    d: Option<Vec<f64>>,
}

impl AlphaItems {
    pub(crate) fn new(data: &ItemCounts, metric: &Metric) -> AlphaItems {
        let items: Vec<u32> = (0..data.n_items() as u32)
            .filter(|&i| data.total(i as usize) >= 2)
            .collect();
        let m = items
            .iter()
            .map(|&i| data.total(i as usize) as f64)
            .collect();
        let d = (metric.level != Level::Ordinal).then(|| {
            let mut scratch = Vec::new();
            items
                .iter()
                .map(|&i| {
                    let (class, count) = data.item_slices(i as usize);
                    if class.len() < 2 {
                        return 0.0;
                    }
                    scratch.clear();
                    scratch.extend(count.iter().map(|&c| c as f64));
                    metric.pair_sum(class, &scratch) / (data.total(i as usize) as f64 - 1.0)
                })
                .collect()
        });
        AlphaItems { items, m, d }
    }

    /// Alpha on a replicate with multiplicities `mult` (indexed like `data`'s items).
    pub(crate) fn value(
        &self,
        data: &ItemCounts,
        metric: &mut Metric,
        mult: &[u32],
        marg: &mut Vec<f64>,
        scratch: &mut Vec<f64>,
    ) -> Option<f64> {
        let Some(d) = &self.d else {
            return alpha_value(data, metric, Some(mult), scratch);
        };
        marg.clear();
        marg.resize(data.n_categories(), 0.0);
        let (mut n_dot, mut do_sum, mut n_items) = (0.0, 0.0, 0.0);
        for (j, &i) in self.items.iter().enumerate() {
            let w = mult[i as usize];
            if w == 0 {
                continue;
            }
            let w = w as f64;
            n_dot += w * self.m[j];
            do_sum += w * d[j];
            n_items += w;
            let (class, count) = data.item_slices(i as usize);
            for (&k, &c) in class.iter().zip(count) {
                marg[k as usize] += w * c as f64;
            }
        }
        let nz: Vec<u32> = (0..marg.len() as u32)
            .filter(|&k| marg[k as usize] > 0.0)
            .collect();
        let nzc: Vec<f64> = nz.iter().map(|&k| marg[k as usize]).collect();
        let de_sum = metric.pair_sum(&nz, &nzc);
        AlphaSums {
            n_dot,
            n_items,
            do_sum,
            de_sum,
            marg: Vec::new(),
        }
        .alpha()
        .value()
    }
}

/// Alpha value alone with item multiplicities (bootstrap over items).
pub(crate) fn alpha_value(
    data: &ItemCounts,
    metric: &mut Metric,
    mult: Option<&[u32]>,
    scratch: &mut Vec<f64>,
) -> Option<f64> {
    alpha_sums(data, metric, mult, scratch).alpha().value()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn data() -> ItemCounts {
        let rows = vec![
            vec![2, 1, 0, 0],
            vec![0, 3, 1, 0],
            vec![1, 0, 0, 0],
            vec![0, 0, 2, 2],
            vec![1, 1, 1, 1],
            vec![0, 0, 0, 3],
        ];
        ItemCounts::from_table(&["1", "2", "4", "7"], &rows).expect("counts")
    }

    #[test]
    fn bootstrap_fast_path_matches_full_computation() {
        let d = data();
        let mult = [2u32, 0, 1, 1, 0, 2];
        for level in [
            Level::Nominal,
            Level::Ordinal,
            Level::Interval,
            Level::Ratio,
        ] {
            let (dd, metric) = prepare(&d, level).expect("prepare");
            let items = AlphaItems::new(&dd, &metric);
            let (mut m1, mut m2) = (metric.clone(), metric.clone());
            let fast = items
                .value(&dd, &mut m1, &mult, &mut Vec::new(), &mut Vec::new())
                .expect("defined");
            let full = alpha_value(&dd, &mut m2, Some(&mult), &mut Vec::new()).expect("defined");
            assert!((fast - full).abs() < 1e-12, "{level:?}: {fast} vs {full}");
            // multiplicities of 1 give the point estimate
            let ones = [1u32; 6];
            let one = items
                .value(&dd, &mut m1, &ones, &mut Vec::new(), &mut Vec::new())
                .expect("defined");
            let point = krippendorff_alpha(&d, level)
                .expect("alpha")
                .value()
                .expect("v");
            assert!((one - point).abs() < 1e-12, "{level:?}");
        }
    }
}
