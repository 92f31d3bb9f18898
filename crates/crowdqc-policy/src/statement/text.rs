//! The text a worker reads (`Display` of statements).

use std::fmt;

use super::words::pct;
use super::{Statement, Statements};

impl fmt::Display for Statement {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "Statement for worker {}", self.worker)?;
        let w = &self.work;
        write!(f, "Work: {} tasks", w.tasks)?;
        if let (Some(d), Some(r)) = (w.active_days, w.tasks_per_day) {
            write!(
                f,
                " over {d} day{} ({r:.1} a day)",
                if d == 1 { "" } else { "s" }
            )?;
        }
        writeln!(
            f,
            ", {} of them gold questions (questions with a known answer).",
            w.gold_answered
        )?;
        match &self.gold {
            Some(g) => writeln!(
                f,
                "Gold: {} of {} correct ({}). With this many answers your true accuracy is \
                 likely between {} and {}.",
                g.correct,
                g.answered,
                pct(g.accuracy),
                pct(g.low),
                pct(g.high)
            )?,
            None => writeln!(f, "Gold: you have not answered a gold question yet.")?,
        }
        writeln!(f, "Outcome: {}", self.outcome)?;
        for (i, r) in self.rules.iter().enumerate() {
            writeln!(f, "Rule {}: {}", i + 1, r.text)?;
        }
        if let Some(p) = &self.pay {
            let money = |v: f64| crate::pay::money(v, &p.currency);
            let q = &p.pay;
            let hours = q.paid_hours + q.unpaid_hours;
            write!(
                f,
                "Pay: {} paid tasks and {} unpaid (training and qualification). You received \
                 {} after the platform's {} share.",
                q.paid_tasks,
                q.unpaid_tasks,
                money(q.earned),
                pct(p.platform_cut)
            )?;
            if let (Some(h), Some(u)) = (q.hourly, q.unpaid_share) {
                write!(
                    f,
                    " You spent {hours:.2} hours, {:.2} of them unpaid ({} of your time): \
                     your work paid {} an hour.",
                    q.unpaid_hours,
                    pct(u),
                    money(h)
                )?;
            } else {
                write!(
                    f,
                    " How long your tasks took is not recorded, so the hourly pay is unknown."
                )?;
            }
            if q.untimed_tasks > 0 {
                write!(
                    f,
                    " ({} tasks had no recorded time and are left out of the hourly figure.)",
                    q.untimed_tasks
                )?;
            }
            if let (Some(fl), Some(b)) = (p.hourly_floor, p.below_floor) {
                write!(
                    f,
                    " The hourly floor is {}: you are {} it.",
                    money(fl),
                    if b { "below" } else { "at or above" }
                )?;
            }
            writeln!(f)?;
        }
        Ok(())
    }
}

impl fmt::Display for Statements {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, s) in self.statements.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{s}")?;
        }
        Ok(())
    }
}
