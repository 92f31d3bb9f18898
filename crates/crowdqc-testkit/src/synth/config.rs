//! Configuration of a synthetic crowd: [`SynthConfig`] and its parts.

use crowdqc_core::{Error, Result};

/// The prior over true classes (class imbalance).
#[derive(Debug, Clone, PartialEq)]
pub enum ClassPrior {
    /// Every class equally likely.
    Uniform,
    /// `P(class k) ∝ 1 / (k + 1)^s` (s = 0 is uniform; s = 1 makes class 0 about
    /// twice as common as class 1 and K times as common as the last one).
    Zipf(f64),
    /// Explicit non-negative weights, one per class (normalised; at least one > 0).
    Weights(Vec<f64>),
}

/// How many judgments each item gets (before duplicates). Always at least 1 and at
/// most the number of workers (a draw above it is truncated to it).
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Redundancy {
    /// Exactly `r` distinct workers per item.
    Fixed(u32),
    /// Uniform in `min..=max`.
    Uniform {
        /// Smallest redundancy (≥ 1).
        min: u32,
        /// Largest redundancy (≥ `min`).
        max: u32,
    },
    /// `1 + Poisson(mean - 1)`, so the mean is `mean` (≥ 1, ≤ 10 000).
    Poisson {
        /// Mean judgments per item.
        mean: f64,
    },
}

impl Redundancy {
    /// The expected number of judgments per item (ignoring truncation at the number
    /// of workers and duplicates).
    pub fn mean(&self) -> f64 {
        match *self {
            Redundancy::Fixed(r) => f64::from(r),
            Redundancy::Uniform { min, max } => (f64::from(min) + f64::from(max)) / 2.0,
            Redundancy::Poisson { mean } => mean,
        }
    }

    fn validate(&self) -> Result<()> {
        match *self {
            Redundancy::Fixed(0) => Err(Error::param("redundancy", "must be at least 1")),
            Redundancy::Uniform { min, max } if min == 0 || max < min => Err(Error::param(
                "redundancy",
                format!("uniform range needs 1 <= min <= max; got {min}..={max}"),
            )),
            Redundancy::Poisson { mean } if !(1.0..=10_000.0).contains(&mean) => Err(Error::param(
                "redundancy",
                format!("poisson mean must be in [1, 10000]; got {mean}"),
            )),
            _ => Ok(()),
        }
    }
}

/// Worker archetypes. Each worker has a confusion matrix
/// `P(observed | true)`, see [`WorkerTruth::confusion`](super::WorkerTruth::confusion).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Archetype {
    /// Correct with probability drawn from [`SynthConfig::good_accuracy`] (~0.9),
    /// errors uniform over the other classes.
    Good,
    /// Like `Good` with accuracy from [`SynthConfig::mediocre_accuracy`] (~0.7).
    Mediocre,
    /// Answers uniformly at random, whatever the truth.
    RandomSpammer,
    /// Always gives the same class (drawn uniformly per worker).
    ConstantSpammer,
    /// Prefers a wrong class: with probability `strength` (from
    /// [`SynthConfig::adversarial_strength`]) answers `(true + shift) mod K` for a
    /// per-worker `shift` in `1..K`, otherwise uniformly at random.
    Adversarial,
}

impl Archetype {
    /// All archetypes, in mix order.
    pub const ALL: [Archetype; 5] = [
        Archetype::Good,
        Archetype::Mediocre,
        Archetype::RandomSpammer,
        Archetype::ConstantSpammer,
        Archetype::Adversarial,
    ];

    /// Short name (`good`, `mediocre`, `random`, `constant`, `adversarial`).
    pub fn name(&self) -> &'static str {
        match self {
            Archetype::Good => "good",
            Archetype::Mediocre => "mediocre",
            Archetype::RandomSpammer => "random",
            Archetype::ConstantSpammer => "constant",
            Archetype::Adversarial => "adversarial",
        }
    }
}

/// Relative weights of the worker archetypes. The number of workers of each archetype
/// is exact: `n_workers * weight / sum`, rounded by largest remainder.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ArchetypeMix {
    /// Weight of [`Archetype::Good`].
    pub good: f64,
    /// Weight of [`Archetype::Mediocre`].
    pub mediocre: f64,
    /// Weight of [`Archetype::RandomSpammer`].
    pub random: f64,
    /// Weight of [`Archetype::ConstantSpammer`].
    pub constant: f64,
    /// Weight of [`Archetype::Adversarial`].
    pub adversarial: f64,
}

impl Default for ArchetypeMix {
    /// 60 % good, 25 % mediocre, 7 % random, 5 % constant, 3 % adversarial.
    fn default() -> Self {
        ArchetypeMix {
            good: 0.60,
            mediocre: 0.25,
            random: 0.07,
            constant: 0.05,
            adversarial: 0.03,
        }
    }
}

impl ArchetypeMix {
    /// Only workers of one archetype.
    pub fn only(a: Archetype) -> Self {
        let mut m = ArchetypeMix {
            good: 0.0,
            mediocre: 0.0,
            random: 0.0,
            constant: 0.0,
            adversarial: 0.0,
        };
        *m.weight_mut(a) = 1.0;
        m
    }

    /// The weight of one archetype.
    pub fn weight(&self, a: Archetype) -> f64 {
        match a {
            Archetype::Good => self.good,
            Archetype::Mediocre => self.mediocre,
            Archetype::RandomSpammer => self.random,
            Archetype::ConstantSpammer => self.constant,
            Archetype::Adversarial => self.adversarial,
        }
    }

    fn weight_mut(&mut self, a: Archetype) -> &mut f64 {
        match a {
            Archetype::Good => &mut self.good,
            Archetype::Mediocre => &mut self.mediocre,
            Archetype::RandomSpammer => &mut self.random,
            Archetype::ConstantSpammer => &mut self.constant,
            Archetype::Adversarial => &mut self.adversarial,
        }
    }

    /// Parses `good=0.6,mediocre=0.25,random=0.1,constant=0.05,adversarial=0`; names
    /// not given get weight 0.
    ///
    /// # Errors
    /// Unknown archetype name or a weight that is not a number.
    pub fn parse(s: &str) -> Result<Self> {
        let mut m = ArchetypeMix::only(Archetype::Good);
        m.good = 0.0;
        for part in s.split(',').map(str::trim).filter(|p| !p.is_empty()) {
            let (name, value) = part.split_once('=').ok_or_else(|| {
                Error::param("mix", format!("expected name=weight, got `{part}`"))
            })?;
            let a = Archetype::ALL
                .into_iter()
                .find(|a| a.name() == name.trim())
                .ok_or_else(|| {
                    Error::param(
                        "mix",
                        format!(
                            "unknown archetype `{name}`; use good, mediocre, random, constant, adversarial"
                        ),
                    )
                })?;
            *m.weight_mut(a) = value.trim().parse().map_err(|_| {
                Error::param(
                    "mix",
                    format!("weight of `{name}` is not a number: `{value}`"),
                )
            })?;
        }
        Ok(m)
    }

    /// Exact worker counts per archetype (in [`Archetype::ALL`] order) for `n` workers.
    pub(crate) fn counts(&self, n: usize) -> [usize; 5] {
        let w = Archetype::ALL.map(|a| self.weight(a));
        let sum: f64 = w.iter().sum();
        let quota = w.map(|x| x / sum * n as f64);
        let mut counts = quota.map(|q| q.floor() as usize);
        let mut left = n - counts.iter().sum::<usize>();
        let mut order: Vec<usize> = (0..5).collect();
        // largest remainder, ties to the earlier archetype
        order.sort_by(|&a, &b| {
            let (ra, rb) = (quota[a] - quota[a].floor(), quota[b] - quota[b].floor());
            rb.total_cmp(&ra).then(a.cmp(&b))
        });
        for &k in order.iter().cycle() {
            if left == 0 {
                break;
            }
            if w[k] > 0.0 {
                counts[k] += 1;
                left -= 1;
            }
        }
        counts
    }

    fn validate(&self) -> Result<()> {
        let w = Archetype::ALL.map(|a| self.weight(a));
        if w.iter().any(|x| !x.is_finite() || *x < 0.0) || w.iter().sum::<f64>() <= 0.0 {
            return Err(Error::param(
                "mix",
                "archetype weights must be finite, non-negative and not all zero",
            ));
        }
        Ok(())
    }
}

/// The order of the generated rows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum RowOrder {
    /// Rows shuffled within each block of [`BLOCK_ITEMS`](super::BLOCK_ITEMS) items,
    /// so an item's judgments are interleaved with others' (like a real dump). Default.
    #[default]
    Shuffled,
    /// All judgments of item 0, then item 1, …
    ByItem,
}

/// A seeded synthetic crowd. Build a [`SynthCrowd`](super::SynthCrowd) from it.
///
/// Everything generated is a pure function of this configuration (including `seed`):
/// the same config gives the same rows, truth and batches on any machine.
#[derive(Debug, Clone, PartialEq)]
pub struct SynthConfig {
    /// Seed of every random choice.
    pub seed: u64,
    /// Number of items (≥ 1).
    pub n_items: usize,
    /// Number of workers (≥ 1).
    pub n_workers: usize,
    /// Number of classes K (≥ 1).
    pub n_classes: usize,
    /// Prior over true classes.
    pub class_prior: ClassPrior,
    /// Judgments per item.
    pub redundancy: Redundancy,
    /// Worker archetype weights.
    pub mix: ArchetypeMix,
    /// Accuracy range of good workers (uniform draw per worker). Default `(0.85, 0.95)`.
    pub good_accuracy: (f64, f64),
    /// Accuracy range of mediocre workers. Default `(0.6, 0.8)`.
    pub mediocre_accuracy: (f64, f64),
    /// Range of the adversarial preference strength. Default `(0.6, 0.9)`.
    pub adversarial_strength: (f64, f64),
    /// Zipf exponent of worker activity: worker of activity rank k is picked with
    /// weight `1 / (k + 1)^s` (ranks assigned at random). 0 = uniform. Default 0.8.
    pub activity_skew: f64,
    /// Probability that an item is gold (its truth revealed). Default 0.05.
    pub gold_fraction: f64,
    /// Probability that a judgment is followed by a repeat from the same worker on the
    /// same item (a fresh draw, so it may conflict). Default 0.
    pub duplicate_rate: f64,
    /// Generate `timestamp` (ms since the epoch) and `duration_ms` columns. Default off.
    pub times: bool,
    /// Row order. Default [`RowOrder::Shuffled`].
    pub row_order: RowOrder,
}

impl Default for SynthConfig {
    fn default() -> Self {
        SynthConfig {
            seed: 0,
            n_items: 1000,
            n_workers: 50,
            n_classes: 2,
            class_prior: ClassPrior::Uniform,
            redundancy: Redundancy::Fixed(5),
            mix: ArchetypeMix::default(),
            good_accuracy: (0.85, 0.95),
            mediocre_accuracy: (0.6, 0.8),
            adversarial_strength: (0.6, 0.9),
            activity_skew: 0.8,
            gold_fraction: 0.05,
            duplicate_rate: 0.0,
            times: false,
            row_order: RowOrder::Shuffled,
        }
    }
}

impl SynthConfig {
    /// A config with about `n_judgments` judgments: sets `n_items` to
    /// `round(n_judgments / redundancy.mean())` (at least 1). Exact for fixed redundancy
    /// dividing `n_judgments`, with no duplicates and enough workers.
    pub fn with_judgments(mut self, n_judgments: u64) -> Self {
        self.n_items = ((n_judgments as f64 / self.redundancy.mean()).round() as usize).max(1);
        self
    }

    /// Checks every field, naming the first bad one.
    ///
    /// # Errors
    /// [`Error::InvalidParameter`](crowdqc_core::Error) naming the field and its constraint.
    pub fn validate(&self) -> Result<()> {
        // first, as `with_judgments` derives `n_items` from it
        self.redundancy.validate()?;
        if self.n_items == 0 || self.n_items > u32::MAX as usize {
            return Err(Error::param("n_items", "must be in 1..=u32::MAX"));
        }
        if self.n_workers == 0 || self.n_workers > u32::MAX as usize {
            return Err(Error::param("n_workers", "must be in 1..=u32::MAX"));
        }
        if self.n_classes == 0 || self.n_classes > 1 << 20 {
            return Err(Error::param("n_classes", "must be in 1..=1048576"));
        }
        match &self.class_prior {
            ClassPrior::Uniform => {}
            ClassPrior::Zipf(s) if s.is_finite() && *s >= 0.0 => {}
            ClassPrior::Zipf(s) => {
                return Err(Error::param(
                    "class_prior",
                    format!("zipf exponent must be finite and >= 0; got {s}"),
                ));
            }
            ClassPrior::Weights(w) => {
                if w.len() != self.n_classes {
                    return Err(Error::param(
                        "class_prior",
                        format!("{} weights for {} classes", w.len(), self.n_classes),
                    ));
                }
                if w.iter().any(|x| !x.is_finite() || *x < 0.0) || w.iter().sum::<f64>() <= 0.0 {
                    return Err(Error::param(
                        "class_prior",
                        "weights must be finite, non-negative and not all zero",
                    ));
                }
            }
        }
        self.mix.validate()?;
        for (name, (lo, hi)) in [
            ("good_accuracy", self.good_accuracy),
            ("mediocre_accuracy", self.mediocre_accuracy),
            ("adversarial_strength", self.adversarial_strength),
        ] {
            if !(0.0..=1.0).contains(&lo) || !(0.0..=1.0).contains(&hi) || lo > hi {
                return Err(Error::param(
                    name,
                    format!("needs 0 <= lo <= hi <= 1; got ({lo}, {hi})"),
                ));
            }
        }
        if !self.activity_skew.is_finite() || self.activity_skew < 0.0 {
            return Err(Error::param("activity_skew", "must be finite and >= 0"));
        }
        if !(0.0..=1.0).contains(&self.gold_fraction) {
            return Err(Error::param("gold_fraction", "must be in [0, 1]"));
        }
        if !(0.0..1.0).contains(&self.duplicate_rate) {
            return Err(Error::param("duplicate_rate", "must be in [0, 1)"));
        }
        Ok(())
    }
}
