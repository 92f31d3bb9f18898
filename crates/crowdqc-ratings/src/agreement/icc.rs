//! Intraclass correlation in the six Shrout–Fleiss (1979) / McGraw–Wong (1996) forms
//! with F tests and F-based confidence intervals.

use crowdqc_core::Result;
use rayon::prelude::*;
use statrs::distribution::{ContinuousCDF, FisherSnedecor};

use super::complete::Complete;
use crate::data::RatingMatrix;

/// Rows per parallel task.
const CHUNK: usize = 1 << 11;

/// One ICC form with its F test and confidence interval.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IccForm {
    /// `ICC1`, `ICC2`, `ICC3`, `ICC1k`, `ICC2k`, `ICC3k` (psych / pingouin names).
    pub form: &'static str,
    /// Shrout–Fleiss notation, e.g. `ICC(2,1)`.
    pub shrout_fleiss: &'static str,
    /// McGraw–Wong description, e.g. `two-way random, absolute agreement, single rater`.
    pub description: &'static str,
    /// The coefficient; `None` when undefined (see `undefined`).
    pub value: Option<f64>,
    /// F statistic of the test of ICC = 0.
    pub f: Option<f64>,
    /// Numerator degrees of freedom.
    pub df1: f64,
    /// Denominator degrees of freedom.
    pub df2: f64,
    /// Upper-tail p-value of `f`.
    pub p_value: Option<f64>,
    /// Lower end of the confidence interval.
    pub ci_low: Option<f64>,
    /// Upper end of the confidence interval.
    pub ci_high: Option<f64>,
    /// Why the value is undefined, when it is.
    pub undefined: Option<String>,
}

/// The mean squares of the two-way ANOVA (items × raters) behind every form.
#[derive(Debug, Clone, Copy, PartialEq, serde::Serialize)]
pub struct MeanSquares {
    /// Between items (rows), `n − 1` df.
    pub msr: f64,
    /// Between raters (columns), `k − 1` df.
    pub msc: f64,
    /// Residual, `(n − 1)(k − 1)` df.
    pub mse: f64,
    /// Within items (one-way), `n(k − 1)` df.
    pub msw: f64,
}

/// ICC of a rating matrix: every form, the ANOVA, and what was used.
#[derive(Debug, Clone, PartialEq, serde::Serialize)]
pub struct IccReport {
    /// Items used (rated by every worker).
    pub n_items: usize,
    /// Items dropped because some worker did not rate them.
    pub n_items_dropped: usize,
    /// Raters (`k`, every worker).
    pub n_raters: usize,
    /// Confidence level of the intervals.
    pub confidence: f64,
    /// The ANOVA, `None` when fewer than two items and two raters remain.
    pub mean_squares: Option<MeanSquares>,
    /// The six forms in the order ICC1, ICC2, ICC3, ICC1k, ICC2k, ICC3k.
    pub forms: Vec<IccForm>,
    /// ICC(1,1) from every rating (one-way ANOVA with unequal group sizes, no
    /// deletion): the usable form when workers rate different subsets of items, as on
    /// most crowdsourcing platforms. Equals `ICC1` on complete data.
    pub all_ratings: IccForm,
}

const NAMES: [(&str, &str, &str); 6] = [
    (
        "ICC1",
        "ICC(1,1)",
        "one-way random, absolute agreement, single rater",
    ),
    (
        "ICC2",
        "ICC(2,1)",
        "two-way random, absolute agreement, single rater",
    ),
    (
        "ICC3",
        "ICC(3,1)",
        "two-way mixed, consistency, single rater",
    ),
    (
        "ICC1k",
        "ICC(1,k)",
        "one-way random, absolute agreement, mean of k raters",
    ),
    (
        "ICC2k",
        "ICC(2,k)",
        "two-way random, absolute agreement, mean of k raters",
    ),
    (
        "ICC3k",
        "ICC(3,k)",
        "two-way mixed, consistency, mean of k raters",
    ),
];

fn undefined_forms(n: usize, k: usize, reason: &str) -> Vec<IccForm> {
    let (n, k) = (n as f64, k as f64);
    NAMES
        .iter()
        .enumerate()
        .map(|(i, &(form, sf, d))| {
            let (df1, df2) = match i % 3 {
                0 => (n - 1.0, n * (k - 1.0)),
                _ => (n - 1.0, (n - 1.0) * (k - 1.0)),
            };
            IccForm {
                form,
                shrout_fleiss: sf,
                description: d,
                value: None,
                f: None,
                df1,
                df2,
                p_value: None,
                ci_low: None,
                ci_high: None,
                undefined: Some(reason.to_string()),
            }
        })
        .collect()
}

/// The intraclass correlation of `m` in all six forms, with F tests and
/// `confidence` intervals computed as in `psych::ICC` (Shrout & Fleiss 1979;
/// McGraw & Wong 1996; the ICC(2,·) interval by Satterthwaite's approximate df).
///
/// Items are the targets (rows) and workers the raters (columns). **Missing
/// ratings**: only items rated by every worker are used (listwise deletion, as
/// `psych::ICC` and `pingouin.intraclass_corr(nan_policy="omit")`); the report says
/// how many were dropped, and [`IccReport::all_ratings`] gives ICC(1,1) from every rating
/// without deletion. When fewer than two items or two raters remain, or every
/// rating used is the same (a constant rating column), every form is reported
/// undefined with the reason — not an error.
///
/// Sums are taken over fixed chunks of items and combined in order: the result is
/// bit-identical for any rayon thread count. Time and memory are linear in the
/// ratings.
///
/// # Errors
/// [`Error::InvalidParameter`](crowdqc_core::Error::InvalidParameter) for `confidence` outside `(0, 1)`; [`Error::Conflict`](crowdqc_core::Error::Conflict)
/// when a worker rated an item twice (keep-all duplicates).
pub fn icc(m: &RatingMatrix, confidence: f64) -> Result<IccReport> {
    crowdqc_core::interval::check_confidence(confidence)?;
    let c = Complete::new(m)?;
    let mut r = icc_of(&c, m.n_items(), confidence);
    r.all_ratings = super::oneway::icc1_unbalanced(m, confidence);
    Ok(r)
}

pub(crate) fn icc_of(c: &Complete, total_items: usize, confidence: f64) -> IccReport {
    let (n, k) = (c.n(), c.k);
    let mut report = IccReport {
        n_items: n,
        n_items_dropped: total_items - n,
        n_raters: k,
        confidence,
        mean_squares: None,
        forms: Vec::new(),
        all_ratings: undefined_forms(0, 0, "not computed").swap_remove(0),
    };
    if n < 2 || k < 2 {
        report.forms = undefined_forms(
            n,
            k,
            &format!(
                "needs at least two items rated by every one of at least two workers; \
                 {n} of {total_items} items are rated by all {k} workers"
            ),
        );
        return report;
    }
    let ms = anova(c);
    let Some(ms) = ms else {
        report.forms = undefined_forms(
            n,
            k,
            "every rating used is the same value: there is no variance between or \
             within items",
        );
        return report;
    };
    report.mean_squares = Some(ms);
    report.forms = forms(ms, n as f64, k as f64, 1.0 - confidence);
    report
}

/// Per-chunk partial sums of the first pass.
struct Pass1 {
    total: f64,
    cols: Vec<f64>,
}

/// Two passes over the block; `None` when every value is the same.
fn anova(c: &Complete) -> Option<MeanSquares> {
    let (n, k) = (c.n(), c.k);
    let chunks: Vec<usize> = (0..n.div_ceil(CHUNK)).collect();
    let p1: Vec<Pass1> = chunks
        .par_iter()
        .map(|&ch| {
            let mut cols = vec![0.0; k];
            let mut total = 0.0;
            for r in ch * CHUNK..((ch + 1) * CHUNK).min(n) {
                for (j, &x) in c.row(r).iter().enumerate() {
                    cols[j] += x;
                    total += x;
                }
            }
            Pass1 { total, cols }
        })
        .collect();
    let mut cols = vec![0.0; k];
    let mut total = 0.0;
    for p in &p1 {
        total += p.total;
        for (a, b) in cols.iter_mut().zip(&p.cols) {
            *a += b;
        }
    }
    let (nf, kf) = (n as f64, k as f64);
    let grand = total / (nf * kf);
    let p2: Vec<(f64, f64)> = chunks
        .par_iter()
        .map(|&ch| {
            let (mut sst, mut ssr) = (0.0, 0.0);
            for r in ch * CHUNK..((ch + 1) * CHUNK).min(n) {
                let row = c.row(r);
                let mut rs = 0.0;
                for &x in row {
                    sst += (x - grand) * (x - grand);
                    rs += x;
                }
                let d = rs / kf - grand;
                ssr += d * d;
            }
            (sst, ssr * kf)
        })
        .collect();
    let (mut sst, mut ssr) = (0.0, 0.0);
    for (a, b) in p2 {
        sst += a;
        ssr += b;
    }
    if sst == 0.0 {
        return None;
    }
    let ssc: f64 = cols
        .iter()
        .map(|s| (s / nf - grand) * (s / nf - grand))
        .sum::<f64>()
        * nf;
    let sse = (sst - ssr - ssc).max(0.0);
    Some(MeanSquares {
        msr: ssr / (nf - 1.0),
        msc: ssc / (kf - 1.0),
        mse: sse / ((nf - 1.0) * (kf - 1.0)),
        msw: (ssc + sse) / (nf * (kf - 1.0)),
    })
}

fn qf(p: f64, d1: f64, d2: f64) -> f64 {
    FisherSnedecor::new(d1, d2).map_or(f64::NAN, |d| d.inverse_cdf(p))
}

fn pf_upper(f: f64, d1: f64, d2: f64) -> f64 {
    FisherSnedecor::new(d1, d2).map_or(f64::NAN, |d| d.sf(f))
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn forms(ms: MeanSquares, n: f64, k: f64, alpha: f64) -> Vec<IccForm> {
    let MeanSquares { msr, msc, mse, msw } = ms;
    let q = 1.0 - alpha / 2.0;
    // one-way
    let (d1, d1w) = (n - 1.0, n * (k - 1.0));
    let f1 = msr / msw;
    let icc1 = (msr - msw) / (msr + (k - 1.0) * msw);
    let icc1k = (msr - msw) / msr;
    let f1l = f1 / qf(q, d1, d1w);
    let f1u = f1 * qf(q, d1w, d1);
    // two-way
    let d2 = (n - 1.0) * (k - 1.0);
    let f3 = msr / mse;
    let icc2 = (msr - mse) / (msr + (k - 1.0) * mse + k * (msc - mse) / n);
    let icc2k = (msr - mse) / (msr + (msc - mse) / n);
    let icc3 = (msr - mse) / (msr + (k - 1.0) * mse);
    let icc3k = (msr - mse) / msr;
    let f3l = f3 / qf(q, d1, d2);
    let f3u = f3 * qf(q, d2, d1);
    // ICC(2,1) interval: Satterthwaite df for the denominator (psych::ICC)
    let fj = msc / mse;
    let vn =
        (k - 1.0) * (n - 1.0) * (k * icc2 * fj + n * (1.0 + (k - 1.0) * icc2) - k * icc2).powi(2);
    let vd = (n - 1.0) * k * k * icc2 * icc2 * fj * fj
        + (n * (1.0 + (k - 1.0) * icc2) - k * icc2).powi(2);
    let v = vn / vd;
    let f2u = qf(q, n - 1.0, v);
    let f2l = qf(q, v, n - 1.0);
    let l2 = n * (msr - f2u * mse) / (f2u * (k * msc + (k * n - k - n) * mse) + n * msr);
    let u2 = n * (f2l * msr - mse) / (k * msc + (k * n - k - n) * mse + n * f2l * msr);
    let p1 = pf_upper(f1, d1, d1w);
    let p3 = pf_upper(f3, d1, d2);
    let rows = [
        (
            icc1,
            f1,
            d1w,
            p1,
            (f1l - 1.0) / (f1l + k - 1.0),
            (f1u - 1.0) / (f1u + k - 1.0),
        ),
        (icc2, f3, d2, p3, l2, u2),
        (
            icc3,
            f3,
            d2,
            p3,
            (f3l - 1.0) / (f3l + k - 1.0),
            (f3u - 1.0) / (f3u + k - 1.0),
        ),
        (icc1k, f1, d1w, p1, 1.0 - 1.0 / f1l, 1.0 - 1.0 / f1u),
        (
            icc2k,
            f3,
            d2,
            p3,
            l2 * k / (1.0 + l2 * (k - 1.0)),
            u2 * k / (1.0 + u2 * (k - 1.0)),
        ),
        (icc3k, f3, d2, p3, 1.0 - 1.0 / f3l, 1.0 - 1.0 / f3u),
    ];
    NAMES
        .iter()
        .zip(rows)
        .map(|(&(form, sf, d), (value, f, df2, p, lo, hi))| {
            let value = finite(value);
            IccForm {
                form,
                shrout_fleiss: sf,
                description: d,
                value,
                f: finite(f),
                df1: d1,
                df2,
                p_value: finite(p),
                ci_low: finite(lo),
                ci_high: finite(hi),
                undefined: value.is_none().then(|| {
                    "the between-item mean square is zero: every item has the same mean \
                     rating"
                        .to_string()
                }),
            }
        })
        .collect()
}

impl IccReport {
    /// The form named `ICC1` … `ICC3k` (psych names) or `ICC(1,1)` … `ICC(3,k)`.
    pub fn form(&self, name: &str) -> Option<&IccForm> {
        self.forms
            .iter()
            .find(|f| f.form == name || f.shrout_fleiss == name)
    }
}

#[cfg(test)]
#[path = "icc_tests.rs"]
mod tests;
