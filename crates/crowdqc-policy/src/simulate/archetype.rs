//! Simulated worker kinds and the fixed-rate gold source.

use crowdqc_core::evidence::{GoldSource, NextTask, WorkerEvidence};
use crowdqc_core::{Error, Result};
use rand::{RngExt, SeedableRng};
use rand_chacha::ChaCha8Rng;

/// A kind of simulated worker.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Archetype {
    /// Answers gold correctly with this probability.
    Accuracy(f64),
    /// Picks a class uniformly at random.
    UniformSpammer,
    /// Always answers the first class.
    ConstantSpammer,
    /// Accuracy `from` for the first `at` share of their tasks, then `to`.
    Degrading {
        /// Accuracy before.
        from: f64,
        /// Accuracy after.
        to: f64,
        /// Share of the worker's task slots after which accuracy drops, in (0, 1).
        at: f64,
    },
}

impl Archetype {
    /// The default roster: 0.97, 0.92, 0.85, 0.70, uniform and constant spammers, and
    /// a worker who degrades from 0.95 to 0.70 half-way.
    pub fn default_roster() -> Vec<Archetype> {
        vec![
            Archetype::Accuracy(0.97),
            Archetype::Accuracy(0.92),
            Archetype::Accuracy(0.85),
            Archetype::Accuracy(0.70),
            Archetype::UniformSpammer,
            Archetype::ConstantSpammer,
            Archetype::Degrading {
                from: 0.95,
                to: 0.70,
                at: 0.5,
            },
        ]
    }

    /// Name as written in worker specs: `0.92`, `uniform`, `constant`,
    /// `degrade:0.95>0.70@0.5`.
    pub fn name(&self) -> String {
        match self {
            Archetype::Accuracy(p) => format!("{p}"),
            Archetype::UniformSpammer => "uniform".into(),
            Archetype::ConstantSpammer => "constant".into(),
            Archetype::Degrading { from, to, at } => format!("degrade:{from}>{to}@{at}"),
        }
    }

    /// Parses a comma-separated worker spec, e.g. `0.97,0.92,uniform,degrade:0.95>0.7@0.5`.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`] naming `workers` and the bad entry.
    pub fn parse_list(spec: &str) -> Result<Vec<Archetype>> {
        let bad = |e: &str, why: &str| {
            Error::param(
                "workers",
                format!(
                    "`{e}`: {why}; valid: an accuracy in [0, 1] (0.92), uniform, constant, degrade:FROM>TO@SHARE"
                ),
            )
        };
        let acc = |e: &str, s: &str| -> Result<f64> {
            let v: f64 = s.trim().parse().map_err(|_| bad(e, "not a number"))?;
            if (0.0..=1.0).contains(&v) {
                Ok(v)
            } else {
                Err(bad(e, "accuracy outside [0, 1]"))
            }
        };
        let mut out = Vec::new();
        for e in spec.split(',').map(str::trim).filter(|e| !e.is_empty()) {
            let a = match e {
                "uniform" => Archetype::UniformSpammer,
                "constant" => Archetype::ConstantSpammer,
                _ => {
                    if let Some(rest) = e.strip_prefix("degrade:") {
                        let (from, rest) =
                            rest.split_once('>').ok_or_else(|| bad(e, "missing `>`"))?;
                        let (to, at) = rest.split_once('@').ok_or_else(|| bad(e, "missing `@`"))?;
                        let at = acc(e, at)?;
                        if !(at > 0.0 && at < 1.0) {
                            return Err(bad(e, "the share after `@` must be in (0, 1)"));
                        }
                        Archetype::Degrading {
                            from: acc(e, from)?,
                            to: acc(e, to)?,
                            at,
                        }
                    } else {
                        Archetype::Accuracy(acc(e, e)?)
                    }
                }
            };
            out.push(a);
        }
        if out.is_empty() {
            return Err(Error::param("workers", "no worker archetype given"));
        }
        Ok(out)
    }

    pub(crate) fn answer(&self, rng: &mut ChaCha8Rng, task: u64, tasks: u64, classes: u32) -> bool {
        let gold_class = rng.random_range(0..classes);
        match *self {
            Archetype::Accuracy(p) => rng.random_bool(p),
            Archetype::UniformSpammer => rng.random_range(0..classes) == gold_class,
            Archetype::ConstantSpammer => gold_class == 0,
            Archetype::Degrading { from, to, at } => {
                let p = if (task as f64) < at * tasks as f64 {
                    from
                } else {
                    to
                };
                rng.random_bool(p)
            }
        }
    }
}

/// A gold source that serves gold with a fixed probability per task slot, after an
/// optional front-loaded run of gold tasks for new workers.
#[derive(Debug, Clone)]
pub struct FixedRateGold {
    rate: f64,
    front: u64,
    served: u64,
    slots: u64,
    rng: ChaCha8Rng,
}

impl FixedRateGold {
    /// A new source (`rate` in [0, 1], the first `front` slots are gold).
    pub fn new(rate: f64, front: u64, seed: u64) -> Self {
        FixedRateGold {
            rate,
            front,
            served: 0,
            slots: 0,
            rng: ChaCha8Rng::seed_from_u64(seed),
        }
    }
}

impl GoldSource for FixedRateGold {
    fn next_task(&mut self, _worker: u32, _evidence: &WorkerEvidence) -> NextTask {
        self.slots += 1;
        if self.slots <= self.front || self.rng.random_bool(self.rate) {
            self.served += 1;
            NextTask::Gold((self.served - 1) as u32)
        } else {
            NextTask::Regular
        }
    }
}
