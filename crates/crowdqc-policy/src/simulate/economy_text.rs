//! The economy table as text (a Markdown table and the verdict).

use std::fmt;

use super::{EconomyTable, EconomyVerdict};

fn pct(x: f64) -> String {
    format!("{:.1}%", 100.0 * x)
}

fn slots(x: Option<u32>) -> String {
    x.map_or_else(|| "never".into(), |s| s.to_string())
}

impl fmt::Display for EconomyTable {
    /// The settings, a Markdown table with one row per schedule, and the verdict.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let good: Vec<String> = self.good.iter().map(f64::to_string).collect();
        writeln!(
            f,
            "gold economy, policy `{}`: good workers {} and uniform spammers ({} classes), \
             {} simulated workers each, {} task slots per worker, seed {}\n",
            self.policy,
            good.join(", "),
            self.classes,
            self.runs,
            self.tasks,
            self.seed
        )?;
        write!(
            f,
            "| schedule | gold share (good) | gold share (spammers) |"
        )?;
        for n in &self.within {
            write!(f, " caught ≤ {n} gold |")?;
        }
        writeln!(
            f,
            " slots to catch 50% | slots to catch {} | spam tasks accepted | good restricted |",
            pct(self.catch_target)
        )?;
        write!(f, "|---|---|---|")?;
        for _ in &self.within {
            write!(f, "---|")?;
        }
        writeln!(f, "---|---|---|---|")?;
        for r in &self.rows {
            write!(
                f,
                "| {} | {} | {} |",
                r.schedule,
                pct(r.gold_share_good),
                pct(r.gold_share_spammers)
            )?;
            for c in &r.caught_within {
                write!(f, " {} |", pct(*c))?;
            }
            writeln!(
                f,
                " {} | {} | {:.1} | {} |",
                slots(r.slots_to_catch_half),
                slots(r.slots_to_catch_target),
                r.spam_tasks,
                pct(r.good_restricted)
            )?;
        }
        if let Some(v) = &self.verdict {
            writeln!(f)?;
            write_verdict(f, v, self)?;
        }
        Ok(())
    }
}

fn write_verdict(f: &mut fmt::Formatter<'_>, v: &EconomyVerdict, t: &EconomyTable) -> fmt::Result {
    let last = t.within.last().copied().unwrap_or(0);
    let target = pct(t.catch_target);
    let (Some(s), Some(e), Some(ratio)) = (v.slots, v.equivalent_flat_rate, v.share_ratio) else {
        return writeln!(
            f,
            "{}: catches {} of spammers within {last} gold answers; it does not catch {target} \
             of them within the career, so there is no equivalent flat rate",
            v.schedule,
            pct(v.caught)
        );
    };
    writeln!(
        f,
        "{}: catches {} of spammers within {last} gold answers and {target} within {s} task \
         slots. A flat rate needs {} to catch {target} within {s} slots (exact binomial over \
         the simulated catch curve); {} serves good workers {} gold, {:.2}× that rate \
         (target: ≥ {target} within {last} gold answers at ≤ 1/3 of the rate): {}",
        v.schedule,
        pct(v.caught),
        pct(e),
        v.schedule,
        pct(t
            .rows
            .iter()
            .find(|r| r.schedule == v.schedule)
            .map_or(0.0, |r| r.gold_share_good)),
        ratio,
        if v.met { "met" } else { "missed" }
    )
}
