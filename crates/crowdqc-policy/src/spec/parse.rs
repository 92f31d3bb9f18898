//! Reading and validating policy files (TOML).

use crowdqc_core::{Error, Result};
use serde::Deserialize;
use toml::Spanned;

use super::model::{
    Action, Bound, Comparison, Condition, Metric, Policy, PosteriorRule, Rule, Sprt, TierLevel,
    Tiers,
};
use crate::stats::IntervalMethod;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PolicyFile {
    name: Option<String>,
    description: Option<String>,
    tiers: Option<Spanned<TiersSpec>>,
    #[serde(default)]
    rules: Vec<Spanned<RuleSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RuleSpec {
    id: String,
    description: Option<String>,
    action: Action,
    duration: Option<Spanned<String>>,
    #[serde(default)]
    untrust: bool,
    min_evidence: Option<u64>,
    #[serde(default)]
    when: Vec<Spanned<ConditionSpec>>,
    sprt: Option<Spanned<SprtSpec>>,
    posterior: Option<Spanned<PosteriorSpec>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct ConditionSpec {
    metric: Metric,
    window: Option<u32>,
    bound: Option<Bound>,
    confidence: Option<f64>,
    interval: Option<IntervalMethod>,
    fast_ms: Option<f64>,
    below: Option<f64>,
    at_most: Option<f64>,
    above: Option<f64>,
    at_least: Option<f64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct SprtSpec {
    good: f64,
    bad: f64,
    alpha: f64,
    beta: f64,
    max_gold: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct PosteriorSpec {
    threshold: f64,
    probability: f64,
    prior: Option<[f64; 2]>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TiersSpec {
    levels: Vec<TierLevelSpec>,
    start: Option<String>,
    promote_bound: Option<Bound>,
    demote_bound: Option<Bound>,
    confidence: Option<f64>,
    interval: Option<IntervalMethod>,
    window: Option<u32>,
    min_evidence: Option<u64>,
    min_dwell: Option<Spanned<String>>,
    min_dwell_gold: Option<u64>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct TierLevelSpec {
    name: String,
    promote_at: Option<f64>,
    demote_below: Option<f64>,
}

/// Maximum number of rules in a policy (engine state keeps one bit per rule).
pub const MAX_RULES: usize = 64;

struct Ctx<'a> {
    src: &'a str,
}

impl Ctx<'_> {
    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.src.len());
        self.src.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }

    fn param(&self, name: &str, offset: usize, constraint: String) -> Error {
        Error::param(name, format!("{constraint} (line {})", self.line(offset)))
    }

    fn share(&self, name: &str, offset: usize, v: f64) -> Result<f64> {
        if !(0.0..=1.0).contains(&v) || v.is_nan() {
            return Err(self.param(name, offset, format!("must be in [0, 1], got {v}")));
        }
        Ok(v)
    }

    fn open(&self, name: &str, offset: usize, v: f64) -> Result<f64> {
        if !(v > 0.0 && v < 1.0) {
            return Err(self.param(name, offset, format!("must be in (0, 1), got {v}")));
        }
        Ok(v)
    }
}

/// Parses a duration such as `30m`, `12h`, `10d`, `2w`, `90s` or `permanent` (None).
///
/// # Errors
/// A negative or malformed duration.
pub fn parse_duration(name: &str, s: &str) -> Result<Option<i64>> {
    let t = s.trim();
    if t == "permanent" {
        return Ok(None);
    }
    let (num, unit) = t.split_at(t.find(|c: char| c.is_ascii_alphabetic()).unwrap_or(t.len()));
    let v: f64 = num.trim().parse().map_err(|_| {
        Error::param(
            name,
            format!("`{s}` is not a duration; write a number and a unit (s, m, h, d, w), e.g. `10d`, or `permanent`"),
        )
    })?;
    if v < 0.0 || !v.is_finite() {
        return Err(Error::param(
            name,
            format!("must not be negative, got `{s}`"),
        ));
    }
    let ms = match unit {
        "s" => 1_000.0,
        "m" => 60_000.0,
        "h" => 3_600_000.0,
        "d" => 86_400_000.0,
        "w" => 604_800_000.0,
        _ => {
            return Err(Error::param(
                name,
                format!("unknown unit in `{s}`; valid units: s, m, h, d, w"),
            ));
        }
    };
    let total = (v * ms).round();
    if total > MAX_DURATION_MS as f64 {
        return Err(Error::param(
            name,
            format!(
                "`{s}` is longer than the longest duration, 1000 years (365,250d); \
                 write `permanent` for a decision that never expires"
            ),
        ));
    }
    Ok(Some(total as i64))
}

/// The longest duration a policy may give (1000 years of 365.25 days, in ms), far
/// inside `i64` milliseconds so that `now + duration` cannot overflow; longer values
/// are refused rather than silently capped (use `permanent`).
pub const MAX_DURATION_MS: i64 = 1000 * 36_525 * 864_000;

/// Reads a policy from TOML text.
///
/// # Errors
/// [`Error::Parse`] with the line for malformed TOML, unknown keys, metrics or actions
/// (the message lists the valid options); [`Error::InvalidParameter`] (naming the key
/// and the line) for out-of-range values.
pub fn parse_policy(src: &str) -> Result<Policy> {
    let file: PolicyFile = toml::from_str(src).map_err(|e| {
        let line = e.span().map(|s| {
            src.as_bytes()[..s.start.min(src.len())]
                .iter()
                .filter(|&&b| b == b'\n')
                .count() as u64
                + 1
        });
        Error::Parse {
            line,
            message: format!("invalid policy: {}", e.message().trim_end()),
        }
    })?;
    let cx = Ctx { src };
    let mut warnings = Vec::new();
    let mut rules = Vec::with_capacity(file.rules.len());
    if file.rules.len() > MAX_RULES {
        return Err(Error::param(
            "rules",
            format!("at most {MAX_RULES} rules, got {}", file.rules.len()),
        ));
    }
    for spanned in file.rules {
        let off = spanned.span().start;
        let r = spanned.into_inner();
        if rules.iter().any(|x: &Rule| x.id == r.id) {
            return Err(cx.param("rules.id", off, format!("duplicate rule id `{}`", r.id)));
        }
        let rule = rule(&cx, off, r)?;
        if rule.min_evidence == 0 && !rule.is_sequential() {
            warnings.push(format!(
                "rule `{}` (line {}) has no min_evidence: it may fire on a single answer; \
                 set min_evidence (e.g. 10 gold answers) or use an sprt test",
                rule.id, rule.line
            ));
        }
        rules.push(rule);
    }
    let tiers = match file.tiers {
        Some(t) => {
            let off = t.span().start;
            Some(tiers(&cx, off, t.into_inner(), &mut warnings)?)
        }
        None => None,
    };
    let fast: Vec<f64> = rules
        .iter()
        .flat_map(|r| &r.conditions)
        .filter_map(|c| c.fast_ms)
        .collect();
    if fast.windows(2).any(|w| w[0] != w[1]) {
        return Err(Error::param(
            "fast_ms",
            format!("all fast_share conditions must use the same fast_ms, got {fast:?}"),
        ));
    }
    if rules.is_empty() && tiers.is_none() {
        warnings.push("the policy has no rules and no tiers: it allows everyone".into());
    }
    Ok(Policy {
        name: file.name.unwrap_or_else(|| "policy".into()),
        description: file.description,
        rules,
        tiers,
        warnings,
    })
}

fn rule(cx: &Ctx<'_>, off: usize, r: RuleSpec) -> Result<Rule> {
    let line = cx.line(off);
    let duration_ms = match &r.duration {
        Some(d) => parse_duration("duration", d.get_ref()).map_err(|e| {
            Error::param(
                "duration",
                format!("{} (line {})", strip(&e), cx.line(d.span().start)),
            )
        })?,
        None => None,
    };
    if r.action == Action::Suspend && duration_ms.is_none() {
        return Err(cx.param(
            "duration",
            off,
            format!(
                "rule `{}`: action `suspend` needs a duration, e.g. duration = \"10d\"",
                r.id
            ),
        ));
    }
    if r.when.is_empty() && r.sprt.is_none() && r.posterior.is_none() {
        return Err(cx.param(
            "when",
            off,
            format!(
                "rule `{}` has no condition: add `when`, `sprt` or `posterior`",
                r.id
            ),
        ));
    }
    let mut conditions = Vec::with_capacity(r.when.len());
    for c in r.when {
        let coff = c.span().start;
        conditions.push(condition(cx, coff, c.into_inner())?);
    }
    let sprt = match r.sprt {
        Some(s) => {
            let so = s.span().start;
            let s = s.into_inner();
            let good = cx.open("sprt.good", so, s.good)?;
            let bad = cx.open("sprt.bad", so, s.bad)?;
            let alpha = cx.open("sprt.alpha", so, s.alpha)?;
            let beta = cx.open("sprt.beta", so, s.beta)?;
            if bad >= good {
                return Err(cx.param(
                    "sprt.bad",
                    so,
                    format!("must be < good ({good}), got {bad}"),
                ));
            }
            if alpha + beta >= 1.0 {
                return Err(cx.param(
                    "sprt.alpha",
                    so,
                    format!("alpha + beta must be < 1, got {}", alpha + beta),
                ));
            }
            Some(Sprt {
                good,
                bad,
                alpha,
                beta,
                max_gold: s.max_gold,
                step_correct: (bad / good).ln(),
                step_wrong: ((1.0 - bad) / (1.0 - good)).ln(),
                upper: ((1.0 - beta) / alpha).ln(),
                lower: (beta / (1.0 - alpha)).ln(),
            })
        }
        None => None,
    };
    let posterior = match r.posterior {
        Some(p) => {
            let po = p.span().start;
            let p = p.into_inner();
            let prior = p.prior.unwrap_or([0.5, 0.5]);
            if !(prior[0] > 0.0 && prior[1] > 0.0) {
                return Err(cx.param(
                    "posterior.prior",
                    po,
                    format!("both parameters must be > 0, got {prior:?}"),
                ));
            }
            Some(PosteriorRule {
                threshold: cx.open("posterior.threshold", po, p.threshold)?,
                probability: cx.open("posterior.probability", po, p.probability)?,
                prior: (prior[0], prior[1]),
            })
        }
        None => None,
    };
    Ok(Rule {
        id: r.id,
        description: r.description,
        action: r.action,
        duration_ms,
        untrust: r.untrust || r.action == Action::Untrust,
        min_evidence: r.min_evidence.unwrap_or(0),
        conditions,
        sprt,
        posterior,
        line,
    })
}

fn strip(e: &Error) -> String {
    match e {
        Error::InvalidParameter { constraint, .. } => constraint.clone(),
        other => other.to_string(),
    }
}

fn condition(cx: &Ctx<'_>, off: usize, c: ConditionSpec) -> Result<Condition> {
    let given: Vec<(Comparison, f64)> = [
        (Comparison::Below, c.below),
        (Comparison::AtMost, c.at_most),
        (Comparison::Above, c.above),
        (Comparison::AtLeast, c.at_least),
    ]
    .into_iter()
    .filter_map(|(k, v)| v.map(|v| (k, v)))
    .collect();
    let [(comparison, threshold)] = given[..] else {
        return Err(cx.param(
            c.metric.name(),
            off,
            format!(
                "a condition needs exactly one of below, at_most, above, at_least; got {}",
                given.len()
            ),
        ));
    };
    if c.metric.is_share() {
        cx.share(c.metric.name(), off, threshold)?;
    } else if !(threshold >= 0.0 && threshold.is_finite()) {
        let what = match c.metric {
            Metric::TasksPerDay => "a number of tasks a day",
            Metric::HourlyPay => "an hourly amount",
            _ => "a count",
        };
        return Err(cx.param(
            c.metric.name(),
            off,
            format!("{what} threshold must be a finite number >= 0, got {threshold}"),
        ));
    }
    if c.window.is_some() && !c.metric.is_gold() {
        return Err(cx.param(
            "window",
            off,
            format!("only gold metrics have a window, not `{}`", c.metric.name()),
        ));
    }
    if let Some(w) = c.window
        && (w == 0 || w as usize > crowdqc_core::evidence::RecentGold::CAPACITY)
    {
        return Err(cx.param(
            "window",
            off,
            format!(
                "must be in 1..={}, got {w}",
                crowdqc_core::evidence::RecentGold::CAPACITY
            ),
        ));
    }
    let bound = c.bound.unwrap_or_default();
    if bound != Bound::Point && c.metric != Metric::GoldAccuracy {
        return Err(cx.param(
            "bound",
            off,
            format!(
                "only gold_accuracy has confidence bounds, not `{}`",
                c.metric.name()
            ),
        ));
    }
    let confidence = match c.confidence {
        Some(v) => cx.open("confidence", off, v)?,
        None => 0.95,
    };
    if (c.confidence.is_some() || c.interval.is_some()) && bound == Bound::Point {
        return Err(cx.param(
            "bound",
            off,
            "confidence/interval need bound = \"lower\" or \"upper\"".into(),
        ));
    }
    let fast_ms = match (c.metric, c.fast_ms) {
        (Metric::FastShare, Some(v)) if v > 0.0 => Some(v),
        (Metric::FastShare, Some(v)) => {
            return Err(cx.param("fast_ms", off, format!("must be > 0, got {v}")));
        }
        (Metric::FastShare, None) => {
            return Err(cx.param(
                "fast_ms",
                off,
                "fast_share needs fast_ms (the threshold in ms)".into(),
            ));
        }
        (m, Some(_)) => {
            return Err(cx.param(
                "fast_ms",
                off,
                format!("only fast_share takes fast_ms, not `{}`", m.name()),
            ));
        }
        (_, None) => None,
    };
    Ok(Condition {
        metric: c.metric,
        comparison,
        threshold,
        window: c.window,
        bound,
        confidence,
        interval: c.interval.unwrap_or_default(),
        fast_ms,
    })
}

fn tiers(cx: &Ctx<'_>, off: usize, t: TiersSpec, warnings: &mut Vec<String>) -> Result<Tiers> {
    if t.levels.len() < 2 || t.levels.len() > u16::MAX as usize {
        return Err(cx.param(
            "tiers.levels",
            off,
            format!("need at least 2 levels, got {}", t.levels.len()),
        ));
    }
    let mut levels = Vec::with_capacity(t.levels.len());
    for (i, l) in t.levels.into_iter().enumerate() {
        if let Some(p) = l.promote_at {
            cx.share("tiers.levels.promote_at", off, p)?;
        }
        if let Some(d) = l.demote_below {
            cx.share("tiers.levels.demote_below", off, d)?;
        }
        if i > 0 && l.promote_at.is_none() {
            return Err(cx.param(
                "tiers.levels.promote_at",
                off,
                format!("level `{}` needs promote_at", l.name),
            ));
        }
        if let (Some(p), Some(d)) = (l.promote_at, l.demote_below)
            && d > p
        {
            return Err(cx.param(
                "tiers.levels.demote_below",
                off,
                format!(
                    "level `{}`: demote_below ({d}) must not exceed promote_at ({p}) (hysteresis)",
                    l.name
                ),
            ));
        }
        levels.push(TierLevel {
            name: l.name,
            promote_at: if i == 0 { None } else { l.promote_at },
            demote_below: if i == 0 { None } else { l.demote_below },
        });
    }
    let start = match t.start {
        Some(s) => levels.iter().position(|l| l.name == s).ok_or_else(|| {
            cx.param(
                "tiers.start",
                off,
                format!(
                    "unknown level `{s}`; valid: {}",
                    levels
                        .iter()
                        .map(|l| l.name.as_str())
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })? as u16,
        None => 0,
    };
    let min_dwell_ms = match &t.min_dwell {
        Some(d) => parse_duration("tiers.min_dwell", d.get_ref())
            .map_err(|e| {
                Error::param(
                    "tiers.min_dwell",
                    format!("{} (line {})", strip(&e), cx.line(d.span().start)),
                )
            })?
            .unwrap_or(i64::MAX),
        None => 0,
    };
    let min_evidence = t.min_evidence.unwrap_or(0);
    if min_evidence == 0 {
        warnings.push(format!(
            "tiers (line {}) have no min_evidence: a tier may change on a single answer",
            cx.line(off)
        ));
    }
    if let Some(w) = t.window
        && (w == 0 || w as usize > crowdqc_core::evidence::RecentGold::CAPACITY)
    {
        return Err(cx.param("tiers.window", off, format!("must be in 1..=128, got {w}")));
    }
    Ok(Tiers {
        levels,
        start,
        promote_bound: t.promote_bound.unwrap_or(Bound::Lower),
        demote_bound: t.demote_bound.unwrap_or(Bound::Upper),
        confidence: match t.confidence {
            Some(v) => cx.open("tiers.confidence", off, v)?,
            None => 0.9,
        },
        interval: t.interval.unwrap_or_default(),
        window: t.window,
        min_evidence,
        min_dwell_ms,
        min_dwell_gold: t.min_dwell_gold.unwrap_or(0),
    })
}

/// Reads a policy file.
///
/// # Errors
/// [`Error::Io`] when the file cannot be read; otherwise those of [`parse_policy`],
/// wrapped with the path.
pub fn read_policy(path: &std::path::Path) -> Result<Policy> {
    let bad = |message: String| Error::Parse {
        line: None,
        message,
    };
    if path.is_dir() {
        return Err(bad("is a directory, not a policy file (TOML)".into()).in_file(path));
    }
    let bytes = std::fs::read(path).map_err(|source| Error::Io {
        path: path.to_path_buf(),
        source,
    })?;
    let src = String::from_utf8(bytes).map_err(|e| {
        let at = e.utf8_error().valid_up_to();
        let line = e.as_bytes()[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1;
        Error::Parse {
            line: Some(line),
            message: format!(
                "not UTF-8 text (invalid byte at offset {at}): a policy is a TOML text \
                 file; re-encode it as UTF-8"
            ),
        }
        .in_file(path)
    })?;
    if let Some(at) = src.find('\0') {
        return Err(bad(format!(
            "a NUL byte at offset {at}: this looks like a binary file, not a policy (TOML)"
        ))
        .in_file(path));
    }
    parse_policy(&src).map_err(|e| e.in_file(path))
}
