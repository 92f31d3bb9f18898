//! Text renderings of what `crowdqc aggregate` prints next to the summary: the choice of
//! `auto` and how a warm start matched the data to a saved model.

use std::fmt;

use crate::auto::AutoReport;
use crate::state::WarmStart;

/// The choice, the reason, then one line per candidate (held-out log-likelihood, or why
/// it could not be scored).
impl fmt::Display for AutoReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(f, "auto chose   {}", self.chosen)?;
        writeln!(f, "why          {}", self.reason)?;
        for c in &self.candidates {
            match (c.heldout_loglik, &c.error) {
                (Some(v), _) => writeln!(f, "  {:<16} held-out log-likelihood {v:.5}", c.method)?,
                (None, e) => writeln!(
                    f,
                    "  {:<16} not scored: {}",
                    c.method,
                    e.as_deref().unwrap_or("")
                )?,
            }
        }
        Ok(())
    }
}

/// One line: the saved model's method and size, workers matched and new.
impl fmt::Display for WarmStart {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "warm start   from a {} model of {} judgments: {} workers matched, {} new (mean confusion)",
            self.method, self.state_judgments, self.matched_workers, self.new_workers
        )
    }
}

#[cfg(test)]
mod tests {
    use crate::auto::{AutoReport, CandidateScore};
    use crate::state::WarmStart;

    #[test]
    fn auto_report_lists_every_candidate_with_its_score_or_error() {
        let r = AutoReport {
            chosen: "ds".into(),
            candidates: vec![
                CandidateScore {
                    method: "ds".into(),
                    heldout_loglik: Some(-0.123456),
                    error: None,
                },
                CandidateScore {
                    method: "kos".into(),
                    heldout_loglik: None,
                    error: Some("two classes only".into()),
                },
            ],
            folds: 5,
            seed: 0,
            selection_judgments: 10,
            reason: "ds scored best".into(),
        };
        assert_eq!(
            r.to_string(),
            "auto chose   ds\nwhy          ds scored best\n  ds               held-out \
             log-likelihood -0.12346\n  kos              not scored: two classes only\n"
        );
    }

    #[test]
    fn warm_start_names_matched_and_new_workers() {
        let w = WarmStart {
            method: "ds".into(),
            state_workers: 4,
            matched_workers: 3,
            new_workers: 2,
            state_judgments: 40,
        };
        assert_eq!(
            w.to_string(),
            "warm start   from a ds model of 40 judgments: 3 workers matched, 2 new (mean \
             confusion)\n"
        );
    }
}
