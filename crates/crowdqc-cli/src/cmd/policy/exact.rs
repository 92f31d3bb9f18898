//! `crowdqc policy exact`: exact probability that restrictive rules fire.

use std::fmt::Write as _;

use crowdqc::policy::exact::{fire_curve, quantile};
use crowdqc::policy::{Action, read_policy};
use crowdqc::{Error, Result};
use serde_json::json;

use super::{ExactArgs, warnings_text};
use crate::common::{self, Format};

/// Runs `crowdqc policy exact`.
pub(super) fn run(a: ExactArgs) -> Result<()> {
    let policy = read_policy(&a.policy)?;
    if a.horizon == 0 || a.horizon > 5000 {
        return Err(Error::param(
            "--horizon",
            format!("must be in 1..=5000, got {}", a.horizon),
        ));
    }
    let rules: Vec<usize> = match &a.rules {
        Some(ids) => ids
            .iter()
            .map(|id| {
                policy.rule_index(id).ok_or_else(|| {
                    let valid: Vec<&str> = policy.rules.iter().map(|r| r.id.as_str()).collect();
                    Error::param(
                        "--rules",
                        format!("no rule `{id}`; valid: {}", valid.join(", ")),
                    )
                })
            })
            .collect::<Result<_>>()?,
        None => (0..policy.rules.len())
            .filter(|&i| policy.rules[i].action >= Action::Untrust)
            .collect(),
    };
    if rules.is_empty() {
        return Err(Error::param(
            "--rules",
            "the policy has no untrust, suspend or ban rule; name rules with --rules",
        ));
    }
    let ids: Vec<&str> = rules.iter().map(|&i| policy.rules[i].id.as_str()).collect();
    let mut rows = Vec::with_capacity(a.accuracy.len());
    for &acc in &a.accuracy {
        let curve = fire_curve(&policy, &rules, acc, a.horizon).map_err(|e| match e {
            Error::InvalidParameter { name, constraint } if name == "rules" => Error::param(
                "--rules",
                format!(
                    "{constraint}; choose rules of one family with --rules (rules: {})",
                    ids.join(", ")
                ),
            ),
            other => other,
        })?;
        let p = curve[a.horizon as usize];
        let median = (p > 0.0).then(|| quantile(&curve, p / 2.0)).flatten();
        rows.push((acc, p, median));
    }
    match a.format {
        Format::Json => common::print_out(&common::to_json(&json!({
            "policy": policy.name,
            "rules": ids,
            "horizon": a.horizon,
            "rows": rows.iter().map(|(acc, p, m)| json!({
                "accuracy": acc, "probability": p, "median_gold": m
            })).collect::<Vec<_>>(),
        }))?),
        Format::Text => {
            let mut s = warnings_text(&policy);
            let _ = writeln!(
                s,
                "policy `{}`: exact probability that any of [{}] fires within {} gold answers \
                 (re-checked after every answer)",
                policy.name,
                ids.join(", "),
                a.horizon
            );
            let _ = writeln!(
                s,
                "{:>9} {:>12} {:>14}",
                "accuracy", "probability", "median gold"
            );
            for (acc, p, m) in rows {
                let m = m.map_or_else(|| "-".to_string(), |m| m.to_string());
                let _ = writeln!(s, "{acc:>9} {p:>12.4} {m:>14}");
            }
            common::print_out(&s)
        }
    }
}
