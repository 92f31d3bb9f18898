//! Computing the report: which coefficients apply to a layout, their intervals and
//! bootstraps.

use std::borrow::Cow;

use crowdqc_core::progress::{NoProgress, Progress};
use crowdqc_core::{Error, JudgmentMatrix, Result};

use super::{
    AgreementData, AgreementReport, BootstrapReport, CoefficientName, CoefficientReport,
    HayesReport, InputSummary, Interval, IntervalKind, Layout, ReportOptions, SeMethod,
};
use crate::bootstrap::{BootstrapOptions, BootstrapSummary, CountsCoefficient, Within};
use crate::coefficient::Coefficient;
use crate::counts::ItemCounts;
use crate::pairwise::{Contingency, PairwiseCoefficient};
use crate::weights::{CategoryScale, WeightMatrix, Weights};
use crate::{
    KRIPPENDORFF_THRESHOLDS, bootstrap_conger_with_progress, bootstrap_counts_with_progress,
    bootstrap_pairwise_with_progress, brennan_prediger, cohen_kappa, conger_kappa, fleiss_kappa,
    gwet_ac, hayes_krippendorff_bootstrap_with_progress, interpret_alpha, krippendorff_alpha,
    percent_agreement, scott_pi,
};

/// What to bootstrap for one coefficient.
#[derive(Clone)]
enum Boot<'a> {
    Counts(CountsCoefficient),
    Conger(&'a JudgmentMatrix),
    Pairwise(Cow<'a, Contingency>, PairwiseCoefficient),
}

/// A coefficient computed, before its bootstrap.
struct Row<'a> {
    name: CoefficientName,
    value: std::result::Result<Coefficient, String>,
    boot: Option<Boot<'a>>,
    note: Option<&'static str>,
}

/// The agreement report of `data` (judgments, a contingency table or a counts table):
/// every coefficient that applies to the layout with its analytic SE and t interval,
/// and with `opts.bootstrap` the item bootstrap of each (then the headline interval)
/// and the Hayes–Krippendorff bootstrap of alpha. Undefined coefficients are rows
/// with a reason, never errors. [`report_with_progress`] reports the bootstraps'
/// progress.
///
/// # Errors
/// `opts` invalid ([`ReportOptions::validate`]); `weights` that do not fit the
/// categories; labels that `opts.level` cannot use (e.g. text for interval alpha); a
/// table with fractional counts.
pub fn report<'a>(
    data: impl Into<AgreementData<'a>>,
    opts: &ReportOptions,
) -> Result<AgreementReport> {
    report_with_progress(data, opts, &NoProgress)
}

/// [`report`] reporting the bootstrap replicates to `progress` as one operation
/// (`start("bootstrap", total replicates)`, `advance`, `finish`) and stopping between
/// blocks of replicates when it is interrupted. The report is bit-identical to
/// [`report`]'s, for any number of threads.
///
/// # Errors
/// As [`report`]; `Error::Interrupted` when interrupted.
pub fn report_with_progress<'a>(
    data: impl Into<AgreementData<'a>>,
    opts: &ReportOptions,
    progress: &dyn Progress,
) -> Result<AgreementReport> {
    opts.validate()?;
    let data = data.into();
    let owned;
    let counts = match data {
        AgreementData::Judgments(m) => {
            owned = ItemCounts::from_matrix(m);
            &owned
        }
        AgreementData::Table(t) => {
            owned = t.to_item_counts()?;
            &owned
        }
        AgreementData::Counts(c) => c,
    };
    let scale = opts.rank_spacing.then_some(CategoryScale::Ranks);
    let w = counts.weight_matrix(&opts.weights, scale)?;
    let (layout, raters) = match data {
        AgreementData::Judgments(m) => (
            Layout::Judgments,
            Some(
                (0..m.n_workers() as u32)
                    .filter(|&k| m.worker_count(k) > 0)
                    .count(),
            ),
        ),
        AgreementData::Table(_) => (Layout::Table, Some(2)),
        AgreementData::Counts(_) => (Layout::Counts, None),
    };
    let rows = coefficients(data, counts, &w, opts, raters)?;
    let boot = opts.bootstrap.map(|replicates| BootstrapOptions {
        replicates,
        seed: opts.seed,
        level: opts.confidence,
    });
    let hk_wanted = boot.is_some()
        && opts.hayes_krippendorff
        && rows.iter().any(|r| {
            r.name == CoefficientName::KrippendorffAlpha
                && r.value.as_ref().is_ok_and(|c| c.value().is_some())
        });
    let mut coefficients = Vec::with_capacity(rows.len());
    let inner = Within(progress);
    let run = |b: &BootstrapOptions| -> Result<Vec<CoefficientReport>> {
        let mut out = Vec::with_capacity(rows.len());
        for row in &rows {
            let summary = match &row.boot {
                Some(k) if row.value.is_ok() => Some(run_boot(k, counts, &w, b, &inner)?),
                _ => None,
            };
            let mut c = coefficient_report(row, summary.as_ref(), opts.confidence);
            if row.name == CoefficientName::KrippendorffAlpha && hk_wanted {
                add_hayes(&mut c, counts, opts, b, &inner)?;
            }
            out.push(c);
        }
        Ok(out)
    };
    match &boot {
        Some(b) => {
            let per = rows.iter().filter(|r| r.boot.is_some() && r.value.is_ok());
            let total = b.replicates * (per.count() + usize::from(hk_wanted));
            progress.start("bootstrap", Some(total as u64));
            let r = run(b);
            progress.finish();
            coefficients = r?;
        }
        None => coefficients.extend(
            rows.iter()
                .map(|row| coefficient_report(row, None, opts.confidence)),
        ),
    }
    Ok(AgreementReport {
        input: InputSummary {
            layout,
            items: usize::try_from(counts.n_subjects()).unwrap_or(usize::MAX),
            ratings: counts.n_ratings(),
            raters,
            categories: counts.category_names().to_vec(),
        },
        level: opts.level,
        weights: weights_name(&opts.weights),
        confidence: opts.confidence,
        bootstrap: boot.map(|b| (b.replicates, b.seed)),
        coefficients,
    })
}

fn weights_name(w: &Weights) -> &'static str {
    match w {
        Weights::Identity => "identity",
        Weights::Linear => "linear",
        Weights::Quadratic => "quadratic",
        Weights::Ordinal => "ordinal",
        Weights::Custom(_) => "custom",
    }
}

/// The coefficients that apply to the layout, in the order of the text report.
fn coefficients<'a>(
    data: AgreementData<'a>,
    counts: &ItemCounts,
    w: &WeightMatrix,
    opts: &ReportOptions,
    raters: Option<usize>,
) -> Result<Vec<Row<'a>>> {
    use CoefficientName as N;
    let row = |name, value: Coefficient, boot| Row {
        name,
        value: Ok(value),
        boot: Some(boot),
        note: None,
    };
    let gwet = if w.is_identity() {
        N::GwetAc1
    } else {
        N::GwetAc2
    };
    let mut rows = vec![
        row(
            N::PercentAgreement,
            percent_agreement(counts, w)?,
            Boot::Counts(CountsCoefficient::PercentAgreement),
        ),
        row(
            N::KrippendorffAlpha,
            krippendorff_alpha(counts, opts.level)?,
            Boot::Counts(CountsCoefficient::KrippendorffAlpha(opts.level)),
        ),
        row(
            N::FleissKappa,
            fleiss_kappa(counts, w)?,
            Boot::Counts(CountsCoefficient::FleissKappa),
        ),
    ];
    let conger_at = rows.len();
    rows.push(row(
        N::BrennanPrediger,
        brennan_prediger(counts, w)?,
        Boot::Counts(CountsCoefficient::BrennanPrediger),
    ));
    rows.push(row(
        gwet,
        gwet_ac(counts, w)?,
        Boot::Counts(CountsCoefficient::GwetAc),
    ));
    let pairwise = |t: Cow<'a, Contingency>| -> Result<[Row<'a>; 2]> {
        let boot = |k| (t.total() > 0.0).then(|| Boot::Pairwise(t.clone(), k));
        Ok([
            Row {
                name: N::CohenKappa,
                value: Ok(cohen_kappa(&t, w)?),
                boot: boot(PairwiseCoefficient::CohenKappa),
                note: None,
            },
            Row {
                name: N::ScottPi,
                value: Ok(scott_pi(&t, w)?),
                boot: boot(PairwiseCoefficient::ScottPi),
                note: None,
            },
        ])
    };
    let conger = match data {
        AgreementData::Judgments(m) => {
            if raters == Some(2) {
                match Contingency::from_matrix(m) {
                    Ok(t) => rows.extend(pairwise(Cow::Owned(t))?),
                    Err(e) => {
                        for name in [N::CohenKappa, N::ScottPi] {
                            rows.push(Row {
                                name,
                                value: Err(format!("not computed: {e}")),
                                boot: None,
                                note: None,
                            });
                        }
                    }
                }
            }
            match conger_kappa(m, w) {
                Ok(c) => row(N::CongerKappa, c, Boot::Conger(m)),
                // too many classes for its dense tables: the report goes on without it
                Err(e @ Error::ResourceLimit { .. }) => Row {
                    name: N::CongerKappa,
                    value: Err(format!("not computed: {e}")),
                    boot: None,
                    note: None,
                },
                Err(e) => return Err(e),
            }
        }
        AgreementData::Table(t) => {
            let [cohen, scott] = pairwise(Cow::Borrowed(t))?;
            let conger = Row {
                name: N::CongerKappa,
                value: cohen.value.clone(),
                boot: cohen.boot.clone(),
                note: Some("two raters, complete data: Conger's kappa is Cohen's kappa"),
            };
            rows.extend([cohen, scott]);
            conger
        }
        AgreementData::Counts(_) => Row {
            name: N::CongerKappa,
            value: Err("needs rater identities, which a counts table does not have".into()),
            boot: None,
            note: None,
        },
    };
    rows.insert(conger_at, conger);
    Ok(rows)
}

fn run_boot(
    k: &Boot<'_>,
    counts: &ItemCounts,
    w: &WeightMatrix,
    b: &BootstrapOptions,
    p: &dyn Progress,
) -> Result<BootstrapSummary> {
    match k {
        Boot::Counts(c) => bootstrap_counts_with_progress(counts, *c, w, b, &[], p),
        Boot::Conger(m) => bootstrap_conger_with_progress(m, w, b, p),
        Boot::Pairwise(t, c) => bootstrap_pairwise_with_progress(t, *c, w, b, p),
    }
}

fn finite(x: f64) -> Option<f64> {
    x.is_finite().then_some(x)
}

fn coefficient_report(
    row: &Row<'_>,
    boot: Option<&BootstrapSummary>,
    confidence: f64,
) -> CoefficientReport {
    let mut c = CoefficientReport {
        name: row.name,
        value: None,
        reason: None,
        se: None,
        se_method: None,
        observed: None,
        expected: None,
        n_items: None,
        intervals: Vec::new(),
        bootstrap: boot.map(|b| BootstrapReport {
            replicates: b.replicates,
            undefined: b.undefined,
            mean: finite(b.mean),
            se: finite(b.se),
            ci_low: finite(b.ci_low),
            ci_high: finite(b.ci_high),
        }),
        hayes_krippendorff: None,
        interpretation: None,
        note: row.note,
    };
    let coef = match &row.value {
        Err(reason) => {
            c.reason = Some(reason.clone());
            return c;
        }
        Ok(Coefficient::Undefined(u)) => {
            c.reason = Some(u.to_string());
            return c;
        }
        Ok(coef) => coef,
    };
    let Some(e) = coef.estimate() else {
        return c;
    };
    c.value = Some(e.value);
    c.observed = finite(e.observed);
    c.expected = finite(e.expected);
    c.n_items = Some(e.n_items);
    match (e.se, boot) {
        (Some(se), _) => (c.se, c.se_method) = (Some(se), Some(SeMethod::Analytic)),
        (None, Some(b)) if b.se.is_finite() => {
            (c.se, c.se_method) = (Some(b.se), Some(SeMethod::Bootstrap));
        }
        _ => {}
    }
    if let Some(b) = boot.filter(|b| !b.values.is_empty()) {
        c.intervals.push(Interval {
            kind: IntervalKind::ItemBootstrap,
            level: confidence,
            low: b.ci_low,
            high: b.ci_high,
        });
    }
    if let Some((low, high)) = coef.t_interval(confidence) {
        c.intervals.push(Interval {
            kind: IntervalKind::T,
            level: confidence,
            low,
            high,
        });
    }
    if row.name == CoefficientName::KrippendorffAlpha {
        c.interpretation = Some(interpret_alpha(e.value));
    }
    c
}

/// Hayes–Krippendorff's bootstrap of alpha, or why it is not available.
fn add_hayes(
    c: &mut CoefficientReport,
    counts: &ItemCounts,
    opts: &ReportOptions,
    b: &BootstrapOptions,
    p: &dyn Progress,
) -> Result<()> {
    match hayes_krippendorff_bootstrap_with_progress(
        counts,
        opts.level,
        b,
        &KRIPPENDORFF_THRESHOLDS,
        p,
    ) {
        Ok(hk) => {
            let s = &hk.summary;
            c.intervals.push(Interval {
                kind: IntervalKind::HayesKrippendorff,
                level: opts.confidence,
                low: s.ci_low,
                high: s.ci_high,
            });
            c.hayes_krippendorff = Some(HayesReport::Computed {
                replicates: s.replicates,
                pairs_per_replicate: hk.pairs_per_replicate,
                ci_low: s.ci_low,
                ci_high: s.ci_high,
                p_below_0_667: s.p_below[0].1,
                p_below_0_800: s.p_below[1].1,
            });
        }
        Err(e @ crowdqc_core::Error::Interrupted) => return Err(e),
        Err(e) => {
            c.hayes_krippendorff = Some(HayesReport::NotComputed {
                reason: e.to_string(),
            });
        }
    }
    Ok(())
}
