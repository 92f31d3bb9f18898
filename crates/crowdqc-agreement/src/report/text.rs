//! The text rendering of the report (`crowdqc agreement`'s default output).

use std::fmt::{self, Write as _};

use super::{AgreementReport, CoefficientName, HayesReport, IntervalKind, Layout};

impl Layout {
    /// The layout's name: `judgments`, `table` or `counts`.
    pub fn as_str(self) -> &'static str {
        match self {
            Layout::Judgments => "judgments",
            Layout::Table => "table",
            Layout::Counts => "counts",
        }
    }
}

impl AgreementReport {
    /// Sentences saying what each interval of the report is, for a text rendering:
    /// one per interval kind present and, when alpha has both an item bootstrap and
    /// a Hayes–Krippendorff interval, how they differ and their width ratio.
    pub fn interval_notes(&self) -> Vec<String> {
        let pct = format!("{:.0}%", self.confidence * 100.0);
        let mut kinds: Vec<IntervalKind> = Vec::new();
        for c in &self.coefficients {
            if let Some(i) = c.ci().filter(|i| !kinds.contains(&i.kind)) {
                kinds.push(i.kind);
            }
        }
        let mut notes: Vec<String> = kinds
            .iter()
            .map(|k| match (k, self.bootstrap) {
                (IntervalKind::ItemBootstrap, Some((r, seed))) => format!(
                    "{pct} CI = item bootstrap: {} ({r} replicates of the {} items, seed {seed})",
                    k.describe(),
                    self.input.items
                ),
                _ => format!("{pct} CI = {}: {}", k.label(), k.describe()),
            })
            .collect();
        let Some(alpha) = self.get(CoefficientName::KrippendorffAlpha) else {
            return notes;
        };
        if let Some(HayesReport::Computed {
            replicates,
            pairs_per_replicate,
            ..
        }) = &alpha.hayes_krippendorff
        {
            notes.push(format!(
                "Hayes-Krippendorff {pct} CI of alpha: {} ({replicates} replicates of {pairs_per_replicate} pairs each; 25 pairs per non-zero coincidence cell at most, whatever the number of items)",
                IntervalKind::HayesKrippendorff.describe()
            ));
            if let (Some(hk), Some(item)) = (
                alpha.interval(IntervalKind::HayesKrippendorff),
                alpha.interval(IntervalKind::ItemBootstrap),
            ) && item.width() > 0.0
            {
                notes.push(format!(
                    "the two alpha intervals answer different questions: the item bootstrap measures the sampling error of these {} items; Hayes-Krippendorff's ({:.1}x as wide) the variability of alpha in a sample of {pairs_per_replicate} pairs",
                    self.input.items,
                    hk.width() / item.width()
                ));
            }
        }
        notes
    }
}

/// The text report: a table (value, SE, headline interval and what it is), the
/// reasons of undefined coefficients, the interpretation of alpha, the
/// Hayes–Krippendorff bootstrap and what each interval is
/// ([`AgreementReport::interval_notes`]).
impl fmt::Display for AgreementReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for line in text(self).lines() {
            writeln!(f, "{}", line.trim_end())?;
        }
        Ok(())
    }
}

fn text(r: &AgreementReport) -> String {
    let mut s = String::new();
    let i = &r.input;
    let raters = i
        .raters
        .map(|n| format!(", {n} raters"))
        .unwrap_or_default();
    let _ = writeln!(
        s,
        "{} items, {} ratings{raters}, {} categories ({} layout); alpha level {}, weights {}",
        i.items,
        i.ratings,
        i.categories.len(),
        i.layout.as_str(),
        r.level.as_str(),
        r.weights,
    );
    let pct = format!("{:.0}% CI", r.confidence * 100.0);
    let _ = writeln!(
        s,
        "{:<22} {:>8} {:>8}  {pct:<18}  interval",
        "coefficient", "value", "se"
    );
    let mut reasons = Vec::new();
    for c in &r.coefficients {
        let name = c.name.title();
        let Some(v) = c.value else {
            let _ = writeln!(s, "{name:<22} {:>8} {:>8}  -", "n/a", "-");
            let why = c.reason.as_deref().unwrap_or("undefined");
            reasons.push(format!("  {name}: {why}"));
            continue;
        };
        let se = c.se.map_or("-".into(), |x| format!("{x:.4}"));
        let (ci, kind) = c.ci().map_or(("-".into(), ""), |ci| {
            (format!("[{:.4}, {:.4}]", ci.low, ci.high), ci.kind.label())
        });
        let _ = writeln!(s, "{name:<22} {v:>8.4} {se:>8}  {ci:<18}  {kind}");
    }
    for line in reasons {
        let _ = writeln!(s, "{line}");
    }
    let alpha = r.get(CoefficientName::KrippendorffAlpha);
    if let Some((v, i)) = alpha.and_then(|a| a.value.zip(a.interpretation)) {
        let _ = writeln!(s, "alpha = {v:.3}: {i}");
    }
    if let Some(HayesReport::Computed {
        replicates,
        ci_low,
        ci_high,
        p_below_0_667,
        p_below_0_800,
        ..
    }) = alpha.and_then(|a| a.hayes_krippendorff.as_ref())
    {
        let _ = writeln!(
            s,
            "Hayes-Krippendorff bootstrap ({replicates} replicates): {pct} [{ci_low:.4}, {ci_high:.4}], P(alpha < 0.667) = {p_below_0_667:.3}, P(alpha < 0.800) = {p_below_0_800:.3}",
        );
    }
    for note in r.interval_notes() {
        let _ = writeln!(s, "note: {note}");
    }
    s
}
