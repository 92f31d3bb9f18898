//! ICC(1,1) over every rating: the one-way random-effects ANOVA with unequal numbers
//! of ratings per item, for crowdsourced data where no item is rated by every worker.

use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

use super::icc::IccForm;
use crate::data::RatingMatrix;

/// Items per parallel task.
const CHUNK: usize = 1 << 12;

/// ICC(1,1) from all ratings, items as groups of any size (Donner 1986; Searle 1971):
/// `MSB = Σ n_i (ȳ_i − ȳ)² / (a − 1)`, `MSW = Σ Σ (y − ȳ_i)² / (N − a)`,
/// `n₀ = (N − Σ n_i² / N) / (a − 1)`, `ICC = (MSB − MSW) / (MSB + (n₀ − 1) MSW)`, with
/// the F test on `(a − 1, N − a)` df and the F-based interval of the balanced case with
/// `n₀` in place of `k`. On a complete, balanced matrix it equals the `ICC1` form
/// exactly. `None` reason when fewer than two items, no within-item replication, or no
/// variance at all.
pub(crate) fn icc1_unbalanced(m: &RatingMatrix, confidence: f64) -> IccForm {
    let a = m.n_items();
    let chunks: Vec<usize> = (0..a.div_ceil(CHUNK)).collect();
    // pass 1: total and Σ n_i²
    let p1: Vec<(f64, f64)> = chunks
        .par_iter()
        .map(|&c| {
            let (mut total, mut n2) = (0.0, 0.0);
            for i in c * CHUNK..((c + 1) * CHUNK).min(a) {
                let r = m.item_range(i);
                let n = r.len() as f64;
                total += m.values()[r].iter().sum::<f64>();
                n2 += n * n;
            }
            (total, n2)
        })
        .collect();
    let (total, n2) = p1.iter().fold((0.0, 0.0), |(t, s), &(x, y)| (t + x, s + y));
    let nn = m.n_ratings() as f64;
    let grand = total / nn;
    // pass 2: between and within sums of squares
    let p2: Vec<(f64, f64)> = chunks
        .par_iter()
        .map(|&c| {
            let (mut ssb, mut ssw) = (0.0, 0.0);
            for i in c * CHUNK..((c + 1) * CHUNK).min(a) {
                let v = &m.values()[m.item_range(i)];
                let mean = v.iter().sum::<f64>() / v.len() as f64;
                ssb += v.len() as f64 * (mean - grand) * (mean - grand);
                ssw += v.iter().map(|x| (x - mean) * (x - mean)).sum::<f64>();
            }
            (ssb, ssw)
        })
        .collect();
    let (ssb, ssw) = p2.iter().fold((0.0, 0.0), |(b, w), &(x, y)| (b + x, w + y));
    let af = a as f64;
    let (df1, df2) = (af - 1.0, nn - af);
    let mut form = IccForm {
        form: "ICC1u",
        shrout_fleiss: "ICC(1,1) unbalanced",
        description: "one-way random, absolute agreement, single rater, every rating \
                      (items with unequal numbers of ratings)",
        value: None,
        f: None,
        df1,
        df2,
        p_value: None,
        ci_low: None,
        ci_high: None,
        undefined: None,
    };
    if a < 2 || df2 < 1.0 {
        form.undefined = Some(format!(
            "needs at least two items and an item with two or more ratings; {a} items, \
             {} ratings",
            m.n_ratings()
        ));
        return form;
    }
    if ssb + ssw == 0.0 {
        form.undefined = Some(
            "every rating is the same value: there is no variance between or within items".into(),
        );
        return form;
    }
    let (msb, msw) = (ssb / df1, ssw / df2);
    let n0 = (nn - n2 / nn) / df1;
    let icc = (msb - msw) / (msb + (n0 - 1.0) * msw);
    let f = msb / msw;
    let q = 1.0 - (1.0 - confidence) / 2.0;
    let qf = |p: f64, d1: f64, d2: f64| {
        FisherSnedecor::new(d1, d2).map_or(f64::NAN, |d| d.inverse_cdf(p))
    };
    let fl = f / qf(q, df1, df2);
    let fu = f * qf(q, df2, df1);
    let finite = |x: f64| x.is_finite().then_some(x);
    form.value = finite(icc);
    form.f = finite(f);
    form.p_value = FisherSnedecor::new(df1, df2)
        .ok()
        .map(|d| d.sf(f))
        .and_then(finite);
    form.ci_low = finite((fl - 1.0) / (fl + n0 - 1.0));
    form.ci_high = finite((fu - 1.0) / (fu + n0 - 1.0));
    if form.value.is_none() {
        form.undefined = Some(
            "no variance within items (every item's ratings agree): the F ratio is infinite".into(),
        );
    }
    form
}
