//! `crowdqc agreement`: every agreement coefficient with standard errors, confidence
//! intervals and (optionally) bootstraps, from judgments, a two-rater contingency table
//! (`--table`) or a Fleiss counts table (`--counts`).

use std::fmt::Write as _;
use std::path::PathBuf;
use std::sync::Arc;

use arrow_array::{ArrayRef, Float64Array, Int64Array, RecordBatch, StringArray};
use crowdqc::agreement::{
    BootstrapOptions, BootstrapSummary, CategoryScale, Coefficient, Contingency, CountsCoefficient,
    ItemCounts, KRIPPENDORFF_THRESHOLDS, Level, PairwiseCoefficient, Weights, bootstrap_conger,
    bootstrap_counts, bootstrap_pairwise, brennan_prediger, cohen_kappa, conger_kappa,
    fleiss_kappa, gwet_ac, hayes_krippendorff_bootstrap, interpret_alpha, item_agreement,
    krippendorff_alpha, percent_agreement, scott_pi, worker_agreement,
};
use crowdqc::core::{IdDictionary, IdKind, IdRef, JudgmentMatrix};
use crowdqc::{Error, Result};
use serde_json::{Map, Value, json};

use crate::common::{self, Format, InputOpts};

/// Arguments of `crowdqc agreement`.
#[derive(Debug, clap::Args)]
#[command(group(clap::ArgGroup::new("source").required(true).args(["judgments", "table", "counts"])))]
pub struct Args {
    /// Judgments file (.parquet, .csv, .arrow/.ipc) with item, worker and label columns.
    pub judgments: Option<PathBuf>,
    /// Two-rater contingency table with columns `label_a,label_b,count` (category order:
    /// first appearance).
    #[arg(long, value_name = "FILE")]
    pub table: Option<PathBuf>,
    /// Fleiss counts table `item,<class…>`: one row per item, one count column per class
    /// (category order: column order).
    #[arg(long, value_name = "FILE")]
    pub counts: Option<PathBuf>,
    /// Measurement level of Krippendorff's alpha: nominal, ordinal, interval or ratio.
    #[arg(long, default_value = "nominal", value_name = "LEVEL")]
    pub level: String,
    /// Agreement weights for the kappa family: identity (unweighted), linear, quadratic or
    /// ordinal. With weights, Gwet's coefficient is reported as `gwet_ac2`.
    #[arg(long, default_value = "identity", value_name = "WEIGHTS")]
    pub weights: String,
    /// Space categories equally for linear/quadratic weights instead of by their numeric
    /// values (R irr's convention on the levels present).
    #[arg(long)]
    pub rank_spacing: bool,
    /// Bootstrap replicates over items for every coefficient (and Hayes–Krippendorff
    /// for alpha); intervals are then bootstrap percentiles.
    #[arg(long, value_name = "N")]
    pub bootstrap: Option<usize>,
    /// Seed of the bootstrap (results are identical for any thread count).
    #[arg(long, default_value_t = 0, value_name = "SEED")]
    pub seed: u64,
    /// Confidence level of the intervals, in (0, 1).
    #[arg(long, default_value_t = 0.95, value_name = "LEVEL")]
    pub confidence: f64,
    /// Output format.
    #[arg(long, value_enum, default_value_t = Format::Text)]
    pub format: Format,
    /// Write per-item agreement (ratings, top label and its share, entropy, pairwise
    /// agreement) to FILE (.parquet or .csv). Judgments only.
    #[arg(long, value_name = "FILE")]
    pub items_out: Option<PathBuf>,
    /// Write per-worker agreement (with peers, with the leave-one-out consensus, with
    /// majority vote) to FILE (.parquet or .csv). Judgments only.
    #[arg(long, value_name = "FILE")]
    pub workers_out: Option<PathBuf>,
    #[command(flatten)]
    #[allow(missing_docs)]
    pub input: InputOpts,
}

/// The data in one of the three layouts.
enum Data {
    Judgments(Box<JudgmentMatrix>, ItemCounts),
    Table(Contingency, ItemCounts),
    Counts(ItemCounts),
}

impl Data {
    fn counts(&self) -> &ItemCounts {
        match self {
            Data::Judgments(_, c) | Data::Table(_, c) | Data::Counts(c) => c,
        }
    }
}

/// Runs the subcommand.
///
/// # Errors
/// Bad parameters (before any reading), unreadable or malformed input, non-numeric
/// labels for a numeric level.
pub fn run(args: Args) -> Result<()> {
    let level: Level = args.level.parse()?;
    let weights: Weights = args.weights.parse()?;
    let boot = match args.bootstrap {
        Some(n) => {
            let o = BootstrapOptions {
                replicates: n,
                seed: args.seed,
                level: args.confidence,
            };
            o.validate()?;
            Some(o)
        }
        None => None,
    };
    if !(args.confidence > 0.0 && args.confidence < 1.0) {
        return Err(Error::param(
            "confidence",
            format!("must be in (0, 1), got {}", args.confidence),
        ));
    }
    for (flag, out) in [
        ("items-out", &args.items_out),
        ("workers-out", &args.workers_out),
    ] {
        if let Some(p) = out {
            if args.judgments.is_none() {
                return Err(Error::param(
                    flag,
                    "per-item and per-worker views need a judgments file, not --table or --counts",
                ));
            }
            crowdqc_io::check_output_path(p)?;
        }
    }
    let data = match (&args.judgments, &args.table, &args.counts) {
        (Some(p), None, None) => {
            let m = common::load(p, &args.input, None)?;
            let c = ItemCounts::from_matrix(&m);
            Data::Judgments(Box::new(m), c)
        }
        (None, Some(p), None) => {
            let t =
                Contingency::from_batches(&crowdqc_io::read_table(p)?).map_err(|e| e.in_file(p))?;
            let c = t.to_item_counts().map_err(|e| e.in_file(p))?;
            Data::Table(t, c)
        }
        (None, None, Some(p)) => Data::Counts(
            ItemCounts::from_batches(&crowdqc_io::read_table(p)?).map_err(|e| e.in_file(p))?,
        ),
        _ => {
            return Err(Error::param(
                "input",
                "give exactly one of JUDGMENTS, --table FILE or --counts FILE",
            ));
        }
    };
    if let Data::Judgments(m, _) = &data {
        if let Some(p) = &args.items_out {
            crowdqc_io::write_table(p, &items_batch(m)?)?;
        }
        if let Some(p) = &args.workers_out {
            crowdqc_io::write_table(p, &workers_batch(m)?)?;
        }
    }
    let report = compute(
        &data,
        level,
        &weights,
        args.rank_spacing,
        boot.as_ref(),
        args.confidence,
    )?;
    match args.format {
        Format::Json => common::print_out(&common::to_json(&report)?),
        Format::Text => common::print_out(&text(&report, args.confidence)),
    }
}

/// The JSON object of one coefficient.
fn coef_json(c: &Coefficient, boot: Option<&BootstrapSummary>, confidence: f64) -> Value {
    let mut o = Map::new();
    match c {
        Coefficient::Undefined(u) => {
            o.insert("value".into(), Value::Null);
            o.insert("reason".into(), json!(u.to_string()));
        }
        Coefficient::Defined(e) => {
            o.insert("value".into(), json!(e.value));
            match (e.se, boot) {
                (Some(se), _) => {
                    o.insert("se".into(), json!(se));
                }
                (None, Some(b)) if b.se.is_finite() => {
                    o.insert("se".into(), json!(b.se));
                    o.insert("se_method".into(), json!("bootstrap"));
                }
                _ => {}
            }
            let ci = match boot {
                Some(b) if !b.values.is_empty() => {
                    o.insert("ci_method".into(), json!("bootstrap percentile"));
                    Some((b.ci_low, b.ci_high))
                }
                _ => c.t_interval(confidence).inspect(|_| {
                    o.insert("ci_method".into(), json!("t (irrCAC)"));
                }),
            };
            if let Some((lo, hi)) = ci {
                o.insert("ci_low".into(), json!(lo));
                o.insert("ci_high".into(), json!(hi));
            }
            if e.observed.is_finite() {
                o.insert("observed".into(), json!(e.observed));
            }
            if e.expected.is_finite() {
                o.insert("expected".into(), json!(e.expected));
            }
            o.insert("n_items".into(), json!(e.n_items));
        }
    }
    if let Some(b) = boot {
        o.insert("bootstrap".into(), boot_json(b));
    }
    Value::Object(o)
}

fn boot_json(b: &BootstrapSummary) -> Value {
    let num = |x: f64| if x.is_finite() { json!(x) } else { Value::Null };
    json!({
        "replicates": b.replicates,
        "undefined": b.undefined,
        "mean": num(b.mean),
        "se": num(b.se),
        "ci_low": num(b.ci_low),
        "ci_high": num(b.ci_high),
    })
}

fn undefined(reason: &str) -> Value {
    json!({"value": Value::Null, "reason": reason})
}

fn compute(
    data: &Data,
    level: Level,
    weights: &Weights,
    rank_spacing: bool,
    boot: Option<&BootstrapOptions>,
    confidence: f64,
) -> Result<Value> {
    let counts = data.counts();
    let scale = rank_spacing.then_some(CategoryScale::Ranks);
    let w = counts.weight_matrix(weights, scale)?;
    let mut out = Map::new();
    let (layout, raters) = match data {
        Data::Judgments(m, _) => (
            "judgments",
            Some(
                (0..m.n_workers() as u32)
                    .filter(|&w| m.worker_count(w) > 0)
                    .count(),
            ),
        ),
        Data::Table(..) => ("table", Some(2)),
        Data::Counts(_) => ("counts", None),
    };
    out.insert(
        "input".into(),
        json!({
            "layout": layout,
            "items": counts.n_items(),
            "ratings": counts.n_ratings(),
            "raters": raters,
            "categories": counts.category_names(),
        }),
    );
    out.insert("level".into(), json!(level.as_str()));
    out.insert("weights".into(), json!(weights_name(weights)));
    let b = |c: CountsCoefficient| -> Result<Option<BootstrapSummary>> {
        boot.map(|o| bootstrap_counts(counts, c, &w, o, &[]))
            .transpose()
    };
    let multi = [
        (
            "percent_agreement",
            percent_agreement(counts, &w)?,
            CountsCoefficient::PercentAgreement,
        ),
        (
            "fleiss_kappa",
            fleiss_kappa(counts, &w)?,
            CountsCoefficient::FleissKappa,
        ),
        (
            "brennan_prediger",
            brennan_prediger(counts, &w)?,
            CountsCoefficient::BrennanPrediger,
        ),
        (
            if w.is_identity() {
                "gwet_ac1"
            } else {
                "gwet_ac2"
            },
            gwet_ac(counts, &w)?,
            CountsCoefficient::GwetAc,
        ),
    ];
    for (name, c, kind) in multi {
        out.insert(name.into(), coef_json(&c, b(kind)?.as_ref(), confidence));
    }
    // Krippendorff's alpha with Hayes–Krippendorff.
    let alpha = krippendorff_alpha(counts, level)?;
    let mut a = coef_json(
        &alpha,
        b(CountsCoefficient::KrippendorffAlpha(level))?.as_ref(),
        confidence,
    );
    if let (Some(v), Value::Object(o)) = (alpha.value(), &mut a) {
        o.insert("interpretation".into(), json!(interpret_alpha(v)));
        if let Some(opts) = boot {
            // Not available on every data set (e.g. > 4096 categories): say why.
            let hk =
                match hayes_krippendorff_bootstrap(counts, level, opts, &KRIPPENDORFF_THRESHOLDS) {
                    Ok(hk) => {
                        let s = &hk.summary;
                        json!({
                            "replicates": s.replicates,
                            "pairs_per_replicate": hk.pairs_per_replicate,
                            "ci_low": s.ci_low,
                            "ci_high": s.ci_high,
                            "p_below_0_667": s.p_below[0].1,
                            "p_below_0_800": s.p_below[1].1,
                        })
                    }
                    Err(e) => json!({"reason": e.to_string()}),
                };
            o.insert("hayes_krippendorff".into(), hk);
        }
    }
    out.insert("krippendorff_alpha".into(), a);
    // Rater-aware coefficients.
    let pairwise = |t: &Contingency, out: &mut Map<String, Value>| -> Result<()> {
        for (name, c, kind) in [
            (
                "cohen_kappa",
                cohen_kappa(t, &w)?,
                PairwiseCoefficient::CohenKappa,
            ),
            ("scott_pi", scott_pi(t, &w)?, PairwiseCoefficient::ScottPi),
        ] {
            let bs = match boot {
                Some(o) if t.total() > 0.0 => Some(bootstrap_pairwise(t, kind, &w, o)?),
                _ => None,
            };
            out.insert(name.into(), coef_json(&c, bs.as_ref(), confidence));
        }
        Ok(())
    };
    match data {
        Data::Judgments(m, _) => {
            let c = conger_kappa(m, &w)?;
            let bs = boot.map(|o| bootstrap_conger(m, &w, o)).transpose()?;
            out.insert(
                "conger_kappa".into(),
                coef_json(&c, bs.as_ref(), confidence),
            );
            if raters == Some(2) {
                match Contingency::from_matrix(m) {
                    Ok(t) => pairwise(&t, &mut out)?,
                    Err(e) => {
                        let r = format!("not computed: {e}");
                        out.insert("cohen_kappa".into(), undefined(&r));
                        out.insert("scott_pi".into(), undefined(&r));
                    }
                }
            }
        }
        Data::Table(t, _) => {
            // With two raters and complete data, Conger's kappa is Cohen's kappa.
            pairwise(t, &mut out)?;
            let cohen = out.get("cohen_kappa").cloned().unwrap_or(Value::Null);
            out.insert("conger_kappa".into(), cohen);
        }
        Data::Counts(_) => {
            out.insert(
                "conger_kappa".into(),
                undefined("needs rater identities, which a counts table does not have"),
            );
        }
    }
    Ok(Value::Object(out))
}

fn weights_name(w: &Weights) -> &'static str {
    match w {
        Weights::Identity => "identity",
        Weights::Linear => "linear",
        Weights::Quadratic => "quadratic",
        Weights::Ordinal => "ordinal",
        _ => "custom",
    }
}

/// The text report: a table and the interpretation band of alpha.
fn text(r: &Value, confidence: f64) -> String {
    let mut s = String::new();
    let input = &r["input"];
    let _ = writeln!(
        s,
        "{} items, {} ratings{}, {} categories ({} layout); alpha level {}, weights {}",
        input["items"],
        input["ratings"],
        input["raters"]
            .as_u64()
            .map(|n| format!(", {n} raters"))
            .unwrap_or_default(),
        input["categories"].as_array().map_or(0, Vec::len),
        input["layout"].as_str().unwrap_or(""),
        r["level"].as_str().unwrap_or(""),
        r["weights"].as_str().unwrap_or(""),
    );
    let pct = format!("{:.0}% CI", confidence * 100.0);
    let _ = writeln!(
        s,
        "{:<22} {:>8} {:>8}  {:<20}",
        "coefficient", "value", "se", pct
    );
    let rows = [
        ("percent_agreement", "percent agreement"),
        ("krippendorff_alpha", "Krippendorff's alpha"),
        ("fleiss_kappa", "Fleiss' kappa"),
        ("conger_kappa", "Conger's kappa"),
        ("brennan_prediger", "Brennan-Prediger"),
        ("gwet_ac1", "Gwet's AC1"),
        ("gwet_ac2", "Gwet's AC2"),
        ("cohen_kappa", "Cohen's kappa"),
        ("scott_pi", "Scott's pi"),
    ];
    let mut reasons = Vec::new();
    for (key, name) in rows {
        let Some(c) = r.get(key) else { continue };
        let f = |k: &str| c[k].as_f64().map_or("-".to_string(), |v| format!("{v:.4}"));
        if c["value"].is_null() {
            let _ = writeln!(s, "{name:<22} {:>8} {:>8}  {:<20}", "n/a", "-", "-");
            reasons.push(format!(
                "{name}: {}",
                c["reason"].as_str().unwrap_or("undefined")
            ));
            continue;
        }
        let ci = match (c["ci_low"].as_f64(), c["ci_high"].as_f64()) {
            (Some(lo), Some(hi)) => format!("[{lo:.4}, {hi:.4}]"),
            _ => "-".into(),
        };
        let _ = writeln!(s, "{name:<22} {:>8} {:>8}  {ci:<20}", f("value"), f("se"));
    }
    for reason in reasons {
        let _ = writeln!(s, "  {reason}");
    }
    let a = &r["krippendorff_alpha"];
    if let (Some(v), Some(i)) = (a["value"].as_f64(), a["interpretation"].as_str()) {
        let _ = writeln!(s, "alpha = {v:.3}: {i}");
    }
    if let Some(hk) = a
        .get("hayes_krippendorff")
        .filter(|h| h.get("reason").is_none())
    {
        let _ = writeln!(
            s,
            "Hayes-Krippendorff bootstrap ({} replicates): {pct} [{:.4}, {:.4}], P(alpha < 0.667) = {:.3}, P(alpha < 0.800) = {:.3}",
            hk["replicates"],
            hk["ci_low"].as_f64().unwrap_or(f64::NAN),
            hk["ci_high"].as_f64().unwrap_or(f64::NAN),
            hk["p_below_0_667"].as_f64().unwrap_or(f64::NAN),
            hk["p_below_0_800"].as_f64().unwrap_or(f64::NAN),
        );
    }
    s
}

/// An id column: Int64 for integer ids, Utf8 otherwise.
fn id_column(d: &IdDictionary, codes: impl Iterator<Item = u32>) -> ArrayRef {
    match d.kind() {
        IdKind::Int => Arc::new(Int64Array::from_iter_values(codes.map(
            |c| match d.get(c) {
                IdRef::Int(v) => v,
                IdRef::Str(_) => 0,
            },
        ))),
        IdKind::Str => Arc::new(StringArray::from_iter_values(
            codes.map(|c| d.get(c).to_string()),
        )),
    }
}

fn items_batch(m: &JudgmentMatrix) -> Result<RecordBatch> {
    let v = item_agreement(m);
    let classes = m.classes().dictionary();
    Ok(RecordBatch::try_from_iter([
        ("item", id_column(m.items(), 0..m.n_items() as u32)),
        (
            "ratings",
            Arc::new(Int64Array::from_iter_values(
                v.iter().map(|a| a.n_ratings as i64),
            )) as ArrayRef,
        ),
        (
            "top_label",
            id_column(classes, v.iter().map(|a| a.top_class)),
        ),
        (
            "top_share",
            Arc::new(Float64Array::from_iter_values(
                v.iter().map(|a| a.top_share),
            )),
        ),
        (
            "entropy",
            Arc::new(Float64Array::from_iter_values(v.iter().map(|a| a.entropy))),
        ),
        (
            "pairwise_agreement",
            Arc::new(Float64Array::from_iter(v.iter().map(|a| a.pairwise))),
        ),
    ])?)
}

fn workers_batch(m: &JudgmentMatrix) -> Result<RecordBatch> {
    let v = worker_agreement(m);
    Ok(RecordBatch::try_from_iter([
        ("worker", id_column(m.workers(), 0..m.n_workers() as u32)),
        (
            "judgments",
            Arc::new(Int64Array::from_iter_values(
                v.iter().map(|a| a.n_judgments as i64),
            )) as ArrayRef,
        ),
        (
            "shared_judgments",
            Arc::new(Int64Array::from_iter_values(
                v.iter().map(|a| a.n_shared as i64),
            )),
        ),
        (
            "peer_agreement",
            Arc::new(Float64Array::from_iter(v.iter().map(|a| a.peer_agreement))),
        ),
        (
            "consensus_agreement",
            Arc::new(Float64Array::from_iter(
                v.iter().map(|a| a.consensus_agreement),
            )),
        ),
        (
            "mv_agreement",
            Arc::new(Float64Array::from_iter_values(
                v.iter().map(|a| a.mv_agreement),
            )),
        ),
    ])?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weights_names() {
        assert_eq!(weights_name(&Weights::Custom(vec![1.0])), "custom");
        assert_eq!(weights_name(&Weights::Linear), "linear");
    }
}
