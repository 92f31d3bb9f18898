//! Arrow tables: the report (one row per coefficient) and the per-item and
//! per-worker views (the `--items-out` / `--workers-out` files of the CLI).

use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use crowdqc_core::{Error, IdDictionary, IdKind, IdRef, JudgmentMatrix, Result};

use super::{AgreementReport, CoefficientReport, HayesReport, IntervalKind};
use crate::views::{item_agreement, worker_agreement};

fn boot(r: &CoefficientReport) -> Option<&super::BootstrapReport> {
    r.bootstrap.as_ref()
}

fn arrow_err(e: arrow_schema::ArrowError) -> Error {
    Error::from(e)
}

fn floats(v: impl Iterator<Item = Option<f64>>) -> ArrayRef {
    Arc::new(Float64Array::from_iter(v))
}

fn ints(v: impl Iterator<Item = Option<i64>>) -> ArrayRef {
    Arc::new(Int64Array::from_iter(v))
}

fn strings<'a>(v: impl Iterator<Item = Option<&'a str>>) -> ArrayRef {
    Arc::new(StringArray::from_iter(v))
}

impl AgreementReport {
    /// The report as an Arrow table, one row per coefficient (in report order).
    ///
    /// Columns: `coefficient` (the JSON key), `title`, `value`, `reason`, `se`,
    /// `se_method`, `observed`, `expected`, `n_items`, `ci_method`, `ci_low`,
    /// `ci_high` (the headline interval), `confidence`, `t_ci_low`, `t_ci_high`,
    /// `bootstrap_ci_low`, `bootstrap_ci_high`, `bootstrap_replicates`,
    /// `bootstrap_undefined`, `bootstrap_mean`, `bootstrap_se`, `hk_ci_low`,
    /// `hk_ci_high`, `hk_pairs_per_replicate`, `hk_p_below_0_667`,
    /// `hk_p_below_0_800`, `interpretation`, `note`. Counts are Int64; absent values
    /// are nulls.
    ///
    /// # Errors
    /// An Arrow error building the batch (not expected).
    pub fn to_record_batch(&self) -> Result<RecordBatch> {
        let c = &self.coefficients;
        let f = |get: &dyn Fn(&CoefficientReport) -> Option<f64>| floats(c.iter().map(get));
        let n = |get: &dyn Fn(&CoefficientReport) -> Option<usize>| {
            ints(c.iter().map(|r| get(r).map(|v| v as i64)))
        };
        let iv = |k: IntervalKind, hi: bool| {
            floats(
                c.iter()
                    .map(|r| r.interval(k).map(|i| if hi { i.high } else { i.low })),
            )
        };
        let hk = |r: &CoefficientReport| match &r.hayes_krippendorff {
            Some(HayesReport::Computed {
                pairs_per_replicate,
                p_below_0_667,
                p_below_0_800,
                ..
            }) => Some((*pairs_per_replicate, *p_below_0_667, *p_below_0_800)),
            _ => None,
        };
        RecordBatch::try_from_iter([
            ("coefficient", strings(c.iter().map(|r| Some(r.name.key())))),
            ("title", strings(c.iter().map(|r| Some(r.name.title())))),
            ("value", f(&|r| r.value)),
            ("reason", strings(c.iter().map(|r| r.reason.as_deref()))),
            ("se", f(&|r| r.se)),
            (
                "se_method",
                strings(c.iter().map(|r| {
                    r.se_method.map(|m| match m {
                        super::SeMethod::Analytic => "analytic",
                        super::SeMethod::Bootstrap => "bootstrap",
                    })
                })),
            ),
            ("observed", f(&|r| r.observed)),
            ("expected", f(&|r| r.expected)),
            ("n_items", n(&|r| r.n_items)),
            (
                "ci_method",
                strings(c.iter().map(|r| r.ci().map(|i| i.kind.label()))),
            ),
            ("ci_low", f(&|r| r.ci().map(|i| i.low))),
            ("ci_high", f(&|r| r.ci().map(|i| i.high))),
            ("confidence", f(&|_| Some(self.confidence))),
            ("t_ci_low", iv(IntervalKind::T, false)),
            ("t_ci_high", iv(IntervalKind::T, true)),
            ("bootstrap_ci_low", iv(IntervalKind::ItemBootstrap, false)),
            ("bootstrap_ci_high", iv(IntervalKind::ItemBootstrap, true)),
            (
                "bootstrap_replicates",
                n(&|r| boot(r).map(|b| b.replicates)),
            ),
            ("bootstrap_undefined", n(&|r| boot(r).map(|b| b.undefined))),
            ("bootstrap_mean", f(&|r| boot(r).and_then(|b| b.mean))),
            ("bootstrap_se", f(&|r| boot(r).and_then(|b| b.se))),
            ("hk_ci_low", iv(IntervalKind::HayesKrippendorff, false)),
            ("hk_ci_high", iv(IntervalKind::HayesKrippendorff, true)),
            ("hk_pairs_per_replicate", n(&|r| hk(r).map(|h| h.0))),
            ("hk_p_below_0_667", f(&|r| hk(r).map(|h| h.1))),
            ("hk_p_below_0_800", f(&|r| hk(r).map(|h| h.2))),
            (
                "interpretation",
                strings(c.iter().map(|r| r.interpretation)),
            ),
            ("note", strings(c.iter().map(|r| r.note))),
        ])
        .map_err(arrow_err)
    }
}

/// An id column in the ids' input type: Int64 for integer ids, Utf8 otherwise.
fn id_column(d: &IdDictionary, codes: impl Iterator<Item = u32>) -> ArrayRef {
    match d.kind() {
        IdKind::Int => ints(codes.map(|c| match d.get(c) {
            IdRef::Int(v) => Some(v),
            IdRef::Str(_) => None,
        })),
        IdKind::Str => Arc::new(StringArray::from_iter_values(
            codes.map(|c| d.get(c).to_string()),
        )),
    }
}

/// [`item_agreement`] as an Arrow table, one row per item in item-code order:
/// `item` (the input's id type), `ratings` (Int64), `top_label` (the label type),
/// `top_share`, `entropy`, `pairwise_agreement` (null with fewer than two ratings).
///
/// # Errors
/// An Arrow error building the batch (not expected).
pub fn item_agreement_table(m: &JudgmentMatrix) -> Result<RecordBatch> {
    let v = item_agreement(m);
    RecordBatch::try_from_iter([
        ("item", id_column(m.items(), 0..m.n_items() as u32)),
        ("ratings", ints(v.iter().map(|a| Some(a.n_ratings as i64)))),
        (
            "top_label",
            id_column(m.classes().dictionary(), v.iter().map(|a| a.top_class)),
        ),
        ("top_share", floats(v.iter().map(|a| Some(a.top_share)))),
        ("entropy", floats(v.iter().map(|a| Some(a.entropy)))),
        ("pairwise_agreement", floats(v.iter().map(|a| a.pairwise))),
    ])
    .map_err(arrow_err)
}

/// [`worker_agreement`] as an Arrow table, one row per worker in worker-code order:
/// `worker` (the input's id type), `judgments`, `shared_judgments` (Int64),
/// `peer_agreement`, `consensus_agreement` (null when the worker shares no item),
/// `mv_agreement`.
///
/// # Errors
/// An Arrow error building the batch (not expected).
pub fn worker_agreement_table(m: &JudgmentMatrix) -> Result<RecordBatch> {
    let v = worker_agreement(m);
    RecordBatch::try_from_iter([
        ("worker", id_column(m.workers(), 0..m.n_workers() as u32)),
        (
            "judgments",
            ints(v.iter().map(|a| Some(a.n_judgments as i64))),
        ),
        (
            "shared_judgments",
            ints(v.iter().map(|a| Some(a.n_shared as i64))),
        ),
        ("peer_agreement", floats(v.iter().map(|a| a.peer_agreement))),
        (
            "consensus_agreement",
            floats(v.iter().map(|a| a.consensus_agreement)),
        ),
        (
            "mv_agreement",
            floats(v.iter().map(|a| Some(a.mv_agreement))),
        ),
    ])
    .map_err(arrow_err)
}
