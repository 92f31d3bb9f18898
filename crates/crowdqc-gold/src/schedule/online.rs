//! [`GoldScheduler`]: per-request gold decisions, as a platform calls them.

use crowdqc_core::evidence::{GoldSource, NextTask, WorkerEvidence};
use crowdqc_core::{Error, Result};
use hashbrown::HashMap;
use rand::SeedableRng;
use rand::seq::SliceRandom;
use rand_chacha::ChaCha8Rng;

use super::params::{AdaptiveRule, ScheduleParams};
use super::pool::{ExposureOrder, GoldPool};
use crate::interval::{jeffreys_prob_below, two_sided_z, wilson_z};

/// Why a gold item was served.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum GoldReason {
    /// Part of the qualification quiz.
    Quiz,
    /// Front-loaded gold for a new worker.
    Onboarding,
    /// The adaptive (uncertainty-driven) rate, down to the covert floor.
    Adaptive,
}

/// What to serve in a worker's next task slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum Slot {
    /// Serve this gold item (the caller's item id from the [`GoldPool`]).
    Gold {
        /// Gold item id.
        item: u32,
        /// Why.
        reason: GoldReason,
    },
    /// Serve regular work.
    Regular,
    /// The quiz is fully served but not all answers are recorded yet: wait.
    AwaitQuiz,
    /// The worker failed the quiz: no more work in this job.
    Excluded,
}

/// Where a worker stands.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub enum WorkerStatus {
    /// Taking the quiz.
    Quiz,
    /// Passed the quiz (or no quiz): doing regular work.
    Working,
    /// Failed the quiz.
    Failed,
}

/// A worker's state as seen from outside.
#[derive(Debug, Clone, Copy, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WorkerView {
    /// Quiz / working / failed.
    pub status: WorkerStatus,
    /// Slots requested so far.
    pub slots: u64,
    /// Gold items served.
    pub gold_served: u32,
    /// Gold answers recorded.
    pub gold_answered: u32,
    /// Correct gold answers recorded.
    pub gold_correct: u32,
    /// Current probability that a regular-phase slot is gold.
    pub gold_rate: f64,
}

/// Counts of decisions made so far.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct ScheduleStats {
    /// Calls to [`GoldScheduler::next`].
    pub requests: u64,
    /// Regular slots served.
    pub regular: u64,
    /// Quiz gold served.
    pub quiz: u64,
    /// Onboarding gold served.
    pub onboarding: u64,
    /// Adaptive gold served.
    pub adaptive: u64,
    /// Slots where gold was due but the worker had seen every non-retired gold item
    /// (served as regular work instead; the worker has "maxed out").
    pub starved: u64,
    /// `AwaitQuiz` answers.
    pub awaiting: u64,
    /// `Excluded` answers.
    pub excluded: u64,
}

#[derive(Debug, Clone)]
pub(super) struct WorkerState {
    /// Pool indices served to this worker, sorted.
    pub(super) seen: Vec<u32>,
    pub(super) slots: u64,
    pub(super) served: u32,
    pub(super) answered: u32,
    pub(super) correct: u32,
    pub(super) rate: f64,
    pub(super) status: WorkerStatus,
}

/// Decides, per task request, whether a worker's next slot is gold and which item.
///
/// Guarantees: a worker never gets the same gold item twice; among the items a worker
/// has not seen, the least-exposed non-retired one is chosen (ties in a seeded
/// order); every decision is deterministic given the seed and the sequence of calls,
/// and the gold/regular coin for a worker's `s`-th slot depends only on `(seed,
/// worker, s)` and that worker's own answers — not on other workers' traffic. A
/// decision costs O(log seen) plus a scan over the least-exposed items the worker has
/// already seen; per-worker state is a sorted list of seen gold plus a few counters.
///
/// Worker ids are any `u32` (the platform's own). Answers come back through
/// [`record`](Self::record) or [`record_answer`](Self::record_answer).
///
/// ```
/// use crowdqc_gold::{GoldPool, GoldScheduler, ScheduleParams, Slot};
/// # fn main() -> crowdqc_core::Result<()> {
/// let pool = GoldPool::new((100..110).map(|i| (i, 1)))?;
/// let mut s = GoldScheduler::new(ScheduleParams::new().quiz(3).quiz_pass(0.6).seed(1), pool)?;
/// for _ in 0..3 {
///     let Slot::Gold { item, .. } = s.next(42) else { panic!("quiz first") };
///     assert!(s.record_answer(42, item, 1)?); // answered correctly
/// }
/// assert_eq!(s.worker(42).expect("known").gold_correct, 3);
/// assert_ne!(s.next(42), Slot::Excluded); // passed: regular work, with some gold
/// # Ok(()) }
/// ```
#[derive(Debug, Clone)]
pub struct GoldScheduler {
    pub(super) params: ScheduleParams,
    pub(super) pool: GoldPool,
    pub(super) exposure: ExposureOrder,
    pub(super) workers: HashMap<u32, WorkerState>,
    pub(super) z: f64,
    pub(super) stats: ScheduleStats,
}

impl GoldScheduler {
    /// A scheduler over `pool`.
    ///
    /// # Errors
    /// Invalid parameters; a pool smaller than the quiz (checked here, before any
    /// scheduling).
    pub fn new(params: ScheduleParams, pool: GoldPool) -> Result<Self> {
        check(&params, &pool)?;
        Ok(Self::build(params, pool))
    }

    /// A factory of independent schedulers, one per simulated worker, each with
    /// `params` but its own seed (the policy simulator's gold source; see
    /// `crowdqc_policy::simulate::simulate_with`). The parameters are checked once,
    /// here, so the factory cannot fail.
    ///
    /// ```
    /// use crowdqc_gold::{GoldPool, GoldScheduler, ScheduleParams};
    /// let pool = GoldPool::synthetic(100, 2, 10).expect("small");
    /// let make = GoldScheduler::factory(ScheduleParams::new(), pool).expect("valid");
    /// let mut source = make(7); // a Box<dyn GoldSource> seeded with 7
    /// # let _ = &mut source;
    /// assert!(GoldScheduler::factory(ScheduleParams::new().quiz(200),
    ///     GoldPool::synthetic(100, 2, 10).expect("small")).is_err());
    /// ```
    ///
    /// # Errors
    /// As [`new`](Self::new).
    pub fn factory(
        params: ScheduleParams,
        pool: GoldPool,
    ) -> Result<impl Fn(u64) -> Box<dyn GoldSource> + Send + Sync + 'static> {
        check(&params, &pool)?;
        Ok(move |seed| {
            Box::new(Self::build(params.clone().seed(seed), pool.clone())) as Box<dyn GoldSource>
        })
    }

    /// A scheduler from checked parameters.
    fn build(params: ScheduleParams, pool: GoldPool) -> Self {
        let mut initial: Vec<u32> = (0..pool.len() as u32).collect();
        initial.shuffle(&mut ChaCha8Rng::seed_from_u64(params.seed));
        GoldScheduler {
            z: two_sided_z(params.confidence),
            exposure: ExposureOrder::new(initial),
            params,
            pool,
            workers: HashMap::new(),
            stats: ScheduleStats::default(),
        }
    }

    /// The parameters.
    pub fn params(&self) -> &ScheduleParams {
        &self.params
    }

    /// The gold pool.
    pub fn pool(&self) -> &GoldPool {
        &self.pool
    }

    /// Decision counts so far.
    pub fn stats(&self) -> ScheduleStats {
        self.stats
    }

    /// Distinct workers who were served `item` (None when it is not gold).
    pub fn exposure(&self, item: u32) -> Option<u32> {
        self.pool.index_of(item).map(|k| self.exposure.exposure(k))
    }

    /// Gold items retired by `max_exposure` (pool order).
    pub fn retired(&self) -> Vec<u32> {
        let m = self.params.max_exposure;
        if m == 0 {
            return Vec::new();
        }
        (0..self.pool.len() as u32)
            .filter(|&k| self.exposure.exposure(k) >= m)
            .map(|k| self.pool.item_at(k))
            .collect()
    }

    /// Non-retired gold items `worker` has not seen yet (the whole usable pool for an
    /// unknown worker): at 0 the worker has "maxed out" and gets no more work-mode
    /// gold, so add gold before that happens. O(pool size): for reports and alerts,
    /// not for every request.
    pub fn unseen_gold(&self, worker: u32) -> usize {
        let limit = if self.params.max_exposure == 0 {
            self.exposure.order().len()
        } else {
            self.exposure.below(self.params.max_exposure)
        };
        let usable = &self.exposure.order()[..limit];
        match self.workers.get(&worker) {
            Some(s) => usable
                .iter()
                .filter(|k| s.seen.binary_search(k).is_err())
                .count(),
            None => usable.len(),
        }
    }

    /// A worker's state, if the worker was ever seen.
    pub fn worker(&self, worker: u32) -> Option<WorkerView> {
        self.workers.get(&worker).map(|s| WorkerView {
            status: s.status,
            slots: s.slots,
            gold_served: s.served,
            gold_answered: s.answered,
            gold_correct: s.correct,
            gold_rate: s.rate,
        })
    }

    /// Decides the worker's next slot (a new worker is registered on first call).
    pub fn next(&mut self, worker: u32) -> Slot {
        self.stats.requests += 1;
        let params = &self.params;
        let exposure = &mut self.exposure;
        let pool = &self.pool;
        let z = self.z;
        let st = self
            .workers
            .entry(worker)
            .or_insert_with(|| fresh_state(params, z));
        let slot = st.slots;
        st.slots += 1;
        let (limit, reason) = match st.status {
            WorkerStatus::Failed => {
                self.stats.excluded += 1;
                return Slot::Excluded;
            }
            WorkerStatus::Quiz if st.served < params.quiz => {
                (exposure.order().len(), GoldReason::Quiz)
            }
            WorkerStatus::Quiz => {
                self.stats.awaiting += 1;
                return Slot::AwaitQuiz;
            }
            WorkerStatus::Working => {
                if unit_draw(params.seed, worker, slot) >= st.rate {
                    self.stats.regular += 1;
                    return Slot::Regular;
                }
                let limit = if params.max_exposure == 0 {
                    exposure.order().len()
                } else {
                    exposure.below(params.max_exposure)
                };
                let reason = if st.answered < params.onboarding_gold {
                    GoldReason::Onboarding
                } else {
                    GoldReason::Adaptive
                };
                (limit, reason)
            }
        };
        let pick = exposure.order()[..limit]
            .iter()
            .copied()
            .find(|k| st.seen.binary_search(k).is_err());
        let Some(k) = pick else {
            self.stats.starved += 1;
            self.stats.regular += 1;
            return Slot::Regular;
        };
        let at = st.seen.binary_search(&k).unwrap_or_else(|e| e);
        st.seen.insert(at, k);
        st.served += 1;
        exposure.increment(k);
        match reason {
            GoldReason::Quiz => self.stats.quiz += 1,
            GoldReason::Onboarding => self.stats.onboarding += 1,
            GoldReason::Adaptive => self.stats.adaptive += 1,
        }
        Slot::Gold {
            item: pool.item_at(k),
            reason,
        }
    }

    /// Records whether `worker` answered gold `item` correctly (for platforms that
    /// grade answers themselves, e.g. with several acceptable answers). Updates the
    /// worker's accuracy, gold rate and, at the end of the quiz, pass / fail.
    ///
    /// # Errors
    /// `item` is not in the pool or was never served to `worker`, or the worker has no
    /// outstanding gold answer ([`Error::InvalidValue`]).
    pub fn record(&mut self, worker: u32, item: u32, correct: bool) -> Result<()> {
        let k = self.pool.index_of(item).ok_or_else(|| {
            Error::value("item", None, format!("item {item} is not in the gold pool"))
        })?;
        let st = self.workers.get_mut(&worker).ok_or_else(|| {
            Error::value(
                "worker",
                None,
                format!("worker {worker} was never served gold"),
            )
        })?;
        if st.seen.binary_search(&k).is_err() {
            return Err(Error::value(
                "item",
                None,
                format!("gold item {item} was never served to worker {worker}"),
            ));
        }
        if st.answered >= st.served {
            return Err(Error::value(
                "item",
                None,
                format!("worker {worker} has no outstanding gold answer (item {item})"),
            ));
        }
        st.answered += 1;
        st.correct += u32::from(correct);
        let p = &self.params;
        if st.status == WorkerStatus::Quiz && st.answered >= p.quiz {
            let share = f64::from(st.correct) / f64::from(p.quiz.max(1));
            st.status = if share + 1e-12 >= p.quiz_pass {
                WorkerStatus::Working
            } else {
                WorkerStatus::Failed
            };
        }
        st.rate = gold_rate(p, self.z, st.answered, st.correct);
        Ok(())
    }

    /// Records the answer class the worker gave to gold `item`, grades it against the
    /// pool's answer and returns whether it was correct.
    ///
    /// # Errors
    /// As [`record`](Self::record).
    pub fn record_answer(&mut self, worker: u32, item: u32, answer: u32) -> Result<bool> {
        let gold = self.pool.answer(item).ok_or_else(|| {
            Error::value("item", None, format!("item {item} is not in the gold pool"))
        })?;
        let correct = answer == gold;
        self.record(worker, item, correct)?;
        Ok(correct)
    }
}

/// The checks of [`GoldScheduler::new`].
pub(super) fn check(params: &ScheduleParams, pool: &GoldPool) -> Result<()> {
    params.validate()?;
    if (pool.len() as u64) < u64::from(params.quiz) {
        return Err(Error::param(
            "quiz",
            format!(
                "the quiz needs {} distinct gold items but the pool has {}",
                params.quiz,
                pool.len()
            ),
        ));
    }
    Ok(())
}

fn fresh_state(params: &ScheduleParams, z: f64) -> WorkerState {
    WorkerState {
        seen: Vec::new(),
        slots: 0,
        served: 0,
        answered: 0,
        correct: 0,
        rate: gold_rate(params, z, 0, 0),
        status: if params.quiz > 0 {
            WorkerStatus::Quiz
        } else {
            WorkerStatus::Working
        },
    }
}

/// The regular-phase gold probability after `answered` gold answers, `correct` right.
pub(crate) fn gold_rate(p: &ScheduleParams, z: f64, answered: u32, correct: u32) -> f64 {
    if answered < p.onboarding_gold {
        return p.onboarding_rate;
    }
    if p.rule == AdaptiveRule::Posterior {
        // counts are consistent (correct <= answered) and the threshold is in (0, 1)
        let q = jeffreys_prob_below(u64::from(correct), u64::from(answered), p.threshold)
            .unwrap_or(1.0);
        return p.floor + (p.max_rate - p.floor) * q;
    }
    let ci = wilson_z(u64::from(correct), u64::from(answered), z);
    let t = p.threshold;
    if ci.contains(t) {
        return p.max_rate;
    }
    let d = if ci.low > t { ci.low - t } else { t - ci.high };
    let u = ci.width() / 2.0;
    (p.max_rate * u / (u + d)).max(p.floor)
}

/// A uniform draw in [0, 1) from `(seed, worker, slot)` (SplitMix64 finaliser over a
/// Weyl-mixed key): counter-based, so a worker's coin flips do not depend on other
/// workers' traffic and no per-worker generator state is stored.
fn unit_draw(seed: u64, worker: u32, slot: u64) -> f64 {
    let mut x = seed
        ^ u64::from(worker).wrapping_mul(0x9E37_79B9_7F4A_7C15)
        ^ slot.wrapping_mul(0xD1B5_4A32_D192_ED03);
    for _ in 0..2 {
        x ^= x >> 30;
        x = x.wrapping_mul(0xBF58_476D_1CE4_E5B9);
        x ^= x >> 27;
        x = x.wrapping_mul(0x94D0_49BB_1331_11EB);
        x ^= x >> 31;
    }
    (x >> 11) as f64 * (1.0 / (1u64 << 53) as f64)
}

impl GoldSource for GoldScheduler {
    /// [`GoldScheduler::next`]; `AwaitQuiz` and `Excluded` map to
    /// [`NextTask::Regular`] (the trait has no "wait" or "excluded"; check
    /// [`GoldScheduler::worker`]). The scheduler keeps its own gold counts from
    /// [`observe`](GoldSource::observe); `evidence` is not consulted.
    fn next_task(&mut self, worker: u32, evidence: &WorkerEvidence) -> NextTask {
        let _ = evidence;
        match self.next(worker) {
            Slot::Gold { item, .. } => NextTask::Gold(item),
            _ => NextTask::Regular,
        }
    }

    /// [`GoldScheduler::record`]; an invalid report (item never served) is ignored.
    fn observe(&mut self, worker: u32, gold_item: u32, correct: bool) {
        let _ = self.record(worker, gold_item, correct);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rate_decays_with_evidence_and_respects_bounds() {
        let p = ScheduleParams::new()
            .rule(AdaptiveRule::Wilson)
            .threshold(0.8)
            .floor(0.02)
            .max_rate(0.3);
        let z = two_sided_z(p.confidence);
        assert_eq!(gold_rate(&p, z, 3, 3), p.onboarding_rate);
        // a 95% worker: once decided, the rate falls monotonically towards the floor
        let mut last = f64::INFINITY;
        for n in (20..=2000).step_by(20) {
            let r = gold_rate(&p, z, n, n * 95 / 100);
            assert!((0.02..=0.3).contains(&r));
            assert!(r <= last + 1e-12, "n={n}: {r} > {last}");
            last = r;
        }
        assert!((last - 0.02).abs() < 0.02, "{last}");
        // 16 of 20 (80%): the interval straddles 0.8 -> max rate
        assert_eq!(gold_rate(&p, z, 20, 16), 0.3);
    }

    #[test]
    fn unit_draws_are_uniform_enough() {
        let n = 100_000u64;
        let mut hist = [0u32; 10];
        for s in 0..n {
            let u = unit_draw(7, (s % 13) as u32, s);
            assert!((0.0..1.0).contains(&u));
            hist[(u * 10.0) as usize] += 1;
        }
        // each decile within 5 sd of 10,000
        for h in hist {
            assert!((f64::from(h) - 10_000.0).abs() < 5.0 * 94.9, "{hist:?}");
        }
    }
}
