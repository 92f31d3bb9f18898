//! Per-worker evidence shared by the gold and policy crates.
//!
//! [`WorkerEvidence`] is what an access policy (`crowdqc-policy`) decides on and what
//! gold scoring (`crowdqc-gold`) and the aggregation models produce: gold counts and
//! the ordered recent gold outcomes, model-implied accuracy, agreement with peers,
//! spammer score, share of fast answers, activity, the current tier and timestamps.
//! Everything that may be unknown is an `Option` (or an empty summary); a policy
//! condition over an unknown metric does not fire and says so in its explanation.
//!
//! [`GoldSource`] is the minimal, object-safe interface between a gold scheduler and
//! anything that plays a platform (the policy simulator, example binaries): "is this
//! worker's next task gold, and which item", and "here is how they answered it".
//!
//! ```
//! use crowdqc_core::evidence::WorkerEvidence;
//!
//! let mut ev = WorkerEvidence::default();
//! for correct in [true, true, false, true] {
//!     ev.record_gold(correct);
//! }
//! assert_eq!((ev.gold_answered, ev.gold_correct), (4, 3));
//! // the last 3 gold answers: wrong, right, right -> 2 correct
//! assert_eq!(ev.recent_gold.window(3), Some((2, 3)));
//! ```

/// The most recent gold outcomes of a worker, newest first, as a bit set.
///
/// Holds up to [`RecentGold::CAPACITY`] outcomes (older ones fall off), which is enough
/// for any sliding-window rule ("under 80% over the last 10"); cumulative counts live
/// in [`WorkerEvidence::gold_answered`] / [`WorkerEvidence::gold_correct`].
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Hash)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct RecentGold {
    /// Bit `i` is 1 when the `i`-th most recent gold answer (0 = newest) was correct.
    bits: u128,
    /// Number of outcomes held (at most `CAPACITY`).
    len: u8,
}

impl RecentGold {
    /// The largest window that can be summarised.
    pub const CAPACITY: usize = 128;

    /// An empty history.
    pub const fn new() -> Self {
        RecentGold { bits: 0, len: 0 }
    }

    /// Builds a history from outcomes in chronological order (oldest first); only the
    /// last [`Self::CAPACITY`] are kept.
    pub fn from_chronological(outcomes: impl IntoIterator<Item = bool>) -> Self {
        let mut r = RecentGold::new();
        for o in outcomes {
            r.push(o);
        }
        r
    }

    /// Appends the newest outcome.
    pub fn push(&mut self, correct: bool) {
        self.bits = (self.bits << 1) | u128::from(correct);
        if (self.len as usize) < Self::CAPACITY {
            self.len += 1;
        }
    }

    /// Number of outcomes held.
    pub fn len(&self) -> usize {
        self.len as usize
    }

    /// Whether no outcome is held.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Whether the `age`-th most recent outcome (0 = newest) was correct, if held.
    pub fn get(&self, age: usize) -> Option<bool> {
        (age < self.len()).then(|| (self.bits >> age) & 1 == 1)
    }

    /// `(correct, answered)` over the last `n` outcomes (fewer when fewer are held);
    /// `None` when `n` exceeds [`Self::CAPACITY`].
    pub fn window(&self, n: usize) -> Option<(u32, u32)> {
        if n > Self::CAPACITY {
            return None;
        }
        let m = n.min(self.len());
        let mask = if m == 128 {
            u128::MAX
        } else {
            (1u128 << m) - 1
        };
        Some(((self.bits & mask).count_ones(), m as u32))
    }

    /// Outcomes oldest first (for display and tests).
    pub fn chronological(&self) -> Vec<bool> {
        (0..self.len())
            .rev()
            .map(|a| (self.bits >> a) & 1 == 1)
            .collect()
    }
}

/// How many of a worker's timed answers were faster than a threshold.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct FastAnswers {
    /// The threshold in milliseconds: an answer is fast when `duration_ms < threshold_ms`.
    pub threshold_ms: f64,
    /// Answers faster than the threshold.
    pub fast: u64,
    /// Answers with a known duration.
    pub timed: u64,
}

impl FastAnswers {
    /// Share of timed answers that were fast, `None` when none was timed.
    pub fn share(&self) -> Option<f64> {
        (self.timed > 0).then(|| self.fast as f64 / self.timed as f64)
    }
}

/// Everything known about one worker that an access rule may look at.
///
/// Counts default to zero and unknown measurements to `None`, so
/// `WorkerEvidence::default()` is a worker never seen. Probabilities are in `[0, 1]`.
#[derive(Debug, Clone, Default, PartialEq)]
#[cfg_attr(feature = "serde", derive(serde::Serialize, serde::Deserialize))]
pub struct WorkerEvidence {
    /// Gold (known-answer) tasks answered, all time.
    pub gold_answered: u64,
    /// Of those, answered correctly.
    pub gold_correct: u64,
    /// The most recent gold outcomes, newest first (sliding-window rules).
    pub recent_gold: RecentGold,
    /// Accuracy implied by a truth-inference model (e.g. Dawid–Skene), if fitted.
    pub model_accuracy: Option<f64>,
    /// Share of the worker's answers that agree with the other workers' consensus on
    /// the same items (leave-one-out majority), if computed.
    pub peer_agreement: Option<f64>,
    /// Raykar–Yu spammer score (≈0 for a spammer, ≈1 for a perfect worker), if computed.
    pub spammer_score: Option<f64>,
    /// Fast answers by `duration_ms`, if durations were recorded.
    pub fast_answers: Option<FastAnswers>,
    /// Judgments submitted (gold and regular), all time.
    pub judgments: u64,
    /// Current tier as an index into the policy's tier list (0 = lowest), if tiered.
    pub tier: Option<u16>,
    /// When the worker entered the current tier (ms since the Unix epoch).
    pub tier_since: Option<i64>,
    /// First activity (ms since the Unix epoch).
    pub first_seen: Option<i64>,
    /// Latest activity (ms since the Unix epoch).
    pub last_seen: Option<i64>,
    /// Tasks per active day (judgments / UTC calendar days with at least one), if
    /// timestamps were recorded.
    #[cfg_attr(feature = "serde", serde(default))]
    pub tasks_per_day: Option<f64>,
    /// Effective hourly pay after the platform's cut, counting unpaid qualification
    /// and training time, if a pay table and durations were given (`crowdqc-policy`'s
    /// `pay` module computes it).
    #[cfg_attr(feature = "serde", serde(default))]
    pub hourly_pay: Option<f64>,
}

impl WorkerEvidence {
    /// Records one gold answer: updates the counts and the recent outcomes.
    pub fn record_gold(&mut self, correct: bool) {
        self.gold_answered += 1;
        self.gold_correct += u64::from(correct);
        self.recent_gold.push(correct);
    }

    /// Gold answers answered wrongly, all time.
    pub fn gold_wrong(&self) -> u64 {
        self.gold_answered.saturating_sub(self.gold_correct)
    }

    /// Point estimate of gold accuracy, `None` without gold answers.
    pub fn gold_accuracy(&self) -> Option<f64> {
        (self.gold_answered > 0).then(|| self.gold_correct as f64 / self.gold_answered as f64)
    }

    /// Notes activity at `timestamp_ms` (updates first/last seen).
    pub fn touch(&mut self, timestamp_ms: i64) {
        self.first_seen = Some(
            self.first_seen
                .map_or(timestamp_ms, |t| t.min(timestamp_ms)),
        );
        self.last_seen = Some(self.last_seen.map_or(timestamp_ms, |t| t.max(timestamp_ms)));
    }
}

/// What a gold scheduler serves in a worker's next task slot.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum NextTask {
    /// A gold (known-answer) item, by the scheduler's own gold item index.
    Gold(u32),
    /// A regular (unknown-answer) task.
    Regular,
}

/// A gold scheduler as seen by something that plays a platform (the policy
/// simulator, example binaries). Object-safe; implementations must be deterministic
/// given their construction (seed) and the sequence of calls.
pub trait GoldSource {
    /// Decides the worker's next task slot, given what is known about the worker.
    fn next_task(&mut self, worker: u32, evidence: &WorkerEvidence) -> NextTask;

    /// Reports how the worker answered a gold item served by [`Self::next_task`]
    /// (default: ignored).
    fn observe(&mut self, worker: u32, gold_item: u32, correct: bool) {
        let _ = (worker, gold_item, correct);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recent_gold_windows() {
        let r = RecentGold::from_chronological([true, false, true, true]);
        assert_eq!(r.len(), 4);
        assert_eq!(r.get(0), Some(true));
        assert_eq!(r.get(2), Some(false));
        assert_eq!(r.get(4), None);
        assert_eq!(r.window(2), Some((2, 2)));
        assert_eq!(r.window(3), Some((2, 3)));
        assert_eq!(r.window(10), Some((3, 4)));
        assert_eq!(r.window(129), None);
        assert_eq!(r.chronological(), vec![true, false, true, true]);
    }

    #[test]
    fn recent_gold_caps_at_capacity() {
        let mut r = RecentGold::new();
        r.push(false);
        for _ in 0..RecentGold::CAPACITY {
            r.push(true);
        }
        assert_eq!(r.len(), RecentGold::CAPACITY);
        assert_eq!(r.window(RecentGold::CAPACITY), Some((128, 128)));
    }

    #[test]
    fn evidence_counts() {
        let mut e = WorkerEvidence::default();
        assert_eq!(e.gold_accuracy(), None);
        e.record_gold(true);
        e.record_gold(false);
        assert_eq!(e.gold_wrong(), 1);
        assert_eq!(e.gold_accuracy(), Some(0.5));
        e.touch(10);
        e.touch(5);
        assert_eq!((e.first_seen, e.last_seen), (Some(5), Some(10)));
        let f = FastAnswers {
            threshold_ms: 1000.0,
            fast: 1,
            timed: 4,
        };
        assert_eq!(f.share(), Some(0.25));
    }
}
