//! Multi-rater coefficients that share Gwet's framework: percent agreement, Fleiss'
//! kappa, Gwet's AC1 / AC2 and Brennan–Prediger, with irrCAC's standard errors.
//!
//! All of them use the same observed agreement (Gwet 2014, ch. 2 and 5; irrCAC
//! `CAC`): with `r_ik` ratings of item `i` in category `k`, `r_i = Σ_k r_ik`,
//! `r*_ik = Σ_l w_kl r_il`,
//!
//! ```text
//! p_a = (1/n') Σ_{i: r_i ≥ 2} Σ_k r_ik (r*_ik − 1) / (r_i (r_i − 1))
//! π_k = (1/n)  Σ_{i: r_i ≥ 1} r_ik / r_i
//! ```
//!
//! where `n'` counts the items with two or more ratings and `n` every item with at
//! least one. **Missing data**: an item with a single rating contributes to the
//! category shares `π_k` but not to `p_a`; items with no rating do not exist. The
//! coefficients differ only in the chance agreement `p_e`.

mod se;

use crowdqc_core::{Error, Result};

use crate::coefficient::{Coefficient, Undefined};
use crate::counts::ItemCounts;
use crate::weights::WeightMatrix;

/// Which chance-agreement model.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Family {
    /// `p_e = 0`.
    Percent,
    /// `p_e = Σ_kl w_kl π_k π_l`.
    Fleiss,
    /// `p_e = T_w Σ_k π_k (1 − π_k) / (q (q − 1))`.
    Gwet,
    /// `p_e = T_w / q²`.
    BrennanPrediger,
}

/// The first pass: `n`, `n'`, `p_a` and `π`.
pub(crate) struct Pass1 {
    pub n: f64,
    pub n2: f64,
    pub pa: f64,
    pub pi: Vec<f64>,
}

/// Agreement of one item: `Σ_k r_ik (r*_ik − 1) / (r_i (r_i − 1))` (needs `r_i ≥ 2`).
#[inline]
pub(crate) fn item_pa(w: &WeightMatrix, class: &[u32], count: &[u32], r: f64) -> f64 {
    let mut s = 0.0;
    if w.is_identity() {
        for &c in count {
            let c = c as f64;
            s += c * (c - 1.0);
        }
    } else {
        for (&k, &ck) in class.iter().zip(count) {
            let mut star = 0.0;
            for (&l, &cl) in class.iter().zip(count) {
                star += w.get(k as usize, l as usize) * cl as f64;
            }
            s += ck as f64 * (star - 1.0);
        }
    }
    s / (r * (r - 1.0))
}

pub(crate) fn pass1(data: &ItemCounts, w: &WeightMatrix, mult: Option<&[u32]>) -> Pass1 {
    let q = data.n_categories();
    let mut pi = vec![0.0; q];
    let (mut n, mut n2, mut pa) = (0.0, 0.0, 0.0);
    for i in 0..data.n_items() {
        let m = match mult {
            Some(m) if m[i] == 0 => continue,
            Some(m) => m[i] as f64,
            None => data.weight(i),
        };
        let r = data.total(i) as f64;
        let (class, count) = data.item_slices(i);
        n += m;
        for (&k, &c) in class.iter().zip(count) {
            pi[k as usize] += m * c as f64 / r;
        }
        if r >= 2.0 {
            n2 += m;
            pa += m * item_pa(w, class, count, r);
        }
    }
    if n > 0.0 {
        pi.iter_mut().for_each(|p| *p /= n);
    }
    Pass1 {
        n,
        n2,
        pa: if n2 > 0.0 { pa / n2 } else { 0.0 },
        pi,
    }
}

pub(crate) fn chance(family: Family, w: &WeightMatrix, pi: &[f64]) -> Option<f64> {
    let q = pi.len();
    match family {
        Family::Percent => Some(0.0),
        Family::Fleiss => {
            if w.is_identity() {
                Some(pi.iter().map(|p| p * p).sum())
            } else {
                let mut s = 0.0;
                for k in 0..q {
                    if pi[k] == 0.0 {
                        continue;
                    }
                    for l in 0..q {
                        s += w.get(k, l) * pi[k] * pi[l];
                    }
                }
                Some(s)
            }
        }
        Family::Gwet => {
            if q < 2 {
                return None;
            }
            let s: f64 = pi.iter().map(|p| p * (1.0 - p)).sum();
            Some(w.sum() * s / (q * (q - 1)) as f64)
        }
        Family::BrennanPrediger => {
            if q < 2 {
                return None;
            }
            Some(w.sum() / (q * q) as f64)
        }
    }
}

/// The coefficient value alone, with optional item multiplicities (bootstrap).
pub(crate) fn value(
    family: Family,
    data: &ItemCounts,
    w: &WeightMatrix,
    mult: Option<&[u32]>,
) -> Coefficient {
    let p = pass1(data, w, mult);
    if p.n2 == 0.0 {
        return Coefficient::Undefined(Undefined::NoPairableItems);
    }
    match chance(family, w, &p.pi) {
        Some(pe) => Coefficient::from_parts(p.pa, pe, p.n as usize),
        None => Coefficient::Undefined(Undefined::NoChanceVariation),
    }
}

fn check(data: &ItemCounts, w: &WeightMatrix) -> Result<()> {
    if w.len() != data.n_categories() {
        return Err(Error::param(
            "weights",
            format!(
                "the weight matrix is {0}x{0} but the data have {1} categories",
                w.len(),
                data.n_categories()
            ),
        ));
    }
    Ok(())
}

fn compute(family: Family, data: &ItemCounts, w: &WeightMatrix) -> Result<Coefficient> {
    check(data, w)?;
    let p = pass1(data, w, None);
    if p.n2 == 0.0 {
        return Ok(Coefficient::Undefined(Undefined::NoPairableItems));
    }
    let Some(pe) = chance(family, w, &p.pi) else {
        return Ok(Coefficient::Undefined(Undefined::NoChanceVariation));
    };
    let coef = Coefficient::from_parts(p.pa, pe, p.n as usize);
    let se = coef
        .value()
        .and_then(|v| se::gwet_family_se(family, data, w, &p, pe, v));
    Ok(coef.with_se(se))
}

/// Percent agreement `p_a`: the share of agreeing pairs of ratings within items,
/// averaged over items with two or more ratings (weighted agreement when `w` is not
/// the identity). Not chance-corrected. SE: irrCAC's linearisation with `p_e = 0`.
///
/// Items with a single rating are ignored; undefined when no item has two ratings.
///
/// # Errors
/// `weights`: `w` is not `q × q` for the data's `q` categories.
pub fn percent_agreement(data: &ItemCounts, w: &WeightMatrix) -> Result<Coefficient> {
    compute(Family::Percent, data, w)
}

/// Fleiss' kappa (Fleiss 1971), generalised to a varying number of ratings per item
/// and to agreement weights as in Gwet (2014) and irrCAC `fleiss()`:
/// `κ = (p_a − p_e)/(1 − p_e)` with `p_e = Σ_kl w_kl π_k π_l`.
///
/// With a constant number of ratings per item and identity weights this is exactly
/// Fleiss' 1971 statistic (checked against Fleiss 1971 Table 1, κ = 0.430, and R
/// `irr::kappam.fleiss` = 0.4302445). Items with one rating count in `π_k` only;
/// undefined when no item has two ratings or when `p_e = 1` (one category).
/// SE: Gwet's linearised variance as in irrCAC (no finite-population correction).
///
/// # Errors
/// `weights`: `w` is not `q × q` for the data's `q` categories.
pub fn fleiss_kappa(data: &ItemCounts, w: &WeightMatrix) -> Result<Coefficient> {
    compute(Family::Fleiss, data, w)
}

/// Gwet's AC1 (identity weights) or AC2 (any other weights), Gwet (2008, 2014):
/// `p_e = T_w Σ_k π_k (1 − π_k) / (q (q − 1))` with `T_w = Σ_kl w_kl` and `q` the
/// number of categories (the declared classes when declared, else those observed).
///
/// Checked against irrCAC (Gwet 2014 p.120: AC1 = 0.775). Items with one rating
/// count in `π_k` only; undefined when no item has two ratings or when `q < 2`.
/// SE: Gwet's linearised variance as in irrCAC.
///
/// # Errors
/// `weights`: `w` is not `q × q` for the data's `q` categories.
pub fn gwet_ac(data: &ItemCounts, w: &WeightMatrix) -> Result<Coefficient> {
    compute(Family::Gwet, data, w)
}

/// Brennan–Prediger coefficient (Brennan & Prediger 1981; weighted form of Gwet
/// 2014): `p_e = T_w / q²` (`1/q` unweighted), `q` the number of categories.
///
/// Items with one rating are ignored; undefined when no item has two ratings or
/// `q < 2`. SE: Gwet's linearised variance as in irrCAC.
///
/// # Errors
/// `weights`: `w` is not `q × q` for the data's `q` categories.
pub fn brennan_prediger(data: &ItemCounts, w: &WeightMatrix) -> Result<Coefficient> {
    compute(Family::BrennanPrediger, data, w)
}
